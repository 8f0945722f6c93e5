"""Indodana's hosted checkout: phone, OTP, PIN, then the tenure its amount allows; back to the store."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from providers.sandbox.checkout import Checkout, Step, otp_step, phone_step, pin_step
from providers.sandbox.models import SandboxOrder

from . import state
from .state import ORDERS

PLANS = {
    "30_days": _("Pay within 30 days"),
    "3_months": _("Pay over 3 months"),
    "6_months": _("Pay over 6 months"),
    "12_months": _("Pay over 12 months"),
}

CHECKOUT = Checkout(
    partner_name="Indodana",
    template="sandbox/indodana/checkout.html",
    steps=(
        phone_step(_("Sign in to Indodana"), state.PHONE, _("No Indodana account uses this phone number.")),
        otp_step(state.OTP),
        pin_step(state.PIN),
        Step(
            "tenure",
            _("Choose your tenure"),
            kind="tenor",
            button=_("Confirm payment"),
            note=_("The plans offered depend on the amount."),
        ),
    ),
    test_credentials=state.TEST_CREDENTIALS,
    orders=ORDERS,
    tenor_options=lambda o: [(k, PLANS[k]) for k in state.tenor_options(o.amount)],
    summary=lambda o: {
        "items": o.data.get("items", []),
        "preselect": o.data.get("paymentType"),
        "partner_ref_label": _("Indodana transaction"),
    },
)


@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, transaction_id: str) -> HttpResponse:
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=transaction_id).first()
    if order is None:
        return CHECKOUT.not_found(request)
    return CHECKOUT.handle(request, order)
