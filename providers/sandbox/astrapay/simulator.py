"""Simulated AstraPay (SNAP Payment Channel, providers.md §8), registered under /sandbox/astrapay/."""

from __future__ import annotations

from typing import Any

from providers.sandbox.core import Endpoint, Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages

SNAP, PAY = "snap-service/snap/v1.0", "merchant-service/snap/v1.0"


@register
class AstraPaySimulator(Simulator):
    slug = "astrapay"
    name = "AstraPay"
    mitra_cd = "ASTR"
    account_linking = True
    test_credentials = pages.TEST_CREDENTIALS
    endpoints = (
        Endpoint(f"{SNAP}/access-token/b2b", api.b2b_token, "astrapay-b2b", "B2B access token (RSA)"),
        Endpoint(f"{SNAP}/access-token/b2b2c", api.b2b2c_token, "astrapay-b2b2c", "customer token"),
        Endpoint(f"{SNAP}/registration-account-binding", api.binding_create, "astrapay-binding", "bind"),
        Endpoint(
            f"{SNAP}/registration-account-unbinding", api.binding_delete, "astrapay-unbinding", "unbind"
        ),
        Endpoint(f"{PAY}/debit/payment-host-to-host", api.payment_create, "astrapay-payment", "debit"),
        Endpoint(
            f"{PAY}/debit/status",
            api.payment_status,
            "astrapay-status",
            'payment status (refundHistory[]); with serviceCode "58" and partnerRefundNo, one refund',
            refund_status=True,
        ),
        Endpoint(f"{PAY}/debit/refund", api.payment_refund, "astrapay-refund", "refund, full or partial"),
        Endpoint(
            "payment-channel/account-binding/<str:ref>",
            pages.binding_page,
            "astrapay-binding-page",
            "account-binding page: phone, OTP, PIN",
            page=True,
        ),
        Endpoint(
            "merchant-service/payments/<str:pid>",
            pages.payment_page,
            "astrapay-payment-page",
            "payment page: PIN",
            page=True,
        ),
    )

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """Act as the customer: on a binding (tXid = externalUid) or on a payment."""
        return pages.customer_outcome(order, outcome)
