"""Reads for the merchant dashboard. Every function takes the member's merchant and filters by it:
another merchant's rows are as unknown as made-up ids.

Lists page by keyset on (created_at, id), newest first, which walks the index
`txn_merchant_recent_idx` (merchant, -created_at, -id); no COUNT(*) over the table is ever run."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from payments.exceptions import TransactionNotFound
from payments.models import (
    AuditLog,
    Cancellation,
    Invitation,
    Job,
    Merchant,
    MerchantMember,
    Notification,
    NotificationAttempt,
    PartnerCallback,
    Transaction,
)
from payments.status import Status

PAGE_SIZE = 50


@dataclass(frozen=True)
class TxnFilters:
    status: str = ""
    mitra_cd: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    amount_min: int | None = None
    amount_max: int | None = None
    q: str = ""

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (for links, the CSV export and export jobs)."""
        out = {
            "status": self.status,
            "partner": self.mitra_cd,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "amount_min": "" if self.amount_min is None else str(self.amount_min),
            "amount_max": "" if self.amount_max is None else str(self.amount_max),
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str


def member_for_user(*, user) -> MerchantMember | None:  # noqa: ANN001
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        MerchantMember.objects.select_related("merchant", "user")
        .filter(user_id=user.pk, merchant__is_active=True)
        .first()
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def transactions_filtered(*, merchant: Merchant, filters: TxnFilters) -> QuerySet[Transaction]:
    qs = Transaction.objects.filter(merchant=merchant)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.mitra_cd:
        qs = qs.filter(mitra_cd=filters.mitra_cd)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.amount_min is not None:
        qs = qs.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(amount__lte=filters.amount_max)
    term = filters.q.strip()
    if term:
        qs = qs.filter(_search(merchant, term))
    return qs.order_by("-created_at", "-id")


def identifier_match(merchant: Merchant, term: str) -> Q | None:
    """The term as a tXid or referenceNo of this merchant, found through their unique indexes in
    one cheap query; None when it is neither. Searches try this first: OR-ing an identifier with
    the unindexed contact fields would walk every row of the merchant to find one transaction."""
    identifier = Q(txid=term) | Q(reference_no=term)
    return identifier if Transaction.objects.filter(identifier, merchant=merchant).exists() else None


def _search(merchant: Merchant, term: str) -> Q:
    """An identifier first, then an exact phone or e-mail (each has a per-merchant index); only a
    term that is none of these walks the merchant's rows for a name substring."""
    identifier = identifier_match(merchant, term)
    if identifier is not None:
        return identifier
    contact = Q(billing_phone=term) | Q(billing_email=term)
    if Transaction.objects.filter(contact, merchant=merchant).exists():
        return contact
    return Q(billing_email__iexact=term) | Q(billing_name__icontains=term)


def encode_cursor(created_at: datetime, pk: int) -> str:
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        when = datetime.fromisoformat(stamp)
        if timezone.is_naive(when):
            return None
        return when, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def _after(qs: QuerySet, cursor: str) -> QuerySet:
    """Rows strictly older than the cursor in (created_at, id) order. The range condition on
    created_at keeps the index scan; the exclude drops the ties already shown."""
    decoded = decode_cursor(cursor) if cursor else None
    if decoded is None:
        return qs
    when, pk = decoded
    return qs.filter(created_at__lte=when).exclude(created_at=when, id__gte=pk)


def transaction_page(
    *, merchant: Merchant, filters: TxnFilters, cursor: str = "", size: int = PAGE_SIZE
) -> Page:
    """One page of the list: one query (two with a search term)."""
    qs = _after(transactions_filtered(merchant=merchant, filters=filters), cursor)
    rows = list(
        qs.only(
            "txid",
            "reference_no",
            "mitra_cd",
            "amount",
            "cancelled_amount",
            "status",
            "billing_name",
            "created_at",
            "needs_review",
        )[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if more else "")


def transaction_detail(*, merchant: Merchant, txid: str) -> Transaction:
    attempts = Prefetch("attempt_log", queryset=NotificationAttempt.objects.order_by("id"))
    txn = (
        Transaction.objects.filter(merchant=merchant, txid=txid)
        .select_related("merchant")
        .prefetch_related(
            "events",
            Prefetch("cancellations", queryset=Cancellation.objects.order_by("id")),
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
    """The other transactions registered for the same order (merchant + referenceNo), oldest first:
    a retried order's earlier, unpaid attempts, or the one that followed. Uses txn_merchant_reference_idx."""
    return list(
        Transaction.objects.filter(merchant_id=txn.merchant_id, reference_no=txn.reference_no)
        .exclude(pk=txn.pk)
        .only("txid", "status", "amount", "mitra_cd", "created_at")
        .order_by("created_at", "id")
    )


def notification_get(*, merchant: Merchant, notification_id: int) -> Notification:
    note = (
        Notification.objects.filter(merchant=merchant, pk=notification_id)
        .select_related("transaction")
        .first()
    )
    if note is None:
        raise TransactionNotFound("Notification not found")
    return note


def notification_problem_page(*, merchant: Merchant, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """Failed (retrying) and dead notifications, newest first."""
    qs = (
        Notification.objects.filter(
            merchant=merchant, state__in=[Notification.State.FAILED, Notification.State.DEAD]
        )
        .select_related("transaction")
        .order_by("-created_at", "-id")
    )
    rows = list(_after(qs, cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if more else "")


def notification_last_attempt(*, merchant: Merchant, notification_id: int) -> NotificationAttempt | None:
    return (
        NotificationAttempt.objects.filter(notification__merchant=merchant, notification_id=notification_id)
        .order_by("-id")
        .first()
    )


def overview(*, merchant: Merchant, now: datetime | None = None, days: int = 30) -> dict[str, Any]:
    """Volume (paid amount), count and success rate for today and the last `days` days, by partner
    and by day. Three grouped queries over the merchant's index range."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = _day_start(today - timedelta(days=days - 1))
    base = Transaction.objects.filter(merchant=merchant, created_at__gte=start)
    paid = Q(status__in=[Status.PAID, Status.VOID, Status.REFUND]) & Q(paid_at__isnull=False)

    def figures(row: dict[str, Any]) -> dict[str, Any]:
        count, ok = row["count"] or 0, row["ok"] or 0
        return {
            "count": count,
            "paid": ok,
            "volume": row["volume"] or 0,
            "rate": round(100 * ok / count, 1) if count else 0.0,
        }

    aggregates = {"count": Count("id"), "ok": Count("id", filter=paid), "volume": Sum("amount", filter=paid)}
    by_day_rows = {
        r["day"]: figures(r)
        for r in base.annotate(day=TruncDate("created_at")).values("day").annotate(**aggregates).order_by()
    }
    by_partner = sorted(
        (
            dict(figures(r), mitra_cd=r["mitra_cd"])
            for r in base.values("mitra_cd").annotate(**aggregates).order_by()
        ),
        key=lambda r: -r["volume"],
    )
    by_day = []
    for i in range(days):
        day = today - timedelta(days=days - 1 - i)
        by_day.append(dict(by_day_rows.get(day, figures({"count": 0, "ok": 0, "volume": 0})), day=day))
    month = figures(
        {
            "count": sum(d["count"] for d in by_day),
            "ok": sum(d["paid"] for d in by_day),
            "volume": sum(d["volume"] for d in by_day),
        }
    )
    return {"today": by_day[-1], "month": month, "by_day": by_day, "by_partner": by_partner, "days": days}


def members_list(*, merchant: Merchant) -> list[MerchantMember]:
    return list(
        MerchantMember.objects.filter(merchant=merchant).select_related("user").order_by("created_at")
    )


def member_get(*, merchant: Merchant, member_id: int) -> MerchantMember | None:
    return MerchantMember.objects.filter(merchant=merchant, pk=member_id).select_related("user").first()


def invitations_pending(*, merchant: Merchant) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            merchant=merchant, accepted_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at")
    )


def job_get(*, merchant: Merchant, job_id: int) -> Job | None:
    return Job.objects.filter(merchant=merchant, pk=job_id).first()


def jobs_recent(*, merchant: Merchant, kind: str, limit: int = 5) -> list[Job]:
    return list(Job.objects.filter(merchant=merchant, kind=kind).order_by("-id")[:limit])


def audit_recent(*, merchant: Merchant, limit: int = 20) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(merchant=merchant).select_related("actor_user").order_by("-id")[:limit]
    )
