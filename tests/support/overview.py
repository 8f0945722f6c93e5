"""The dashboard overview computed the former way, for the rollup tests and the bench."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from payments import clock
from payments.models import Merchant, Transaction
from payments.status import Status


def overview_from_transactions(*, merchant: Merchant, now: datetime, days: int) -> dict[str, Any]:
    """The overview as it was computed before the rollups (three grouped queries straight over the
    transactions): the reference the rollups must agree with, and the bench's before."""
    today = timezone.localdate(now)
    start = clock.day_start(today - timedelta(days=days - 1))
    base = Transaction.objects.filter(merchant=merchant, created_at__gte=start)
    paid = Q(status__in=[Status.PAID, Status.VOID, Status.REFUND]) & Q(paid_at__isnull=False)

    def figures(row: dict[str, Any]) -> dict[str, Any]:
        count, ok = row["count"] or 0, row["ok"] or 0
        rate = round(100 * ok / count, 1) if count else 0.0
        return {"count": count, "paid": ok, "volume": row["volume"] or 0, "rate": rate}

    aggregates = {"count": Count("id"), "ok": Count("id", filter=paid), "volume": Sum("amount", filter=paid)}
    per_day = {
        r["day"]: figures(r)
        for r in base.annotate(day=TruncDate("created_at")).values("day").annotate(**aggregates).order_by()
    }
    by_partner = sorted(
        (dict(figures(r), mitra_cd=r["mitra_cd"]) for r in base.values("mitra_cd").annotate(**aggregates)),
        key=lambda r: (-r["volume"], r["mitra_cd"]),
    )
    empty = figures({"count": 0, "ok": 0, "volume": 0})
    by_day = [
        dict(
            per_day.get(today - timedelta(days=days - 1 - i), empty), day=today - timedelta(days=days - 1 - i)
        )
        for i in range(days)
    ]
    month = figures(
        {
            "count": sum(d["count"] for d in by_day),
            "ok": sum(d["paid"] for d in by_day),
            "volume": sum(d["volume"] for d in by_day),
        }
    )
    return {"today": by_day[-1], "month": month, "by_day": by_day, "by_partner": by_partner, "days": days}
