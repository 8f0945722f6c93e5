"""The simulated Indodana PayLater's orders (providers.md §2, stand-ins of §9): what it issued to
the merchant, its vocabulary, its signature and its notification.

Every call carries `Authorization: Bearer apiKey:nonce:hex(HMAC-SHA256(apiSecret, "apiKey:nonce"))`,
and Indodana signs its notification the same way with the merchant's own key; the nonce is a Unix
time that never repeats. Statuses follow the stand-in vocabulary INITIATED -> PAID | EXPIRED |
REJECTED | CANCELLED, PAID -> REFUNDED."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from providers.sandbox import counters, triggers
from providers.sandbox.core import send
from providers.sandbox.models import SandboxOrder
from providers.sandbox.paylater import PayLaterOrders

SLUG = "indodana"
# The credentials this sandbox issued to the gateway (used both ways).
API_KEY = "sbx-idn-merchant-01"
API_SECRET = "sbx-indodana-5c1e9a70b3d24f68"
PHONE, OTP, PIN = "62838499610", "999999", "123654"
MIN_AMOUNT, MAX_AMOUNT = 10_000, 25_000_000
DEFAULT_EXPIRY = timedelta(hours=24)
ORDER_ID = re.compile(r"^[A-Za-z0-9=.\-_+@:&^%!$]{1,32}$")
PAYMENT_TYPES = ("30_days", "3_months", "6_months", "12_months")
INITIATED, PAID, EXPIRED, REJECTED, CANCELLED, REFUNDED = (
    "INITIATED",
    "PAID",
    "EXPIRED",
    "REJECTED",
    "CANCELLED",
    "REFUNDED",
)
TEST_CREDENTIALS = {"Phone": PHONE, "OTP": OTP, "PIN": PIN}


def _sig(key: str, secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{key}:{nonce}".encode(), hashlib.sha256).hexdigest()


def bearer(key: str = API_KEY, secret: str = API_SECRET, nonce: int | None = None) -> str:
    nonce = nonce if nonce is not None else int(timezone.now().timestamp())
    return f"Bearer {key}:{nonce}:{_sig(key, secret, str(nonce))}"


def fresh_nonce() -> int:
    """Now in Unix seconds, but never one this Indodana has used before: a receiver that keeps
    the nonces it has seen rejects a replay, never a second genuine notification."""
    return counters.next_after("indodana:nonce", int(timezone.now().timestamp()))


def authorised(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    parts = token.split(":")
    if scheme.lower() != "bearer" or len(parts) != 3 or not parts[1].isdigit():
        return False
    key, nonce, sig = parts
    key_ok = hmac.compare_digest(key.encode(), API_KEY.encode())
    sig_ok = hmac.compare_digest(sig.lower().encode(), _sig(API_KEY, API_SECRET, nonce).encode())
    return key_ok and sig_ok


def money(amount: int) -> str:
    return f"{amount}.00"


def transaction(order: SandboxOrder) -> dict[str, Any]:
    return {
        "amount": money(order.amount),
        "paymentType": order.data.get("tenor") or order.data["paymentType"],
        "transactionStatus": ORDERS.state(order),
        "merchantOrderId": order.merchant_ref,
        "transactionTime": order.data.get("transactionTime") or order.created_at.isoformat(),
        "transactionId": order.ref,
    }


def tenor_options(amount: int) -> list[str]:
    """providers.md §2.7: <500k 30 days; >=500k + 3 months; >1M + 6 months; >1.5M + 12 months."""
    keys = ["30_days"]
    if amount >= 500_000:
        keys.append("3_months")
    if amount > 1_000_000:
        keys.append("6_months")
    if amount > 1_500_000:
        keys.append("12_months")
    return keys


class IndodanaOrders(PayLaterOrders):
    slug = SLUG
    open_state, lapsed_state, paid_state = INITIATED, EXPIRED, PAID
    # The transactionStatus each outcome leads to at Indodana; anything else is paid.
    outcomes = {
        triggers.DECLINE: REJECTED,
        triggers.EXPIRE: EXPIRED,
        triggers.CANCEL: CANCELLED,
        triggers.FRAUD: REJECTED,
        triggers.PENDING: INITIATED,
    }

    def closing_data(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        return {
            "transactionTime": timezone.localtime().isoformat(timespec="seconds"),
            "fraudStatus": "REJECTED" if outcome == triggers.FRAUD else "ACCEPTED",
        }

    def notify(self, order: SandboxOrder) -> list[int]:
        copies = triggers.notification_copies(order.amount)
        if not copies:
            return []
        secret = secrets.token_hex(16) if triggers.forge_signature(order.amount) else API_SECRET
        body = json.dumps(transaction(order), separators=(",", ":")).encode()
        return send(
            order.data["approvedNotificationUrl"],
            body=body,
            sign=lambda: {"Authorization": bearer(secret=secret, nonce=fresh_nonce())},
            copies=copies,
        )

    def back_url(self, order: SandboxOrder) -> str:
        if order.state == CANCELLED and order.data.get("cancellationRedirectUrl"):
            return order.data["cancellationRedirectUrl"]
        return order.data["backToStoreUrl"]


ORDERS = IndodanaOrders()
