"""The gateway's own RSA key, which signs what we send merchants where a signature must verify with
a published public key (SNAP notifications are signed SHA256withRSA, as NICEPAY signs them).

In production the key comes from a setting (GATEWAY_SIGNING_KEY, PEM text, or
GATEWAY_SIGNING_KEY_FILE). Without one it is generated once (RSA-2048) and kept in the database,
encrypted with the key store, so every web and worker process signs with the same key."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from payments import secrets as key_store
from payments.models import GatewayKey

KEY_NAME = "notification-signing"
_lock = threading.Lock()
_cached: dict[str, rsa.RSAPrivateKey] = {}  # PEM -> parsed key


@dataclass(frozen=True)
class PublicKey:
    """The public half, as merchants take it: PEM, the bare base64 of its DER (what NICEPAY's PHP
    and Magento helpers expect), and the SHA-256 hex of the DER."""

    pem: str
    base64: str
    fingerprint: str


def _configured_pem() -> str:
    pem = (settings.GATEWAY_SIGNING_KEY or "").strip()
    if not pem and settings.GATEWAY_SIGNING_KEY_FILE:
        pem = Path(settings.GATEWAY_SIGNING_KEY_FILE).read_text().strip()
    return pem


def _stored_pem() -> str:
    row = GatewayKey.objects.filter(name=KEY_NAME).first()
    if row is not None:
        return row.private_key_pem
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    try:
        with transaction.atomic():
            GatewayKey.objects.create(name=KEY_NAME, private_key_encrypted=key_store.encrypt(pem))
    except IntegrityError:  # another process generated it first: use theirs
        return GatewayKey.objects.get(name=KEY_NAME).private_key_pem
    return pem


def signing_key() -> rsa.RSAPrivateKey:
    """The gateway's private key. The stored key is read on every call (one indexed query) and only
    its parsing is cached, so every process follows the one row. Raises ImproperlyConfigured when
    the configured key is not an RSA private key."""
    pem = _configured_pem() or _stored_pem()
    with _lock:
        key = _cached.get(pem)
        if key is None:
            loaded = serialization.load_pem_private_key(pem.encode(), password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ImproperlyConfigured("GATEWAY_SIGNING_KEY must be an RSA private key")
            _cached.clear()  # one key at a time
            key = _cached[pem] = loaded
        return key


def sign(data: bytes) -> str:
    """Base64 SHA256withRSA (PKCS#1 v1.5) of `data` with the gateway's key."""
    return base64.b64encode(signing_key().sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def public_key() -> PublicKey:
    """The gateway's public key, for merchants to verify our signatures with."""
    pub = signing_key().public_key()
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return PublicKey(pem.decode(), base64.b64encode(der).decode(), hashlib.sha256(der).hexdigest())
