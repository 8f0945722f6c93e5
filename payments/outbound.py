"""HTTP POSTs to URLs a merchant chose (dbProcessUrl, the default notification URL).

In production such a URL must not reach our own network (SSRF). The host is resolved once, every
address it resolves to must be allowed, and the connection goes to that checked address: the URL's
host name travels in the Host header and, for https, in SNI and the certificate check. A DNS answer
that changes between the check and the connection (rebinding) therefore changes nothing. Redirects
are never followed (a 3xx is the merchant's answer, recorded as such), and no environment proxy is
used (a proxy would resolve the name again).

Connections are kept alive per thread and per (scheme, host, port, checked address): every POST
still resolves and checks the name first, and then only a connection to the very address it just
checked can carry it (the pool is keyed by that address). A name that now resolves elsewhere gets
a new connection there, or is refused. A connection idle for more than KEEP_ALIVE_SECONDS is not
reused (servers close idle ones, gunicorn after 2 s, and a POST sent as they do would fail).
Cookies are never kept between POSTs."""

from __future__ import annotations

import http.cookiejar
import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Special-purpose ranges (IANA IPv4/IPv6 special-purpose registries) that are not a merchant's
# public server. Python 3.11's is_global lets several through: NAT64 64:ff9b::/96 (which reaches
# any IPv4 address, 127.0.0.1 included, through a NAT64 gateway), 64:ff9b:1::/48, 6to4 2002::/16,
# IPv4-compatible ::/96, multicast, 192.0.0.0/24, the 6to4 relay 192.88.99.0/24, deprecated
# site-local fec0::/10, SRv6 5f00::/16 and the 3fff::/20 documentation block.
REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "::ffff:0:0/96",
        "::ffff:0:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)


class DestinationRefused(requests.RequestException):
    """The URL's host resolves to an address on our own or a special network."""


def address_allowed(ip: IPAddress) -> bool:
    """Whether a merchant URL may connect to `ip` (a public unicast address)."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return address_allowed(ip.ipv4_mapped)
    if not ip.is_global or ip.is_multicast:
        return False
    return not any(ip.version == net.version and ip in net for net in REFUSED_NETWORKS)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to, in the resolver's order. Raises requests.ConnectionError
    when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise requests.ConnectionError(f"cannot resolve {host!r}: {type(exc).__name__}") from None
    found: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


def destination_allowed(url: str) -> bool:
    """A cheap early answer for a URL: False when its host resolves to a refused address. The
    decision that counts is post()'s, on the addresses it connects to."""
    if settings.NOTIFICATION_ALLOW_PRIVATE_URLS:
        return True
    parts = urlsplit(url)
    try:
        return all(address_allowed(ip) for ip in resolve(parts.hostname or "", parts.port or 80))
    except (requests.ConnectionError, ValueError):
        return True  # unresolvable: the attempt itself fails and is logged as such


class _PinnedAdapter(HTTPAdapter):
    """Connects to one address whatever the URL's host resolves to by then."""

    def __init__(self, ip: IPAddress, host: str) -> None:
        self.ip, self.host = ip, host
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: str | tuple[str, str] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host_params = {**host_params, "host": str(self.ip)}
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": self.host, "assert_hostname": self.host}
        return host_params, pool_kwargs


KEEP_ALIVE_SECONDS = 1.0
MAX_KEPT = 32  # destinations with a kept connection, per thread
_kept = threading.local()


def _session_for(scheme: str, host: str, port: int, ip: IPAddress) -> tuple[requests.Session, list[float]]:
    """This thread's session pinned to `ip` (checked by the caller just now), and its last use."""
    sessions: OrderedDict = getattr(_kept, "sessions", None) or OrderedDict()
    _kept.sessions = sessions
    key = (scheme, host, port, ip)
    session, last_used = sessions.pop(key, (None, [0.0]))
    if session is not None and time.monotonic() - last_used[0] > KEEP_ALIVE_SECONDS:
        session.close()
        session = None
    if session is None:
        session = requests.Session()
        session.trust_env = False  # no HTTP(S)_PROXY: a proxy would resolve the name itself
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))  # keep none
        session.mount(f"{scheme}://", _PinnedAdapter(ip, host))
    sessions[key] = (session, last_used)
    while len(sessions) > MAX_KEPT:
        sessions.popitem(last=False)[1][0].close()
    return session, last_used


@contextmanager
def post(url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> Iterator[requests.Response]:
    """POST `data` to `url`; the answer is streamed (read what you need) and closed on exit.

    Raises DestinationRefused when the host resolves to a refused address (unless
    NOTIFICATION_ALLOW_PRIVATE_URLS, the sandbox), and what requests raises otherwise
    (ConnectionError, ConnectTimeout, ReadTimeout, SSLError...)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise requests.exceptions.InvalidURL("only http and https URLs with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    if not settings.NOTIFICATION_ALLOW_PRIVATE_URLS and not all(address_allowed(ip) for ip in addresses):
        raise DestinationRefused(f"{parts.hostname} resolves to a refused address")
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if ":" in parts.hostname:  # an IPv6 literal keeps its brackets in Host
        host_header = f"[{parts.hostname}]" + ("" if parts.port is None else f":{parts.port}")
    kwargs: dict[str, Any] = {"allow_redirects": False, "stream": True, "timeout": (timeout, timeout)}
    session, last_used = _session_for(parts.scheme, parts.hostname, port, addresses[0])
    try:
        with session.post(url, data=data, headers={**headers, "Host": host_header}, **kwargs) as response:
            yield response  # closed on exit: its connection is kept only if the answer was read whole
    finally:
        last_used[0] = time.monotonic()
