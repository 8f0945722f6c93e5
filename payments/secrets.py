"""Merchant keys are stored encrypted (Fernet, key derived from SECRET_KEY) and never shown."""

import base64
import functools
import hashlib
import re
import secrets

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    return _fernet_for(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    """Derived once per SECRET_KEY (each delivery and V2 call decrypts a merchant key)."""
    digest = hashlib.sha256(f"merchant-key:{secret_key}".encode()).digest()
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
_SECRET_NAME = re.compile("|".join(re.escape(word) for word in SECRET_NAMES))  # any of them, anywhere


def mask_secrets(values: dict[str, str]) -> dict[str, str]:
    """A copy in which every value whose name looks secret (Authorization, cookies, keys,
    passwords) is masked. merchantToken and our signature are hashes a merchant recomputes to
    debug verification, not secrets: they stay."""
    return {
        name: mask(str(value)) if _SECRET_NAME.search(name.lower()) else value
        for name, value in values.items()
    }
