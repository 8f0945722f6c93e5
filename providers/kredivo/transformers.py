"""Kredivo checkout v2: pure payload builders, response parsers and the status map.

Kredivo signs nothing: the server_key travels in the body and a push is proven only by asking
Kredivo (`/v2/update`) with the push's transaction_id and signature_key (providers.md §1.4)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from providers.base.errors import InvalidPayload, PartnerDeclined, PartnerUnavailable, UnknownStatus
from providers.base.money import split_name, whole_rupiah
from providers.base.types import CancelStatus, OrderInfo, PartnerStatus, Party, RefundState

# NICEPAY instmntMon -> Kredivo payment_type ("1" month is Kredivo's 30-day plan).
PAYMENT_TYPES: dict[str, str] = {
    "1": "30_days",
    "3": "3_months",
    "6": "6_months",
    "9": "9_months",
    "12": "12_months",
    "18": "18_months",
    "24": "24_months",
}
RESERVED_ITEM_IDS = frozenset(
    {"shippingfee", "adminfee", "taxfee", "discount", "additionalfee", "insurancefee", "mixpayment"}
)

# transaction_status (providers.md §1.5); fulfil only on settlement AND fraud_status accept.
STATUS_MAP: dict[str, PartnerStatus] = {
    "settlement": PartnerStatus.SUCCEEDED,
    "pending": PartnerStatus.PENDING,
    "deny": PartnerStatus.FAILED,
    "cancel": PartnerStatus.CANCELLED,
    "expire": PartnerStatus.EXPIRED,
}
FRAUD_STATUSES = frozenset({"accept", "deny"})
ALREADY_PROCESSED_CANCEL = "cancellation_id is already processed"


def map_status(transaction_status: object, fraud_status: object = None) -> PartnerStatus:
    """Map a Kredivo (transaction_status, fraud_status) pair; never guess on unknown values.

    A settlement counts as paid only with fraud_status accept; fraud deny is a decline."""
    ts = str(transaction_status or "").strip().lower()
    if ts not in STATUS_MAP:
        raise UnknownStatus(f"unknown Kredivo transaction_status {transaction_status!r}", code=ts)
    fraud = str(fraud_status or "").strip().lower()
    if fraud and fraud not in FRAUD_STATUSES:
        raise UnknownStatus(f"unknown Kredivo fraud_status {fraud_status!r}", code=fraud)
    if fraud == "deny":
        return PartnerStatus.FAILED if ts in ("settlement", "pending") else STATUS_MAP[ts]
    if ts == "settlement" and fraud != "accept":
        raise UnknownStatus("Kredivo settlement without fraud_status accept: not fulfilled", code=ts)
    return STATUS_MAP[ts]


def raw_status(transaction_status: object, fraud_status: object = None) -> str:
    fraud = str(fraud_status or "").strip().lower()
    return f"{str(transaction_status or '').strip().lower()}/{fraud}" if fraud else str(transaction_status)


def parse_amount(value: object) -> int:
    """Kredivo amounts are decimal strings ("1500100.00"); only whole rupiah are valid here."""
    return whole_rupiah(value, partner="Kredivo")


_names = split_name


def _address(p: Party) -> dict[str, str]:
    first, last = _names(p.name)
    return {
        "first_name": first,
        "last_name": last,
        "address": p.address,
        "city": p.city,
        "postal_code": p.post_code,
        "phone": p.phone,
        "country_code": "IDN",
    }


def items(order: OrderInfo) -> list[dict[str, Any]]:
    """Cart lines; a line whose id is a reserved fee id keeps it. Any gap between the lines and
    the amount becomes an `additionalfee` or a `discount` line so Kredivo's sum check holds."""
    lines: list[dict[str, Any]] = []
    for i in order.items:
        reserved = i.id.lower() in RESERVED_ITEM_IDS
        line: dict[str, Any] = {
            "id": i.id.lower() if reserved else i.id,
            "name": i.name or i.id,
            "price": i.unit_price,
            "quantity": i.quantity,
        }
        if not reserved:
            line.update(type=i.type or "General", url=i.url, image_url=i.img_url)
            if i.seller_id:
                line.update(parent_type="SELLER", parent_id=i.seller_id)
        lines.append(line)
    if not lines:
        lines.append(
            {
                "id": order.txid,
                "name": order.goods_name,
                "price": order.amount,
                "quantity": 1,
                "type": "General",
            }
        )
    gap = order.amount - items_total(lines)
    if gap > 0:
        lines.append({"id": "additionalfee", "name": "Additional fee", "price": gap, "quantity": 1})
    elif gap < 0:
        lines.append({"id": "discount", "name": "Discount", "price": -gap, "quantity": 1})
    return lines


