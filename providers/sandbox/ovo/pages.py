"""The "OVO app" phone simulator: the pushes waiting on one phone, approved with the stage OTP
(three tries per push, counted atomically; then OVO declines the push)."""

from __future__ import annotations

import hmac

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from providers.sandbox.counters import Attempts
from providers.sandbox.models import SandboxOrder

from . import state

OTP_ATTEMPTS = 3


def _credentials(phone: str) -> dict[str, str]:
    return {
        "OVO phone": phone,
        "OTP / PIN": _("%(otp)s (last 4 digits of the phone)") % {"otp": state.otp_for(phone)},
    }


def _push(phone: str, ref: str) -> SandboxOrder:
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=ref).first()
    if order is None or order.data.get("phone") != phone:
        raise Http404("no such push")
    return order


def _tries(order: SandboxOrder) -> Attempts:
    return Attempts.of(state.SLUG, order.ref, "otp", OTP_ATTEMPTS)


def _items(phone: str) -> list[dict[str, object]]:
    now = timezone.now()
    return [
        {
            "ref": o.ref,
            "invoice": o.merchant_ref,
            "amount": o.amount,
            "seconds_left": max(0, int((o.expires_at - now).total_seconds())),
            "attempts_left": _tries(o).left,
        }
        for o in state.pending_for(phone)
    ]


@require_GET
def app_entry(request: HttpRequest) -> HttpResponse:
    """The OVO app's sign-in: which phone's app to open."""
    phone = "".join(ch for ch in request.GET.get("phone", "") if ch.isdigit())
    if phone.startswith("08") and 10 <= len(phone) <= 14:
        return redirect(_home(phone))
    ctx = {"partner_name": "OVO", "phone": phone, "error": bool(request.GET.get("phone"))}
    return render(request, "sandbox/ovo/entry.html", ctx)


@require_GET
def phone_app(request: HttpRequest, phone: str) -> HttpResponse:
    ref = request.GET.get("ref", "")
    attempts_left = next((p["attempts_left"] for p in _items(phone) if p["ref"] == ref), 0)
    ctx = {
        "partner_name": "OVO",
        "test_credentials": _credentials(phone),
        "phone": phone,
        "pushes": _items(phone),
        "store": state.STORE_NAME,
        "notice": request.GET.get("done", ""),
        "error": request.GET.get("error", ""),
        "attempts_left": attempts_left,
    }
    return render(request, "sandbox/ovo/phone.html", ctx)


@require_GET
def pushes_json(request: HttpRequest, phone: str) -> JsonResponse:
    return JsonResponse({"phone": phone, "pushes": _items(phone)})


@require_POST
def approve(request: HttpRequest, phone: str, ref: str) -> HttpResponse:
    order = _push(phone, ref)
    if order.state != state.PENDING or order.expires_at <= timezone.now():
        return redirect(_home(phone, error="late"))
    tries = _tries(order)
    if not tries.take():  # one atomic increment decides whether this OTP is looked at
        return redirect(_home(phone, error="late"))
    if not hmac.compare_digest(request.POST.get("otp", "").encode(), state.otp_for(phone).encode()):
        if tries.exhausted:
            state.move(order, state.DECLINED, frm=(state.PENDING,), rc="17")
            return redirect(_home(phone, error="locked"))
        return redirect(_home(phone, error="otp", ref=ref))
    state.move(order, state.APPROVED, frm=(state.PENDING,), rc="00")
    return redirect(_home(phone, done="approved"))


@require_POST
def decline(request: HttpRequest, phone: str, ref: str) -> HttpResponse:
    order = _push(phone, ref)
    state.move(order, state.DECLINED, frm=(state.PENDING,), rc="17")
    return redirect(_home(phone, done="declined"))


def _home(phone: str, **query: str) -> str:
    url = reverse("sandbox:ovo-phone", args=[phone])
    return f"{url}?{urlencode(query)}" if query else url
