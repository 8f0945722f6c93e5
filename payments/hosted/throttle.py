"""Customer pages: wrong or missing tokens counted per client address, atomically.

Every look-up first takes a slot with one Redis increment; that increment alone decides whether
the look-up runs, so parallel guesses cannot overshoot the limit. A look-up that finds its page
gives the slot back. Without Redis the pages still work: the token itself is the protection, the
count only slows down guessing.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger("payments.hosted")


def client_address(request: HttpRequest) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR; forwarded headers are not trusted here.
    return request.META.get("REMOTE_ADDR", "")[:45]


def _key(address: str) -> str:
    return "customer-page-miss:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def take_slot(address: str) -> bool:
    """Counts one look-up for this address; False when the address is over its limit."""
    key = _key(address)
    try:
        cache.add(key, 0, timeout=settings.CUSTOMER_PAGE_MISS_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.CUSTOMER_PAGE_MISS_WINDOW)
            count = 1
    except Exception:  # noqa: BLE001 - the cache is down: the token still protects the page
        log.warning("customer page miss counter unavailable")
        return True
    if count > settings.CUSTOMER_PAGE_MISS_LIMIT:
        log.warning("customer page look-ups refused for an address over its miss limit")
        return False
    return True


def give_back(address: str) -> None:
    """The look-up found its page: it was no miss."""
    try:
        cache.decr(_key(address))
    except Exception:  # noqa: BLE001 - expired meanwhile, or the cache is down
        log.debug("customer page miss counter not given back")
