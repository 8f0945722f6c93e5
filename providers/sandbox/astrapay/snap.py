"""The sandbox's own SNAP plumbing for AstraPay (kept apart from the adapters on purpose)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.http import HttpRequest, JsonResponse

from providers.sandbox.core import json_response, send

WIB = timezone(timedelta(hours=7))
B2B_TTL = 900
# What this sandbox issued to the demo merchant at onboarding.
CLIENT_ID = "PAYLOANASTR01"
CLIENT_SECRET = "sbx-astr-secret-3f8a1c9e5b7d"
MERCHANT_ID = "MCH0000PAYLOAN"
MERCHANT_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoLSkKowrjjv8fcLRCsrG
oPhDOWU0nsVJTw1fhKx+cRHbLPMSarcPF+fqNLU9cdRy7GLf+o09NXYqCdzW27n/
7NWcGj2TGZjviP2afFJ03FBcyxQh3b7OvAHmHc4KDIKLDoIcuTwT12YfBd+anO+0
1Vr8BaTf2iGKbsbtRiy9tb+7KkPB5CIvoN/zZm9SeohHkHUALc9QoR15h3j/QNtD
zIhmiG8Y8TV6PM9TqRKSsM/UoDOanAPCg3YY0PG35E6bV+TOU/VsxdfK+4mGMBhF
ej2fXC6gy75P0GCy1gtnYXpZaiX1RXcJPtBEaq8EXzpx/UvYFXl5BFIzlxITMdXs
0wIDAQAB
-----END PUBLIC KEY-----
"""


class SnapError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def response(self) -> JsonResponse:
        return json_response(
            {"responseCode": self.code, "responseMessage": self.message}, status=int(self.code[:3])
        )


def now_wib() -> str:
    return datetime.now(WIB).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def fmt_wib(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def minify(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def service_signature(secret: str, method: str, path: str, token: str, body: bytes, ts: str) -> str:
    text = f"{method}:{path}:{token}:{hashlib.sha256(body).hexdigest()}:{ts}".encode()
    return base64.b64encode(hmac.new(secret.encode(), text, hashlib.sha512).digest()).decode()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


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


def parse_json(request: HttpRequest, service: str) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise SnapError(f"400{service}00", "Bad Request. Body is not a JSON object")
    return data


def bearer(value: str) -> str:
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def verify_access_token_request(request: HttpRequest, service: str) -> dict[str, Any]:
    """B2B / B2B2C token calls: X-CLIENT-KEY and RSA over clientId|timestamp."""
    client, ts, sig = (request.headers.get(h, "") for h in ("X-CLIENT-KEY", "X-TIMESTAMP", "X-SIGNATURE"))
    if not same(client, CLIENT_ID):
        raise SnapError(f"401{service}00", "Unauthorized. Unknown client")
    if not ts or not sig:
        raise SnapError(f"400{service}02", "Invalid Mandatory Field X-TIMESTAMP/X-SIGNATURE")
    try:
        key = serialization.load_pem_public_key(MERCHANT_PUBLIC_KEY.encode())
        key.verify(base64.b64decode(sig), f"{client}|{ts}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception:  # noqa: BLE001 - any failure means the signature does not verify
        raise SnapError(f"401{service}00", "Unauthorized. Invalid Signature")
    return parse_json(request, service)


def verify_service_request(request: HttpRequest, service: str) -> dict[str, Any]:
    """Transactional calls: B2B bearer, partner id, external id and the HMAC-SHA512 signature."""
    token = bearer(request.headers.get("Authorization", ""))
    if not b2b_token_valid(token):
        raise SnapError(f"401{service}01", "Invalid Token (B2B)")
    if not same(request.headers.get("X-PARTNER-ID", ""), CLIENT_ID):
        raise SnapError(f"401{service}00", "Unauthorized. Unknown partner")
    external = request.headers.get("X-EXTERNAL-ID", "")
    if not external.isdigit() or len(external) > 36:
        raise SnapError(f"400{service}02", "Invalid Mandatory Field X-EXTERNAL-ID")
    data = parse_json(request, service)
    ts = request.headers.get("X-TIMESTAMP", "")
    expected = service_signature(CLIENT_SECRET, request.method, request.path, token, minify(data), ts)
    if not ts or not same(expected, request.headers.get("X-SIGNATURE", "")):
        raise SnapError(f"401{service}00", "Unauthorized. Invalid Signature")
    return data


def notify(url: str, body: dict[str, Any], *, copies: int = 1, forge: bool = False) -> list[int]:
    """Payment/binding notice to the merchant, signed like a symmetric SNAP request (§8.3)."""
    raw = minify(body)
    ts, token = now_wib(), secrets.token_urlsafe(24)
    secret = "not-the-shared-secret" if forge else CLIENT_SECRET
    headers = {
        "Authorization": f"Bearer {token}",
        "X-TIMESTAMP": ts,
        "X-SIGNATURE": service_signature(secret, "POST", urlparse(url).path, token, raw, ts),
        "X-PARTNER-ID": CLIENT_ID,
        "X-EXTERNAL-ID": f"{time.time_ns()}",
        "CHANNEL-ID": "00656",
    }
    return send(url, body=raw, headers=headers, copies=copies) if copies else []
