"""DANA (SNAP Payment Gateway, hosted redirect): pure payload builders and response parsers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from providers.base.errors import InvalidPayload, UnknownStatus
from providers.base.money import snap_amount, snap_money
from providers.base.signing import minify
from providers.base.types import CancelRequest, OrderInfo, PartnerStatus

WIB = timezone(timedelta(hours=7))
CURRENCY = "IDR"
MAX_VALIDITY = timedelta(days=7)  # DANA refuses validUpTo more than a week ahead

# SNAP responseCode for success per service (HTTP status + service code + case code).
OK_CREATE = "2005400"
OK_STATUS = "2005500"
OK_NOTIFY = "2005600"
OK_CANCEL = "2005700"
OK_REFUND = "2005800"
ACCEPTED_REFUND = "2025800"  # in progress, also DANA's answer to an idempotent repeat
NOT_FOUND_STATUS = "4045501"

# latestTransactionStatus (providers.md §0.4 / §4.5). "05" is DANA's one "closed" code: it covers
# a decline, the customer's cancel and an expiry; `closedReason` tells them apart (see map_closed).
STATUS_MAP: dict[str, PartnerStatus] = {
    "00": PartnerStatus.SUCCEEDED,
    "01": PartnerStatus.PENDING,  # initiated, not paid
    "02": PartnerStatus.PENDING,  # paying
    "05": PartnerStatus.CANCELLED,
    # "not found": the order never reached DANA (e.g. the create call failed). Not a final answer:
    # the payment stays open and its own expiry settles it.
    "07": PartnerStatus.PENDING,
}
# closedReason values the sandbox sends in additionalInfo for a "05" ([STAND-IN], DANA's
# extendInfo.closedReason); only an expiry changes the neutral status.
EXPIRY_REASONS = frozenset({"EXPIRED", "ORDER_EXPIRED", "TIMEOUT"})
NOTIFY_REPLY = (
    200,
    "application/json",
    minify({"responseCode": OK_NOTIFY, "responseMessage": "Successful"}).decode(),
)

_MONEY = re.compile(r"^\d{1,15}\.\d{2}$")


def map_status(raw: str) -> PartnerStatus:
    try:
        return STATUS_MAP[raw]
    except KeyError:
        raise UnknownStatus(f"unknown DANA latestTransactionStatus {raw!r}", code=str(raw)) from None


def map_closed(raw: str, closed_reason: str) -> PartnerStatus:
    """map_status, refined for "05": an expiry is EXPIRED, anything else stays CANCELLED."""
    status = map_status(raw)
    if status is PartnerStatus.CANCELLED and closed_reason.upper() in EXPIRY_REASONS:
        return PartnerStatus.EXPIRED
    return status


def money(amount: int) -> dict[str, str]:
    """Integer rupiah -> SNAP money object; integer formatting only, never float."""
    return snap_money(amount, CURRENCY)


def parse_money(obj: Any) -> int:
    """SNAP money object -> integer rupiah. Refuses fractions of a rupiah."""
    if (
        not isinstance(obj, Mapping)
        or not isinstance(obj.get("value"), str)
        or not _MONEY.match(obj["value"])
    ):
        raise InvalidPayload("DANA amount is not a SNAP money object")
    return snap_amount(obj, partner="DANA")


def wib(dt: datetime) -> str:
    return dt.astimezone(WIB).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def create_order_body(
    order: OrderInfo, *, merchant_id: str, now: datetime, mcc: str = "5732"
) -> dict[str, Any]:
    valid_up_to = min(order.expires_at, now + MAX_VALIDITY)
    buyer = {"externalUserId": order.billing.email or order.billing.phone, "nickname": order.billing.name}
    return {
        "partnerReferenceNo": order.txid,
        "merchantId": merchant_id,
        "amount": money(order.amount),
        "validUpTo": wib(valid_up_to),
        "urlParams": [
            {"url": order.return_url, "type": "PAY_RETURN", "isDeeplink": "N"},
            {"url": order.notify_url, "type": "NOTIFICATION", "isDeeplink": "N"},
        ],
        "additionalInfo": {
            "mcc": mcc,
            "order": {
                "orderTitle": (order.goods_name or order.reference_no)[:64],
                "scenario": "REDIRECT",
                "merchantTransType": "SPECIAL_MERCHANT",
                "buyer": buyer,
                "createdTime": wib(now),
                "orderMemo": order.reference_no,
            },
            "envInfo": {
                "sourcePlatform": "IPG",
                "terminalType": "SYSTEM",
                "orderTerminalType": "WEB",
            },
        },
    }


def status_body(*, txid: str, partner_ref: str, merchant_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "originalPartnerReferenceNo": txid,
        "serviceCode": "54",
        "merchantId": merchant_id,
    }
    if partner_ref:
        body["originalReferenceNo"] = partner_ref
    return body


def refund_status_body(req: CancelRequest, *, merchant_id: str) -> dict[str, Any]:
    """The status inquiry of one refund: serviceCode 58 (refund) and our partnerRefundNo."""
    return {
        "originalPartnerReferenceNo": req.txid,
        "originalReferenceNo": req.partner_ref,
        "serviceCode": "58",
        "partnerRefundNo": req.cancel_id,
        "merchantId": merchant_id,
    }


def cancel_body(req: CancelRequest, *, merchant_id: str) -> dict[str, Any]:
    return {
        "originalPartnerReferenceNo": req.txid,
        "originalReferenceNo": req.partner_ref,
        "merchantId": merchant_id,
        "reason": (req.reason or "merchant cancel")[:256],
        "amount": money(req.amount),
    }


def refund_body(req: CancelRequest, *, merchant_id: str) -> dict[str, Any]:
    return {
        "originalPartnerReferenceNo": req.txid,
        "originalReferenceNo": req.partner_ref,
        "partnerRefundNo": req.cancel_id,
        "merchantId": merchant_id,
        "refundAmount": money(req.amount),
        "reason": (req.reason or "merchant refund")[:256],
    }


def decode(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayload("DANA sent a body that is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidPayload("DANA sent JSON that is not an object")
    return data


def closed_reason(data: Mapping[str, Any]) -> str:
    info = data.get("additionalInfo")
    if not isinstance(info, Mapping):
        return ""
    reason = info.get("closedReason")
    if not reason and isinstance(info.get("extendInfo"), Mapping):
        reason = info["extendInfo"].get("closedReason")
    return reason if isinstance(reason, str) else ""


def paid_time(data: Mapping[str, Any]) -> datetime | None:
    info = data.get("additionalInfo")
    pay_info = info.get("paymentInfo") if isinstance(info, Mapping) else None
    if isinstance(pay_info, Mapping) and pay_info.get("paidTime"):
        return parse_time(pay_info["paidTime"])
    return parse_time(data.get("paidTime")) or parse_time(data.get("finishedTime"))
