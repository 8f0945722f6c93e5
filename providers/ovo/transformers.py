"""OVO Push-to-Pay (ISO-8583-style JSON on one endpoint): pure builders, parsers and the RC map."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from providers.base.errors import InvalidPayload, UnknownStatus
from providers.base.signing import hmac_sha256_hex
from providers.base.types import PartnerStatus

WIB = timezone(timedelta(hours=7))  # OVO's server clock is GMT+7


@dataclass(frozen=True)
class Operation:
    type: str
    processing_code: str


PUSH = Operation("0200", "040000")
REVERSAL = Operation("0400", "040000")
VOID = Operation("0200", "020040")
CHECK = Operation("0100", "040000")
VOID_CHECK = Operation("0100", "020040")
DUPLICATE = "94"  # ISO-8583 duplicate transmission: referenceNumber reused within the batch
NOT_FOUND = "25"  # a status check of a push OVO never received

# Response codes (providers.md §6.1). "09" and "68" are ISO-8583 codes the sandbox answers to a
# status check ([STAND-IN]: OVO's list has no code for "still waiting" or "timed out").
STATUS_MAP: dict[str, PartnerStatus] = {
    "00": PartnerStatus.SUCCEEDED,
    "09": PartnerStatus.PENDING,  # request in progress: the push still waits for the customer
    "25": PartnerStatus.PENDING,  # no such push (yet): never final, the payment's expiry settles it
    "68": PartnerStatus.EXPIRED,  # no approval in the push window; the push was reversed
    "17": PartnerStatus.CANCELLED,  # the customer declined in the app
    "08": PartnerStatus.FAILED,
    "11": PartnerStatus.FAILED,
    "13": PartnerStatus.FAILED,
    "14": PartnerStatus.FAILED,
    "16": PartnerStatus.FAILED,
    "18": PartnerStatus.FAILED,
    "26": PartnerStatus.FAILED,
    "30": PartnerStatus.FAILED,
    "40": PartnerStatus.FAILED,
    "51": PartnerStatus.FAILED,
    "56": PartnerStatus.FAILED,
    "58": PartnerStatus.FAILED,
    "61": PartnerStatus.FAILED,
    "63": PartnerStatus.FAILED,
    "64": PartnerStatus.FAILED,
}
MESSAGES: dict[str, str] = {
    "00": "Success",
    "08": "Voucher already used",
    "09": "Waiting for the customer to approve in the OVO app",
    "11": "User level not allowed",
    "13": "Invalid amount",
    "14": "Phone number / OVO ID not registered",
    "16": "Invalid card",
    "17": "Transaction cancelled by the customer",
    "18": "Invalid voucher",
    "25": "Transaction not found",
    "26": "Push to the OVO app failed: the customer must log in to the app",
    "30": "Invalid ISO message",
    "40": "Third-party / e-money error",
    "44": "Refund code expired",
    "51": "Insufficient balance",
    "56": "Card blocked",
    "57": "Not eligible for void/refund",
    "58": "Invalid transaction for this merchant/terminal",
    "61": "Exceeds the customer's limit",
    "63": "Authentication failed",
    "64": "Account blocked",
    "68": "No approval within the push window",
    "94": "Duplicate referenceNumber within the batch",
}


def map_status(raw: str) -> PartnerStatus:
    try:
        return STATUS_MAP[raw]
    except KeyError:
        raise UnknownStatus(f"unknown OVO response code {raw!r}", code=str(raw)) from None


def message(rc: str) -> str:
    return MESSAGES.get(rc, f"OVO response code {rc}")


def auth_headers(app_id: str, app_key: str, random: str) -> dict[str, str]:
    """`hmac` = hex(HMAC-SHA256(key=app_key, msg=app_id + random)); the body is not signed."""
    return {"app-id": app_id, "random": random, "hmac": hmac_sha256_hex(app_key, (app_id + random).encode())}


def ovo_phone(phone: str) -> str:
    """OVO wants the national 08... form; merchants also send +62 / 62 forms."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits
    return digits


def ovo_date(now: datetime) -> str:
    local = now.astimezone(WIB)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"


@dataclass(frozen=True)
class Terminal:
    """The merchant's OVO terminal identity (issued at onboarding)."""

    tid: str
    mid: str
    merchant_id: str
    store_code: str


def request_body(
    op: Operation,
    *,
    terminal: Terminal,
    amount: int,
    now: datetime,
    batch_no: str,
    reference_number: int,
    invoice: str,
    phone: str = "",
) -> dict[str, Any]:
    data: dict[str, Any] = {"batchNo": batch_no, "merchantInvoice": invoice}
    if phone:
        data["phone"] = phone
    return {
        "type": op.type,
        "processingCode": op.processing_code,
        "amount": int(amount),  # integer rupiah, no decimals
        "date": ovo_date(now),
        "referenceNumber": reference_number,
        "tid": terminal.tid,
        "mid": terminal.mid,
        "merchantId": terminal.merchant_id,
        "storeCode": terminal.store_code,
        "appSource": "POS",
        "transactionRequestData": data,
    }


def decode(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayload("OVO answered with a body that is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidPayload("OVO answered with JSON that is not an object")
    return data


def response_code(data: Mapping[str, Any]) -> str:
    """ "" when OVO's answer carries no response code: no decision within its window."""
    rc = data.get("responseCode")
    return rc if isinstance(rc, str) else ""


def approval_code(data: Mapping[str, Any]) -> str:
    code = data.get("approvalCode")
    return code if isinstance(code, str) else ""


def response_amount(data: Mapping[str, Any]) -> int | None:
    amount = data.get("amount")
    return amount if isinstance(amount, int) and not isinstance(amount, bool) else None
