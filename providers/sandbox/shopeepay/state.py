"""Simulated ShopeePay: credentials it issued, its signing, order state and notifications.

The sandbox is the outside world: it keeps its own HMAC code and knows nothing of the adapter.
Order state is ShopeePay's transaction status; refunds and the void live in `SandboxOrder.data`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import quote, urlencode

from django.db.transaction import atomic
from django.utils import timezone

from providers.sandbox import core, triggers
from providers.sandbox.merchant import DEMO_MERCHANT_NAME
from providers.sandbox.models import SandboxOrder

SLUG = "shopeepay"
# Issued to the Payloan merchant account at "onboarding" (sandbox only, never a vendor key).
CLIENT_ID = "payloan-sbx-eshp"
SECRET = "sbx-eshp-7Qm2Vx9LcT4nR8wK"
MERCHANT_EXT_ID = "PAYLOAN"
STORE_EXT_ID = "PAYLOAN-ONLINE"
STORE_NAME = DEMO_MERCHANT_NAME
TEST_PIN = "123456"
PIN_ATTEMPTS = 3
DEFAULT_VALIDITY = 1200  # seconds, when the merchant sends no validity_period
REFUND_WINDOW_SECONDS = 24 * 3600

# Transaction status (ShopeePay common objects).
INITIAL, PROCESSING, SUCCESSFUL, FAILED, EXPIRED, INVALIDATED = "1", "2", "3", "4", "6", "7"
FINAL = frozenset({SUCCESSFUL, FAILED, EXPIRED, INVALIDATED})
# Payment status for each transaction status. An expired order has no payment to report.
PAYMENT_STATUS = {INITIAL: 2, PROCESSING: 5, SUCCESSFUL: 1, FAILED: 6, INVALIDATED: 4}
PAYMENT_REFUNDED = 3
TXN_PAYMENT, TXN_REFUND, TXN_VOID = 13, 15, 16
NOTIFY_PATH = "/partners/ESHP/notify"  # the merchant's callback URL, registered at onboarding


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body).encode(), (signature or "").encode())


def dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def new_sn() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(18))


def pay_url(token: str) -> str:
    return core.public_url(
        f"/{SLUG}/universal-link/wallet/pay?{urlencode({'deep_and_deferred': 1, 'token': token})}"
    )


def app_url(token: str) -> str:
    return f"shopeeid://main?apprl={quote(pay_url(token), safe='')}"


def find(payment_reference_id: str) -> SandboxOrder | None:
    return (
        SandboxOrder.objects.filter(partner=SLUG, merchant_ref=payment_reference_id).order_by("-id").first()
    )


def lapse_if_due(order: SandboxOrder) -> SandboxOrder:
    """An untouched order expires at the end of validity_period (no notification: polling sees it).
    A 905 order stays processing forever, as the trigger promises."""
    if order.state == INITIAL and order.expires_at and timezone.now() >= order.expires_at:
        order.state = EXPIRED
        order.save(update_fields=["state", "updated_at"])
    return order


def effective_outcome(order: SandboxOrder, outcome: str) -> str:
    """What happens when the customer acts: an explicit decline/expire/cancel wins; a confirmed
    payment follows the amount's trigger."""
    if outcome != triggers.SUCCESS:
        return outcome
    trigger = triggers.trigger_for(order.amount)
    if trigger in {triggers.DECLINE, triggers.EXPIRE, triggers.CANCEL, triggers.PENDING}:
        return trigger
    return triggers.SUCCESS


STATE_FOR = {
    triggers.SUCCESS: SUCCESSFUL,
    triggers.DECLINE: FAILED,
    triggers.EXPIRE: EXPIRED,
    triggers.CANCEL: INVALIDATED,
    triggers.PENDING: PROCESSING,
}