def items_total(lines: list[dict[str, Any]]) -> int:
    """Sum as Kredivo checks it: a discount line reduces the total whatever its sign."""
    total = 0
    for line in lines:
        value = int(line["price"]) * int(line.get("quantity", 1))
        total += -abs(value) if line["id"] == "discount" else value
    return total


def checkout_body(order: OrderInfo, *, server_key: str) -> dict[str, Any]:
    first, last = _names(order.billing.name)
    body: dict[str, Any] = {
        "server_key": server_key,
        "payment_type": PAYMENT_TYPES.get(order.instalment_months or "1", "30_days"),
        "transaction_details": {"order_id": order.txid, "amount": order.amount, "items": items(order)},
        "customer_details": {
            "first_name": first,
            "last_name": last,
            "email": order.billing.email,
            "phone": order.billing.phone,
        },
        "billing_address": _address(order.billing),
        "shipping_address": _address(order.delivery or order.billing),
        "push_uri": order.notify_url,
        "back_to_store_uri": order.return_url,
        "user_cancel_uri": order.cancel_url,
        "expiration_time": int(order.expires_at.timestamp()),
    }
    if order.sellers:
        body["sellers"] = [
            {"id": s.id, "name": s.name, "email": s.email, "url": s.url, "address": dict(s.address)}
            for s in order.sellers
        ]
    if order.user_ip or order.user_agent:
        body["metadata"] = {"ip_address": order.user_ip, "user_agent": order.user_agent}
    return body


def ok_body(body: Any) -> dict[str, Any]:
    """Kredivo answers application errors with HTTP 200 and status ERROR."""
    if not isinstance(body, dict) or body.get("status") not in ("OK", "ERROR"):
        raise PartnerUnavailable("Kredivo answered an unexpected body")
    if body["status"] == "OK":
        return body
    err = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = str(err.get("message") or body.get("message") or "Kredivo refused the request")
    code = "" if err.get("code") is None else str(err.get("code"))
    kind = str(err.get("kind") or "").lower()
    if kind in ("system", "internal", "server") or code.startswith("5") and len(code) == 3:
        raise PartnerUnavailable(message, code=code, raw=body)
    raise PartnerDeclined(message, code=code, raw=body)


def parse_push(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayload("Kredivo push is not JSON")
    if not isinstance(data, dict):
        raise InvalidPayload("Kredivo push is not a JSON object")
    missing = [
        k
        for k in ("order_id", "transaction_id", "signature_key", "transaction_status")
        if not isinstance(data.get(k), str) or not data.get(k)
    ]
    if missing:
        raise InvalidPayload(f"Kredivo push misses {', '.join(missing)}")
    return data


SECRET_FIELDS = ("signature_key", "server_key", "user_token")


def redact(data: Mapping[str, Any]) -> dict[str, Any]:
    """The push's signature_key proves it to Kredivo: it is a secret, never stored in clear."""
    return {k: ("***" if k in SECRET_FIELDS else v) for k, v in data.items()}


def parse_cancellation_of(data: Mapping[str, Any], cancellation_id: str, *, kind: str) -> CancelStatus:
    """Our `cancellation_id` in transaction/status's cancellations[]: listed as success is DONE,
    absent NOT_DONE (Kredivo never received it)."""
    listed = data.get("cancellations") or []
    if not isinstance(listed, list):
        raise InvalidPayload("Kredivo cancellations is not a list")
    mine = next(
        (c for c in listed if isinstance(c, Mapping) and str(c.get("cancellation_id")) == cancellation_id),
        None,
    )
    if mine is None:
        return CancelStatus(RefundState.NOT_DONE, raw=dict(data))
    if str(mine.get("status") or "success").lower() != "success":
        return CancelStatus(RefundState.PENDING, raw=dict(mine))
    return CancelStatus(RefundState.DONE, partner_cancel_ref=cancellation_id, kind=kind, raw=dict(mine))
