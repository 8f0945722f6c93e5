"""Akulaku's payment page (openPay.html): log in, choose the instalment, then the OTP."""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from providers.sandbox.checkout import Checkout, Input, Step, otp_step, phone_step
from providers.sandbox.models import SandboxOrder

from . import state
from .state import ORDERS

PLANS = {
    "1": _("1 month (pay once)"),
    "2": _("2 months"),
    "3": _("3 months"),
    "6": _("6 months"),
    "9": _("9 months"),
    "12": _("12 months"),
}

CHECKOUT = Checkout(
    partner_name="Akulaku",
    template="sandbox/akulaku/checkout.html",
    steps=(
        phone_step(
            _("Log in to Akulaku"),
            state.PHONE,
            _("Phone number or password is not right."),
            Input(
                "password",
                _("Password"),
                state.PASSWORD,
                type="password",
                inputmode="text",
                autocomplete="current-password",
                error=_("Phone number or password is not right."),
            ),
            button=_("Log in"),
        ),
        Step("periods", _("Choose your instalment"), kind="tenor", button=_("Continue")),
        otp_step(state.OTP, button=_("Pay now")),
    ),
    test_credentials=state.TEST_CREDENTIALS,
    orders=ORDERS,
    tenor_options=lambda o: list(PLANS.items()),
    summary=lambda o: {
        "items": [
            {"name": v["name"], "qty": v["qty"], "price": v["price"]}
            for v in o.data.get("lines", {}).values()
        ],
        "partner_ref_label": _("Akulaku order"),
    },
)


@require_http_methods(["GET", "POST"])
def open_pay(request: HttpRequest) -> HttpResponse:
    ref_no = request.GET.get("refNo", "")
    ok = hmac.compare_digest(request.GET.get("appId", "").encode(), state.APP_ID.encode()) & state.signed(
        request.GET.get("sign", ""), ref_no
    )
    order = (
        SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=ref_no).first()
        if ok and ref_no
        else None
    )
    if order is None:
        return CHECKOUT.not_found(request)
    return CHECKOUT.handle(request, order)
