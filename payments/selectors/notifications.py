"""Merchant notifications (the outbox) and their delivery attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from payments.exceptions import NotificationNotFound
from payments.models import Merchant, Notification, NotificationAttempt

from .pages import PAGE_SIZE, Page, decode_cursor, encode_cursor, page_of
from .transactions import day_after, day_start


def notification_get(*, merchant: Merchant, notification_id: int) -> Notification:
    """The merchant's notification with its transaction and attempts (oldest first).
    Raises NotificationNotFound (also for another merchant's id)."""
    note = (
        Notification.objects.filter(merchant=merchant, pk=notification_id)
        .select_related("transaction")
        .prefetch_related("attempt_log")
        .first()
    )
    if note is None:
        raise NotificationNotFound()
    return note


def notifications_list(
    *, merchant: Merchant, state: str | None = None, txid: str | None = None
) -> QuerySet[Notification]:
    """The merchant's notifications, narrowed to one state and/or one transaction's tXid."""
    qs = Notification.objects.filter(merchant=merchant).select_related("transaction")
    if state:
        qs = qs.filter(state=state)
    if txid:
        qs = qs.filter(transaction__txid=txid)
    return qs


def notification_problem_page(*, merchant: Merchant, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """Failed (retrying) and dead notifications, newest first, one page after `cursor`."""
    qs = (
        Notification.objects.filter(
            merchant=merchant, state__in=[Notification.State.FAILED, Notification.State.DEAD]
        )
        .select_related("transaction")
        .order_by("-created_at", "-id")
    )
    return page_of(qs, cursor=cursor, size=size)


# --- the webhook log: every delivery attempt, newest first (keyset on started_at, id along
# attempt_merchant_recent_idx; never a COUNT(*)) ---------------------------------------------------
SUCCEEDED, FAILED = "succeeded", "failed"


@dataclass(frozen=True)
class AttemptFilters:
    outcome: str = ""  # succeeded (2xx) | failed (anything else) | "" both
    txid: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive, Asia/Jakarta

    def as_params(self) -> dict[str, str]:
        out = {
            "outcome": self.outcome,
            "txid": self.txid,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in out.items() if v}


def _ok() -> Q:
    return Q(http_status__gte=200, http_status__lt=300)


def attempts_filtered(*, merchant: Merchant, filters: AttemptFilters) -> QuerySet[NotificationAttempt]:
    """The merchant's attempts matching the filters, newest first (with their notification and
    transaction)."""
    qs = NotificationAttempt.objects.filter(merchant=merchant)
    if filters.outcome == SUCCEEDED:
        qs = qs.filter(_ok())
    elif filters.outcome == FAILED:
        qs = qs.exclude(_ok()).filter(finished_at__isnull=False)  # one in flight has not failed
    if filters.txid:
        qs = qs.filter(notification__transaction__txid=filters.txid)
    if filters.date_from:
        qs = qs.filter(started_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(started_at__lt=day_after(filters.date_to))
    return qs.select_related("notification", "notification__transaction").order_by("-started_at", "-id")


def attempt_page(
    *, merchant: Merchant, filters: AttemptFilters, cursor: str = "", size: int = PAGE_SIZE
) -> Page:
    """One page of the log (one query). `cursor` is the previous page's next_cursor."""
    qs = attempts_filtered(merchant=merchant, filters=filters)
    decoded = decode_cursor(cursor) if cursor else None
    if decoded is not None:
        when, pk = decoded
        qs = qs.filter(started_at__lte=when).exclude(started_at=when, id__gte=pk)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1].started_at, rows[-1].pk) if more else "")


def attempt_latest(*, merchant: Merchant, notification_id: int) -> NotificationAttempt | None:
    """The newest attempt of one of the merchant's notifications."""
    return (
        NotificationAttempt.objects.filter(merchant=merchant, notification_id=notification_id)
        .select_related("notification")
        .order_by("-id")
        .first()
    )
