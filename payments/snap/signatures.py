"""SNAP's signatures, as NICEPAY's official clients make them (docs/snap.md, "Signatures").

- Token request: base64 SHA256withRSA (PKCS#1 v1.5) over `clientId|X-TIMESTAMP`, made with the
  merchant's private key and verified with the public key it registered.
- Every other call: base64 HMAC-SHA512, keyed with the client secret, over
  `METHOD:path:accessToken:lowercase(hex(SHA-256(body))):X-TIMESTAMP`.
  The path is the one the client signs: NICEPAY's clients send `/nicepay/api/v1.0/...` but sign
  `/api/v1.0/...`. The body hash is over the bytes exactly as they arrived (python-nicepay signs
  and sends `json.dumps` with its ", " and ": " separators); a body whose signature was made over
  its minified form (the BI wording) is accepted too.
- Our notifications: base64 SHA256withRSA over `clientId|X-TIMESTAMP` with the gateway's key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PREFIX = "/nicepay"  # NICEPAY's path prefix, which its clients leave out of what they sign
WHITESPACE = b" \t\r\n"


def minified(raw: bytes) -> bytes:
    """`raw` JSON without the whitespace between tokens; strings (and their escapes) untouched."""
    out = bytearray()
    in_string = escaped = False
    for byte in raw:
        if in_string:
            out.append(byte)
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte in WHITESPACE:
            continue
        else:
            out.append(byte)
            in_string = byte == 0x22
    return bytes(out)


def body_hashes(raw: bytes) -> list[str]:
    """Lower-case hex SHA-256 of the body as received, then of its minified form if different."""
    hashes_ = [hashlib.sha256(raw).hexdigest()]
    compact = minified(raw)
    if compact != raw:
        hashes_.append(hashlib.sha256(compact).hexdigest())
    return hashes_


def signed_paths(path: str, query: str = "") -> list[str]:
    """The paths a client may have signed for a request to `path`: without NICEPAY's /nicepay
    prefix (what the official clients sign) and as requested; with the query string if any."""
    paths = [path[len(PREFIX) :]] if path.startswith(PREFIX + "/") else []
    paths.append(path)
    if query:
        paths += [f"{p}?{query}" for p in list(paths)]
    return paths


def hmac_signature(secret: str, method: str, path: str, token: str, body_hash: str, timestamp: str) -> str:
    """base64 HMAC-SHA512(secret, METHOD:path:token:body_hash:timestamp)."""
    data = f"{method.upper()}:{path}:{token}:{body_hash}:{timestamp}".encode()
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha512).digest()).decode()


def hmac_verify(
    *, secret: str, method: str, path: str, query: str, token: str, raw: bytes, timestamp: str, signature: str
) -> bool:
    """Whether `signature` is the HMAC of this request under any path and body form a client may
    have signed (at most 8 candidates); every candidate is compared in constant time."""
    given = signature.encode()
    ok = False
    for signed_path in signed_paths(path, query):
        for body_hash in body_hashes(raw):
            expected = hmac_signature(secret, method, signed_path, token, body_hash, timestamp).encode()
            ok |= hmac.compare_digest(expected, given)
    return ok


def token_request_string(client_id: str, timestamp: str) -> bytes:
    """What a token request (and our notification) signs: `clientId|X-TIMESTAMP`."""
    return f"{client_id}|{timestamp}".encode()


def rsa_verify(public_key_pem: str, data: bytes, signature_b64: str) -> bool:
    """Whether `signature_b64` is a SHA256withRSA (PKCS#1 v1.5) signature of `data`."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, TypeError, binascii.Error):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def parse_timestamp(value: str) -> datetime | None:
    """X-TIMESTAMP as ISO 8601 with an offset (2024-11-28T10:00:00+07:00, fractions and Z allowed),
    or None when it is not one."""
    text = (value or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
