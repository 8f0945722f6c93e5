"""RFC 6238 codes computed independently of django-otp, as an authenticator app would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time


def totp(secret_base32: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    raw = secret_base32.replace(" ", "").upper()
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def secret_of(device) -> str:  # noqa: ANN001 - a TOTPDevice
    return base64.b32encode(device.bin_key).decode()
