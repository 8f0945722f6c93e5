"""Merchant notifications (the outbox) and their delivery attempts."""

from __future__ import annotations

from django.db.models import QuerySet

from payments.exceptions import NotificationNotFound
from payments.models import Merchant, Notification

from .pages import PAGE_SIZE, Page, page_of


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
