"""Akulaku Open Pay: pure payload builders, signatures, parsers and the status map.

Akulaku signs with a plain SHA-512 over appId + secretKey + content (not an HMAC), encoded as
URL-safe Base64 without padding. The content of `new.do` is the concatenation of the non-empty
values of SIGN_FIELDS in that order (providers.md §3.2)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from providers.base.errors import CancelNotAllowed, InvalidPayload, PartnerDeclined, UnknownStatus
from providers.base.money import whole_rupiah
from providers.base.types import CancelStatus, CartItem, OrderInfo, PartnerStatus, RefundState

SIGN_FIELDS: tuple[str, ...] = (
    "refNo",
    "totalPrice",
    "userAccount",
    "receiverName",
    "receiverPhone",
    "province",
    "city",
    "street",
    "postcode",
    "callbackPageUrl",
    "details",
    "virtualDetails",
    "extraInfo",
)

# Akulaku `status` (providers.md §3.5). 101 "receipted" is still a paid order.
STATUS_MAP: dict[str, PartnerStatus] = {
    "1": PartnerStatus.PENDING,
    "90": PartnerStatus.FAILED,
    "91": PartnerStatus.REFUNDED,
    "92": PartnerStatus.CANCELLED,
    "100": PartnerStatus.SUCCEEDED,
    "101": PartnerStatus.SUCCEEDED,
}
RECEIPTED = "101"

# Subset search for a partial cancel is exponential; carts beyond this are refused explicitly.
MAX_LINES_FOR_PARTIAL = 16


def map_status(raw: object) -> PartnerStatus:
    try:
        return STATUS_MAP[str(raw).strip()]
    except KeyError:
        raise UnknownStatus(f"unknown Akulaku status {raw!r}", code=str(raw))


def sign(app_id: str, secret: str, content: str) -> str:
    digest = hashlib.sha512(f"{app_id}{secret}{content}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def details(items: tuple[CartItem, ...]) -> str:
    """Cart lines as Akulaku `details`; vendorId is the NICEPAY goods_sellers_id."""
    return compact(
        [
            {
                "skuId": i.id,
                "skuName": i.name,
                "unitPrice": i.unit_price,
                "qty": i.quantity,
                "img": i.img_url,
                "vendorId": i.seller_id,
                "vendorName": i.seller_name,
            }
            for i in items
        ]
    )


def order_fields(order: OrderInfo, *, app_id: str) -> dict[str, str]:
    """The `new.do` form without its sign. refNo is our tXid so every callback ties back."""
    receiver = order.delivery or order.billing
    return {
        "appId": app_id,
        "refNo": order.txid,
        "totalPrice": str(order.amount),
        "userAccount": order.billing.email or order.billing.phone,
        "receiverName": receiver.name,
        "receiverPhone": receiver.phone,
        "province": receiver.state,
        "city": receiver.city,
        "street": receiver.address,
        "postcode": receiver.post_code,
        "callbackPageUrl": order.return_url,
        "details": details(order.items),
        "virtualDetails": "",
        "extraInfo": "{}",
    }


def order_sign_content(fields: Mapping[str, str]) -> str:
    return "".join(fields[k] for k in SIGN_FIELDS if fields.get(k))


def signed_order(order: OrderInfo, *, app_id: str, secret: str) -> dict[str, str]:
    fields = order_fields(order, app_id=app_id)
    return {**fields, "sign": sign(app_id, secret, order_sign_content(fields))}


def envelope_data(body: Any) -> dict[str, Any]:
    """`{"success":true,"data":{...}}` -> data; a refusal raises PartnerDeclined with errCode."""
    if not isinstance(body, dict) or "success" not in body:
        raise InvalidPayload("Akulaku answered an unexpected body")
    if body.get("success") is not True:
        code = str(body.get("errCode") or "")
        raise PartnerDeclined(str(body.get("errMsg") or f"Akulaku refused ({code})"), code=code, raw=body)
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def parse_callback_form(body: bytes) -> dict[str, str]:
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise InvalidPayload("Akulaku callback is not UTF-8")
    missing = [k for k in ("refNo", "status", "sign") if not form.get(k)]
    if missing:
        raise InvalidPayload(f"Akulaku callback misses {', '.join(missing)}")
    return form


def whole_lines_for(items: tuple[CartItem, ...], amount: int) -> tuple[CartItem, ...]:
    """The cart lines whose full value adds up to `amount` (Akulaku cancels per SKU).

    Fewest lines first, then the earliest; raises CancelNotAllowed when no set of whole lines
    matches, since Akulaku has no way to cancel part of a line's price."""
    lines = [i for i in items if i.unit_price * i.quantity > 0]
    if not lines:
        raise CancelNotAllowed("Akulaku cancels per item: this transaction has no cart lines to cancel")
    if len(lines) > MAX_LINES_FOR_PARTIAL:
        raise CancelNotAllowed(
            f"Akulaku partial cancel supports carts of at most {MAX_LINES_FOR_PARTIAL} lines"
        )
    for size in range(1, len(lines) + 1):
        for combo in itertools.combinations(lines, size):
            if sum(i.unit_price * i.quantity for i in combo) == amount:
                return combo
    values = ", ".join(f"{i.id}={i.unit_price * i.quantity}" for i in lines)
    raise CancelNotAllowed(
        f"Akulaku cancels whole items only: {amount} is not the total of any set of cart lines ({values})"
    )


def parse_cancel_state(
    data: Mapping[str, Any], *, full: bool, before: int, amount: int, kind: str
) -> CancelStatus:
    """What status.do's refundDetails say about our cancel (Akulaku keys none of its cancels by an id
    of ours). A full cancel: the order refunded or cancelled (or a wholeOrder detail). A partial one
    (SKU by SKU): the refunded SKUs add up to `before` + `amount` (DONE), still to `before`
    (NOT_DONE), or between - some SKUs went through - which stays PENDING for ops to see. Whole
    rupiah."""
    details = data.get("refundDetails") or []
    if not isinstance(details, list):
        raise InvalidPayload("Akulaku refundDetails is not a list")
    if full:
        whole = any(isinstance(d, Mapping) and d.get("wholeOrder") for d in details)
        gone = map_status(data.get("status")) in (PartnerStatus.REFUNDED, PartnerStatus.CANCELLED)
        state = RefundState.DONE if whole or gone else RefundState.NOT_DONE
        return CancelStatus(state, kind=kind, raw=dict(data))
    refunded = sum(
        whole_rupiah(d.get("refundAmount", 0), partner="Akulaku")
        for d in details
        if isinstance(d, Mapping) and not d.get("wholeOrder")
    )
    if refunded >= before + amount:
        return CancelStatus(RefundState.DONE, kind=kind, raw=dict(data))
    if refunded <= before:
        return CancelStatus(RefundState.NOT_DONE, kind=kind, raw=dict(data))
    return CancelStatus(RefundState.PENDING, kind=kind, raw=dict(data))
