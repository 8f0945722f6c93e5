"""Signature helpers shared by the adapters and (independently re-implemented where it
matters) by nobody else: the sandbox keeps its own copy so it stays a separate world."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def minify(body: Any) -> bytes:
    """Minified JSON bytes, as SNAP signs them."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256_b64(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def hmac_sha256_hex(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def hmac_sha512_b64(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha512).digest()).decode()


def equal(a: str, b: str) -> bool:
    """Constant-time string compare."""
    return hmac.compare_digest((a or "").encode(), (b or "").encode())


def snap_string_to_sign(method: str, path: str, body: bytes, timestamp: str, access_token: str | None) -> bytes:
    """SNAP transactional string: METHOD:path[:token]:hex(sha256(minified body)):timestamp."""
    parts = [method.upper(), path]
    if access_token is not None:
        parts.append(access_token)
    parts += [sha256_hex(body).lower(), timestamp]
    return ":".join(parts).encode()


def rsa_sign_b64(private_key_pem: str, data: bytes) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify_b64(public_key_pem: str, data: bytes, signature_b64: str) -> bool:
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        key.verify(base64.b64decode(signature_b64), data, padding.PKCS1v15(), hashes.SHA256())
    except Exception:  # noqa: BLE001 - any failure is "does not verify"
        return False
    return True
