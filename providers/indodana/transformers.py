"""Indodana PayLater: pure auth tokens, payload builders, parsers and the status map.

Both directions carry `Authorization: Bearer apiKey:nonce:hex(HMAC-SHA256(apiSecret, "apiKey:nonce"))`
(providers.md §2.2). The body is not signed, so a notification is only a hint: the adapter
confirms it with a status check (flows.md step 6)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from providers.base.errors import InvalidPayload, PartnerDeclined, PartnerUnavailable, UnknownStatus
from providers.base.money import split_name, whole_rupiah
from providers.base.signing import equal, hmac_sha256_hex
from providers.base.types import CancelStatus, OrderInfo, PartnerStatus, Party, RefundState

JAKARTA = ZoneInfo("Asia/Jakarta")
PAYMENT_TYPES: dict[str, str] = {"1": "30_days", "3": "3_months", "6": "6_months", "12": "12_months"}
FEE_IDS = frozenset({"shippingfee", "taxfee", "discount", "adminfee", "additionalfee", "insurancefee"})

# INITIATED and PAID are documented; the rest is the sandbox vocabulary of providers.md §2.5
# (plus PENDING/FAILED, listed by a third-party mapping).
STATUS_MAP: dict[str, PartnerStatus] = {
    "INITIATED": PartnerStatus.PENDING,
    "PENDING": PartnerStatus.PENDING,
    "PAID": PartnerStatus.SUCCEEDED,
    "EXPIRED": PartnerStatus.EXPIRED,
    "REJECTED": PartnerStatus.FAILED,
    "FAILED": PartnerStatus.FAILED,
    "CANCELLED": PartnerStatus.CANCELLED,
    "REFUNDED": PartnerStatus.REFUNDED,
}


def map_status(raw: object) -> PartnerStatus:
    try:
        return STATUS_MAP[str(raw).strip().upper()]
    except KeyError:
        raise UnknownStatus(f"unknown Indodana transactionStatus {raw!r}", code=str(raw))


def signature(api_key: str, api_secret: str, nonce: str) -> str:
    return hmac_sha256_hex(api_secret, f"{api_key}:{nonce}".encode())


def bearer(api_key: str, api_secret: str, nonce: int | str) -> str:
    return f"Bearer {api_key}:{nonce}:{signature(api_key, api_secret, str(nonce))}"


def verify_bearer(header: str | None, api_key: str, api_secret: str) -> bool:
    """Recompute the Bearer value with our own key and compare in constant time."""
    scheme, _, token = (header or "").strip().partition(" ")
    parts = token.split(":")
    if scheme.lower() != "bearer" or len(parts) != 3 or not parts[1].isdigit():
        return False
    key, nonce, sig = parts
    key_ok = equal(key, api_key)
    sig_ok = equal(sig.lower(), signature(api_key, api_secret, nonce))
    return key_ok and sig_ok


def bearer_nonce(header: str | None) -> str:
    """The nonce of `Bearer apiKey:nonce:signature` ("" when the header has another shape)."""
    parts = (header or "").strip().partition(" ")[2].split(":")
    return parts[1] if len(parts) == 3 else ""


def parse_amount(value: object) -> int:
    """decimal(16,2) on the wire; whole rupiah here."""
    return whole_rupiah(value, partner="Indodana")


_names = split_name


def _address(p: Party) -> dict[str, str]:
    first, last = _names(p.name)
    return {
        "firstName": first,
        "lastName": last,
        "address": p.address,
        "city": p.city,
        "postalCode": p.post_code or "00000",  # the official plugin's default
        "phone": p.phone,
        "countryCode": "IDN",
    }


def items(order: OrderInfo) -> list[dict[str, Any]]:
    """Cart lines; any gap to the amount becomes a fee or discount line (price = abs(value),
    the official plugin's convention) so Indodana's sum check holds."""
    lines: list[dict[str, Any]] = []
    for i in order.items:
        fee = i.id.lower() in FEE_IDS
        line: dict[str, Any] = {
            "id": i.id.lower() if fee else i.id,
            "name": i.name or i.id,
            "price": i.unit_price,
            "quantity": i.quantity,
        }
        if not fee:
            line.update(url=i.url, imageUrl=i.img_url, type=i.type or "General", category=i.type or "General")
            if i.seller_id:
                line.update(parentType="SELLER", parentId=i.seller_id)
        lines.append(line)
    if not lines:
        lines.append({"id": order.txid, "name": order.goods_name, "price": order.amount, "quantity": 1})
    gap = order.amount - items_total(lines)
    if gap > 0:
        lines.append({"id": "additionalfee", "name": "Additional fee", "price": gap, "quantity": 1})
    elif gap < 0:
        lines.append({"id": "discount", "name": "Discount", "price": -gap, "quantity": 1})
    return lines


def items_total(lines: list[dict[str, Any]]) -> int:
    total = 0
    for line in lines:
        value = int(line["price"]) * int(line.get("quantity", 1))
        total += -abs(value) if line["id"] == "discount" else value
    return total


def iso_jakarta(moment: datetime) -> str:
    return moment.astimezone(JAKARTA).isoformat(timespec="seconds")


def checkout_body(order: OrderInfo) -> dict[str, Any]:
    first, last = _names(order.billing.name)
    body: dict[str, Any] = {
        "transactionDetails": {"merchantOrderId": order.txid, "amount": order.amount, "items": items(order)},
        "customerDetails": {
            "firstName": first,
            "lastName": last,
            "email": order.billing.email,
            "phone": order.billing.phone,
        },
        "billingAddress": _address(order.billing),
        "shippingAddress": _address(order.delivery or order.billing),
        "paymentType": PAYMENT_TYPES.get(order.instalment_months or "1", "30_days"),
        "approvedNotificationUrl": order.notify_url,
        "cancellationRedirectUrl": order.cancel_url,
        "backToStoreUrl": order.return_url,
        "expirationAt": iso_jakarta(order.expires_at),
    }
    if order.sellers:
        body["sellers"] = [
            {"id": s.id, "name": s.name, "url": s.url, "email": s.email, "address": dict(s.address)}
            for s in order.sellers
        ]
    return body


def ok_body(status: int, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("status") not in ("OK", "ERROR"):
        raise PartnerUnavailable(f"Indodana answered HTTP {status} with an unexpected body")
    if body["status"] == "OK" and status < 300:
        return body
    err = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = err.get("message") or body.get("message") or f"Indodana refused the request (HTTP {status})"
    if isinstance(message, (list, dict)):
        message = json.dumps(message, ensure_ascii=False)
    if status == 429:  # rate limited: ambiguous and retryable
        raise PartnerUnavailable(str(message), code=str(err.get("kind") or status), raw=body)
    raise PartnerDeclined(str(message), code=str(err.get("kind") or status), raw=body)


def parse_notification(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayload("Indodana notification is not JSON")
    if not isinstance(data, dict):
        raise InvalidPayload("Indodana notification is not a JSON object")
    missing = [k for k in ("merchantOrderId", "transactionStatus", "transactionId") if not data.get(k)]
    if missing:
        raise InvalidPayload(f"Indodana notification misses {', '.join(missing)}")
    return data


def header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for k, v in headers.items():
        if k.lower() == wanted or k.upper() == f"HTTP_{name.upper().replace('-', '_')}":
            return v
    return ""


def parse_refund_of(data: Mapping[str, Any], refund_id: str) -> CancelStatus:
    """Our cancellation `refund_id` in check_status's refunds[]: SUCCESS is DONE, PENDING still
    being made, absent NOT_DONE (Indodana never received it)."""
    refunds = data.get("refunds") or []
    if not isinstance(refunds, list):
        raise InvalidPayload("Indodana refunds is not a list")
    mine = next((r for r in refunds if isinstance(r, Mapping) and str(r.get("refundId")) == refund_id), None)
    if mine is None:
        return CancelStatus(RefundState.NOT_DONE, raw=dict(data))
    state = str(mine.get("status") or "").upper()
    if state == "SUCCESS":
        return CancelStatus(RefundState.DONE, partner_cancel_ref=refund_id, kind="refund", raw=dict(mine))
    if state in ("PENDING", "PROCESSING"):
        return CancelStatus(RefundState.PENDING, raw=dict(mine))
    return CancelStatus(RefundState.NOT_DONE, raw=dict(mine))
