"""Transactions: one search for every door, one page, one detail with its timeline, and the
rows the sweeps and the reconciliation work on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from payments.exceptions import TransactionNotFound
from payments.models import (
    Cancellation,
    Merchant,
    Notification,
    NotificationAttempt,
    PartnerCallback,
    Transaction,
)
from payments.status import OPEN, Status

from .compiled import CompiledRead
from .pages import PAGE_SIZE, Page, page_of

# What a list row shows (dashboard table); the detail loads the rest.
ROW_FIELDS = (
    "txid",
    "reference_no",
    "mitra_cd",
    "amount",
    "cancelled_amount",
    "status",
    "billing_name",
    "created_at",
    "needs_review",
)


@dataclass(frozen=True)
class TransactionFilters:
    """What to search for; every field optional. Amounts are whole rupiah, days are the gateway's
    (Asia/Jakarta) calendar days, both ends included; `created_from`/`created_to` are exact
    moments (from inclusive, to exclusive). `q` is a tXid, referenceNo, phone, e-mail or part of
    a name, e-mail or phone."""

    status: str = ""
    mitra_cd: str = ""
    date_from: date | None = None
    date_to: date | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    q: str = ""
    refunded: str = ""  # "partial": paid, part of it refunded; "full": voided or refunded; "any": either


# The days whose midnight, and the next one, exist in every time zone and in UTC (Python's datetime
# stops at years 1 and 9999): a filter on a day outside them would overflow, not match nothing.
FIRST_DAY = date.min + timedelta(days=2)
LAST_DAY = date.max - timedelta(days=2)


def day_start(day: date) -> datetime:
    """Midnight starting `day` in the gateway's time zone; a day beyond FIRST_DAY..LAST_DAY counts
    as that bound (no stored row is near either), so a filter on any date cannot overflow."""
    return timezone.make_aware(datetime.combine(min(max(day, FIRST_DAY), LAST_DAY), time.min))


def day_after(day: date) -> datetime:
    """Midnight ending `day` (the start of the next day), the exclusive end of a filter "up to
    `day`, inclusive". Never overflows (see day_start)."""
    return day_start(day) + timedelta(days=1)


def transactions_search(*, merchant: Merchant, filters: TransactionFilters) -> QuerySet[Transaction]:
    """The merchant's transactions matching `filters`, newest first (created_at, id).

    A search term costs at most two cheap index lookups before the list: an exact tXid or
    referenceNo, then an exact phone or e-mail; only a term that is none of these walks the
    merchant's rows for a part of a name, e-mail or phone."""
    qs = Transaction.objects.filter(merchant=merchant)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.mitra_cd:
        qs = qs.filter(mitra_cd=filters.mitra_cd)
    if filters.date_from:
        qs = qs.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=day_after(filters.date_to))
    if filters.created_from is not None:
        qs = qs.filter(created_at__gte=filters.created_from)
    if filters.created_to is not None:
        qs = qs.filter(created_at__lt=filters.created_to)
    if filters.amount_min is not None:
        qs = qs.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(amount__lte=filters.amount_max)
    if filters.refunded == "partial":
        qs = qs.filter(status=Status.PAID, cancelled_amount__gt=0)
    elif filters.refunded == "full":
        qs = qs.filter(status__in=[Status.VOID, Status.REFUND])
    elif filters.refunded == "any":
        qs = qs.filter(cancelled_amount__gt=0)
    term = filters.q.strip()
    if term:
        qs = qs.filter(_search(merchant, term))
    return qs.order_by("-created_at", "-id")


def _search(merchant: Merchant, term: str) -> Q:
    """An identifier first, then an exact phone or e-mail (each has a per-merchant index): OR-ing
    them with the unindexed substring match would walk every row of the merchant to find one."""
    for exact in (Q(txid=term) | Q(reference_no=term), Q(billing_phone=term) | Q(billing_email=term)):
        if Transaction.objects.filter(exact, merchant=merchant).exists():
            return exact
    return (
        Q(billing_name__icontains=term) | Q(billing_email__icontains=term) | Q(billing_phone__contains=term)
    )


def transaction_page(
    *, merchant: Merchant, filters: TransactionFilters, cursor: str = "", size: int = PAGE_SIZE
) -> Page:
    """One page of the search after `cursor`, with the list's columns (ROW_FIELDS): one query,
    plus the search term's lookups."""
    return page_of(
        transactions_search(merchant=merchant, filters=filters).only(*ROW_FIELDS), cursor=cursor, size=size
    )


