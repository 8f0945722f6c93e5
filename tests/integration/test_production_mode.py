"""SANDBOX=false is production: Django's deployment checklist passes, and a real gunicorn on those
settings redirects plain HTTP to HTTPS, sends HSTS and marks its cookies Secure. Behind a proxy the
scheme comes from X-Forwarded-Proto, believed only from TRUSTED_PROXIES."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from tests.support.stack import ROOT, Stack, database_url, free_port

pytestmark = pytest.mark.integration


def production_env(connection, **extra: str) -> dict[str, str]:  # noqa: ANN001
    # The test process's own switches (async-unsafe ORM for Playwright, cookie overrides) are not
    # a production server's.
    dropped = ("SESSION_COOKIE", "SECURE_", "CSRF_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {
        **env,
        "SANDBOX": "false",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "pay.example.com,127.0.0.1",
        "PUBLIC_BASE_URL": "https://pay.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://pay.example.com",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",
        **extra,
    }


def test_manage_check_deploy_passes_with_production_settings(db):
    from django.db import connection

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(connection),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_sandbox_settings_are_not_production_ones(db):
    """The same checklist fails on the sandbox's settings: the test above can fail."""
    from django.db import connection

    env = production_env(connection, SANDBOX="true")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


@pytest.fixture
def production_web(transactional_db):
    from django.db import connection

    port = free_port()
    env = production_env(connection, PORT=str(port), TRUSTED_PROXIES="127.0.0.1")
    stack = Stack(
        env=env, base_url=f"http://127.0.0.1:{port}", logs=Path(tempfile.mkdtemp(prefix="payloan-prod-"))
    )
    stack.start_web()
    yield stack
    stack.stop_all()


def test_https_redirect_hsts_and_secure_cookies_behind_a_trusted_proxy(production_web):
    base = production_web.base_url
    plain = requests.get(
        f"{base}/dashboard/login/", headers={"Host": "pay.example.com"}, allow_redirects=False, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://pay.example.com/dashboard/login/"

    # The TLS-terminating proxy (127.0.0.1 is trusted here) says the client came over https.
    proxied = requests.get(
        f"{base}/dashboard/login/",
        headers={"Host": "pay.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        allow_redirects=False,
        timeout=10,
    )
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    cookie = proxied.headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" not in cookie.split("csrftoken")[0]

    # The balancer's health check may come in plain HTTP: it is not redirected.
    health = requests.get(
        f"{base}/healthz", headers={"Host": "pay.example.com"}, allow_redirects=False, timeout=10
    )
    assert health.status_code in (200, 503) and "Location" not in health.headers
    # No sandbox in production.
    assert (
        requests.get(
            f"{base}/sandbox/", headers={"Host": "pay.example.com", "X-Forwarded-Proto": "https"}, timeout=10
        ).status_code
        == 404
    )


def test_an_untrusted_peer_cannot_claim_https(client, settings):
    """X-Forwarded-Proto from anyone but a trusted proxy is dropped before Django looks at it."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.9.9.9"]
    forged = client.get("/dashboard/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="198.51.100.4")
    assert forged.status_code == 301 and forged["Location"].startswith("https://")
    proxied = client.get("/dashboard/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.9.9.9")
    assert proxied.status_code == 200


def test_server_side_binding_is_refused_at_start(db):
    """A delivered notification settles in one two-statement query, which psycopg's server-side
    binding refuses: a DATABASE_URL that asks for it stops the process at start, not every
    delivery later."""
    from django.db import connection

    env = production_env(connection)
    env["DATABASE_URL"] += ("&" if "?" in env["DATABASE_URL"] else "?") + "server_side_binding=true"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "server_side_binding is not supported" in result.stderr
