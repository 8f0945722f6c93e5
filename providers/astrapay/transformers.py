"""Pure AstraPay SNAP payload builders and parsers (providers.md §0, §8).

Money travels as {"value": "10000.00", "currency": "IDR"}: built with integer formatting and
parsed back with Decimal, so no float ever touches an amount."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from providers.base import freshness, signing
from providers.base.errors import InvalidPayload, InvalidSignature, UnknownStatus
from providers.base.money import snap_amount, snap_money
from providers.base.types import CallbackEvent, CancelRequest, LinkRequest, OrderInfo, PartnerStatus

# latestTransactionStatus [P1]. "07" (not found) keeps the payment open: a create call that
# failed with 5xx leaves no order at AstraPay, and our own expiry settles it.
STATUS_MAP: dict[str, PartnerStatus] = {
    "00": PartnerStatus.SUCCEEDED,
    "01": PartnerStatus.PENDING,
    "02": PartnerStatus.PENDING,
    "03": PartnerStatus.PENDING,
    "04": PartnerStatus.REFUNDED,
    "05": PartnerStatus.CANCELLED,
    "06": PartnerStatus.FAILED,
    "07": PartnerStatus.PENDING,
}
NOTIFY_REPLY = json.dumps(
    {"responseCode": "2005600", "responseMessage": "Request has been processed successfully"},
    separators=(",", ":"),
)
LINK_NOTIFY_REPLY = json.dumps(
    {"responseCode": "2000700", "responseMessage": "Request has been processed successfully"},
    separators=(",", ":"),
)
MIN_VALIDITY = timedelta(minutes=3)  # validUpTo must lie 3-15 minutes ahead [P1]
MAX_VALIDITY = timedelta(minutes=15)


def map_status(raw: object, desc: object = "") -> PartnerStatus:
    key = str(raw).strip() if raw is not None else ""
    try:
        status = STATUS_MAP[key]
    except KeyError:
        raise UnknownStatus(f"unknown AstraPay status {key!r}", code=key) from None
    # "05" covers cancelled and lapsed payments; the description tells an expiry apart.
    if status is PartnerStatus.CANCELLED and "expir" in str(desc or "").lower():
        return PartnerStatus.EXPIRED
    return status


money = snap_money


def parse_money(obj: Any) -> int | None:
    return None if obj is None else snap_amount(obj, partner="AstraPay")


def parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def valid_up_to(expires_at: datetime, now: datetime) -> str:
    """The order's expiry, held inside AstraPay's 3-15 minute window."""
    target = min(max(expires_at, now + MIN_VALIDITY), now + MAX_VALIDITY)
    return signing.snap_timestamp_wib(target)


# --- request bodies ---------------------------------------------------------------------------


def binding_body(req: LinkRequest, merchant_id: str) -> dict[str, Any]:
    return {
        "merchantId": merchant_id,
        "phoneNo": req.phone,
        "additionalInfo": {
            "finishBindingUrl": req.finish_url,
            "externalUid": req.external_uid,
            "name": req.name,
            "email": req.email,
        },
    }


def customer_token_body(auth_code: str) -> dict[str, str]:
    return {"grantType": "AUTHORIZATION_CODE", "authCode": auth_code}


def unbinding_body(token: str, merchant_id: str) -> dict[str, Any]:
    return {"merchantId": merchant_id, "additionalInfo": {"accessToken": token}}


def payment_body(order: OrderInfo, merchant_id: str, now: datetime) -> dict[str, Any]:
    return {
        "partnerReferenceNo": order.txid,
        "merchantId": merchant_id,
        "validUpTo": valid_up_to(order.expires_at, now),
        "amount": money(order.amount),
        # STAND-IN: where the payment page sends the browser back (DANA-style urlParams).
        "urlParams": [{"url": order.return_url, "type": "PAY_RETURN", "isDeeplink": "N"}],
        "additionalInfo": {"description": (order.description or order.goods_name or "Payment")[:100]},
    }


def status_body(txid: str, partner_ref: str, amount: int) -> dict[str, Any]:
    return {
        "originalPartnerReferenceNo": txid,
        "originalReferenceNo": partner_ref,
        "serviceCode": "54",
        "amount": money(amount),
    }


def refund_status_body(req: CancelRequest) -> dict[str, Any]:
    """The status inquiry of one refund: serviceCode 58 and our partnerRefundNo."""
    return {
        "originalPartnerReferenceNo": req.txid,
        "originalReferenceNo": req.partner_ref,
        "serviceCode": "58",
        "partnerRefundNo": req.cancel_id,
    }


def refund_body(req: CancelRequest) -> dict[str, Any]:
    return {
        "originalPartnerReferenceNo": req.txid,
        "originalReferenceNo": req.partner_ref,
        "partnerRefundNo": req.cancel_id,
        "refundAmount": money(req.amount),
        "reason": (req.reason or "Merchant cancel")[:256],
    }


# --- responses --------------------------------------------------------------------------------


def response_code(data: Any) -> str:
    return str(data.get("responseCode") or "") if isinstance(data, Mapping) else ""


def is_success(data: Any, service: str) -> bool:
    """`200<service>00` is the one success code of a SNAP service."""
    return response_code(data) == f"200{service}00"


def parse_status(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("latestTransactionStatus")
    return {
        "status": map_status(raw, data.get("transactionStatusDesc")),
        "raw_status": str(raw),
        "ref": str(data.get("originalReferenceNo") or ""),
        "amount": parse_money(data.get("transAmount") or data.get("amount")),
        "paid_at": parse_time(data.get("paidTime")),
    }


# --- notifications ----------------------------------------------------------------------------


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup (works for plain dicts as well as Django's)."""
    lower = name.lower()
    for k, v in headers.items():
        if k.lower() == lower:
            return v
    return ""


