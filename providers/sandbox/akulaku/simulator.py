"""Simulated Akulaku Open Pay (providers.md §3, stand-ins of §9), under /sandbox/akulaku/."""

from __future__ import annotations

from providers.sandbox.core import Endpoint, register
from providers.sandbox.paylater import PayLaterSimulator

from . import api, pages, state

API = "api/json/public/openpay"


@register
class AkulakuSimulator(PayLaterSimulator):
    slug = state.SLUG
    name = "Akulaku"
    mitra_cd = "AKLP"
    needs_sellers = True
    test_credentials = state.TEST_CREDENTIALS
    orders = state.ORDERS
    endpoints = (
        Endpoint(f"{API}/new.do", api.new_order, "akulaku-new", "generate order"),
        Endpoint(
            f"{API}/status.do",
            api.status,
            "akulaku-status",
            "order status, with its refundDetails[]",
            refund_status=True,
        ),
        Endpoint(
            f"{API}/payment/cancel.do", api.payment_cancel, "akulaku-payment-cancel", "cancel the order"
        ),
        Endpoint(f"{API}/cancel.do", api.sku_cancel, "akulaku-sku-cancel", "cancel one SKU (partial)"),
        Endpoint(f"{API}/order/receipt.do", api.receipt, "akulaku-receipt", "confirm receipt"),
        Endpoint(
            f"{API}/test/status/change.do",
            api.test_status_change,
            "akulaku-test-status",
            "sandbox status switch",
        ),
        Endpoint(
            "v2/openPay.html", pages.open_pay, "akulaku-open-pay", "payment page: login, plan, OTP", page=True
        ),
    )
