"""Health check and error handlers: JSON for machine paths, a finished page for people."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from payloan_site.queues import QUEUES
from payments.snap import views as snap_views

# Pages for the merchant's team: their errors lead back to these, not to a shop.
MERCHANT_HOMES = {"/dashboard/": _("Back to the dashboard"), "/docs/": _("Back to the developer guide")}
MACHINE_PREFIXES = ("/nicepay/", "/api/", "/partners/", "/sandbox/simulate", "/healthz")


def _database() -> str:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        return "up"
    except Exception as exc:  # noqa: BLE001 - report, never raise
        return f"down: {type(exc).__name__}"


def _redis() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        return "up"
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"


def _consumers() -> dict[str, list[str]]:
    """Queue -> the Celery workers consuming it now (asked over the broker; waits ~1 s for answers)."""
    found: dict[str, list[str]] = {queue: [] for queue in QUEUES}
    try:
        from payloan_site.celery import app

        replies = app.control.inspect(timeout=1.0).active_queues() or {}
    except Exception:  # noqa: BLE001 - no broker: nobody consumes
        return found
    for worker, queues in replies.items():
        for queue in queues:
            found.setdefault(queue.get("name", ""), []).append(worker)
    return {queue: sorted(workers) for queue, workers in found.items()}


def _answer(ok: bool, body: dict) -> JsonResponse:
    resp = JsonResponse({"status": "ok" if ok else "degraded", **body}, status=200 if ok else 503)
    resp["Cache-Control"] = "no-store"
    return resp


def healthz_live(request: HttpRequest) -> JsonResponse:
    """For the load balancer: this process answers and reaches the database, so it can take
    payments. Redis and the workers are not asked: without them the V2 API still works (status
    changes wait in the outbox), so their loss must not take web nodes out of rotation."""
    database = _database()
    return _answer(database == "up", {"database": database})


def healthz_ready(request: HttpRequest) -> JsonResponse:
    """For monitoring and deploys: Redis answers and every queue has a live consumer."""
    redis_state = _redis()
    consumers = _consumers() if redis_state == "up" else {queue: [] for queue in QUEUES}
    missing = [queue for queue in QUEUES if not consumers.get(queue)]
    body = {"redis": redis_state, "queues": {q: len(consumers.get(q, [])) for q in QUEUES}}
    if missing:
        body["queues_without_consumer"] = missing
    return _answer(redis_state == "up" and not missing, body)


def healthz(request: HttpRequest) -> JsonResponse:
    """Full health for people and monitoring: database, Redis, and each queue's consumers."""
    database, redis_state = _database(), _redis()
    consumers = _consumers() if redis_state == "up" else {queue: [] for queue in QUEUES}
    missing = [queue for queue in QUEUES if not consumers.get(queue)]
    workers = sorted({w for names in consumers.values() for w in names})
    body = {
        "database": database,
        "redis": redis_state,
        "celery_workers": f"up ({len(workers)})" if workers else "down",
        "queues": {q: consumers.get(q, []) for q in QUEUES},
        "queues_without_consumer": missing,
        "workers": workers,
    }
    return _answer(database == "up" and redis_state == "up" and not missing, body)


def error_response(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """SNAP's JSON under the SNAP paths, JSON with resultCd on other machine paths, a finished page
    for people."""
    if snap_views.is_snap_path(request.path):  # SNAP's body, not V2's, under its paths
        return snap_views.site_error(request.path, status)
    if request.path.startswith(MACHINE_PREFIXES):
        code = {400: "9999", 403: "9999", 404: "9501", 500: "9002"}.get(status, "9999")
        with translation.override("en"):  # machine answers are never translated
            return JsonResponse({"resultCd": code, "resultMsg": str(message)}, status=status)
    context = {"title": title, "message": message, "status": status, "home": None}
    for prefix, label in MERCHANT_HOMES.items():  # the merchant's team, not a shopper: lead them back
        if request.path.startswith(prefix):
            context["home"] = {"url": prefix, "label": label}
    return render(request, "error.html", context, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/nicepay/") and not snap_views.is_snap_path(request.path):
        # the V2 door answers in its own shape (HTTP 200 JSON); SNAP's in error_response
        from payments.nicepay.errors import BadBody
        from payments.nicepay.views import refusal

        return refusal(request, BadBody("The request could not be understood (too large or malformed)"))
    return error_response(request, 400, _("Bad request"), _("The request could not be understood."))


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403, _("Not allowed"), _("You are not allowed to do this."))


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404, _("Not found"), _("The page or transaction was not found."))


def error_500(request: HttpRequest) -> HttpResponse:
    return error_response(
        request, 500, _("Something went wrong"), _("Something went wrong on our side. Please try again.")
    )
