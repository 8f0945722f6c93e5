"""How old a partner notification may be, where its protocol carries a signed send time.

A signed notification stays valid forever unless its time is checked: anyone who ever saw one
(a log, a proxy, a leaked capture) could replay it. Each adapter that receives a timestamp (DANA
and AstraPay: SNAP X-TIMESTAMP; Indodana: the Unix-seconds nonce of its Authorization) refuses one
more than `window` seconds away from now, either way (clock skew). Pure: the caller passes now."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import StaleNotification

DEFAULT_WINDOW_SECONDS = 15 * 60


def snap_time(value: str) -> datetime:
    """SNAP X-TIMESTAMP (yyyy-MM-ddTHH:mm:ss+07:00, any offset). Raises StaleNotification when it
    is missing, malformed or without an offset: an unreadable time cannot be shown fresh."""
    try:
        when = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise StaleNotification("X-TIMESTAMP is missing or not an ISO-8601 time") from None
    if when.tzinfo is None:
        raise StaleNotification("X-TIMESTAMP has no UTC offset")
    return when


def unix_time(value: str) -> datetime:
    """Unix seconds (Indodana's nonce). Raises StaleNotification when it is not a number."""
    if not value.isdigit() or len(value) > 12:
        raise StaleNotification("the nonce is not a Unix time in seconds")
    return datetime.fromtimestamp(int(value), tz=UTC)


def require_fresh(sent_at: datetime, *, now: datetime, window: int, partner: str) -> None:
    """Raise StaleNotification when `sent_at` is more than `window` seconds from `now`."""
    skew = abs((now - sent_at).total_seconds())
    if skew > window:
        raise StaleNotification(
            f"{partner} notification sent at {sent_at.isoformat()} is outside the {window} s window"
        )
