"""The gateway's clock: Asia/Jakarta (WIB), the time zone of NICEPAY, its merchants and partners.

One place for the zone and the compact YYYYMMDDHHMMSS form used in identifiers and timestamps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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


# The dates a person may type into a filter, a period, a replay window or a reconciliation run:
# nothing of the gateway is older than EARLIEST_DAY, and a year ahead covers every expiry and
# settlement date. Beyond them a date is a typo (and at 0001 or 9999 it overflows the date math).
EARLIEST_DAY = date(2000, 1, 1)
DAYS_AHEAD = 366


def day_window(today: date | None = None) -> tuple[date, date]:
    """(first, last) day a date input may hold, inclusive: EARLIEST_DAY to DAYS_AHEAD days after
    `today` (the Jakarta day by default)."""
    today = today or jakarta_day()
    return EARLIEST_DAY, today + timedelta(days=DAYS_AHEAD)
