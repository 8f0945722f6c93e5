"""Signature helpers shared by the adapters and (independently re-implemented where it
matters) by nobody else: the sandbox keeps its own copy so it stays a separate world."""

from __future__ import annotations

import base64
import datetime
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


def snap_string_to_sign(
    method: str, path: str, body: bytes, timestamp: str, access_token: str | None
) -> bytes:
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


# --- SNAP symmetric flavour (AstraPay; OVO SNAP and ShopeePay-ID sign the same way) -------------


def snap_timestamp_wib(now: datetime.datetime | None = None) -> str:
    """X-TIMESTAMP as SNAP wants it: yyyy-MM-ddTHH:mm:ss+07:00 (WIB)."""
    wib = datetime.timezone(datetime.timedelta(hours=7))
    now = (now or datetime.datetime.now(datetime.UTC)).astimezone(wib)
    return now.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def snap_access_token_string(client_id: str, timestamp: str) -> bytes:
    """String an access-token request (B2B and B2B2C) signs with the merchant RSA key."""
    return f"{client_id}|{timestamp}".encode()


def snap_hmac512_signature(
    client_secret: str, method: str, path: str, access_token: str, body: bytes, timestamp: str
) -> str:
    """Symmetric service signature: b64(HMAC-SHA512(secret, METHOD:path:token:sha256hex(body):ts)).
    `body` must be the exact minified bytes sent on the wire."""
    return hmac_sha512_b64(client_secret, snap_string_to_sign(method, path, body, timestamp, access_token))


# --- SNAP asymmetric flavour (DANA signs every call this way; no access token) ---------------


def snap_rsa_signature(private_key_pem: str, method: str, path: str, body: bytes, timestamp: str) -> str:
    """b64(SHA256withRSA(private key, METHOD:path:sha256hex(body):ts)). `body` = exact bytes sent."""
    return rsa_sign_b64(private_key_pem, snap_string_to_sign(method, path, body, timestamp, None))


def snap_rsa_verify(
    public_key_pem: str, method: str, path: str, body: bytes, timestamp: str, signature_b64: str
) -> bool:
    """Verify an asymmetric SNAP signature (e.g. DANA's finish notification) over the raw body."""
    if not signature_b64 or not timestamp:
        return False
    data = snap_string_to_sign(method, path, body, timestamp, None)
    return rsa_verify_b64(public_key_pem, data, signature_b64)


def snap_headers(
    *,
    partner_id: str,
    external_id: str,
    timestamp: str,
    signature: str,
    channel_id: str = "",
    origin: str = "",
    access_token: str = "",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The transactional SNAP header set; optional ones are left out when empty."""
    headers = {
        "Content-Type": "application/json",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": signature,
        "X-PARTNER-ID": partner_id,
        "X-EXTERNAL-ID": external_id,
    }
    if channel_id:
        headers["CHANNEL-ID"] = channel_id
    if origin:
        headers["ORIGIN"] = origin
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    headers.update(extra or {})
    return headers
