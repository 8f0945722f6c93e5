"""The secret part of every customer-facing URL, and the paths built with it. Pure: no I/O.

A tXid is guessable (iMid + time + 4 digits), so no customer page is keyed by it alone: each URL
carries `HMAC(SECRET_KEY, "customer-page" + tXid)`. Nobody can make one without the server's key,
and it is bound to one transaction. It is stable (a refreshed or shared page still works) and
verified in constant time; keys in SECRET_KEY_FALLBACKS still verify after a key rotation.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "payloan.customer-page"
LINK_SALT = "payloan.account-link"  # another salt: a mandateID may read like a tXid
TOKEN_CHARS = 22  # 132 bits of the HMAC, URL-safe base64


def _token(txid: str, secret: str, salt: str = SALT) -> str:
    digest = salted_hmac(salt, txid, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_CHARS]


def page_token(txid: str) -> str:
    """The token for one transaction's customer pages."""
    return _token(txid, settings.SECRET_KEY)


def token_valid(txid: str, token: str, *, salt: str = SALT) -> bool:
    """True when `token` was made by this server for `txid` (constant-time compare)."""
    if not token or len(token) != TOKEN_CHARS:
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(_token(txid, s, salt), token) for s in secrets)


def link_finish_path(mandate_id: str) -> str:
    """Where the partner sends the shopper back after linking an account: signed the same way."""
    return f"/link/{mandate_id}/{_token(mandate_id, settings.SECRET_KEY, LINK_SALT)}/finish"


def link_token_valid(mandate_id: str, token: str) -> bool:
    return token_valid(mandate_id, token, salt=LINK_SALT)


def page_path(txid: str, page: str = "") -> str:
    """/pay/<tXid>/<token>/<page>: the hosted checkout ("") or one of its pages (return, wait...)."""
    return f"/pay/{txid}/{page_token(txid)}/{page}"


def page_url(txid: str, page: str = "") -> str:
    """page_path as an absolute URL on PUBLIC_BASE_URL (for partners and merchants)."""
    return f"{settings.PUBLIC_BASE_URL}{page_path(txid, page)}"
