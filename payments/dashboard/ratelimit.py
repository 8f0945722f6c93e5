"""Throttles in the shared cache (Redis) for sign-in, one-time codes, password resets and re-entered
passwords. Each attempt is one atomic increment whose result decides (payments/throttle.py): two
requests racing each other can never both take the last allowed attempt. Without Redis nothing can
be counted, and these throttles fail closed (Unavailable): a password form is never open to
unlimited guessing."""

from __future__ import annotations

from payments import throttle

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
# scope -> (attempts allowed per window, window in seconds)
LIMITS: dict[str, tuple[int, int]] = {
    "login": (MAX_FAILURES, WINDOW_SECONDS),
    "reauth": (MAX_FAILURES, WINDOW_SECONDS),
    "otp": (MAX_FAILURES, WINDOW_SECONDS),  # sign-in codes, per account
    "reset": (3, 60 * 60),  # reset e-mails per address per hour
    "reset-ip": (20, 60 * 60),  # reset requests per client address per hour
    "admin-login": (MAX_FAILURES, WINDOW_SECONDS),  # payments/admin_login.py
}
Unavailable = throttle.ThrottleUnavailable
UNAVAILABLE_MESSAGE = (
    "Signing in is paused for a moment: our protection against password guessing is unavailable. "
    "Nothing is wrong with your account. Please try again in a minute."
)


def _key(scope: str, ip: str, username: str) -> str:
    return f"dash-{scope}-fail:{throttle.digest(ip, username.strip().lower())}"


def _limit(scope: str) -> tuple[int, int]:
    return LIMITS.get(scope, (MAX_FAILURES, WINDOW_SECONDS))


def hit(scope: str, ip: str, username: str) -> bool:
    """Counts one attempt and says whether it is allowed (the count is still within the limit).
    The window starts with the first attempt. Raises Unavailable when Redis cannot count."""
    limit, window = _limit(scope)
    return throttle.take(_key(scope, ip, username), window=window) <= limit


def attempt(scope: str, ip: str, username: str) -> bool | None:
    """hit(), with None instead of Unavailable: the caller refuses (fails closed) either way."""
    try:
        return hit(scope, ip, username)
    except Unavailable:
        return None


def is_locked(scope: str, ip: str, username: str) -> bool:
    """Read-only: whether the next attempt would be refused (for messages, never for deciding)."""
    return throttle.peek(_key(scope, ip, username)) >= _limit(scope)[0]


def reset(scope: str, ip: str, username: str) -> None:
    throttle.clear(_key(scope, ip, username))
