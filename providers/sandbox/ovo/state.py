"""The simulated OVO's pushes and what answers them.

States: pending (in the customer's app), approved, declined (data.rc), timeout (no answer in the
window), reversed, voided, error (the 909 trigger answered HTTP 500)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from providers.sandbox.merchant import DEMO_MERCHANT_NAME
from providers.sandbox.models import SandboxOrder

SLUG = "ovo"
# What this sandbox issued to the gateway at onboarding.
APP_ID = "payloan-sbx"
APP_KEY = "5b1d0c6a9e8f47d2a3c4b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081920"
TERMINAL = {"tid": "PAYLOAN1", "mid": "PAYLOANMID01", "merchantId": "110771", "storeCode": "PAYLOANSBX"}
STORE_NAME = DEMO_MERCHANT_NAME

PENDING, APPROVED, DECLINED, TIMEOUT, REVERSED, VOIDED, ERROR = (
    "pending",
    "approved",
    "declined",
    "timeout",
    "reversed",
    "voided",
    "error",
)
PHONE_TRIGGERS = {"0014": "14", "0017": "17", "0026": "26", "0051": "51"}
SILENT_PHONE = "0099"  # the app never answers


def push_timeout() -> float:
    return settings.SANDBOX_OVO_PUSH_TIMEOUT


def hmac_ok(app_id: str, random: str, given: str) -> bool:
    expected = hmac.new(APP_KEY.encode(), (app_id + random).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (given or "").encode())


def otp_for(phone: str) -> str:
    """Stage OTP/PIN = the last 4 digits of the phone number (OVO's own stage rule)."""
    return phone[-4:]


def latest(invoice: str) -> SandboxOrder | None:
    return SandboxOrder.objects.filter(partner=SLUG, merchant_ref=invoice).order_by("-id").first()


def move(order: SandboxOrder, to: str, *, frm: tuple[str, ...], rc: str = "") -> SandboxOrder:
    """Change state only from the given states (a race with another actor changes nothing)."""
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state in frm:
            locked.state = to
            if rc:
                locked.data["rc"] = rc
            if to == APPROVED:
                locked.data["approval_code"] = f"{secrets.randbelow(10**6):06d}"
                locked.data["approved_at"] = timezone.now().isoformat()
                locked.data["cash_balance"] = 5_000_000 - locked.amount
            locked.save(update_fields=["state", "data", "updated_at"])
        return locked


def lapse(order: SandboxOrder) -> SandboxOrder:
    """Let the push run out now (the sandbox's "expire")."""
    SandboxOrder.objects.filter(pk=order.pk, state=PENDING).update(expires_at=timezone.now())
    order.refresh_from_db()
    return order


def pending_for(phone: str) -> list[SandboxOrder]:
    now = timezone.now()
    rows = SandboxOrder.objects.filter(partner=SLUG, state=PENDING, expires_at__gt=now).order_by("id")
    return [o for o in rows if o.data.get("phone") == phone and not o.data.get("silent")]


def check_rc(order: SandboxOrder | None) -> str:
    """The response code a status check answers for a push ([STAND-IN] 09/68/25, see the adapter)."""
    if order is None:
        return "25"
    if order.state == PENDING:
        return "09"
    if order.state in (APPROVED, VOIDED):
        return "00"
    if order.state == DECLINED:
        return str(order.data.get("rc", "17"))
    if order.state == ERROR:
        return "40"
    return "68"  # timeout, reversed


def void_rc(order: SandboxOrder | None) -> str:
    """The response code a void status check answers: 00 when the push was voided, else 25 (no
    such void). [STAND-IN] OVO documents the operation (0100/020040), not its codes."""
    return "00" if order is not None and order.state == VOIDED else "25"


def response_data(order: SandboxOrder | None) -> dict[str, Any]:
    if order is None or order.state not in (APPROVED, VOIDED):
        return {}
    return {
        "ovoid": order.data.get("phone", ""),
        "cashUsed": str(order.amount),
        "ovoPointsUsed": "0",
        "cashBalance": str(order.data.get("cash_balance", 0)),
        "fullName": "OVO Sandbox User",
        "storeName": STORE_NAME,
        "storeCode": TERMINAL["storeCode"],
        "paymentType": "PUSH TO PAY",
    }
