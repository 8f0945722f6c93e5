"""Partner amounts <-> whole rupiah. Decimal only, never float; a fraction of a rupiah is refused."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidPayload


def whole_rupiah(value: object, *, partner: str) -> int:
    """ "1500100.00", "10000" or 10000 -> 10000. Raises InvalidPayload otherwise."""
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidPayload(f"{partner} amount {value!r} is not a number") from None
    if not dec.is_finite() or dec != dec.to_integral_value() or dec < 0:
        raise InvalidPayload(f"{partner} amount {value!r} is not whole rupiah")
    return int(dec)


def snap_money(amount: int, currency: str = "IDR") -> dict[str, str]:
    """Integer rupiah -> SNAP money object {"value": "10000.00", "currency": "IDR"}."""
    return {"value": f"{int(amount)}.00", "currency": currency}


def snap_amount(obj: Any, *, partner: str) -> int:
    """SNAP money object (or a bare value) -> whole rupiah."""
    raw = obj.get("value") if isinstance(obj, Mapping) else obj
    return whole_rupiah(raw, partner=partner)


def split_name(full: str) -> tuple[str, str]:
    """First and last name, as partners that want them apart ask."""
    first, _, last = (full or "").strip().partition(" ")
    return first or "-", last
