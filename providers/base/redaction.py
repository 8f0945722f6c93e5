"""Secrets out of stored partner notifications. Pure text work, so it also covers a body that
does not parse (a truncated JSON push still has its signature_key replaced)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
# Headers that carry credentials on any partner's request.
ALWAYS_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _header_name(name: str) -> str:
    """Django's META spelling (HTTP_X_SIGNATURE) and the wire's (X-Signature) alike."""
    name = name.lower()
    return name[5:].replace("_", "-") if name.startswith("http_") else name


def redact_headers(headers: Mapping[str, str], secret: Iterable[str]) -> dict[str, str]:
    names = ALWAYS_SECRET_HEADERS | {s.lower() for s in secret}
    return {k: (REDACTED if _header_name(k) in names else str(v)) for k, v in headers.items()}


def redact_body(text: str, fields: Iterable[str]) -> str:
    """Replace the value of each named field, as a JSON member ("f": "v" or "f": 123, at any
    depth) and as a form field (f=v)."""
    for name in fields:
        key = re.escape(name)
        text = re.sub(
            rf'("{key}"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}}\]\s]+)',
            lambda m: f'{m.group(1)}"{REDACTED}"',
            text,
        )
        text = re.sub(rf"(^|[&?])({key})=[^&]*", lambda m: f"{m.group(1)}{m.group(2)}={REDACTED}", text)
    return text
