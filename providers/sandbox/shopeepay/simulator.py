"""ShopeePay in the sandbox: its API paths, its pages, and `simulate` for tests."""

from __future__ import annotations

from typing import Any

from providers.sandbox.core import Endpoint, Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages, state

V3 = "v3/merchant-host"


@register
class ShopeePaySimulator(Simulator):
    slug = state.SLUG
    name = "ShopeePay"
    mitra_cd = "ESHP"
    test_credentials = pages.TEST_CREDENTIALS
    phone_app = "sandbox:shopeepay-app"
    endpoints = (
        Endpoint(f"{V3}/order/create", api.order_create, "shopeepay-order-create", "create order"),
        Endpoint(
            f"{V3}/transaction/check",
            api.transaction_check,
            "shopeepay-check",
            "check a payment (transaction_type 13), refund (15) or void (16) by its reference_id",
            refund_status=True,
        ),
        Endpoint(f"{V3}/transaction/refund/create", api.refund_create, "shopeepay-refund", "refund"),
        Endpoint(f"{V3}/transaction/void/create", api.void_create, "shopeepay-void", "void"),
        Endpoint(
            "universal-link/wallet/pay", pages.pay, "shopeepay-pay", "pay page: confirm, PIN", page=True
        ),
        Endpoint("app", pages.app, "shopeepay-app", "the ShopeePay app: payments waiting", page=True),
    )

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the pay page, without the page: the same state change,
        the same notification (triggers honoured) and the same return URL."""
        return state.finish(order, outcome)
