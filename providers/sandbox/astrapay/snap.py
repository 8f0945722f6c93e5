"""AstraPay's credentials and its use of SNAP: RSA-signed token requests, HMAC-SHA512 service calls
and notifications, stateless B2B tokens (the generic SNAP code is shared)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpRequest

from providers.sandbox import snap
from providers.sandbox.core import send
from providers.sandbox.snap import SnapError, same

B2B_TTL = 900
# What this sandbox issued to the demo merchant at onboarding.
CLIENT_ID = "PAYLOANASTR01"
CLIENT_SECRET = "sbx-astr-secret-3f8a1c9e5b7d"
MERCHANT_ID = "MCH0000PAYLOAN"
MERCHANT_PUBLIC_KEY = b"""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoLSkKowrjjv8fcLRCsrG
oPhDOWU0nsVJTw1fhKx+cRHbLPMSarcPF+fqNLU9cdRy7GLf+o09NXYqCdzW27n/
7NWcGj2TGZjviP2afFJ03FBcyxQh3b7OvAHmHc4KDIKLDoIcuTwT12YfBd+anO+0
1Vr8BaTf2iGKbsbtRiy9tb+7KkPB5CIvoN/zZm9SeohHkHUALc9QoR15h3j/QNtD
zIhmiG8Y8TV6PM9TqRKSsM/UoDOanAPCg3YY0PG35E6bV+TOU/VsxdfK+4mGMBhF
ej2fXC6gy75P0GCy1gtnYXpZaiX1RXcJPtBEaq8EXzpx/UvYFXl5BFIzlxITMdXs
0wIDAQAB
-----END PUBLIC KEY-----
"""


def _mac(text: str) -> str:
    return hmac.new(
        f"astrapay-sandbox:{settings.SECRET_KEY}".encode(), text.encode(), hashlib.sha256
    ).hexdigest()


def issue_b2b_token() -> str:
    """Stateless: the token carries its expiry and a MAC, so any worker can check it."""
    exp = int(time.time()) + B2B_TTL
    body = f"{exp}.{secrets.token_hex(8)}"
    return base64.urlsafe_b64encode(f"{body}.{_mac(body)}".encode()).decode().rstrip("=")


def b2b_token_valid(token: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        exp, nonce, mac = raw.split(".")
        return same(mac, _mac(f"{exp}.{nonce}")) and int(exp) > time.time()
    except (ValueError, UnicodeDecodeError):
        return False


def verify_access_token_request(request: HttpRequest) -> dict[str, Any]:
    """B2B / B2B2C token calls: X-CLIENT-KEY and RSA over clientId|timestamp."""
    client, ts, sig = (request.headers.get(h, "") for h in ("X-CLIENT-KEY", "X-TIMESTAMP", "X-SIGNATURE"))
    if not same(client, CLIENT_ID):
        raise SnapError(401, "00", "Unauthorized. Unknown client")
    if not ts or not sig:
        raise SnapError(400, "02", "Invalid Mandatory Field X-TIMESTAMP/X-SIGNATURE")
    if not snap.rsa_verify(MERCHANT_PUBLIC_KEY, f"{client}|{ts}".encode(), sig):
        raise SnapError(401, "00", "Unauthorized. Invalid Signature")
    return snap.parse_json(request)


def verify_service_request(request: HttpRequest) -> dict[str, Any]:
    """Transactional calls: B2B bearer, partner id, external id and the HMAC-SHA512 signature."""
    token = snap.bearer(request.headers.get("Authorization", ""))
    if not b2b_token_valid(token):
        raise SnapError(401, "01", "Invalid Token (B2B)")
    if not same(request.headers.get("X-PARTNER-ID", ""), CLIENT_ID):
        raise SnapError(401, "00", "Unauthorized. Unknown partner")
    external = request.headers.get("X-EXTERNAL-ID", "")
    if not external.isdigit() or len(external) > 36:
        raise SnapError(400, "02", "Invalid Mandatory Field X-EXTERNAL-ID")
    data = snap.parse_json(request)
    ts = request.headers.get("X-TIMESTAMP", "")
    expected = snap.symmetric_signature(
        CLIENT_SECRET, request.method, request.path, token, snap.minify(data), ts
    )
    if not ts or not same(expected, request.headers.get("X-SIGNATURE", "")):
        raise SnapError(401, "00", "Unauthorized. Invalid Signature")
    return data


def notify(url: str, body: dict[str, Any], *, copies: int = 1, forge: bool = False) -> list[int]:
    """Payment/binding notice to the merchant, signed like a symmetric SNAP request (§8.3); every
    copy leaves with its own X-TIMESTAMP, token and X-EXTERNAL-ID."""
    raw = snap.minify(body)
    secret = "not-the-shared-secret" if forge else CLIENT_SECRET

    def sign() -> dict[str, str]:
        ts, token = snap.timestamp(), secrets.token_urlsafe(24)
        return {
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": ts,
            "X-SIGNATURE": snap.symmetric_signature(secret, "POST", urlparse(url).path, token, raw, ts),
            "X-PARTNER-ID": CLIENT_ID,
            "X-EXTERNAL-ID": f"{time.time_ns()}",
            "CHANNEL-ID": "00656",
        }

    return send(url, body=raw, sign=sign, copies=copies) if copies else []
