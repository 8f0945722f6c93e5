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
Cookies are never kept between POSTs.

A socket timeout bounds each read, not the answer: a merchant sending a byte now and then would
hold the worker for as long as it likes (and past the row's lease, so the sweep would post it
again). Each POST therefore has a deadline of connect + read timeout for connecting, the answer
and what the caller reads of it; at the deadline its socket is shut down (one watchdog thread).

The POST goes through urllib3 (what requests itself sends with) straight away: requests' own
preparation of each request (merging session settings, cookies, hooks) cost more CPU than the
rest of the POST. Its headers, URL quoting, certificate bundle and exceptions stay requests'."""

from __future__ import annotations

import functools
import heapq
import ipaddress
import itertools
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from urllib3 import HTTPHeaderDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

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


# What requests sends beside the caller's headers, sent as it did (a merchant's server sees no change).
BASE_HEADERS = {k: v for k, v in requests.utils.default_headers().items() if k != "User-Agent"}
NO_RETRY = Retry(0, read=False)  # what requests' HTTPAdapter(max_retries=0) gives urllib3


class _Deadline:
    """One POST's connections, shut down by the watchdog if it is still running at its deadline."""

    __slots__ = ("conns", "done", "fired", "lock")

    def __init__(self) -> None:
        self.conns: list[HTTPConnection] = []
        self.done = self.fired = False
        self.lock = threading.Lock()

    def cut(self) -> None:
        with self.lock:
            if self.done:
                return
            self.fired = True
            for conn in self.conns:
                sock = conn.sock
                if sock is not None:
                    try:  # socket's own shutdown: a blocked read (TLS too) returns at once
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)
                    except OSError:
                        pass

    def finish(self) -> None:
        with self.lock:
            self.done = True


WATCHDOG_TICK = 0.25  # seconds: how late past its deadline a POST may be cut


class _Watchdog:
    """One daemon thread per process that cuts the POSTs whose deadline passed (a thread per POST
    would cost more CPU than the POST)."""

    def __init__(self) -> None:
        self.order = itertools.count()
        self.reset()

    def reset(self) -> None:
        """Fresh state: at start, and in a forked child (a worker process), which inherits neither
        the thread nor a usable lock."""
        self.cv = threading.Condition()
        self.heap: list[tuple[float, int, _Deadline]] = []
        self.started = False

    def arm(self, seconds: float) -> _Deadline:
        deadline, at = _Deadline(), time.monotonic() + seconds
        with self.cv:
            if not self.started:
                self.started = True
                threading.Thread(target=self.run, name="outbound-deadline", daemon=True).start()
            heapq.heappush(self.heap, (at, next(self.order), deadline))
        return deadline

    def run(self) -> None:
        # Wakes every WATCHDOG_TICK seconds, not at each deadline: at hundreds of POSTs a second,
        # almost all finished long before theirs, a wake-up per POST would cost the worker CPU.
        while True:
            time.sleep(WATCHDOG_TICK)
            now, due = time.monotonic(), []
            with self.cv:
                while self.heap and self.heap[0][0] <= now:
                    due.append(heapq.heappop(self.heap)[2])
            for deadline in due:
                deadline.cut()


_watchdog = _Watchdog()
os.register_at_fork(after_in_child=_watchdog.reset)
_in_flight = threading.local()  # this thread's POST deadline, for the connection it sends on


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        _in_flight.deadline.conns.append(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        _in_flight.deadline.conns.append(self)
        super().request(*args, **kwargs)


def _pinned_pool(scheme: str, host: str, port: int, ip: IPAddress) -> urllib3.HTTPConnectionPool:
    """A connection pool to `ip`, whatever `host` resolves to by then. For https, the host name
    goes in SNI and the certificate must be valid for it, against requests' CA bundle (certifi)."""
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            str(ip),
            port,
            maxsize=1,
            retries=NO_RETRY,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=requests.utils.DEFAULT_CA_BUNDLE_PATH,
        )
        pool.ConnectionCls = _WatchedHTTPSConnection
        return pool
    pool = urllib3.HTTPConnectionPool(str(ip), port, maxsize=1, retries=NO_RETRY)
    pool.ConnectionCls = _WatchedHTTPConnection
    return pool


KEEP_ALIVE_SECONDS = 1.0
MAX_KEPT = 32  # destinations with a kept connection, per thread
_kept = threading.local()


