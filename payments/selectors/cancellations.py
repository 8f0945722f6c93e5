"""Cancels and refunds of a merchant's payments, full and partial, newest first.

Pages by keyset on (created_at, id) along cancel_merchant_recent_idx; never a COUNT(*)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from payments.models import Cancellation, Merchant

from .pages import PAGE_SIZE, Page, page_of
from .transactions import day_after, day_start

FULL, PARTIAL = "1", "2"


@dataclass(frozen=True)
class CancellationFilters:
    """Every field optional. `state` pending | succeeded | failed; `kind` full | partial; days are
    Asia/Jakarta calendar days, both ends included; `q` an exact tXid, referenceNo or cancel tXid."""

    state: str = ""
    kind: str = ""
    mitra_cd: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def cancellations_search(*, merchant: Merchant, filters: CancellationFilters) -> QuerySet[Cancellation]:
    """The merchant's cancels matching `filters`, newest first, with their transaction and who
    asked (requested_by)."""
    qs = Cancellation.objects.filter(merchant=merchant)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(cancel_type=FULL if filters.kind == "full" else PARTIAL)
    if filters.mitra_cd:
        qs = qs.filter(transaction__mitra_cd=filters.mitra_cd)
    if filters.date_from:
        qs = qs.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=day_after(filters.date_to))
    term = filters.q.strip()
    if term:
        qs = qs.filter(Q(transaction__txid=term) | Q(transaction__reference_no=term) | Q(cancel_txid=term))
    return qs.select_related("transaction", "requested_by").order_by("-created_at", "-id")


def cancellation_page(
    *, merchant: Merchant, filters: CancellationFilters, cursor: str = "", size: int = PAGE_SIZE
) -> Page:
    """One page of the search after `cursor`: one query."""
    return page_of(cancellations_search(merchant=merchant, filters=filters), cursor=cursor, size=size)
