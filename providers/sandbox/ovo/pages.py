"""The "OVO app" phone simulator: the pushes waiting on one phone, approved with the stage OTP."""

from __future__ import annotations

import hmac

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from providers.sandbox.models import SandboxOrder

from . import state


def _credentials(phone: str) -> dict[str, str]:
    return {"OVO phone": phone, "OTP / PIN": f"{state.otp_for(phone)} (last 4 digits of the phone)"}


def _push(phone: str, ref: str) -> SandboxOrder:
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=ref).first()
    if order is None or order.data.get("phone") != phone:
        raise Http404("no such push")
    return order


def _rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def _items(phone: str) -> list[dict[str, object]]:
    now = timezone.now()
    return [
        {
            "ref": o.ref,
            "invoice": o.merchant_ref,
            "amount": _rupiah(o.amount),
            "seconds_left": max(0, int((o.expires_at - now).total_seconds())),
        }
        for o in state.pending_for(phone)
    ]


@require_GET
def phone_app(request: HttpRequest, phone: str) -> HttpResponse:
    ctx = {
        "partner_name": "OVO",
        "test_credentials": _credentials(phone),
        "phone": phone,
        "pushes": _items(phone),
        "store": state.STORE_NAME,
        "notice": request.GET.get("done", ""),
        "error": request.GET.get("error", ""),
    }
    return render(request, "sandbox/ovo/phone.html", ctx)


@require_GET
def pushes_json(request: HttpRequest, phone: str) -> JsonResponse:
    return JsonResponse({"phone": phone, "pushes": _items(phone)})


@require_POST
def approve(request: HttpRequest, phone: str, ref: str) -> HttpResponse:
    order = _push(phone, ref)
    if not hmac.compare_digest(request.POST.get("otp", "").encode(), state.otp_for(phone).encode()):
        return redirect(_home(phone) + "?error=otp")
    if order.state != state.PENDING or order.expires_at <= timezone.now():
        return redirect(_home(phone) + "?error=late")
    state.move(order, state.APPROVED, frm=(state.PENDING,), rc="00")
    return redirect(_home(phone) + "?done=approved")


@require_POST
def decline(request: HttpRequest, phone: str, ref: str) -> HttpResponse:
    order = _push(phone, ref)
    state.move(order, state.DECLINED, frm=(state.PENDING,), rc="17")
    return redirect(_home(phone) + "?done=declined")


def _home(phone: str) -> str:
    return reverse("sandbox:ovo-phone", args=[phone])
