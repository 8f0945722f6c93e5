"""Merchant authentication for the V2 API: iMid, then merchantToken in constant time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from payments import tokens
from payments.models import Merchant
from payments.selectors.merchants import merchant_get_cached, merchant_keys_accepted

from . import requests as wire_requests
from .errors import InvalidToken, UnknownMerchant
from .wire import amount, amount_str, text, timestamp

log = logging.getLogger("payments.auth")


def merchant_for(imid: str) -> Merchant:
    merchant = merchant_get_cached(imid=imid)
    if merchant is None:
        raise UnknownMerchant()
    return merchant


def count_bad_token(imid: str, endpoint: str) -> None:
    key = f"bad-token:{imid}:{timezone.now():%Y%m%d}"
    try:
        cache.add(key, 0, timeout=2 * 86400)
        cache.incr(key)
    except Exception:  # noqa: BLE001 - a counter must never break the answer
        log.debug("bad-token counter unavailable")
    log.warning("bad merchantToken for iMid %s on %s", imid, endpoint)


def require_token(merchant: Merchant, token_for: Callable[[str], str], given: str, endpoint: str) -> None:
    """`token_for(key)` computes the expected merchantToken with a key: it is checked against every
    key accepted now (the previous one too during a rotation's overlap), in constant time."""
    candidates = [token_for(key) for key in merchant_keys_accepted(merchant=merchant)]
    if not tokens.matches_any(candidates, given):
        count_bad_token(merchant.imid, endpoint)
        raise InvalidToken()


def registration_merchant(body: dict[str, Any], endpoint: str) -> Merchant:
    """The merchant of a V2 registration body, direct or redirect, once its amount, timeStamp and
    merchantToken = SHA256(timeStamp + iMid + referenceNo + amt + merchantKey) check out (NICEPAY
    "Registration"). Raises UnknownMerchant, InvalidField, StaleTimestamp or InvalidToken."""
    merchant = merchant_for(text(body, wire_requests.IMID))
    amount(body)
    ref = text(body, wire_requests.REFERENCE_NO)
    ts = timestamp(body)
    require_token(
        merchant,
        lambda key: tokens.registration_token(ts, merchant.imid, ref, amount_str(body), key),
        text(body, wire_requests.TOKEN),
        endpoint,
    )
    return merchant
