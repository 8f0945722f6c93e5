"""Settings, all from the environment (django-environ). See the README for the table."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from payloan_site.queues import ROUTES as QUEUE_ROUTES

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
SANDBOX = env.bool("SANDBOX", default=True)
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
if not SANDBOX and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("Production (SANDBOX=false) needs a real SECRET_KEY.")
DEBUG = env.bool("DEBUG", default=False)
PORT = env.int("PORT", default=8000)
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # For the pg_trgm search indexes (OpClass in an expression index, migration 0016); on SQLite
    # it registers lookups only, and its per-connection type lookup is PostgreSQL-only and cached.
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served locally (no CDN)
    "django_otp",
    "django_otp.plugins.otp_totp",  # dashboard two-factor sign-in (TOTP)
    "payments",
]
# (the sandbox app serves its own static files from providers/sandbox/static)
if SANDBOX:
    INSTALLED_APPS.append("providers.sandbox")

# Machine-to-machine paths (V2 JSON API, BI-SNAP, partner notifications) skip the browser-only
# middleware (payloan_site/middleware.py): Django's own classes, passed through on these paths only.
MACHINE_PATHS = (
    "/nicepay/v1.0/",  # BI-SNAP: access token
    "/nicepay/api/v1.0/",  # BI-SNAP: payment, status, refund
    "/nicepay/snap/public-key.pem",
    "/nicepay/direct/v2/registration",
    "/nicepay/direct/v2/inquiry",
    "/nicepay/direct/v2/cancel",
    "/nicepay/direct/v2/confirmAkulaku",
    "/nicepay/api/direct/v2/confirmAkulaku",
    "/nicepay/redirect/v2/registration",
    "/partners/",
)
MIDDLEWARE = [
    "payloan_site.proxy.TrustedProxyMiddleware",  # first: the client's address and scheme
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and views: a NUL or an unpaired surrogate never reaches a query (no 500).
    "payments.middleware.InboundTextMiddleware",
    "payloan_site.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # shopper pages: switch, Accept-Language, default
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "payloan_site.middleware.AuthenticationMiddleware",
    "payloan_site.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "payloan_site.urls"
WSGI_APPLICATION = "payloan_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL + busy timeout + IMMEDIATE avoid "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Connections are reused across requests and tasks (a new PostgreSQL connection costs a backend
    # fork, several ms).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # psycopg's client-side binding (Django's default) is kept: a delivered notification settles in
    # one two-statement query (services/outbox_statements.py), which server-side binding refuses.
    if DATABASES["default"].get("OPTIONS", {}).get("server_side_binding"):
        raise ImproperlyConfigured("server_side_binding is not supported (see services/outbox_statements.py)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def _neighbour_db(url: str) -> str:
    """The same Redis, the next database: clearing the cache must never drop queued tasks."""
    base, _, db = url.rpartition("/")
    if not db.isdigit():
        return url
    return f"{base}/{int(db) + 1 if int(db) < 15 else int(db) - 1}"


# Cache and rate-limit counters; by default beside the broker in its own database.
CACHE_REDIS_URL = env("CACHE_REDIS_URL", default=_neighbour_db(REDIS_URL))
# Fail-soft: with Redis down a cached read is a miss and a write is skipped (payloan_site/cache.py);
# the atomic counters (add/incr) still raise, and each limit decides what an outage means.
CACHES = {
    "default": {
        "BACKEND": "payloan_site.cache.FailSoftRedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# Shopper pages speak Bahasa Indonesia and English (payments/locale); an Indonesian browser gets
# Indonesian. Requests without Accept-Language (API clients, tests) get English.
LANGUAGE_CODE = "en"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "payments" / "locale"]
LANGUAGE_COOKIE_NAME = "payloan_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders; keep it quiet
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/dashboard/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# --- HTTPS and proxies (docs/security.md) -------------------------------------------------------
# Addresses or networks of our own reverse proxies / load balancers. Only from these are
# X-Forwarded-For and X-Forwarded-Proto believed (payloan_site/proxy.py); every per-address limit
# uses the client address derived from them.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Flash messages stay on the server (the session, in the database): Django's default keeps them in a
# signed, not encrypted, cookie, and one carries a new merchantKey shown once in the back office.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not SANDBOX)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not SANDBOX)
SECURE_REDIRECT_EXEMPT = [r"^healthz"]  # a balancer's health check may come in plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if SANDBOX else 365 * 86400)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not SANDBOX)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not SANDBOX)

# E-mail (password reset, invitations). The sandbox writes each message to a file under var/mail.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if SANDBOX
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Payloan <no-reply@payloan.test>")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)  # seconds a reset link works
OTP_TOTP_ISSUER = "Payloan"
# Wrong codes are limited by the dashboard's own atomic throttle (5 per 15 minutes per account);
# django-otp's growing per-device delay would also refuse a right code typed just after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redelivery of unacked tasks after a lost worker; longer than any task we run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    # With Redis down, a request must not hang on the enqueue: the outbox sweep sends it later.
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
# One queue per kind of work, each with its own worker and pool (payloan_site/queues.py, rule 12).
CELERY_TASK_ROUTES = QUEUE_ROUTES
# Every task is routed by name (a test checks it); anything else would run with the short polls.
CELERY_TASK_DEFAULT_QUEUE = "polling"
# Celery's Django fixup closes the DB connection around every task; a worker instead keeps it
# like a web request does (CONN_MAX_AGE, health-checked): see payloan_site/celery.py.
CELERY_DB_REUSE_MAX = 1_000_000
from celery.schedules import crontab  # noqa: E402

_SWEEP = timedelta(seconds=env.float("SWEEP_INTERVAL", default=5.0))
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "payments.tasks.notifications_sweep", "schedule": _SWEEP},
    "poll-sweep": {"task": "payments.tasks.transactions_poll_sweep", "schedule": _SWEEP},
    "expiry-sweep": {"task": "payments.tasks.transactions_expire_sweep", "schedule": _SWEEP},
    "jobs-recover": {"task": "payments.tasks.jobs_recover", "schedule": _SWEEP},
    "pushes-resume": {"task": "payments.tasks.pushes_resume", "schedule": _SWEEP},
    "cancellations-settle": {"task": "payments.tasks.cancellations_settle", "schedule": _SWEEP},
    "late-payments-return": {"task": "payments.tasks.late_payments_sweep", "schedule": _SWEEP},
    "reconcile-daily": {"task": "payments.tasks.reconcile_daily", "schedule": crontab(hour=2, minute=15)},
    "unverified-callbacks-purge": {
        "task": "payments.tasks.partner_callbacks_purge",
        "schedule": timedelta(hours=1),
    },
}

# --- Gateway ----------------------------------------------------------------------------------
# V2 timeStamp: the merchant's local clock in any zone (UTC-12 .. UTC+14), plus this much clock error.
TIMESTAMP_SKEW = timedelta(minutes=env.int("TIMESTAMP_SKEW_MINUTES", default=15))
PARTNER_HTTP_TIMEOUT = env.float("PARTNER_HTTP_TIMEOUT", default=15.0)
# The V2 API reads the merchant (iMid, key) from Redis for this long at most; every change of the
# row drops it at once (payments/selectors/merchants.py), so this only bounds a lost invalidation.
MERCHANT_CACHE_SECONDS = env.int("MERCHANT_CACHE_SECONDS", default=30)
NOTIFICATION_TIMEOUT = env.float("NOTIFICATION_TIMEOUT", default=10.0)
# "Send test notification" posts at once, per click: at most this many per merchant per window.
TEST_NOTIFICATION_LIMIT = env.int("TEST_NOTIFICATION_LIMIT", default=5)
TEST_NOTIFICATION_WINDOW = env.int("TEST_NOTIFICATION_WINDOW_SECONDS", default=60)
# Merchant URLs on private/loopback networks: refused in production (SSRF), needed by the sandbox.
NOTIFICATION_ALLOW_PRIVATE_URLS = env.bool("NOTIFICATION_ALLOW_PRIVATE_URLS", default=SANDBOX)
# Seconds after attempt 1, 2, ... ; then the notification is dead. (1 min ... 24 h)
NOTIFICATION_RETRY_SCHEDULE = env.list(
    "NOTIFICATION_RETRY_SCHEDULE", cast=int, default=[60, 300, 900, 3600, 10800, 21600, 43200, 86400]
)
# Status polling of payments still open at a partner: seconds after start, then every last value.
POLL_SCHEDULE = env.list("POLL_SCHEDULE", cast=int, default=[15, 30, 60, 120, 300, 900])
# Hosted checkout (redirect API, payment links): how long a checkout stays open without
# payValidDt/paymentExpDt, and how many wrong or missing customer-page tokens one client address
# may send per window before its requests are refused (guessing tXids gains nothing).
CHECKOUT_EXPIRY_SECONDS = env.int("CHECKOUT_EXPIRY_SECONDS", default=3600)
CUSTOMER_PAGE_MISS_LIMIT = env.int("CUSTOMER_PAGE_MISS_LIMIT", default=20)
CUSTOMER_PAGE_MISS_WINDOW = env.int("CUSTOMER_PAGE_MISS_WINDOW_SECONDS", default=600)
# Partner notifications (docs/security.md): seconds a signed timestamp or nonce may be away from now;
# requests per address per minute; unverified ones stored per address and in all per 10 minutes
# (beyond that they are answered but not stored), and kept this many days.
PARTNER_NOTIFICATION_WINDOW = env.int("PARTNER_NOTIFICATION_WINDOW", default=15 * 60)
PARTNER_NOTIFY_RATE_PER_ADDRESS = env.int("PARTNER_NOTIFY_RATE_PER_ADDRESS", default=3000)
PARTNER_UNVERIFIED_STORED_PER_ADDRESS = env.int("PARTNER_UNVERIFIED_STORED_PER_ADDRESS", default=30)
PARTNER_UNVERIFIED_STORED_TOTAL = env.int("PARTNER_UNVERIFIED_STORED_TOTAL", default=600)
PARTNER_UNVERIFIED_RETENTION_DAYS = env.int("PARTNER_UNVERIFIED_RETENTION_DAYS", default=7)
# Sandbox: where each simulated partner sends its server notifications (set at "onboarding").
SANDBOX_GATEWAY_BASE_URL = env("SANDBOX_GATEWAY_BASE_URL", default=PUBLIC_BASE_URL)
SANDBOX_OVO_PUSH_TIMEOUT = env.float("SANDBOX_OVO_PUSH_TIMEOUT", default=60.0)
# Settlement: working days from payment to the merchant's money when a partner's fee row sets none
# (1 = T+1), and the bank holidays (YYYY-MM-DD) that are not working days.
SETTLEMENT_DAYS_DEFAULT = env.int("SETTLEMENT_DAYS_DEFAULT", default=1)
SETTLEMENT_HOLIDAYS = env.list("SETTLEMENT_HOLIDAYS", default=[])
# Key rotation: how long the replaced merchantKey keeps working unless the owner chooses otherwise.
KEY_ROTATION_OVERLAP_HOURS = env.int("KEY_ROTATION_OVERLAP_HOURS", default=24)
# BI-SNAP: bearer token lifetime (seconds), and the gateway's RSA key that signs SNAP notifications
# (PEM text, "\n" escapes allowed, or a file). Without either, one is generated and kept encrypted.
ACCESS_TOKEN_SECONDS = env.int("ACCESS_TOKEN_SECONDS", default=900)
GATEWAY_SIGNING_KEY = env.str("GATEWAY_SIGNING_KEY", default="", multiline=True)
GATEWAY_SIGNING_KEY_FILE = env("GATEWAY_SIGNING_KEY_FILE", default="")
# Jakarta hours in which the simulated DANA refuses cancels and refunds (DANA closes 00:00-01:00 WIB).
# Comma-separated; empty: never, so a test run does not depend on the hour it starts.
SANDBOX_DANA_CLOSED_HOURS = [
    int(h) for h in env("SANDBOX_DANA_CLOSED_HOURS", default="0").split(",") if h.strip()
]
# Where adapters reach the simulated partners' APIs when no <PARTNER>_BASE_URL is set: a server of
# their own in make run and the test stack (empty: this server, at PUBLIC_BASE_URL).
SANDBOX_PARTNER_BASE_URL = env("SANDBOX_PARTNER_BASE_URL", default="").rstrip("/")
# Cancels whose partner answer was lost are settled by asking the partner: seconds between the
# questions (services/cancel_checks.py); after the last one, ops are asked to look (review queue).
CANCEL_CHECK_SCHEDULE = env.list(
    "CANCEL_CHECK_SCHEDULE", cast=int, default=[10, 30, 60, 300, 900, 3600, 21600]
)
# Seconds a worker holds the claim on a push to the customer's app (OVO) before another may take
# it over, asking the partner first (services/payment.py): longer than getting the call out.
PUSH_CLAIM_SECONDS = env.float("PUSH_CLAIM_SECONDS", default=15.0)
# Jobs (services/jobs.py): a running job's heartbeat (seconds); older than JOB_STALE_SECONDS means
# its worker died and it is queued again, at most JOB_MAX_RESTARTS times; a queued job not started
# JOB_REDISPATCH_SECONDS after it was handed over is handed over again (its task may be lost).
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=10.0)
JOB_STALE_SECONDS = env.float("JOB_STALE_SECONDS", default=60.0)
JOB_MAX_RESTARTS = env.int("JOB_MAX_RESTARTS", default=2)
JOB_REDISPATCH_SECONDS = env.float("JOB_REDISPATCH_SECONDS", default=120.0)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "payments.rest.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"merchant": env("API_RATE_LIMIT", default="1200/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Payloan merchant API",
    "DESCRIPTION": "Transactions, notifications and sync with the partner. HTTP Basic with iMid:merchantKey. "
    'Every error answers {"error": {"code", "message", "fields"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Every handler masks the secrets that travel in URLs (payloan_site/logfilters.py). Django's own
# loggers are given these handlers too: its defaults (and runserver's django.server) would not mask.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "payloan_site.logfilters.MaskSecrets"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secrets"]},
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["secrets"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},  # to the root's console
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}
