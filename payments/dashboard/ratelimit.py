"""Throttles in the shared cache (Redis) for sign-in, one-time codes, password resets and re-entered
passwords. Each attempt is one atomic increment whose result decides (Redis INCR): two requests
racing each other can never both take the last allowed attempt."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
# scope -> (attempts allowed per window, window in seconds)
LIMITS: dict[str, tuple[int, int]] = {
    "login": (MAX_FAILURES, WINDOW_SECONDS),
    "reauth": (MAX_FAILURES, WINDOW_SECONDS),
    "otp": (MAX_FAILURES, WINDOW_SECONDS),
    "reset": (3, 60 * 60),  # reset e-mails per address per hour
    "reset-ip": (20, 60 * 60),  # reset requests per client address per hour
}


def _key(scope: str, ip: str, username: str) -> str:
    digest = hashlib.sha256(f"{ip}|{username.strip().lower()}".encode()).hexdigest()[:32]
    return f"dash-{scope}-fail:{digest}"


def _limit(scope: str) -> tuple[int, int]:
    return LIMITS.get(scope, (MAX_FAILURES, WINDOW_SECONDS))


def hit(scope: str, ip: str, username: str) -> bool:
    """Counts one attempt and says whether it is allowed (the count is still within the limit).
    The window starts with the first attempt."""
    limit, window = _limit(scope)
    key = _key(scope, ip, username)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first attempt of a new window
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def is_locked(scope: str, ip: str, username: str) -> bool:
    """Read-only: whether the next attempt would be refused (for messages, never for deciding)."""
    return (cache.get(_key(scope, ip, username)) or 0) >= _limit(scope)[0]


def reset(scope: str, ip: str, username: str) -> None:
    cache.delete(_key(scope, ip, username))
