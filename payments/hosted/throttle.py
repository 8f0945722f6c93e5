"""Customer pages: wrong or missing secrets counted per client address (payments.throttle).

Every look-up takes one attempt from the address's budget with one atomic increment that alone
decides whether the look-up runs, so parallel guesses cannot overshoot the limit; a look-up that
finds its page gives the attempt back (a shopper may reload freely). Without Redis the pages
still work (fail open): the secret in the URL is the protection, the count only slows guessing.
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


def take_slot(address: str) -> bool:
    """Counts one look-up for this address; False when the address is over its limit."""
    rule = throttle.Rule(settings.CUSTOMER_PAGE_MISS_LIMIT, settings.CUSTOMER_PAGE_MISS_WINDOW)
    if throttle.attempt(_key(address), rule, when_down=True):
        return True
    log.warning("customer page look-ups refused for an address over its miss limit")
    return False


def give_back(address: str) -> None:
    """The look-up found its page: it was no miss."""
    throttle.give_back(_key(address))
