"""The simulated LinkAja WCO's orders (providers.md §7, stand-ins of §9): what it issued to the
merchant and its vocabulary. No server push: after the PIN the page sends the browser to
successUrl/failedUrl with ?trxId&refNum&status, and the merchant must call the status check."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from providers.sandbox import triggers
from providers.sandbox.core import with_query
from providers.sandbox.models import SandboxOrder

SLUG = "linkaja"
SESSION = timedelta(minutes=5)
PIN = "123456"
PIN_ATTEMPTS = 3
# The credentials this sandbox issued to the gateway (static, as LinkAja issues them).
CREDENTIALS = {
    "terminalId": "PAYLOANLINK01",
    "userKey": "payloan-wco-user",
    "password": "sbx-wco-pass-7Qm2",
    "signature": "sbx-wco-sign-K9x4",
}
SUCCESS, FAILED, PENDING, EXPIRED, REVERSED, CANCELLED = "00", "01", "02", "03", "04", "05"
FINAL = {SUCCESS, FAILED, EXPIRED, REVERSED, CANCELLED}
TEST_CREDENTIALS = {"Phone": "08…", "PIN": PIN}


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def credentials_ok(form: Any, password_field: str, signature_field: str) -> bool:
    return (
        same(form.get("terminalId", ""), CREDENTIALS["terminalId"])
        & same(form.get("userKey", ""), CREDENTIALS["userKey"])
        & same(form.get(password_field, ""), CREDENTIALS["password"])
        & same(form.get(signature_field, ""), CREDENTIALS["signature"])
    )


def current(order: SandboxOrder) -> str:
    """The order's state, with the 5-minute session lapsing lazily."""
    if order.state == PENDING and order.expires_at and timezone.now() >= order.expires_at:
        if triggers.trigger_for(order.amount) != triggers.PENDING:
            order.state = EXPIRED
            order.save(update_fields=["state", "updated_at"])
    return order.state


def finish(order: SandboxOrder, state: str) -> str:
    """Settle the order (once) and answer the browser's next stop (successUrl or failedUrl)."""
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state == PENDING:
            locked.state = state
            if state == SUCCESS:
                locked.data["paid_at"] = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S%z")
            locked.save(update_fields=["state", "data", "updated_at"])
    order.state, order.data = locked.state, locked.data
    url = order.data["successUrl"] if order.state in (SUCCESS, PENDING) else order.data["failedUrl"]
    return with_query(url, {"trxId": order.merchant_ref, "refNum": order.ref, "status": order.state})


def outcome_state(amount: int, chosen: str = triggers.SUCCESS) -> str:
    """What the customer's action leads to: a confirmed PIN follows the amount's trigger digits."""
    return {
        triggers.DECLINE: FAILED,
        triggers.EXPIRE: EXPIRED,
        triggers.CANCEL: CANCELLED,
        triggers.PENDING: PENDING,
    }.get(triggers.effective(amount, chosen), SUCCESS)
