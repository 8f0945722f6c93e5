"""Pure LinkAja WCO payload builders and response parsers (providers.md §7.1, §7.3).

WCO authenticates with static credentials inside every form; there is no computed signature
and no server push, so the status check is the only source of truth."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from providers.base.errors import InvalidPayload, UnknownStatus
from providers.base.money import whole_rupiah
from providers.base.types import OrderInfo, PartnerStatus

# Only "00" is evidenced [L1]; the rest are the documented stand-ins, plus "05" for a customer
# who presses cancel on the PIN page (our own stand-in, kept apart from a decline for clarity).
STATUS_MAP: dict[str, PartnerStatus] = {
    "00": PartnerStatus.SUCCEEDED,
    "01": PartnerStatus.FAILED,
    "02": PartnerStatus.PENDING,
    "03": PartnerStatus.EXPIRED,
    "04": PartnerStatus.REFUNDED,
    "05": PartnerStatus.CANCELLED,
}


def map_status(raw: object) -> PartnerStatus:
    key = str(raw).strip() if raw is not None else ""
    try:
        return STATUS_MAP[key]
    except KeyError:
        raise UnknownStatus(f"unknown LinkAja status {key!r}", code=key) from None


def items_field(order: OrderInfo) -> str:
    """`items` is a JSON-ish string [["name","price","qty"],...] whose lines must add up to the
    total (NICEPAY's rule for LinkAja); otherwise one line carries the whole amount."""
    lines = [[i.name[:50], str(i.unit_price), str(i.quantity)] for i in order.items]
    if not lines or sum(i.unit_price * i.quantity for i in order.items) != order.amount:
        lines = [[(order.goods_name or "Order")[:50], str(order.amount), "1"]]
    return json.dumps(lines, separators=(",", ":"), ensure_ascii=False)


def token_request(order: OrderInfo, creds: Mapping[str, str]) -> dict[str, str]:
    return {
        "trxId": order.txid,
        "terminalId": creds["terminal_id"],
        "userKey": creds["user_key"],
        "password": creds["password"],
        "signature": creds["signature"],
        "total": str(order.amount),
        "successUrl": order.return_url,
        "failedUrl": order.return_url,
        "items": items_field(order),
        "msisdn": order.billing.phone,
        "default_language": "id",
        "default_template": "default",
    }


def reference_request(ref_num: str, creds: Mapping[str, str]) -> dict[str, str]:
    """Fields of the status check and of the reversal (same shape)."""
    return {
        "refNum": ref_num,
        "terminalId": creds["terminal_id"],
        "userKey": creds["user_key"],
        "passKey": creds["password"],
        "signKey": creds["signature"],
    }


def parse_token_response(data: Any) -> tuple[str, str]:
    """-> (pgpToken, refNum)."""
    if not isinstance(data, dict):
        raise InvalidPayload("LinkAja token response is not an object")
    token, ref = data.get("pgpToken"), data.get("refNum")
    if not isinstance(token, str) or not token or not isinstance(ref, str) or not ref:
        raise InvalidPayload("LinkAja token response lacks pgpToken/refNum", raw=data)
    return token, ref


def parse_amount(raw: object) -> int | None:
    """LinkAja answers amount as a number or a string; whole rupiah (no float on the way)."""
    if raw is None or raw == "":
        return None
    return whole_rupiah(raw, partner="LinkAja")


def parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def parse_status_response(data: Any) -> dict[str, Any]:
    """-> {status, raw_status, ref, amount, at} from a check-status answer."""
    if not isinstance(data, dict) or "status" not in data:
        raise InvalidPayload("LinkAja status response lacks status", raw=data)
    raw = str(data["status"])
    return {
        "status": map_status(raw),
        "raw_status": raw,
        "ref": str(data.get("refNum") or ""),
        "amount": parse_amount(data.get("amount")),
        "at": parse_time(data.get("transactionDate")),
    }


def error_message(data: Any, default: str) -> tuple[str, str]:
    """(code, message) of a LinkAja error answer {"status": "..", "message": ".."}."""
    if isinstance(data, dict):
        return str(data.get("status") or ""), str(data.get("message") or default)
    return "", default
