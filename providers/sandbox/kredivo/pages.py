"""Kredivo's hosted checkout: phone, PIN, OTP, then the plan; back to the store."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from providers.sandbox.checkout import Checkout, Step, otp_step, phone_step, pin_step
from providers.sandbox.models import SandboxOrder

from . import state
from .state import ORDERS

PLANS = {
    "30_days": _("30 days, pay once"),
    "3_months": _("3 months"),
    "6_months": _("6 months"),
    "9_months": _("9 months"),
    "12_months": _("12 months"),
    "18_months": _("18 months"),
    "24_months": _("24 months"),
}


def _tenors(order: SandboxOrder) -> list[tuple[str, object]]:
    capped = order.amount > state.THIRTY_DAYS_CAP
    return [(k, v) for k, v in PLANS.items() if k != "30_days" or not capped]


CHECKOUT = Checkout(
    partner_name="Kredivo",
    template="sandbox/kredivo/checkout.html",
    steps=(
        phone_step(_("Sign in to Kredivo"), state.PHONE, _("No Kredivo account uses this phone number.")),
        pin_step(state.PIN),
        otp_step(state.OTP),
        Step("tenor", _("Choose how to pay"), kind="tenor", button=_("Confirm payment")),
    ),
    test_credentials=state.TEST_CREDENTIALS,
    orders=ORDERS,
    tenor_options=_tenors,
    summary=lambda o: {"items": o.data.get("items", []), "preselect": o.data.get("payment_type")},
)


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    tk = request.GET.get("tk", "")
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=tk).first() if tk else None
    if order is None:
        return CHECKOUT.not_found(request)
    return CHECKOUT.handle(request, order)
