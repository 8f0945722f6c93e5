"""DANA's pages the customer sees: the hosted cashier (phone + PIN, or cancel; then back to the
merchant's PAY_RETURN url) and the DANA app of the test account, listing what waits to be paid."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from providers.sandbox import triggers
from providers.sandbox.counters import Attempts
from providers.sandbox.models import SandboxOrder

from . import state

TEST_CREDENTIALS = {"DANA phone": state.TEST_PHONE, "PIN": state.TEST_PIN}
PIN_ATTEMPTS = 3


def _page(request: HttpRequest, template: str, status: int = 200, **ctx: object) -> HttpResponse:
    ctx.setdefault("partner_name", "DANA")
    ctx.setdefault("test_credentials", TEST_CREDENTIALS)
    return render(request, f"sandbox/dana/{template}", ctx, status=status)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    biz_no = request.GET.get("bizNo") or request.POST.get("bizNo") or ""
    order = state.find(biz_no)
    if order is None:
        return _page(request, "missing.html", status=404)
    order = state.lapse_if_due(order)
    if order.state not in state.OPEN:
        return _page(request, "closed.html", order=order, description=_describe(order))
    tries = Attempts.of(state.SLUG, order.ref, "pin", PIN_ATTEMPTS)
    error = ""
    if request.method == "POST":
        if not tries.take():  # one atomic increment decides whether this try is looked at
            return _refused(request, order)
        phone_ok = _digits(request.POST.get("phone", "")) == state.TEST_PHONE
        pin_ok = request.POST.get("pin", "") == state.TEST_PIN
        if phone_ok and pin_ok:
            state.customer_outcome(order, triggers.SUCCESS)
            return HttpResponseRedirect(order.data["return_url"])
        if tries.exhausted:
            return _refused(request, order)
        left = tries.left
        error = " ".join(
            (
                _("The phone number or PIN is incorrect."),
                ngettext("%(left)d attempt left.", "%(left)d attempts left.", left) % {"left": left},
            )
        )
    return _page(
        request,
        "checkout.html",
        order=order,
        error=error,
        phone=request.POST.get("phone", ""),
    )


def _refused(request: HttpRequest, order: SandboxOrder) -> HttpResponse:
    """Too many wrong tries: DANA's risk control closes the order (the merchant is notified)."""
    order, _sent = state.customer_outcome(order, triggers.DECLINE)
    return _page(
        request,
        "closed.html",
        order=order,
        description=_("Too many wrong PINs: for your safety DANA has refused this payment."),
    )


@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    order = state.find(request.POST.get("bizNo", ""))
    if order is None:
        return _page(request, "missing.html", status=404)
    state.customer_outcome(order, triggers.CANCEL)
    return HttpResponseRedirect(order.data["return_url"])


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The DANA app of the sandbox's test account: every order still waiting for payment."""
    now = timezone.now()
    waiting = [
        o
        for o in SandboxOrder.objects.filter(partner=state.SLUG, state__in=state.OPEN).order_by("-id")[:20]
        if o.expires_at is None or o.expires_at > now
    ]
    return _page(request, "app.html", orders=waiting, phone=state.TEST_PHONE)


def _describe(order: SandboxOrder) -> str:
    if order.state == state.PAID:
        return _("This order has already been paid.")
    if order.data.get("closed_reason", "") == "EXPIRED":
        return _("This order has expired.")
    return _("This order is closed.")
