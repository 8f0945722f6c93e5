"""Simulated Indodana PayLater merchant API (providers.md §2), under /sandbox/indodana/."""

from __future__ import annotations

from providers.sandbox.core import Endpoint, register
from providers.sandbox.paylater import PayLaterSimulator

from . import api, pages, state

BASE = "chermes/merchant"


@register
class IndodanaSimulator(PayLaterSimulator):
    slug = state.SLUG
    name = "Indodana"
    mitra_cd = "IDNA"
    test_credentials = state.TEST_CREDENTIALS
    orders = state.ORDERS
    endpoints = (
        Endpoint(f"{BASE}/v2/checkout_url", api.checkout_url, "indodana-checkout", "create checkout"),
        Endpoint(
            f"{BASE}/v1/transactions/check_status",
            api.check_status,
            "indodana-status",
            "transaction status by merchantOrderId, with its refunds[]",
            refund_status=True,
        ),
        Endpoint(
            f"{BASE}/v3/order_cancellation",
            api.order_cancellation,
            "indodana-cancel",
            "cancel, full or partial",
        ),
        Endpoint(
            "chermes/checkout/<str:transaction_id>",
            pages.checkout_page,
            "indodana-page",
            "checkout: phone, OTP, PIN, tenure",
            page=True,
        ),
    )
