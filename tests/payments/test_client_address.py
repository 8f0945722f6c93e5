"""The client's address behind proxies (TRUSTED_PROXIES): X-Forwarded-For is believed only from a
trusted proxy, read from the right, and every per-address limit counts that address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient

from payloan_site.proxy import TrustedProxyMiddleware, client_address
from payments.rest.authentication import PER_ADDRESS
from tests.support.rest import basic, make_merchant

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        ("198.51.100.7", "", "198.51.100.7"),  # no proxy
        ("198.51.100.7", "1.2.3.4", "198.51.100.7"),  # anyone can write the header: ignored
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),  # our proxy saw 203.0.113.9
        ("10.0.0.5", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client prepended a lie
        ("10.0.0.5", "203.0.113.9, 10.0.0.7", "203.0.113.9"),  # two of our proxies in a row
        ("10.0.0.5", "203.0.113.9:5123", "203.0.113.9"),
        ("10.0.0.5", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.5", "garbage", "10.0.0.5"),  # unreadable: the last address we can vouch for
        ("10.0.0.5", "", "10.0.0.5"),  # the proxy itself (a health check)
        ("2001:db8:ffff::2", "203.0.113.9", "203.0.113.9"),
    ],
)
def test_client_address_rule(peer, xff, expected):
    assert client_address(peer, xff, PROXIES) == expected


def test_the_middleware_rewrites_remote_addr_and_drops_forged_headers(settings):
    settings.TRUSTED_PROXIES = PROXIES
    seen = {}

    def view(request):  # noqa: ANN001, ANN202
        seen.update(request.META)

    middleware = TrustedProxyMiddleware(view)
    rf = RequestFactory()
    middleware(
        rf.get(
            "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https"
        )
    )
    assert seen["REMOTE_ADDR"] == "203.0.113.9" and seen["PAYLOAN_PEER_ADDR"] == "10.0.0.5"
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    seen.clear()
    middleware(
        rf.get(
            "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_FORWARDED_PROTO="https"
        )
    )
    assert seen["REMOTE_ADDR"] == "198.51.100.7"
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


@pytest.mark.django_db
def test_per_address_limits_count_the_client_behind_the_proxy(settings):
    """Everyone arrives from the proxy's address; one client's failures do not throttle another's."""
    cache.clear()
    settings.TRUSTED_PROXIES = PROXIES
    merchant, key = make_merchant("PROXYSHOP1")
    proxy = APIClient(REMOTE_ADDR="10.0.0.5")

    def attempt(client_ip: str, imid: str, secret: str) -> int:
        return proxy.get(
            "/api/v1/transactions", HTTP_AUTHORIZATION=basic(imid, secret), HTTP_X_FORWARDED_FOR=client_ip
        ).status_code

    noisy = [attempt("203.0.113.66", f"NOPE{i:06d}", "x" * 88) for i in range(PER_ADDRESS.limit + 1)]
    assert noisy[-1] == 429 and noisy[: PER_ADDRESS.limit] == [401] * PER_ADDRESS.limit
    assert attempt("203.0.113.67", "NOPE999999", "x" * 88) == 401  # another client of the same proxy
    assert attempt("203.0.113.67", merchant.imid, key) == 200
    # A forged X-Forwarded-For from outside the proxy does not pick someone else's address.
    direct = APIClient(REMOTE_ADDR="203.0.113.66")
    resp = direct.get(
        "/api/v1/transactions",
        HTTP_AUTHORIZATION=basic("NOPE000000", "x" * 88),
        HTTP_X_FORWARDED_FOR="203.0.113.70",
    )
    assert resp.status_code == 429  # counted as 203.0.113.66, whose budget is spent
    cache.clear()
