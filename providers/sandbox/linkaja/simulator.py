"""Simulated LinkAja Web Checkout (providers.md §7), under /sandbox/linkaja/."""

from __future__ import annotations

from typing import Any

from providers.sandbox.core import Endpoint, Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages, state


@register
class LinkAjaSimulator(Simulator):
    slug = state.SLUG
    name = "LinkAja"
    mitra_cd = "LINK"
    test_credentials = state.TEST_CREDENTIALS
    endpoints = (
        Endpoint("linkaja-api/api/payment", api.token_request, "linkaja-token", "token request (pgpToken)"),
        Endpoint(
            "linkaja-api/api/check/customer/transaction",
            api.check_status,
            "linkaja-status",
            "transaction status by refNum (04 after a reversal, with reversalDate)",
            refund_status=True,
        ),
        Endpoint(
            "tcash-api/api/rev/customer/transaction", api.reversal, "linkaja-reversal", "reversal (refund)"
        ),
        Endpoint(
            "linkaja-api/payment", pages.checkout, "linkaja-checkout", "checkout: phone, PIN", page=True
        ),
        Endpoint(
            "linkaja-api/payment/<str:ref>/confirm",
            pages.confirm,
            "linkaja-confirm",
            "checkout: submit",
            page=True,
        ),
    )

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the PIN page; the browser's next stop is returned."""
        return pages.customer_outcome(order, outcome)
