"""Customer pages: wrong or missing secrets counted per client address (payments.throttle).

A customer page's secret (an HMAC of its tXid, a payment link's random code) cannot be guessed, so
a request carrying a valid one is always served and never counted: a neighbour behind the same
carrier address cannot lock a paying shopper out. Only misses count, each with one atomic increment
that alone decides whether the miss is answered or refused, so parallel guesses cannot overshoot
the limit. An address already over its limit is refused without counting again (a read may refuse,
never allow), so its count stays near the limit and its window is never extended.

NICEPAY's tXid-only entry is the exception: a tXid is guessable, so serving its hits to a blocked
address would let guessing through. There every look-up counts, a found one gives its count back.

Without Redis the pages still work (fail open): the secret in the URL is the protection, the count
only slows guessing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest

from payments import throttle

log = logging.getLogger("payments.hosted")


def client_address(request: HttpRequest) -> str:
    """The client's address: behind TRUSTED_PROXIES the proxy middleware has set REMOTE_ADDR from
    X-Forwarded-For (payloan_site/proxy.py); from anyone else that header is ignored."""
    return request.META.get("REMOTE_ADDR", "")[:45]


def _key(address: str) -> str:
    return f"customer-page:{throttle.address_key(address)}"


def _rule() -> throttle.Rule:
    return throttle.Rule(settings.CUSTOMER_PAGE_MISS_LIMIT, settings.CUSTOMER_PAGE_MISS_WINDOW)


def _blocked(address: str) -> bool:
    """True while the address is over its limit. A read: it only ever refuses, the increment allows."""
    return throttle.peek(_key(address)) >= settings.CUSTOMER_PAGE_MISS_LIMIT


def _refused() -> bool:
    log.warning("customer page look-ups refused for an address over its miss limit")
    return False


def count_miss(address: str) -> bool:
    """Counts one miss (a wrong or unknown secret), or one look-up by a guessable key, for this address.

    Returns True while the address is within CUSTOMER_PAGE_MISS_LIMIT per CUSTOMER_PAGE_MISS_WINDOW
    seconds, False past it (answer 429). Fails open without Redis."""
    if _blocked(address) or not throttle.attempt(_key(address), _rule(), when_down=True):
        return _refused()
    return True


def give_back(address: str) -> None:
    """A look-up by a guessable key, counted by count_miss, found its page: it was no miss."""
    throttle.give_back(_key(address))
