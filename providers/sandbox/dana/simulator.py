"""Simulated DANA, registered with the sandbox. Paths are DANA's own, under /sandbox/dana/."""

from __future__ import annotations

from typing import Any

from providers.sandbox.core import Endpoint, Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages, state

PG = "payment-gateway/v1.0/debit"


@register
class DanaSimulator(Simulator):
    slug = state.SLUG
    name = "DANA"
    mitra_cd = "DANA"
    test_credentials = pages.TEST_CREDENTIALS
    phone_app = "sandbox:dana-app"
    endpoints = (
        Endpoint(f"{PG}/payment-host-to-host.htm", api.create_order, "dana-create", "create order"),
        Endpoint(
            f"{PG}/status.htm",
            api.query_status,
            "dana-status",
            'payment status; with serviceCode "58" and partnerRefundNo, one refund',
            refund_status=True,
        ),
        Endpoint(f"{PG}/cancel.htm", api.cancel_order, "dana-cancel", "cancel (void within 24 h)"),
        Endpoint(f"{PG}/refund.htm", api.refund_order, "dana-refund", "refund, full or partial"),
        Endpoint(
            "m/portal/cashier/checkout", pages.checkout, "dana-checkout", "cashier: phone, PIN", page=True
        ),
        Endpoint(
            "m/portal/cashier/cancel", pages.cancel, "dana-cashier-cancel", "cashier: cancel", page=True
        ),
        Endpoint("app", pages.app, "dana-app", "the DANA app of the test account", page=True),
    )

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        before = order.state
        order, notified = state.customer_outcome(order, outcome)
        return {
            "state": order.state,
            "changed": before != order.state,
            "closedReason": order.data.get("closed_reason", ""),
            "notified": notified,
            "return_url": order.data.get("return_url", ""),
        }
