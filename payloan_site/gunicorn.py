"""gunicorn settings shared by every web process (make run, production, the benchmark's both sides):
`gunicorn -c python:payloan_site.gunicorn payloan_site.wsgi`. Command-line flags override them.

gthread workers: a request that waits on PostgreSQL or a partner (a payment start) holds a thread,
not a process. WEB_WORKERS x WEB_THREADS bounds concurrent requests and DB connections per node."""

import os

from gunicorn.glogging import Logger

from payloan_site.logfilters import MaskSecrets

bind = (
    os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('WEB_PORT') or os.environ.get('PORT', '8000')}"
)
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# A partner start may take PARTNER_HTTP_TIMEOUT; well above it, so only a stuck worker is killed.
timeout = 120
graceful_timeout = 30
# Merchant integrations and load balancers reuse connections; keep them open between requests.
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG") or None


class SecretMaskingLogger(Logger):
    """gunicorn's logger, masking the secrets in request lines, referers and errors."""

    def setup(self, cfg):  # noqa: ANN001, ANN201
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskSecrets) for f in log.filters):
                log.addFilter(MaskSecrets())


logger_class = SecretMaskingLogger
