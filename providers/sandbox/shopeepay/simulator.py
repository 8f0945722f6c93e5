"""ShopeePay in the sandbox: its API paths, its hosted page, and `simulate` for tests."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from providers.sandbox.core import Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, flow, pages


@register
class ShopeePaySimulator(Simulator):
    slug = flow.SLUG
    name = flow.NAME
    mitra_cd = flow.MITRA_CD
    test_credentials = {"ShopeePay PIN": flow.TEST_PIN}

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("v3/merchant-host/order/create", api.order_create, name="shopeepay-order-create"),
            path("v3/merchant-host/transaction/check", api.transaction_check, name="shopeepay-check"),
            path("v3/merchant-host/transaction/refund/create", api.refund_create, name="shopeepay-refund"),
            path("v3/merchant-host/transaction/void/create", api.void_create, name="shopeepay-void"),
            path("universal-link/wallet/pay", pages.pay, name="shopeepay-pay"),
        ]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the pay page, without the page: the same state change,
        the same notification (triggers honoured) and the same return URL."""
        return flow.finish(order, outcome)
