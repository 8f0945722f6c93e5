"""Login throttling in the shared cache (Redis): failures per IP + username in a sliding bucket."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _key(scope: str, ip: str, username: str) -> str:
    digest = hashlib.sha256(f"{ip}|{username.strip().lower()}".encode()).hexdigest()[:32]
    return f"dash-{scope}-fail:{digest}"


def is_locked(scope: str, ip: str, username: str) -> bool:
    return (cache.get(_key(scope, ip, username)) or 0) >= MAX_FAILURES


def record_failure(scope: str, ip: str, username: str) -> int:
    key = _key(scope, ip, username)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def reset(scope: str, ip: str, username: str) -> None:
    cache.delete(_key(scope, ip, username))
