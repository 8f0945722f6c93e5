"""HTTP Basic with the merchant's V2 credentials: `iMid:merchantKey`."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from payments.models import Merchant
from payments.nicepay.auth import count_bad_token
from payments.selectors.merchants import merchant_get

# Compared against when the iMid is unknown, so a miss costs the same as a wrong key.
_DUMMY_KEY = "x" * 88


# Guessing keys: at most this many failed sign-ins per address per window, then 429.
FAILED_AUTH_LIMIT = 20
FAILED_AUTH_WINDOW = 300


def _failures(ip: str) -> int:
    try:
        return int(cache.get(f"api-auth-fail:{ip}", 0))
    except Exception:  # noqa: BLE001 - without the cache the key check still protects
        return 0


def _count_failure(ip: str) -> None:
    key = f"api-auth-fail:{ip}"
    try:
        cache.add(key, 0, timeout=FAILED_AUTH_WINDOW)
        cache.incr(key)
    except Exception:  # noqa: BLE001
        return


@dataclass(frozen=True)
class MerchantPrincipal:
    """request.user for the API: the merchant itself, not a Django user."""

    merchant: Merchant
    is_authenticated: bool = True
    is_anonymous: bool = False

    def __str__(self) -> str:
        return self.merchant.imid


class MerchantBasicAuthentication(authentication.BaseAuthentication):
    www_authenticate_realm = "Payloan merchant API"

    def authenticate(self, request: HttpRequest) -> tuple[MerchantPrincipal, Merchant] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Basic header.")
        try:
            decoded = base64.b64decode(header[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("Invalid Basic header.")
        ip = request.META.get("REMOTE_ADDR", "")
        if _failures(ip) >= FAILED_AUTH_LIMIT:
            raise exceptions.Throttled(
                detail="Too many failed sign-ins from this address; wait a few minutes."
            )
        imid, sep, key = decoded.partition(":")
        if not sep or "\x00" in imid or len(imid) > 10:
            raise exceptions.AuthenticationFailed("Invalid iMid or merchantKey.")
        merchant = merchant_get(imid=imid) if imid else None
        expected = merchant.merchant_key if merchant else _DUMMY_KEY
        matches = hmac.compare_digest(expected.encode(), key.encode())
        if merchant is None or not matches:
            _count_failure(ip)
            if merchant is not None:
                count_bad_token(merchant.imid, "api")  # the same daily counter as the V2 API's bad tokens
            raise exceptions.AuthenticationFailed("Invalid iMid or merchantKey.")
        return MerchantPrincipal(merchant), merchant

    def authenticate_header(self, request: HttpRequest) -> str:
        return f'Basic realm="{self.www_authenticate_realm}"'


class MerchantBasicScheme(OpenApiAuthenticationExtension):
    target_class = MerchantBasicAuthentication
    name = "merchantBasic"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Username is your iMid, password your merchantKey (the V2 credentials).",
        }
