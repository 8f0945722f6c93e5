"""The simulated AstraPay's bindings and payments, and the notices it sends about them.

Both are SandboxOrder rows of partner "astrapay", told apart by data["kind"]. Binding: merchant_ref
= the merchant's externalUid; payment: merchant_ref = partnerReferenceNo."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from providers.sandbox import triggers
from providers.sandbox.core import gateway_url, with_query
from providers.sandbox.models import SandboxOrder
from providers.sandbox.snap import SnapError, money, timestamp

from . import snap

SLUG = "astrapay"
OTP, PIN = "111111", "123456"
OTP_ATTEMPTS = PIN_ATTEMPTS = 3
AUTH_CODE_TTL = timedelta(minutes=10)
CUSTOMER_TOKEN_TTL = timedelta(days=15)
REFRESH_TOKEN_TTL = timedelta(days=30)
DEFAULT_VALIDITY = timedelta(minutes=15)
# latestTransactionStatus
SUCCESS, INITIATED, PAYING, REFUNDED, CANCELED, FAILED = "00", "01", "02", "04", "05", "06"
DESCRIPTIONS = {
    SUCCESS: "Success",
    INITIATED: "Initiated",
    PAYING: "Paying",
    "03": "Pending",
    REFUNDED: "Refunded",
    CANCELED: "Canceled",
    FAILED: "Failed",
}
OPEN = {INITIATED, PAYING}
NOTIFY_PATH = "/partners/ASTR/notify"  # the merchant's notify URL, registered at onboarding


def parse_money(obj: Any, field: str = "amount") -> int:
    value = obj.get("value") if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value.endswith(".00") or not value[:-3].isdigit():
        raise SnapError(400, "01", f"Invalid Field Format {field}.value")
    if obj.get("currency") != "IDR":
        raise SnapError(400, "01", f"Invalid Field Format {field}.currency")
    return int(value[:-3])


def past(iso: str | None) -> bool:
    return not iso or datetime.fromisoformat(iso) <= timezone.now()


# --- bindings ------------------------------------------------------------------------------


def binding(**lookup: str) -> SandboxOrder | None:
    filters = {f"data__{k}": v for k, v in lookup.items()}
    return SandboxOrder.objects.filter(partner=SLUG, data__kind="binding", **filters).first()


def customer_binding(token: str) -> SandboxOrder:
    found = binding(customerToken=token) if token else None
    if found is None or found.state != "BOUND" or past(found.data.get("customerTokenExpires")):
        raise SnapError(401, "02", "Invalid Customer Token")
    return found


def finish_binding(order: SandboxOrder, success: bool) -> str:
    """Close the binding (once), tell the merchant's server, answer the browser's next stop."""
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        closed_now = locked.state == "PENDING"
        if closed_now:
            if success:
                locked.state = "BOUND"
                locked.data.update(
                    authCode=secrets.token_urlsafe(18),
                    authCodeExpires=(timezone.now() + AUTH_CODE_TTL).isoformat(),
                )
            else:
                locked.state = "CANCELLED"
            locked.save(update_fields=["state", "data", "updated_at"])
    order.state, order.data = locked.state, locked.data
    if closed_now:
        # STAND-IN binding notice (no published shape): signed like the payment notify.
        bound = order.state == "BOUND"
        snap.notify(
            gateway_url(NOTIFY_PATH),
            {
                "referenceNo": order.ref,
                "merchantId": snap.MERCHANT_ID,
                "externalUid": order.merchant_ref,
                "latestBindingStatus": SUCCESS if bound else CANCELED,
                "bindingStatusDesc": "Success" if bound else "Canceled",
                "finishedTime": timestamp(),
                "additionalInfo": {"authCode": order.data.get("authCode", "")} if bound else {},
            },
        )
    params = {"referenceNo": order.ref, "status": "SUCCESS" if order.state == "BOUND" else "CANCELLED"}
    if order.state == "BOUND":
        params["authCode"] = order.data["authCode"]
    return with_query(order.data["finishBindingUrl"], params)


# --- payments ------------------------------------------------------------------------------


def current(order: SandboxOrder) -> str:
    """Current state; an open payment lapses lazily at validUpTo (unless it is meant to hang)."""
    if order.state in OPEN and order.expires_at and timezone.now() >= order.expires_at:
        if triggers.trigger_for(order.amount) != triggers.PENDING:
            order.state = CANCELED
            order.data["statusDesc"] = "Expired"
            order.save(update_fields=["state", "data", "updated_at"])
    return order.state


def settle(order: SandboxOrder, state: str, desc: str = "") -> list[int]:
    """Close an open payment (once) and send the notify, honouring the amount's triggers."""
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if current(locked) not in OPEN:
            order.state, order.data = locked.state, locked.data
            return []
        locked.state = state
        if state == SUCCESS:
            locked.data["paidTime"] = timestamp()
        if desc:
            locked.data["statusDesc"] = desc
        locked.save(update_fields=["state", "data", "updated_at"])
    order.state, order.data = locked.state, locked.data
    if state == PAYING:  # still in process: nothing to tell yet
        return []
    body = {
        "originalPartnerReferenceNo": order.merchant_ref,
        "originalReferenceNo": order.data["referenceNo"],
        "merchantId": snap.MERCHANT_ID,
        "amount": money(order.amount),
        "latestTransactionStatus": state,
        "transactionStatusDesc": desc or DESCRIPTIONS[state],
        "finishedTime": timestamp(),
        "additionalInfo": {
            "transAmount": money(order.amount),
            "feeAmount": money(0),
            "payMethod": "Balance",
            "payOption": "AstraPay",
        },
    }
    return snap.notify(
        gateway_url(NOTIFY_PATH),
        body,
        copies=triggers.notification_copies(order.amount),
        forge=triggers.forge_signature(order.amount),
    )


def outcome(amount: int, chosen: str = triggers.SUCCESS) -> tuple[str, str]:
    """(latestTransactionStatus, description) a customer's action leads to: a confirmed PIN follows
    the amount's trigger digits, an explicit decline/expire/cancel wins."""
    what = triggers.effective(amount, chosen)
    return {
        triggers.DECLINE: (FAILED, ""),
        triggers.EXPIRE: (CANCELED, "Expired"),
        triggers.CANCEL: (CANCELED, ""),
        triggers.PENDING: (PAYING, ""),
    }.get(what, (SUCCESS, ""))