def finish(order: SandboxOrder, outcome: str) -> dict[str, Any]:
    """Settle the order (once) as the customer's action (or inaction) decides, then notify."""
    with atomic():
        locked = lapse_if_due(SandboxOrder.objects.select_for_update().get(pk=order.pk))
        settled_now = not (
            locked.state in FINAL or (locked.state == PROCESSING and locked.data.get("notified"))
        )
        if settled_now:
            locked.state = STATE_FOR[effective_outcome(locked, outcome)]
            locked.data = {
                **locked.data,
                "transaction_sn": locked.data.get("transaction_sn") or new_sn(),
                "user_id_hash": locked.data.get("user_id_hash") or secrets.token_hex(16),
                "finished_at": int(timezone.now().timestamp()),
                "notified": True,
            }
            locked.save(update_fields=["state", "data", "updated_at"])
    order.state, order.data = locked.state, locked.data
    return {
        "state": order.state,
        "notified": notify(order) if settled_now else [],
        "return_url": order.data.get("return_url", ""),
    }


def notification_body(order: SandboxOrder) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": order.amount * 100,
        "transaction_sn": order.data.get("transaction_sn", ""),
        "payment_method": 1,
        "user_id_hash": order.data.get("user_id_hash", ""),
        "merchant_ext_id": MERCHANT_EXT_ID,
        "store_ext_id": STORE_EXT_ID,
        "terminal_id": order.data.get("terminal_id", ""),
        "payment_channel": 1,
        "payment_reference_id": order.merchant_ref,
    }
    if order.state in PAYMENT_STATUS:
        body["payment_status"] = PAYMENT_STATUS[order.state]
    else:  # expired: only the transaction knows
        body["transaction_status"] = int(order.state)
    return body


def notify(order: SandboxOrder) -> list[int]:
    """POST the signed notification to the callback URL registered at onboarding, honouring the
    amount's triggers (never, twice, or with a broken signature)."""
    copies = triggers.notification_copies(order.amount)
    if not copies:
        return []
    body = dumps(notification_body(order))
    signature = sign(body)
    if triggers.forge_signature(order.amount):
        signature = sign(body + b"tampered")
    headers = {"X-Airpay-ClientId": CLIENT_ID, "X-Airpay-Req-H": signature}
    return core.send(core.gateway_url(NOTIFY_PATH), body=body, headers=headers, copies=copies)


def payment_status(order: SandboxOrder) -> int | None:
    if order.state == SUCCESSFUL and refunded(order) >= order.amount:
        return PAYMENT_REFUNDED
    return PAYMENT_STATUS.get(order.state)


def refunded(order: SandboxOrder) -> int:
    return sum(r["amount"] for r in order.data.get("refunds", []))


def find_refund(kind: int, reference_id: str) -> tuple[SandboxOrder, dict[str, Any]] | None:
    """The payment and the refund (or void) a merchant's refund/void reference names."""
    if kind == TXN_VOID:
        order = SandboxOrder.objects.filter(partner=SLUG, data__void__ref=reference_id).first()
        return (order, order.data["void"]) if order else None
    # Refunds are kept in order in a list, which no JSON lookup can search on every database: look
    # through the refunded payments (a sandbox holds few).
    for order in SandboxOrder.objects.filter(partner=SLUG, state=SUCCESSFUL).exclude(data__refunds=[]):
        done = next((r for r in order.data.get("refunds", []) if r["ref"] == reference_id), None)
        if done is not None:
            return order, done
    return None


def transaction(
    order: SandboxOrder,
    *,
    kind: int = TXN_PAYMENT,
    amount: int | None = None,
    sn: str | None = None,
    state: str | None = None,
    reference_id: str | None = None,
) -> dict[str, Any]:
    return {
        "reference_id": reference_id or order.merchant_ref,
        "amount": (order.amount if amount is None else amount) * 100,
        "transaction_sn": sn or order.data.get("transaction_sn", ""),
        "status": int(state or order.state),
        "transaction_type": kind,
        "create_time": int(order.created_at.timestamp()),
        "update_time": int(order.updated_at.timestamp()),
        "user_id_hash": order.data.get("user_id_hash", ""),
        "merchant_ext_id": MERCHANT_EXT_ID,
        "store_ext_id": STORE_EXT_ID,
        "terminal_id": order.data.get("terminal_id", ""),
    }