def verify_notification(
    headers: Mapping[str, str], body: bytes, path: str, client_secret: str, *, now: datetime, window: int
) -> dict[str, Any]:
    """STAND-IN recipe (§8.3): recompute the symmetric service signature over the merchant path,
    with the bearer value of the request as the token; then the signed X-TIMESTAMP must be within
    `window` seconds of `now` (else StaleNotification: a replay). -> the parsed body."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayload("AstraPay notification is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidPayload("AstraPay notification is not an object")
    auth = header(headers, "Authorization")
    token = auth[7:] if auth[:7].lower() == "bearer " else ""
    timestamp, given = header(headers, "X-TIMESTAMP"), header(headers, "X-SIGNATURE")
    if not token or not timestamp or not given:
        raise InvalidSignature("AstraPay notification lacks its signature headers")
    expected = signing.snap_hmac512_signature(
        client_secret, "POST", path, token, signing.minify(data), timestamp
    )
    if not signing.equal(expected, given):
        raise InvalidSignature("AstraPay notification signature does not verify")
    freshness.require_fresh(freshness.snap_time(timestamp), now=now, window=window, partner="AstraPay")
    return data


def payment_event(data: Mapping[str, Any]) -> CallbackEvent:
    txid, ref = data.get("originalPartnerReferenceNo"), data.get("originalReferenceNo")
    if not isinstance(txid, str) or not txid or not isinstance(ref, str):
        raise InvalidPayload("AstraPay notification lacks originalPartnerReferenceNo")
    raw = str(data.get("latestTransactionStatus"))
    status = map_status(raw, data.get("transactionStatusDesc"))
    return CallbackEvent(
        txid=txid,
        status=status,
        raw_status=raw,
        idempotency_key=f"astrapay:notify:{ref}:{raw}",
        partner_ref=ref,
        amount=parse_money(data.get("amount")),
        raw=dict(data),
        reply=(200, "application/json", NOTIFY_REPLY),
    )


def link_event(data: Mapping[str, Any]) -> CallbackEvent:
    """STAND-IN: the binding completion notice; txid carries our mandate id (externalUid)."""
    uid, ref = data.get("externalUid"), data.get("referenceNo")
    if not isinstance(uid, str) or not uid or not isinstance(ref, str) or not ref:
        raise InvalidPayload("AstraPay binding notification lacks externalUid/referenceNo")
    raw = str(data.get("latestBindingStatus"))
    return CallbackEvent(
        txid=uid,
        status=map_status(raw),
        raw_status=raw,
        idempotency_key=f"astrapay:binding:{ref}:{raw}",
        partner_ref=ref,
        kind="link",
        raw=dict(data),
        reply=(200, "application/json", LINK_NOTIFY_REPLY),
    )


def parse_notification(data: Mapping[str, Any]) -> CallbackEvent:
    if "originalPartnerReferenceNo" in data:
        return payment_event(data)
    if "externalUid" in data:
        return link_event(data)
    raise InvalidPayload("unrecognised AstraPay notification")
