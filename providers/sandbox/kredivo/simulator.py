"""Simulated Kredivo checkout v2 (providers.md §1, stand-ins of §9), under /sandbox/kredivo/."""

from __future__ import annotations

from providers.sandbox.core import Endpoint, register
from providers.sandbox.paylater import PayLaterSimulator

from . import api, pages, state


@register
class KredivoSimulator(PayLaterSimulator):
    slug = state.SLUG
    name = "Kredivo"
    mitra_cd = "KDVI"
    test_credentials = state.TEST_CREDENTIALS
    orders = state.ORDERS
    endpoints = (
        Endpoint("kredivo/v2/checkout_url", api.checkout_url, "kredivo-checkout", "create checkout"),
        Endpoint("kredivo/v2/update", api.update, "kredivo-update", "confirm a push"),
        Endpoint(
            "kredivo/transaction/status",
            api.transaction_status,
            "kredivo-status",
            "transaction status by order_id, with its cancellations[]",
            refund_status=True,
        ),
        Endpoint(
            "kredivo/v2/cancel_transaction",
            api.cancel_transaction,
            "kredivo-cancel",
            "cancel, full or partial",
        ),
        Endpoint(
            "kredivo/v2/signin", pages.signin, "kredivo-signin", "checkout: phone, PIN, OTP, plan", page=True
        ),
    )
