"""DANA's keys and its side of SNAP's asymmetric signatures (the generic SNAP code is shared)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from providers.sandbox import snap

KEYS = Path(__file__).resolve().parent / "keys"


@cache
def _pem(name: str) -> bytes:
    return (KEYS / name).read_bytes()


def verify_merchant(path: str, body: bytes, ts: str, signature_b64: str) -> bool:
    """Check a merchant request with the public key the merchant uploaded at onboarding."""
    if not ts:
        return False
    message = snap.asymmetric_string("POST", path, body, ts)
    return snap.rsa_verify(_pem("merchant_public.pem"), message, signature_b64)


def sign_as_dana(path: str, body: bytes, ts: str) -> str:
    return snap.rsa_sign(_pem("dana_private.pem"), snap.asymmetric_string("POST", path, body, ts))
