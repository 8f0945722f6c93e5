"""Simulated DANA, registered with the sandbox. Paths are DANA's own, under /sandbox/dana/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from providers.sandbox.core import Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages, state


@register
class DanaSimulator(Simulator):
    slug = state.SLUG
    name = "DANA"
    mitra_cd = "DANA"
    test_credentials = pages.TEST_CREDENTIALS

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("payment-gateway/v1.0/debit/payment-host-to-host.htm", api.create_order, name="dana-create"),
            path("payment-gateway/v1.0/debit/status.htm", api.query_status, name="dana-status"),
            path("payment-gateway/v1.0/debit/cancel.htm", api.cancel_order, name="dana-cancel"),
            path("payment-gateway/v1.0/debit/refund.htm", api.refund_order, name="dana-refund"),
            path("m/portal/cashier/checkout", pages.checkout, name="dana-checkout"),
            path("m/portal/cashier/cancel", pages.cancel, name="dana-cashier-cancel"),
        ]

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
