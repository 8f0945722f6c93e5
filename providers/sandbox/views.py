from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import triggers
from .core import SIMULATORS, json_body
from .models import SandboxOrder

OUTCOMES = (triggers.SUCCESS, triggers.DECLINE, triggers.EXPIRE, triggers.CANCEL)


def index(request: HttpRequest):
    return render(
        request,
        "sandbox/index.html",
        {
            "simulators": sorted(SIMULATORS.values(), key=lambda s: s.name),
            "triggers": [(code, triggers.DESCRIPTIONS[name]) for code, name in triggers.TRIGGERS.items()],
        },
    )


@csrf_exempt  # machine-to-machine test hook
@require_POST
def simulate(request: HttpRequest) -> JsonResponse:
    data = json_body(request)
    if not data or not isinstance(data.get("tXid"), str) or data.get("outcome") not in OUTCOMES:
        return JsonResponse(
            {"error": 'send JSON {"tXid": "...", "outcome": "success|decline|expire|cancel"}'},
            status=400,
        )
    order = SandboxOrder.objects.filter(merchant_ref=data["tXid"]).order_by("-id").first()
    if order is None or order.partner not in SIMULATORS:
        return JsonResponse({"error": "no partner order for this tXid (was payment started?)"}, status=404)
    result = SIMULATORS[order.partner].simulate(order, data["outcome"])
    return JsonResponse({"partner": order.partner, "ref": order.ref, **result})
