"""HTTP Basic with the merchant's V2 credentials: `iMid:merchantKey`."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from payments import throttle
from payments.models import Merchant
from payments.nicepay.auth import count_bad_token
from payments.selectors.merchants import merchant_get

# Compared against when the iMid is unknown, so a miss costs the same as a wrong key.
_DUMMY_KEY = "x" * 88


# Failed sign-ins are counted per claimed iMid from each address, and per address (every iMid).
# Behind a shared proxy one address carries many merchants: failures for one iMid never lock out
# another's valid credential. See docs/security.md.
PER_IMID = throttle.Rule(limit=20, window=300)  # failures for one iMid from one address
PER_ADDRESS = throttle.Rule(limit=100, window=300)  # failures from one address, any iMid
THROTTLED = "Too many failed sign-ins; wait a few minutes."


def _counted_failure(ip: str, imid: str) -> bool:
    """Count one failed sign-in (one atomic increment per counter); True when over a limit.
    Without Redis nothing is counted: a merchantKey is 64 random bytes, no rate of guessing finds
    it, so the API stays up rather than refusing everyone."""
    over = False
    counters = ((_pair_key(ip, imid), PER_IMID), (f"api-auth:addr:{throttle.address_key(ip)}", PER_ADDRESS))
    for key, rule in counters:
        try:
            over |= throttle.take(key, window=rule.window) > rule.limit
        except throttle.ThrottleUnavailable:
            pass
    return over


def _pair_key(ip: str, imid: str) -> str:
    return f"api-auth:imid:{throttle.digest(ip, imid)}"


def _may_confirm(ip: str, imid: str) -> bool:
    """A valid credential is confirmed unless its iMid is locked from this address. The common
    case (no failures at all) costs one read; otherwise the decision is one increment (a racing
    burst of guesses cannot slip a right one past the limit), handed back when it was right."""
    key = _pair_key(ip, imid)
    if throttle.peek(key) == 0:
        return True
    try:
        allowed = throttle.take(key, window=PER_IMID.window) <= PER_IMID.limit
    except throttle.ThrottleUnavailable:
        return True
    if allowed:
        throttle.give_back(key)
    return allowed


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
        ip = request.META.get("REMOTE_ADDR", "")  # the client's, behind trusted proxies
        imid, sep, key = decoded.partition(":")
        if not sep or "\x00" in imid or len(imid) > 10:  # no iMid of ours: nothing to guess here
            raise exceptions.AuthenticationFailed("Invalid iMid or merchantKey.")
        merchant = merchant_get(imid=imid) if imid else None
        expected = merchant.merchant_key if merchant else _DUMMY_KEY
        matches = hmac.compare_digest(expected.encode(), key.encode())
        if merchant is None or not matches:
            over = _counted_failure(ip, imid)
            if merchant is not None:
                count_bad_token(merchant.imid, "api")  # the same daily counter as the V2 API's bad tokens
            if over:
                raise exceptions.Throttled(detail=THROTTLED, wait=PER_IMID.window)
            raise exceptions.AuthenticationFailed("Invalid iMid or merchantKey.")
        if not _may_confirm(ip, imid):
            raise exceptions.Throttled(detail=THROTTLED, wait=PER_IMID.window)
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
