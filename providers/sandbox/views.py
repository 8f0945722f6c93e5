"""The sandbox's own pages: the index (partners, credentials, triggers, endpoints, a simulate form)
and the machine hooks tests use: /sandbox/simulate and /sandbox/refund-control (JSON)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import refunds, triggers
from .core import SIMULATORS, json_body, simulators
from .merchant import DEMO_MERCHANT_NAME
from .models import SandboxOrder

OUTCOMES = (triggers.SUCCESS, triggers.DECLINE, triggers.EXPIRE, triggers.CANCEL)


def _simulate(txid: str, outcome: str) -> tuple[int, dict[str, Any]]:
    """Acts at the partner holding `txid` as its customer would; (HTTP status, answer)."""
    order = SandboxOrder.objects.filter(merchant_ref=txid).order_by("-id").first()
    if order is None or order.partner not in SIMULATORS:
        return 404, {"error": "no partner order for this tXid (was payment started?)"}
    result = SIMULATORS[order.partner].simulate(order, outcome)
    return 200, {"partner": order.partner, "ref": order.ref, **result}


def index(request: HttpRequest, result: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    partners = [
        {
            "sim": sim,
            "app_url": reverse(sim.phone_app) if sim.phone_app else "",
            "endpoints": [(f"/sandbox/{sim.slug}/{e.route}", e) for e in sim.endpoints],
        }
        for sim in simulators()
    ]
    ctx = {
        "partners": partners,
        "merchant_name": DEMO_MERCHANT_NAME,
        "triggers": [(code, triggers.DESCRIPTIONS[name]) for code, name in triggers.TRIGGERS.items()],
        "outcomes": OUTCOMES,
        "refund_modes": refunds.MODES,
        "result": result,
        "txid": request.POST.get("tXid", "") if request.method == "POST" else "",
    }
    return render(request, "sandbox/index.html", ctx, status=status)


@csrf_exempt  # machine-to-machine test hook
@require_POST
def simulate(request: HttpRequest) -> JsonResponse:
    data = json_body(request)
    if not data or not isinstance(data.get("tXid"), str) or data.get("outcome") not in OUTCOMES:
        return JsonResponse(
            {"error": 'send JSON {"tXid": "...", "outcome": "success|decline|expire|cancel"}'},
            status=400,
        )
    status, answer = _simulate(data["tXid"], data["outcome"])
    return JsonResponse(answer, status=status)


@require_POST
def simulate_form(request: HttpRequest) -> HttpResponse:
    """The index's simulate buttons (a CSRF-protected form); the result is shown on the index."""
    txid, outcome = request.POST.get("tXid", "").strip()[:80], request.POST.get("outcome", "")
    if not txid or outcome not in OUTCOMES:
        return index(request, {"error": _("Enter a tXid and choose an outcome.")}, status=400)
    status, answer = _simulate(txid, outcome)
    if status != 200:
        return index(
            request, {"error": _("No partner has an order for this tXid. Was the payment started?")}, 404
        )
    return index(request, {"answer": answer, "outcome": outcome})


@csrf_exempt  # machine-to-machine test hook
@require_POST
def refund_control(request: HttpRequest) -> JsonResponse:
    """`{"tXid", "mode": normal|slow|hang|drop, "seconds"}`: how the partner holding this
    transaction treats its next refund and cancel calls (refunds.py says what each mode does)."""
    data = json_body(request) or {}
    txid, mode, seconds = data.get("tXid"), data.get("mode"), data.get("seconds", 0)
    valid_seconds = (
        isinstance(seconds, int) and not isinstance(seconds, bool) and 0 <= seconds <= refunds.MAX_SECONDS
    )
    if (
        not isinstance(txid, str)
        or not txid
        or len(txid) > 80
        or mode not in refunds.MODES
        or not valid_seconds
    ):
        return JsonResponse(
            {
                "error": 'send JSON {"tXid": "...", "mode": "normal|slow|hang|drop", '
                f'"seconds": 0..{refunds.MAX_SECONDS}}}'
            },
            status=400,
        )
    row = refunds.control(txid, mode, seconds)
    return JsonResponse({"tXid": row.merchant_ref, "mode": row.mode, "seconds": row.seconds})
