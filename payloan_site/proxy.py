"""The client's address and scheme behind trusted proxies (TRUSTED_PROXIES).

Every per-address limit, audit row and partner-notification record reads REMOTE_ADDR. This
middleware runs first and makes REMOTE_ADDR the client's own address:

- a request from a peer that is not a trusted proxy keeps its peer address, and any
  X-Forwarded-For / X-Forwarded-Proto it sent is dropped (anyone can write those headers);
- a request from a trusted proxy takes the right-most X-Forwarded-For entry that is not itself a
  trusted proxy (each proxy appends the address it saw; entries left of the first untrusted one
  were written by the client and prove nothing). Its X-Forwarded-Proto is kept, and
  SECURE_PROXY_SSL_HEADER (set when TRUSTED_PROXIES is) turns it into request.is_secure().

The peer's own address stays in META["PAYLOAN_PEER_ADDR"]."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None


def is_trusted(addr: str, proxies: Iterable[str] | None = None) -> bool:
    """Whether `addr` is one of TRUSTED_PROXIES (addresses or networks)."""
    ip = _parse(addr)
    nets = _networks(tuple(settings.TRUSTED_PROXIES if proxies is None else proxies))
    return ip is not None and any(ip in net for net in nets)


def client_address(peer: str, forwarded_for: str, proxies: Iterable[str] | None = None) -> str:
    """The client's address for a request that reached us from `peer` with the given
    X-Forwarded-For header. Pure; the rule is the module docstring's."""
    proxies = tuple(settings.TRUSTED_PROXIES if proxies is None else proxies)
    if not is_trusted(peer, proxies):
        return peer
    hops = [h for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _parse(hop)
        if ip is None:
            return peer  # a garbled chain: the last address we can vouch for is the proxy's
        if not is_trusted(str(ip), proxies):
            return str(ip)
    return str(_parse(hops[0])) if hops else peer  # every hop is ours (an internal health check)


class TrustedProxyMiddleware:
    """First in MIDDLEWARE, so SecurityMiddleware's HTTPS redirect sees the right scheme."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        meta["PAYLOAN_PEER_ADDR"] = peer
        if is_trusted(peer):
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""))[:45]
        else:
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
