"""Reading SNAP requests: the JSON body, text fields, money objects and X-TIMESTAMP.

Lenient where NICEPAY's own clients differ (docs/snap.md, "What we accept"): additionalInfo may be
an object, "" or [] (Python, Node and PHP each send another), empty strings stand for absent
optional fields, a number may come where a string is documented, and unknown or null fields are
ignored. Strict where money or identity is at stake."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone

from .errors import BAD_REQUEST, SnapError, field_format, field_missing
from .signatures import parse_timestamp

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# IDR carries two decimals on SNAP ("10000.00"); we take whole rupiah only.
MONEY = re.compile(r"^\d{1,13}(\.\d{1,2})?$")
ZONE_BEHIND, ZONE_AHEAD = timedelta(hours=12), timedelta(hours=14)  # UTC-12 .. UTC+14


def json_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object. Raises SnapError 400xx00."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SnapError(BAD_REQUEST, "[the body is not valid JSON]")
    if not isinstance(data, dict):
        raise SnapError(BAD_REQUEST, "[the body must be a JSON object]")
    return data


def obj(data: dict[str, Any], name: str, *, label: str = "") -> dict[str, Any]:
    """An object field; absent, null, "" and [] read as {}. Raises 400xx01 for other values."""
    value = data.get(name)
    if value in (None, "", []):
        return {}
    if not isinstance(value, dict):
        raise field_format(label or name, "must be an object")
    return value


def text(data: dict[str, Any], name: str, size: int, *, required: bool = False, label: str = "") -> str:
    """A text field, stripped; "" when optional and absent or empty. Numbers are read as text.
    Raises 400xx02 when required and missing, 400xx01 when too long or not text."""
    label = label or name
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_missing(label)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise field_format(label, "must be a string")
    result = str(value).strip()
    if len(result) > size:
        raise field_format(label, f"at most {size} characters")
    if CONTROL.search(result):
        raise field_format(label, "contains control characters")
    return result


def money(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """A SNAP amount object {"value": "10000.00", "currency": "IDR"} as whole rupiah. The value may
    have up to two decimals, which must be zero: IDR is settled in whole rupiah. Returns None when
    optional and absent. Raises 400xx02 / 400xx01 with the field's name and the reason."""
    amount = data.get(name)
    if amount in (None, "", {}):
        if required:
            raise field_missing(f"{name}.value")
        return None
    if not isinstance(amount, dict):
        raise field_format(name, 'must be an object {"value": "10000.00", "currency": "IDR"}')
    raw = amount.get("value")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if not required:
            return None
        raise field_missing(f"{name}.value")
    if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
        raise field_format(f"{name}.value", 'must be a string such as "10000.00"')
    value = str(raw).strip()
    if not MONEY.match(value):
        raise field_format(f"{name}.value", f'{value[:20]!r} is not an amount such as "10000.00"')
    try:
        exact = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise field_format(f"{name}.value", "is not a number")
    if exact != exact.to_integral_value():
        down = int(exact)
        raise field_format(
            f"{name}.value", f"{value} is not whole rupiah (IDR has no sen): send {down}.00 or {down + 1}.00"
        )
    currency = amount.get("currency")
    if currency not in (None, "") and (not isinstance(currency, str) or currency.strip().upper() != "IDR"):
        raise field_format(f"{name}.currency", "must be IDR")
    return int(exact)


def money_out(rupiah: int) -> dict[str, str]:
    """Whole rupiah as SNAP's amount object."""
    return {"value": f"{rupiah}.00", "currency": "IDR"}


def timestamp(value: str, *, now: datetime | None = None) -> str:
    """X-TIMESTAMP as sent, once it reads as the current time. NICEPAY's Python and Node clients
    write the machine's local time and label it +07:00 whatever the machine's zone, so the wall
    clock is accepted when it is now on any real clock (UTC-12 to UTC+14, give or take
    TIMESTAMP_SKEW), as the V2 timeStamp is. Replay protection rests on X-EXTERNAL-ID and the
    token's lifetime, not on this window. Raises 400xx02 / 400xx01."""
    if not value:
        raise field_missing("X-TIMESTAMP")
    moment = parse_timestamp(value)
    if moment is None:
        raise field_format("X-TIMESTAMP", "use yyyy-MM-ddTHH:mm:ss+07:00")
    now = now or timezone.now()
    skew = settings.TIMESTAMP_SKEW
    reading = moment.replace(tzinfo=UTC)  # the wall clock, its label aside
    if abs(moment - now) <= skew or now - ZONE_BEHIND - skew <= reading <= now + ZONE_AHEAD + skew:
        return value
    raise field_format("X-TIMESTAMP", f"{value} is not the current time: send the time of your server now")
