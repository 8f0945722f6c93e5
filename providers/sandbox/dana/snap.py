"""The simulated DANA's own SNAP crypto (stdlib + cryptography only: the sandbox is another world)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

KEYS = Path(__file__).resolve().parent / "keys"
WIB = timezone(timedelta(hours=7))


@cache
def _pem(name: str) -> bytes:
    return (KEYS / name).read_bytes()


def dana_public_pem() -> str:
    return _pem("dana_public.pem").decode()


def string_to_sign(method: str, path: str, body: bytes, timestamp: str) -> bytes:
    return f"{method.upper()}:{path}:{hashlib.sha256(body).hexdigest()}:{timestamp}".encode()


def verify_merchant(path: str, body: bytes, timestamp: str, signature_b64: str) -> bool:
    """Check a merchant request with the public key the merchant uploaded at onboarding."""
    if not timestamp or not signature_b64:
        return False
    key = serialization.load_pem_public_key(_pem("merchant_public.pem"))
    try:
        key.verify(  # type: ignore[union-attr]
            base64.b64decode(signature_b64, validate=True),
            string_to_sign("POST", path, body, timestamp),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_as_dana(path: str, body: bytes, timestamp: str) -> str:
    key = serialization.load_pem_private_key(_pem("dana_private.pem"), password=None)
    sig = key.sign(string_to_sign("POST", path, body, timestamp), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    return base64.b64encode(sig).decode()


def timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(WIB)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def minify(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
