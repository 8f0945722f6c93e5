"""Parsing and validation of NICEPAY V2 requests: types, sizes and NICEPAY's result codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from payments import clock, textcheck

from .errors import BadBody, InvalidField, StaleTimestamp

DIGITS = re.compile(r"^[0-9]+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The clocks of real time zones run from UTC-12 to UTC+14 (nicepay-v2.md §0.2: the merchant's own clock).
ZONE_BEHIND, ZONE_AHEAD = timedelta(hours=12), timedelta(hours=14)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # N digits, AN/ANS/A printable text, JSON a JSON document in a string
    size: int
    required: bool = True
    missing_cd: str = "9003"
    invalid_cd: str = "9003"  # too long or malformed


TIME_STAMP = Field("timeStamp", "N", 14, missing_cd="9031")


def parse_json_body(request: HttpRequest) -> dict[str, Any]:
    """JSON body whatever the content type's case; a form body is accepted too. Text is checked
    once, in payments.textcheck (no NUL, no unpaired surrogate)."""
    ctype = (request.META.get("CONTENT_TYPE") or "").lower()
    if "application/x-www-form-urlencoded" in ctype or "multipart/form-data" in ctype:
        return {k: v for k, v in request.POST.items()}
    try:
        data = textcheck.request_json(request)
    except textcheck.BadJson as exc:
        raise BadBody(f"Invalid request: the {exc}")
    except textcheck.BadText as exc:
        raise InvalidField(exc.field, exc.message)
    if not isinstance(data, dict):
        raise BadBody()
    return data


def form_or_query(request: HttpRequest) -> dict[str, str]:
    source: QueryDict = request.POST if request.method == "POST" else request.GET
    return {k: v for k, v in source.items()}


def text(data: dict[str, Any], f: Field) -> str:
    """The field exactly as sent (never trimmed: tokens are computed over it), validated to its kind
    and size; '' when optional and absent or blank."""
    raw = data.get(f.name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if f.required:
            raise InvalidField(f.name, f"{f.name} is required", result_cd=f.missing_cd)
        return ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise InvalidField(f.name, f"{f.name} must be a string", result_cd=f.invalid_cd)
    value = str(raw)
    if len(value) > f.size:
        code = "9109" if f.name == "referenceNo" else f.invalid_cd
        raise InvalidField(f.name, f"{f.name} must be at most {f.size} characters", result_cd=code)
    if f.kind == "N" and not DIGITS.match(value):
        raise InvalidField(f.name, f"{f.name} must contain digits only", result_cd=f.invalid_cd)
    if CONTROL.search(value):
        raise InvalidField(f.name, f"{f.name} contains control characters", result_cd=f.invalid_cd)
    return value


def amount(
    data: dict[str, Any],
    name: str = "amt",
    *,
    required: bool = True,
    missing_cd: str = "9007",
    invalid_cd: str = "9008",
) -> int:
    """Whole rupiah from a JSON number or a digit string, 1..12 digits."""
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise InvalidField(name, f"{name} is required", result_cd=missing_cd)
        return 0
    if isinstance(raw, bool):
        raise InvalidField(name, f"{name} must be a whole number", result_cd=invalid_cd)
    value = str(raw) if isinstance(raw, (str, int)) else None
    if value is None or not DIGITS.match(value):
        raise InvalidField(
            name, "Amount should only number and do not includes decimal", result_cd=invalid_cd
        )
    if len(value) > 1 and value.startswith("0"):
        # Refused rather than rewritten: the merchant's tokens (and its check of our notification's
        # merchantToken) are computed over the amount as written, so we keep exactly one form.
        raise InvalidField(
            name,
            f"{name} {value[:20]} has a leading zero: send whole rupiah without leading zeros "
            f"({value.lstrip('0')[:20] or '0'})",
            result_cd=invalid_cd,
        )
    if len(value) > 12:
        raise InvalidField(name, f"{name} must be at most 12 digits", result_cd=invalid_cd)
    result = int(value)
    if required and result <= 0:
        raise InvalidField(name, f"{name} must be greater than 0", result_cd=invalid_cd)
    return result


def amount_str(data: dict[str, Any], name: str = "amt") -> str:
    """The amount exactly as sent, for the token (a JSON number as its decimal string)."""
    return str(data.get(name))


def timestamp(data: dict[str, Any], *, since: datetime | None = None, now: datetime | None = None) -> str:
    """timeStamp as sent, once it reads as the current time of some real time zone.

    The merchant's server stamps its own local clock and the zone is not sent (python-nicepay and the
    Node library use local time, WordPress runs PHP in UTC), so the wall-clock reading must lie
    between now in UTC-12 and now in UTC+14, give or take TIMESTAMP_SKEW. `since` widens the start to
    that moment (inquiry: any time since the transaction was registered). Replay protection never
    rests on this window (docs/v2-api.md)."""
    value = text(data, TIME_STAMP)
    if len(value) != 14:
        raise StaleTimestamp("timeStamp must be YYYYMMDDHHMMSS (14 digits, the merchant server's clock)")
    try:
        reading = datetime.strptime(value, clock.COMPACT).replace(tzinfo=UTC)  # a wall clock, zone unknown
    except ValueError:
        raise StaleTimestamp("timeStamp is not a valid date and time (YYYYMMDDHHMMSS)")
    now = now or timezone.now()
    skew = settings.TIMESTAMP_SKEW
    start = min(since or now, now) - ZONE_BEHIND - skew
    if not start <= reading <= now + ZONE_AHEAD + skew:
        minutes = int(skew.total_seconds() // 60)
        when = "the transaction's registration and now" if since else "now"
        raise StaleTimestamp(
            f"timeStamp {value} is not {when} on any real clock (UTC-12 to UTC+14, "
            f"{minutes} minutes' leeway): send the current date and time of the merchant server"
        )
    return value


def http_url(value: str, name: str, code: str) -> str:
    """A URL we will post to or send the browser to: http(s) only (no javascript:, file:, ...)."""
    if not value:
        return value
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidField(name, f"{name} must be an http(s) URL", result_cd=code)
    return value


def parse_valid_until(dt: str, tm: str) -> datetime | None:
    if not dt and not tm:
        return None
    try:
        return clock.parse_compact(f"{dt}{tm or '235959'}")
    except ValueError:
        raise InvalidField("payValidDt", "payValidDt/payValidTm must be YYYYMMDD and HHMMSS")