def transaction_get(*, merchant: Merchant, txid: str, fields: Sequence[str] = ()) -> Transaction:
    """The merchant's transaction. Raises TransactionNotFound (also for another merchant's tXid).

    `fields`: read only these columns (a hot read path that knows what it shows, e.g. the V2
    inquiry: a narrow row instead of every column); `merchant` is then the one given, not joined."""
    if fields:
        txn = _narrow_read(tuple(fields)).first(Transaction, merchant_id=merchant.pk, txid=txid)
    else:
        txn = Transaction.objects.filter(merchant=merchant, txid=txid).select_related("merchant").first()
    if txn is None:
        raise TransactionNotFound()
    if fields:
        txn.merchant = merchant
    return txn


_NARROW_READS: dict[tuple[str, ...], CompiledRead[Transaction]] = {}


def _narrow_read(fields: tuple[str, ...]) -> CompiledRead[Transaction]:
    """transaction_get's narrow row, its SQL compiled once per column list (tXid is unique)."""
    read = _NARROW_READS.get(fields)
    if read is None:
        read = _NARROW_READS[fields] = CompiledRead(
            lambda merchant_id, txid: Transaction.objects.filter(merchant_id=merchant_id, txid=txid).only(
                *fields
            ),
            merchant_id=-1,
            txid="\x00txid",
        )
    return read


def transaction_find(*, merchant: Merchant, txid: str = "", reference_no: str = "") -> Transaction:
    """The merchant's transaction by tXid, referenceNo or both (both must then name the same one);
    by referenceNo alone, the latest with it. Raises TransactionNotFound."""
    qs = Transaction.objects.filter(merchant=merchant).select_related("merchant")
    if txid:
        qs = qs.filter(txid=txid)
    if reference_no:
        qs = qs.filter(reference_no=reference_no)
    txn = qs.order_by("-created_at", "-id").first() if txid or reference_no else None
    if txn is None:
        raise TransactionNotFound()
    return txn


def transaction_refunds(*, txn: Transaction) -> list[Cancellation]:
    """The transaction's cancels and refunds that succeeded, oldest first."""
    return list(txn.cancellations.filter(state=Cancellation.State.SUCCEEDED).order_by("id"))


def transaction_get_public(*, txid: str) -> Transaction | None:
    """Any merchant's transaction by tXid, for pages reached by the tXid alone (the customer's)."""
    return Transaction.objects.filter(txid=txid).select_related("merchant").first()


def transaction_detail(*, merchant: Merchant, txid: str) -> Transaction:
    """The transaction with its timeline: events, cancellations, partner callbacks, and
    notifications (in sequence) with their attempts. Six queries whatever the timeline's length.
    Raises TransactionNotFound."""
    attempts = Prefetch("attempt_log", queryset=NotificationAttempt.objects.order_by("id"))
    txn = (
        Transaction.objects.filter(merchant=merchant, txid=txid)
        .select_related("merchant")
        .prefetch_related(
            "events",
            Prefetch(
                "cancellations", queryset=Cancellation.objects.select_related("requested_by").order_by("id")
            ),
            Prefetch("partner_callbacks", queryset=PartnerCallback.objects.order_by("id")),
            Prefetch(
                "notifications",
                queryset=Notification.objects.order_by("sequence", "id").prefetch_related(attempts),
            ),
        )
        .first()
    )
    if txn is None:
        raise TransactionNotFound()
    return txn


def transaction_attempts(*, txn: Transaction) -> list[Transaction]:
    """The other transactions registered for the same order (merchant + reference), oldest first:
    a retried order's earlier, unpaid attempts, or the one that followed. Uses
    txn_merchant_reference_idx."""
    return list(
        Transaction.objects.filter(merchant_id=txn.merchant_id, reference_no=txn.reference_no)
        .exclude(pk=txn.pk)
        .only("txid", "status", "amount", "mitra_cd", "created_at")
        .order_by("created_at", "id")
    )


def transactions_due_for_poll(
    *, now: datetime, limit: int, lock: bool = False
) -> list[tuple[int, datetime, int]]:
    """(pk, next_poll_at, poll_count) of open payments due for a status poll, oldest due first.
    Uses the partial index on next_poll_at. With lock=True (inside a DB transaction) the rows are
    locked and rows another sweep holds are skipped."""
    qs = Transaction.objects.filter(status__in=sorted(OPEN), next_poll_at__lte=now).order_by("next_poll_at")
    if lock:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("pk", "next_poll_at", "poll_count")[:limit])


def transactions_due_for_expiry(*, now: datetime, limit: int) -> list[int]:
    """Pks of open payments whose validity ended by `now` (partial index on expires_at)."""
    return list(
        Transaction.objects.filter(status__in=sorted(OPEN), expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )


def transactions_for_day(day: date) -> QuerySet[Transaction]:
    """The day's transactions (Jakarta calendar day) a partner knows about, in creation order;
    registered-only ones have nothing to compare."""
    start = day_start(day)
    return (
        Transaction.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .exclude(payment_started_at__isnull=True, partner_ref="")
        .order_by("pk")
    )
