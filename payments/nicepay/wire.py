"""Parsing and validation of NICEPAY V2 requests: types, sizes and NICEPAY's result codes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from payments import clock

from .errors import BadBody, InvalidField, StaleTimestamp

DIGITS = re.compile(r"^[0-9]+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # N digits, AN/ANS/A printable text, JSON a JSON document in a string
    size: int
    required: bool = True
    missing_cd: str = "9003"


def parse_json_body(request: HttpRequest) -> dict[str, Any]:
    """JSON body whatever the content type's case; a form body is accepted too."""
    ctype = (request.META.get("CONTENT_TYPE") or "").lower()
    if "application/x-www-form-urlencoded" in ctype or "multipart/form-data" in ctype:
        return {k: v for k, v in request.POST.items()}
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting too deep
        raise BadBody("Invalid request: the body is not valid JSON")
    if not isinstance(data, dict):
        raise BadBody()
    return data


def form_or_query(request: HttpRequest) -> dict[str, str]:
    source: QueryDict = request.POST if request.method == "POST" else request.GET
    return {k: v for k, v in source.items()}


def text(data: dict[str, Any], f: Field) -> str:
    """The field as a stripped string, validated to its kind and size; '' when optional and absent."""
    raw = data.get(f.name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if f.required:
            raise InvalidField(f.name, f"{f.name} is required", result_cd=f.missing_cd)
        return ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise InvalidField(f.name, f"{f.name} must be a string")
    value = str(raw).strip()
    if len(value) > f.size:
        code = "9109" if f.name == "referenceNo" else "9003"
        raise InvalidField(f.name, f"{f.name} must be at most {f.size} characters", result_cd=code)
    if f.kind == "N" and not DIGITS.match(value):
        raise InvalidField(f.name, f"{f.name} must contain digits only")
    if CONTROL.search(value):
        raise InvalidField(f.name, f"{f.name} contains control characters")
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
    value = str(raw).strip() if isinstance(raw, (str, int)) else None
    if value is None or not DIGITS.match(value):
        raise InvalidField(
            name, "Amount should only number and do not includes decimal", result_cd=invalid_cd
        )
    if len(value.lstrip("0") or "0") > 12:
        raise InvalidField(name, f"{name} must be at most 12 digits", result_cd=invalid_cd)
    result = int(value)
    if required and result <= 0:
        raise InvalidField(name, f"{name} must be greater than 0", result_cd=invalid_cd)
    return result


def amount_str(data: dict[str, Any], name: str = "amt") -> str:
    """The amount exactly as sent, for the token (computed from the value's decimal string)."""
    return str(data.get(name)).strip()


def timestamp(data: dict[str, Any], *, now: datetime | None = None) -> str:
    value = text(data, Field("timeStamp", "N", 14, missing_cd="9031"))
    if len(value) != 14:
        raise StaleTimestamp("timeStamp must be YYYYMMDDHHMMSS (14 digits, Asia/Jakarta)")
    try:
        stamp = clock.parse_compact(value)
    except ValueError:
        raise StaleTimestamp("timeStamp is not a valid date and time (YYYYMMDDHHMMSS)")
    now = now or timezone.now()
    window = settings.TIMESTAMP_WINDOW
    if abs(now - stamp) > window:
        minutes = int(window.total_seconds() // 60)
        raise StaleTimestamp(
            f"timeStamp is more than {minutes} minutes away from the server time (Asia/Jakarta)"
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
