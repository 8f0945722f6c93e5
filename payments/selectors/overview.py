"""The dashboard overview's figures, read from the per-merchant rollups (services/rollups.py)
instead of grouping the transactions: two grouped queries over at most (days x partners x
statuses) small rows, whatever the number of transactions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, Sum

from payments import clock
from payments.models import Merchant, TransactionRollup
from payments.status import Status

MAX_DAYS = 366  # any range up to a year (a leap year's included)
# Paid and still counted as paid volume: paid, then possibly voided or refunded afterwards.
_PAID = Q(status__in=[Status.PAID, Status.VOID, Status.REFUND], paid=True)
_SUMS = {"n": Sum("count"), "ok": Sum("count", filter=_PAID), "volume": Sum("amount", filter=_PAID)}


def _figures(n: int | None, ok: int | None, volume: int | None) -> dict[str, Any]:
    n, ok = n or 0, ok or 0
    return {"count": n, "paid": ok, "volume": volume or 0, "rate": round(100 * ok / n, 1) if n else 0.0}


def transactions_overview(
    *,
    merchant: Merchant,
    now: datetime | None = None,
    days: int = 30,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, Any]:
    """The merchant's transactions created in the last `days` Asia/Jakarta days, today included,
    or, when both are given, from `date_from` to `date_to` (Jakarta days, inclusive).

    Args: `days` 1 to MAX_DAYS; `now` defaults to the current time. Returns {"today" (the last day
    of the range), "month" (the whole range), "by_day" (one entry per day, oldest first, with
    "day"), "by_partner" (partners with transactions, largest paid volume first, with
    "mitra_cd"), "days"}; each figure has count (transactions), paid (those paid, even if voided
    or refunded later), volume (their registered amounts, whole rupiah) and rate (paid / count,
    percent, one decimal). Raises ValueError for a range outside 1..MAX_DAYS days."""
    if date_from is not None and date_to is not None:
        first, last = date_from, date_to
        days = (last - first).days + 1
    else:
        last = clock.jakarta_day(now)
        first = last - timedelta(days=days - 1)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    rows = TransactionRollup.objects.filter(merchant=merchant, day__gte=first, day__lte=last)
    per_day = {r["day"]: r for r in rows.values("day").annotate(**_SUMS).order_by()}
    by_day = []
    for i in range(days):
        day = first + timedelta(days=i)
        r = per_day.get(day, {})
        by_day.append(dict(_figures(r.get("n"), r.get("ok"), r.get("volume")), day=day))
    by_partner = sorted(
        (
            dict(_figures(r["n"], r["ok"], r["volume"]), mitra_cd=r["mitra_cd"])
            for r in rows.values("mitra_cd").annotate(**_SUMS).order_by()
            if r["n"]  # a partner whose transactions all moved on (a hosted checkout's choice)
        ),
        key=lambda r: (-r["volume"], r["mitra_cd"]),
    )
    month = _figures(
        sum(d["count"] for d in by_day), sum(d["paid"] for d in by_day), sum(d["volume"] for d in by_day)
    )
    return {"today": by_day[-1], "month": month, "by_day": by_day, "by_partner": by_partner, "days": days}