def _pool_for(
    scheme: str, host: str, port: int, ip: IPAddress
) -> tuple[urllib3.HTTPConnectionPool, list[float]]:
    """This thread's pool pinned to `ip` (checked by the caller just now), and its last use."""
    pools: OrderedDict = getattr(_kept, "pools", None) or OrderedDict()
    _kept.pools = pools
    key = (scheme, host, port, ip)
    pool, last_used = pools.pop(key, (None, [0.0]))
    if pool is not None and time.monotonic() - last_used[0] > KEEP_ALIVE_SECONDS:
        pool.close()
        pool = None
    if pool is None:
        pool = _pinned_pool(scheme, host, port, ip)
    pools[key] = (pool, last_used)
    while len(pools) > MAX_KEPT:
        pools.popitem(last=False)[1][0].close()
    return pool, last_used


@functools.lru_cache(maxsize=1024)
def _request_path(url: str) -> str:
    """The path and query of `url` as requests sends them (requoted). Raises requests.InvalidURL."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    return prepared.path_url


def _as_requests_error(exc: Exception) -> Exception:
    """The exception requests' HTTPAdapter.send raises for what urllib3 raised: callers catch
    requests.RequestException, and the webhook log records its name (ConnectionError, ReadTimeout)."""
    if isinstance(exc, (ProtocolError, OSError, ClosedPoolError)):
        return requests.ConnectionError(exc)
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return requests.ConnectTimeout(exc)
        if isinstance(reason, ResponseError):
            return requests.exceptions.RetryError(exc)
        if isinstance(reason, urllib3.exceptions.SSLError):
            return requests.exceptions.SSLError(exc)
        return requests.ConnectionError(exc)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return requests.exceptions.SSLError(exc)
    if isinstance(exc, ReadTimeoutError):
        return requests.ReadTimeout(exc)
    if isinstance(exc, urllib3.exceptions.InvalidHeader):
        return requests.exceptions.InvalidHeader(exc)
    return exc


@contextmanager
def post(
    url: str, *, data: bytes, headers: dict[str, str], timeout: float
) -> Iterator[urllib3.BaseHTTPResponse]:
    """POST `data` to `url`; the answer is streamed (read what you need: .status, .read()) and
    closed on exit.

    Raises DestinationRefused when the host resolves to a refused address (unless
    NOTIFICATION_ALLOW_PRIVATE_URLS, the sandbox), and what requests would raise otherwise
    (ConnectionError, ConnectTimeout, ReadTimeout, SSLError, InvalidURL...); ReadTimeout too when
    no whole status and headers came within 2 x `timeout` seconds of the start. Reading the answer
    raises urllib3's own errors (e.g. ReadTimeoutError, or ProtocolError when that deadline cuts
    it short)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise requests.exceptions.InvalidURL("only http and https URLs with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    if not settings.NOTIFICATION_ALLOW_PRIVATE_URLS and not all(address_allowed(ip) for ip in addresses):
        raise DestinationRefused(f"{parts.hostname} resolves to a refused address")
    path = _request_path(url)
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if ":" in parts.hostname:  # an IPv6 literal keeps its brackets in Host
        host_header = f"[{parts.hostname}]" + ("" if parts.port is None else f":{parts.port}")
    sent = HTTPHeaderDict(BASE_HEADERS)
    for name, value in headers.items():
        sent[name] = value  # replaces a base header whatever its case
    sent["Host"], sent["Content-Length"] = host_header, str(len(data))
    pool, last_used = _pool_for(parts.scheme, parts.hostname, port, addresses[0])
    deadline = _in_flight.deadline = _watchdog.arm(2 * timeout)
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=data,
            headers=sent,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=NO_RETRY,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
    except Exception as exc:
        deadline.finish()
        last_used[0] = time.monotonic()
        error = requests.ReadTimeout(exc) if deadline.fired else _as_requests_error(exc)
        if error is exc:
            raise
        raise error from exc
    if deadline.fired:  # cut while the headers trickled in: what arrived is not the answer
        deadline.finish()
        response.close()
        response.release_conn()
        raise requests.ReadTimeout(f"no whole answer within {2 * timeout:g} s")
    try:
        yield response
    finally:
        deadline.finish()
        # As requests' Response.close(): a connection whose answer was not read whole is closed.
        response.close()
        response.release_conn()
        last_used[0] = time.monotonic()
