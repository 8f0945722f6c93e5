"""The simulated DANA's order state machine and its finish notification.

States are DANA's latestTransactionStatus codes: 01 initiated, 02 paying, 00 paid, 05 closed.
`data.closed_reason` says why an order closed (stand-in for DANA's extendInfo.closedReason)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from providers.sandbox import core, triggers
from providers.sandbox.models import SandboxOrder
from providers.sandbox.snap import minify, money, timestamp

from .snap import sign_as_dana

log = logging.getLogger("sandbox.dana")

SLUG = "dana"
PARTNER_ID = "PAYLOAN-SBX-DANA"  # the clientId this sandbox issued to the gateway
MERCHANT_ID = "216620000000000000001"
TEST_PHONE = "083811223355"
TEST_PIN = "181818"

INIT, PAYING, PAID, CLOSED = "01", "02", "00", "05"
OPEN = (INIT, PAYING)
DESCRIPTIONS = {INIT: "INIT", PAYING: "PAYING", PAID: "SUCCESS", CLOSED: "CLOSED"}
# Amounts DANA's own UAT script uses: this one stays "paying" after the customer confirms.
UAT_STAYS_PAYING = 205502


def lapse_if_due(order: SandboxOrder) -> SandboxOrder:
    """An open order past validUpTo closes as expired (DANA closes it on its side)."""
    if order.state in OPEN and order.expires_at and order.expires_at <= timezone.now():
        return close(order, "EXPIRED")
    return order


def close(order: SandboxOrder, reason: str) -> SandboxOrder:
    return _move(order, CLOSED, reason=reason)


def _move(order: SandboxOrder, state: str, *, reason: str = "") -> SandboxOrder:
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state not in OPEN:  # final already: a repeat changes nothing
            return locked
        locked.state = state
        now = timezone.now()
        if state == PAID:
            locked.data["paid_time"] = timestamp(now)
        if state == CLOSED:
            locked.data["closed_reason"] = reason
        if state in (PAID, CLOSED):
            locked.data["finished_time"] = timestamp(now)
        locked.save(update_fields=["state", "data", "updated_at"])
        return locked


def customer_outcome(order: SandboxOrder, outcome: str) -> tuple[SandboxOrder, list[int]]:
    """What happens when the customer acts (pays, declines, lets it lapse, cancels), with the
    amount triggers honoured. Notifies as DANA would for a final state; returns the order and the
    HTTP statuses the notification got."""
    before = order.state
    trig = triggers.trigger_for(order.amount)
    if order.state in OPEN and order.expires_at and order.expires_at <= timezone.now():
        outcome = triggers.EXPIRE  # too late: whatever the customer does, DANA closes it
    if outcome == triggers.SUCCESS:
        if trig == triggers.DECLINE:
            order = close(order, "RISK_REJECT")
        elif trig == triggers.EXPIRE:
            order = close(order, "EXPIRED")
        elif trig == triggers.CANCEL:
            order = close(order, "USER_CANCEL")
        elif trig == triggers.PENDING or order.amount == UAT_STAYS_PAYING:
            order = _move(order, PAYING)
        else:
            order = _move(order, PAID)
    elif outcome == triggers.DECLINE:
        order = close(order, "RISK_REJECT")
    elif outcome == triggers.EXPIRE:
        order = close(order, "EXPIRED")
    elif outcome == triggers.CANCEL:
        order = close(order, "USER_CANCEL")
    if before in OPEN and order.state in (PAID, CLOSED):
        return order, notify(order)
    return order, []


def status_payload(order: SandboxOrder) -> dict[str, Any]:
    """The transaction view shared by the status answer and the finish notification."""
    data = order.data
    body: dict[str, Any] = {
        "originalPartnerReferenceNo": order.merchant_ref,
        "originalReferenceNo": order.ref,
        "originalExternalId": data.get("external_id", ""),
        "merchantId": MERCHANT_ID,
        "subMerchantId": "",
        "amount": money(order.amount),
        "latestTransactionStatus": order.state,
        "transactionStatusDesc": DESCRIPTIONS[order.state],
        "createdTime": timestamp(order.created_at),
        "finishedTime": data.get("finished_time", ""),
        "externalStoreId": "",
        "additionalInfo": {},
    }
    if order.state == PAID:
        body["additionalInfo"]["paymentInfo"] = {
            "paidTime": data.get("paid_time", ""),
            "payOptionInfos": [
                {
                    "payMethod": "BALANCE",
                    "payOption": "",
                    "payAmount": money(order.amount),
                    "transAmount": money(order.amount),
                    "chargeAmount": money(0),
                }
            ],
            "cashierRequestId": f"CR{order.ref}",
        }
    if order.state == CLOSED:
        body["additionalInfo"]["closedReason"] = data.get("closed_reason", "")
    return body


def notify(order: SandboxOrder) -> list[int]:
    """Finish notification to the NOTIFICATION url, signed with DANA's private key over the exact
    bytes sent. Triggers: 906 never, 907 twice, 908 with a signature that does not verify."""
    url = order.data.get("notify_url")
    copies = triggers.notification_copies(order.amount)
    if not url or copies == 0:
        return []
    body = minify(status_payload(order))
    path = urlsplit(url).path
    signed = body + b" " if triggers.forge_signature(order.amount) else body

    def sign() -> dict[str, str]:  # each copy signed as it leaves, with its own X-TIMESTAMP
        ts = timestamp()
        return {"X-TIMESTAMP": ts, "X-SIGNATURE": sign_as_dana(path, signed, ts)}

    statuses = core.send(url, body=body, sign=sign, copies=copies)
    log.info("dana finish notify %s -> %s", order.ref, statuses)
    return statuses


def find(ref: str) -> SandboxOrder | None:
    return SandboxOrder.objects.filter(partner=SLUG, ref=ref).first()


def find_by(*, partner_ref_no: str, reference_no: str) -> SandboxOrder | None:
    qs = SandboxOrder.objects.filter(partner=SLUG)
    if reference_no:
        qs = qs.filter(ref=reference_no)
    if partner_ref_no:
        qs = qs.filter(merchant_ref=partner_ref_no)
    if not reference_no and not partner_ref_no:
        return None
    return qs.order_by("-id").first()


def new_reference_no(now: datetime) -> str:
    """DANA-like referenceNo: date, a product code and 16 random digits."""
    return f"{now:%Y%m%d}1112{secrets.randbelow(10**16):016d}"
