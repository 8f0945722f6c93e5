"""Redis as a cache that may be down.

A cache is an optimisation: with Redis unreachable a read is a miss (the caller computes the value)
and a write is skipped, so a page or an API read keeps working. The atomic primitives (add, incr,
decr) still raise: the counters built on them (payments/throttle.py) must know that they could not
count, and each limit decides whether an outage opens or closes it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger("payloan.cache")
_last_warning = 0.0


def _degraded(op: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 30:  # one line per half minute, not one per request
        _last_warning = now
        log.warning("cache unavailable (%s on %s): serving without it", type(exc).__name__, op)


def _soft(op: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    """RedisCache's `op`, answering `fallback(*args, **kwargs)` when Redis cannot be reached."""
    method = getattr(RedisCache, op)

    def soft(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            _degraded(op, exc)
            return fallback(*args, **kwargs)

    soft.__name__ = soft.__qualname__ = op
    soft.__doc__ = method.__doc__
    return soft


def _get_default(key: str, default: Any = None, *_: Any, **__: Any) -> Any:
    return default


class ReusedClientRedis(RedisCacheClient):
    """Django's Redis client, keeping one redis.Redis per connection pool. Django builds a new one
    for every cache operation, and each builds its table of ~170 response callbacks: about a tenth
    of a millisecond of CPU on every API call that reads the merchant or counts a rate limit. The
    client holds no per-call state and its pool is thread-safe (and resets itself after a fork),
    so sharing it changes nothing else."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}  # connection pool -> its client

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedis

    get = _soft("get", _get_default)  # a miss
    get_many = _soft("get_many", lambda *a, **k: {})
    has_key = _soft("has_key", lambda *a, **k: False)
    set = _soft("set", lambda *a, **k: None)  # skipped
    set_many = _soft("set_many", lambda data, *a, **k: list(data))  # the keys not set
    touch = _soft("touch", lambda *a, **k: False)
    delete = _soft("delete", lambda *a, **k: False)
    delete_many = _soft("delete_many", lambda *a, **k: None)
