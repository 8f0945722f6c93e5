"""Every NICEPAY merchantToken formula (nicepay-v2.md §0.4): lower-case hex SHA-256 of a plain
concatenation. Pure functions; the published vectors are unit tests."""

from __future__ import annotations

import hashlib
import hmac


def _sha(*parts: object) -> str:
    return hashlib.sha256("".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def registration_token(time_stamp: str, imid: str, reference_no: str, amt: object, key: str) -> str:
    return _sha(time_stamp, imid, reference_no, amt, key)


# Payment and inquiry use the registration formula (referenceNo/amt of the registered transaction).
payment_token = registration_token
inquiry_token = registration_token


def cancel_token(time_stamp: str, imid: str, txid: str, amt: object, key: str) -> str:
    return _sha(time_stamp, imid, txid, amt, key)


def notification_token(imid: str, txid: str, amt: object, key: str) -> str:
    return _sha(imid, txid, amt, key)


def akulaku_confirm_token(time_stamp: str, txid: str, imid: str, key: str) -> str:
    return _sha(time_stamp, txid, imid, key)


def link_enable_token(imid: str, reference_no: str, billing_phone: str, key: str) -> str:
    return _sha(imid, reference_no, billing_phone, key)


def link_initiate_token(imid: str, reference_no: str, amt: object, key: str) -> str:
    return _sha(imid, reference_no, amt, key)


def matches(expected: str, given: object) -> bool:
    """Constant-time compare; the token is hex, so compare case-insensitively."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def matches_any(candidates: list[str], given: object) -> bool:
    """True when `given` equals any candidate. Every candidate is compared, in constant time each,
    so the answer time does not tell which one (or whether an earlier one) matched."""
    found = False
    for expected in candidates:
        found |= matches(expected, given)
    return found
