"""Who is calling: the token request (RSA, service 73) and every other call (Bearer token, HMAC
X-SIGNATURE, X-PARTNER-ID, CHANNEL-ID, X-EXTERNAL-ID). Nothing is stored for a call that fails here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest

from payments.exceptions import AccessTokenInvalid
from payments.models import Merchant
from payments.selectors.merchants import api_credential_get, merchant_get
from payments.services import api_credentials

from .errors import INVALID_TOKEN, SnapError, field_format, field_missing, unauthorized
from .signatures import hmac_verify, rsa_verify, token_request_string
from .wire import timestamp

log = logging.getLogger("payments.snap")
HEADER_MAX = 64  # X-EXTERNAL-ID, X-PARTNER-ID, CHANNEL-ID: NICEPAY's clients send up to 39 characters


def header(request: HttpRequest, name: str, *, size: int = 0) -> str:
    """A required header, stripped. Raises 400xx02 when absent, 400xx01 when longer than `size`."""
    value = (request.headers.get(name) or "").strip()
    if not value:
        raise field_missing(name)
    if size and len(value) > size:
        raise field_format(name, f"at most {size} characters")
    return value


def token_request_merchant(request: HttpRequest) -> Merchant:
    """The merchant of a verified token request: X-CLIENT-KEY is its client id (the iMid), and
    X-SIGNATURE its RSA signature over `clientId|X-TIMESTAMP`. Raises 400xx02/400xx01 for missing
    or malformed headers, 401xx00 for an unknown client, no registered key or a bad signature."""
    client_id = header(request, "X-CLIENT-KEY", size=HEADER_MAX)
    stamp = timestamp(request.headers.get("X-TIMESTAMP", "").strip())
    signature = header(request, "X-SIGNATURE", size=2048)
    merchant = merchant_get(imid=client_id)
    if merchant is None:
        raise unauthorized("Unknown client")
    cred = api_credential_get(merchant=merchant)
    if cred is None or not cred.public_key_pem:
        raise unauthorized("No public key registered: upload yours on the dashboard's SNAP page")
    if not rsa_verify(cred.public_key_pem, token_request_string(client_id, stamp), signature):
        log.warning("bad token-request signature for client %s", client_id)
        raise unauthorized("Signature")
    return merchant


@dataclass(frozen=True)
class Caller:
    """A verified transaction call: the token's merchant and the request's X-EXTERNAL-ID."""

    merchant: Merchant
    external_id: str


def bearer(request: HttpRequest) -> str:
    """The token of `Authorization: Bearer <token>` (the scheme in any case). Raises 401xx01."""
    value = (request.headers.get("Authorization") or "").strip()
    scheme, _, token = value.partition(" ")
    if not value:
        raise field_missing("Authorization")
    if scheme.lower() != "bearer" or not token.strip():
        raise SnapError(INVALID_TOKEN, "[Authorization must be: Bearer <accessToken>]")
    return token.strip()


def transaction_caller(request: HttpRequest) -> Caller:
    """Check a transaction call's headers and signature. The token must be live and issued to
    X-PARTNER-ID; X-SIGNATURE must be the HMAC of this very request (docs/snap.md). CHANNEL-ID
    must be present, whatever its value (NICEPAY's clients each send another). Raises SnapError."""
    partner_id = header(request, "X-PARTNER-ID", size=HEADER_MAX)
    external_id = header(request, "X-EXTERNAL-ID", size=HEADER_MAX)
    header(request, "CHANNEL-ID", size=HEADER_MAX)
    stamp = timestamp(request.headers.get("X-TIMESTAMP", "").strip())
    signature = header(request, "X-SIGNATURE", size=2048)
    token = bearer(request)
    try:
        merchant = api_credentials.access_token_merchant(token=token)
    except AccessTokenInvalid:
        raise SnapError(INVALID_TOKEN, "[the access token is unknown, expired or revoked: get a new one]")
    if merchant.imid != partner_id:
        log.warning("token of %s used with X-PARTNER-ID %s", merchant.imid, partner_id)
        raise SnapError(INVALID_TOKEN, "[the access token was not issued to this X-PARTNER-ID]")
    cred = api_credential_get(merchant=merchant)
    secret = cred.client_secret if cred else ""
    if not secret or not hmac_verify(
        secret=secret,
        method=request.method or "POST",
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        token=token,
        raw=request.body,
        timestamp=stamp,
        signature=signature,
    ):
        log.warning("bad X-SIGNATURE from %s on %s", merchant.imid, request.path)
        raise unauthorized("Signature")
    return Caller(merchant, external_id)


def same_merchant(caller: Caller, merchant_id: str) -> None:
    """The body's merchantId, when sent, must be the caller's. Raises 401xx01."""
    if merchant_id and merchant_id != caller.merchant.imid:
        raise SnapError(INVALID_TOKEN, "[merchantId is not the merchant the access token was issued to]")
