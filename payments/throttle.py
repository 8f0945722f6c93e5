"""Attempt counters in the shared cache (Redis). Each attempt is one atomic increment whose
result decides, so requests racing each other can never both take the last allowed attempt
(a read-then-write check can be beaten in parallel).

A window starts with its first attempt and lasts `window` seconds. When Redis cannot be reached
the counter raises ThrottleUnavailable (or, through `attempt`, answers the caller's `when_down`):
a sign-in form fails closed, an API read whose credential cannot be guessed fails open. Which
limit does what is in docs/security.md."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from django.core.cache import cache
from redis.exceptions import RedisError

PREFIX = "throttle:"


class ThrottleUnavailable(Exception):
    """The counter store could not be reached: nothing was counted."""


@dataclass(frozen=True)
class Rule:
    """At most `limit` attempts per `window` seconds."""

    limit: int
    window: int


def digest(*parts: str) -> str:
    """A short, cache-safe key part for values a client chose (addresses, user names, iMids)."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def address_key(addr: str) -> str:
    """The key part for a client address. An IPv6 client counts by its /64: one subscriber line
    holds a whole /64, and counting single addresses there would count nothing."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return digest(addr)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return digest(str(ip.ipv4_mapped))
        return digest(str(ipaddress.ip_network(f"{ip}/64", strict=False)))
    return digest(str(ip))


def take(key: str, *, window: int) -> int:
    """Count one attempt under `key`; return its number in the current window (1 = the first).

    Raises ThrottleUnavailable when Redis cannot be reached."""
    full = PREFIX + key
    try:
        cache.add(full, 0, timeout=window)
        try:
            count = cache.incr(full)
        except ValueError:  # the window ended between add and incr: this opens the next one
            cache.add(full, 0, timeout=window)
            count = cache.incr(full)
        if count == 1:
            # An increment that landed just after the key expired recreated it without a TTL.
            cache.touch(full, window)
    except RedisError as exc:
        raise ThrottleUnavailable(str(exc)) from exc
    return count


def attempt(key: str, rule: Rule, *, when_down: bool) -> bool:
    """Count one attempt; True while the count is within `rule`. `when_down` is the answer when
    Redis cannot count (False: fail closed; True: fail open)."""
    try:
        return take(key, window=rule.window) <= rule.limit
    except ThrottleUnavailable:
        return when_down


def peek(key: str) -> int:
    """The current count (0 when none, or when Redis is down). For messages and for a fast path
    that needs no decision; never to decide an attempt."""
    return int(cache.get(PREFIX + key) or 0)


def give_back(key: str) -> None:
    """Return one counted attempt (one that turned out not to count, e.g. a valid credential)."""
    try:
        cache.decr(PREFIX + key)
    except (ValueError, RedisError):  # gone or unreachable: nothing left to give back
        pass


def clear(key: str) -> None:
    cache.delete(PREFIX + key)
