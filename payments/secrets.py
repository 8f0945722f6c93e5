"""Merchant keys are stored encrypted (Fernet, key derived from SECRET_KEY) and never shown."""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"merchant-key:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def generate_merchant_key() -> str:
    """88 chars of base64, the shape of NICEPAY's keys."""
    return base64.b64encode(secrets.token_bytes(64)).decode()


def mask(plain: str) -> str:
    return f"{plain[:4]}…{plain[-2:]}" if len(plain) > 8 else "…"


SECRET_NAMES = ("authorization", "cookie", "password", "secret", "merchantkey", "api-key", "apikey")


def mask_secrets(values: dict[str, str]) -> dict[str, str]:
    """A copy in which every value whose name looks secret (Authorization, cookies, keys,
    passwords) is masked. merchantToken and our signature are hashes a merchant recomputes to
    debug verification, not secrets: they stay."""
    return {
        name: mask(str(value)) if any(word in name.lower() for word in SECRET_NAMES) else value
        for name, value in values.items()
    }
