"""Reads about the merchant's money: settlement per day and partner, and the balance.

Definitions (shown to merchants on the Balance page and in /docs/):
- gross: the amounts of payments paid on the day (Asia/Jakarta), whole rupiah;
- fees: the MDR stored on those payments when they were paid (payments/services/fees.py);
- refunds: successful cancels of paid payments, counted on the day they succeeded;
- net = gross - fees - refunds; it settles `settlement_days` working days after the day
  (T+1, T+2: Saturdays, Sundays and settings.SETTLEMENT_HOLIDAYS are not working days).
  Until then it is pending, from then on available."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from payments.models import Cancellation, Merchant, Transaction
from payments.services.fees import fee_terms_by_partner

from .transactions import TransactionFilters, day_after, day_start, transactions_search


def holidays() -> frozenset[date]:
    """settings.SETTLEMENT_HOLIDAYS as dates (YYYY-MM-DD); a malformed entry is ignored."""
    out = set()
    for raw in settings.SETTLEMENT_HOLIDAYS:
        try:
            out.add(date.fromisoformat(str(raw).strip()))
        except ValueError:
            continue
    return frozenset(out)


def settlement_date(day: date, working_days: int, off: frozenset[date] = frozenset()) -> date:
    """The day money from `day` settles: `working_days` working days later (0 = the same day).
    Weekends and the dates in `off` are skipped."""
    current, left = day, working_days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            left -= 1
    return current


@dataclass
class SettlementRow:
    day: date
    mitra_cd: str
    settles_on: date
    available: bool  # settles_on has come
    payments: int = 0
    gross: int = 0
    fees: int = 0
    refund_count: int = 0
    refunds: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.fees - self.refunds


@dataclass
class Balance:
    date_from: date
    date_to: date
    rows: list[SettlementRow] = field(default_factory=list)

    def _sum(self, name: str, rows: list[SettlementRow] | None = None) -> int:
        return sum(getattr(r, name) for r in (self.rows if rows is None else rows))

    @property
    def payments(self) -> int:
        return self._sum("payments")

    @property
    def gross(self) -> int:
        return self._sum("gross")

    @property
    def fees(self) -> int:
        return self._sum("fees")

    @property
    def refunds(self) -> int:
        return self._sum("refunds")

    @property
    def refund_count(self) -> int:
        return self._sum("refund_count")

    @property
    def net(self) -> int:
        return self._sum("net")

    @property
    def available(self) -> int:
        return self._sum("net", [r for r in self.rows if r.available])

    @property
    def pending(self) -> int:
        return self._sum("net", [r for r in self.rows if not r.available])

    def upcoming(self) -> list[tuple[date, int]]:
        """Pending net by settlement date, soonest first."""
        by_date: dict[date, int] = {}
        for r in self.rows:
            if not r.available:
                by_date[r.settles_on] = by_date.get(r.settles_on, 0) + r.net
        return sorted(by_date.items())


def settlement_rows(
    *, merchant: Merchant, date_from: date, date_to: date, today: date | None = None
) -> list[SettlementRow]:
    """One row per (day, partner) with money in [date_from, date_to] (inclusive, Asia/Jakarta),
    oldest first, partners by code. Two grouped queries (paid payments on the partial index
    txn_merchant_paid_idx, and successful refunds) plus one for the partners' terms.

    Args: the member's merchant; whole days; `today` decides what is available (default: now).
    Returns: SettlementRow list, money in whole rupiah."""
    today = today or timezone.localdate()
    start, end = day_start(date_from), day_after(date_to)
    paid = (
        Transaction.objects.filter(merchant=merchant, paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at"))
        .values("day", "mitra_cd")
        .annotate(n=Count("id"), gross=Sum("amount"), fees=Sum("fee"))
        .order_by()
    )
    refunds = (
        Cancellation.objects.filter(
            transaction__merchant=merchant,
            transaction__paid_at__isnull=False,
            state=Cancellation.State.SUCCEEDED,
            finished_at__gte=start,
            finished_at__lt=end,
        )
        .annotate(day=TruncDate("finished_at"))
        .values("day", "transaction__mitra_cd")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    groups: dict[tuple[date, str], dict[str, int]] = {}
    for r in paid:
        g = groups.setdefault((r["day"], r["mitra_cd"]), {})
        g.update(payments=r["n"], gross=r["gross"] or 0, fees=r["fees"] or 0)
    for r in refunds:
        g = groups.setdefault((r["day"], r["transaction__mitra_cd"]), {})
        g.update(refund_count=r["n"], refunds=r["total"] or 0)
    codes = sorted({code for _, code in groups})
    terms = fee_terms_by_partner(merchant_id=merchant.pk, mitra_codes=codes) if codes else {}
    off = holidays()
    rows = []
    for (day, code), figures in sorted(groups.items()):
        settles_on = settlement_date(day, terms[code].settlement_days, off)
        rows.append(
            SettlementRow(
                day=day, mitra_cd=code, settles_on=settles_on, available=settles_on <= today, **figures
            )
        )
    return rows


def balance(*, merchant: Merchant, date_from: date, date_to: date, today: date | None = None) -> Balance:
    """Gross, fees, refunds and net of the period, split into available and pending (see the
    module docstring). Money in whole rupiah."""
    rows = settlement_rows(merchant=merchant, date_from=date_from, date_to=date_to, today=today)
    return Balance(date_from=date_from, date_to=date_to, rows=rows)


TOTALS_CAP = 100_000


@dataclass(frozen=True)
class ListTotals:
    count: int
    amount: int  # whole rupiah, every matching payment
    paid_amount: int  # of which paid (still paid, or paid then cancelled)
    refunded: int  # cancelled amounts
    capped: bool  # more than TOTALS_CAP matched: the figures cover the newest TOTALS_CAP


def transactions_totals(*, merchant: Merchant, filters: TransactionFilters) -> ListTotals:
    """Count and sums of the filtered transaction list, over at most TOTALS_CAP rows, newest
    first (one query walking the list's own index; never a COUNT(*) over the whole table).

    Args: the member's merchant; the list's filters.
    Returns: ListTotals, money in whole rupiah."""
    qs = transactions_search(merchant=merchant, filters=filters)
    figures = qs[:TOTALS_CAP].aggregate(
        n=Count("id"),
        total=Sum("amount"),
        paid=Sum("amount", filter=Q(paid_at__isnull=False)),
        refunded=Sum("cancelled_amount", filter=Q(paid_at__isnull=False)),
    )
    capped = figures["n"] == TOTALS_CAP and qs[TOTALS_CAP : TOTALS_CAP + 1].exists()
    return ListTotals(
        count=figures["n"],
        amount=figures["total"] or 0,
        paid_amount=figures["paid"] or 0,
        refunded=figures["refunded"] or 0,
        capped=capped,
    )
