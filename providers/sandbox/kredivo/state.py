"""The simulated Kredivo's orders (providers.md §1, stand-ins of §9): what it issued to the
merchant, its vocabulary, and its push. The push carries a per-transaction signature_key that only
`/v2/update` can confirm, and that answer comes from this sandbox's own state: a push it never sent
is never confirmed."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from providers.sandbox import triggers
from providers.sandbox.core import send, with_query
from providers.sandbox.merchant import DEMO_MERCHANT_NAME
from providers.sandbox.models import SandboxOrder
from providers.sandbox.paylater import PayLaterOrders

SLUG = "kredivo"
# The server_key this sandbox issued to the gateway.
SERVER_KEY = "sbx-kredivo-8d3f0b6a41c2e975"
PHONE, PIN, OTP = "081513114262", "663482", "4567"
MIN_AMOUNT, MAX_AMOUNT, THIRTY_DAYS_CAP = 10_000, 30_000_000, 3_500_000
DEFAULT_EXPIRY = timedelta(hours=24)
PAYMENT_TYPES = (
    "30_days",
    "3_months",
    "6_months",
    "9_months",
    "12_months",
    "18_months",
    "24_months",
)
RESERVED_IDS = {
    "shippingfee",
    "adminfee",
    "taxfee",
    "discount",
    "additionalfee",
    "insurancefee",
    "mixpayment",
}
PENDING, SETTLEMENT, DENY, CANCEL, EXPIRE = "pending", "settlement", "deny", "cancel", "expire"
TEST_CREDENTIALS = {"Phone": PHONE, "PIN": PIN, "OTP": OTP}


def money(amount: int) -> str:
    return f"{amount}.00"


def transaction(order: SandboxOrder, message: str = "") -> dict[str, Any]:
    """The transaction as Kredivo's status, update and push answers show it."""
    revealed = order.data.get("finished", False)
    return {
        "status": "OK",
        "message": message,
        "legal_name": DEMO_MERCHANT_NAME,
        "order_id": order.merchant_ref,
        "transaction_id": order.data["transaction_id"] if revealed else "",
        "transaction_time": order.data.get("transaction_time") or int(order.created_at.timestamp()),
        "amount": money(order.amount),
        "payment_type": order.data.get("tenor") or order.data["payment_type"],
        "transaction_status": ORDERS.state(order),
        "fraud_status": order.data.get("fraud_status", "accept"),
    }


class KredivoOrders(PayLaterOrders):
    slug = SLUG
    open_state, lapsed_state, paid_state = PENDING, EXPIRE, SETTLEMENT
    # The transaction_status each outcome leads to at Kredivo; fraud is a deny with fraud_status deny.
    outcomes = {
        triggers.DECLINE: DENY,
        triggers.EXPIRE: EXPIRE,
        triggers.CANCEL: CANCEL,
        triggers.FRAUD: DENY,
        triggers.PENDING: PENDING,
    }

    def closing_data(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        return {
            "fraud_status": "deny" if outcome == triggers.FRAUD else "accept",
            "transaction_time": int(timezone.now().timestamp()),
        }

    def default_tenor(self, order: SandboxOrder) -> str | None:
        return order.data["payment_type"]  # the customer keeps the plan the merchant preselected

    def notify(self, order: SandboxOrder) -> list[int]:
        """POST the push to push_uri as Kredivo does, honouring the amount's triggers."""
        copies = triggers.notification_copies(order.amount)
        if not copies:
            return []
        body = {
            **transaction(order, "Payment status updated"),
            "signature_key": order.data["signature_key"],
            "shipping_address": order.data.get("shipping_address", {}),
        }
        if triggers.forge_signature(order.amount):
            body["signature_key"] = secrets.token_hex(32)  # a key /v2/update will not confirm
        raw = json.dumps(body, separators=(",", ":")).encode()
        return send(order.data["push_uri"], body=raw, copies=copies)

    def back_url(self, order: SandboxOrder) -> str:
        if order.state == CANCEL and order.data.get("user_cancel_uri"):
            url = order.data["user_cancel_uri"]
        else:
            url = order.data["back_to_store_uri"]
        return with_query(url, {"order_id": order.merchant_ref, "tr_status": order.state})


ORDERS = KredivoOrders()
