"""Health check and error handlers: JSON for machine paths, a finished page for people."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from payments.snap import views as snap_views

MACHINE_PREFIXES = ("/nicepay/", "/api/", "/partners/", "/sandbox/simulate", "/healthz")


def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "up"
    except Exception as exc:  # noqa: BLE001 - report, never raise
        checks["database"] = f"down: {type(exc).__name__}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        checks["redis"] = "up"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"down: {type(exc).__name__}"
    workers: list[str] = []
    if checks["redis"] == "up":
        try:
            from payloan_site.celery import app

            workers = sorted(name for reply in app.control.ping(timeout=1.0) for name in reply)
        except Exception:  # noqa: BLE001
            workers = []
    checks["celery_workers"] = f"up ({len(workers)})" if workers else "down"
    ok = all(v.startswith("up") for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "degraded", **checks, "workers": workers}, status=200 if ok else 503
    )


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if snap_views.is_snap_path(request.path):  # SNAP's body, not V2's, under its paths
        return snap_views.site_error(request.path, status)
    if request.path.startswith(MACHINE_PREFIXES):
        code = {400: "9999", 403: "9999", 404: "9501", 500: "9002"}.get(status, "9999")
        with translation.override("en"):  # machine answers are never translated
            return JsonResponse({"resultCd": code, "resultMsg": str(message)}, status=status)
    return render(
        request, "error.html", {"title": title, "message": message, "status": status}, status=status
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("You are not allowed to do this."))


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Not found"), _("The page or transaction was not found."))


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, _("Something went wrong"), _("Something went wrong on our side. Please try again.")
    )
