"""The gateway's clock: Asia/Jakarta (WIB), the time zone of NICEPAY, its merchants and partners.

One place for the zone and the compact YYYYMMDDHHMMSS form used in identifiers and timestamps."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

JAKARTA = ZoneInfo("Asia/Jakarta")
COMPACT = "%Y%m%d%H%M%S"


def jakarta(moment: datetime | None = None) -> datetime:
    """`moment` (an aware datetime; now when None) in Jakarta time."""
    return (moment or timezone.now()).astimezone(JAKARTA)


def compact(moment: datetime | None = None) -> str:
    """YYYYMMDDHHMMSS in Jakarta time (now when `moment` is None)."""
    return jakarta(moment).strftime(COMPACT)


def jakarta_day(moment: datetime | None = None) -> date:
    """The Jakarta calendar day of `moment` (now when None), whatever time zone is active."""
    return jakarta(moment).date()


def day_start(day: date) -> datetime:
    """Midnight starting `day` in Jakarta."""
    return datetime.combine(day, time.min, tzinfo=JAKARTA)


def date_and_time(moment: datetime) -> tuple[str, str]:
    """(YYYYMMDD, HHMMSS) of `moment` in Jakarta time."""
    local = jakarta(moment)
    return local.strftime("%Y%m%d"), local.strftime("%H%M%S")


def parse_compact(text: str) -> datetime:
    """An aware datetime from YYYYMMDDHHMMSS read as Jakarta time. Raises ValueError."""
    return datetime.strptime(text, COMPACT).replace(tzinfo=JAKARTA)
