"""Reads for the ops overview: the last hour per partner, failing notifications per merchant, open
reviews, stuck cancels and the Celery queues' depths. Staff only; across every merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from payloan_site.queues import QUEUES
from payments.models import Cancellation, Job, Notification, Transaction
from payments.status import OPEN, Status

STUCK_CANCEL_MINUTES = 5


@dataclass(frozen=True)
class PartnerHour:
    mitra_cd: str
    started: int  # payments registered in the hour
    paid: int
    failed: int  # failed or expired
    still_open: int

    @property
    def error_rate(self) -> int:
        """Failed or expired out of those that finished, in whole percent (integer division)."""
        finished = self.paid + self.failed
        return (100 * self.failed) // finished if finished else 0


def partners_last_hour(*, now: datetime | None = None) -> list[PartnerHour]:
    """Per partner, the payments registered in the last 60 minutes and how they ended so far.
    One grouped query on created_at."""
    now = now or timezone.now()
    rows = (
        Transaction.objects.filter(created_at__gte=now - timedelta(hours=1))
        .values("mitra_cd")
        .annotate(
            started=Count("id"),
            paid=Count("id", filter=Q(paid_at__isnull=False)),
            failed=Count("id", filter=Q(status__in=[Status.FAILED, Status.EXPIRED])),
            still_open=Count("id", filter=Q(status__in=sorted(OPEN))),
        )
        .order_by("mitra_cd")
    )
    return [PartnerHour(**r) for r in rows]


def notifications_failing_by_merchant(*, limit: int = 20) -> list[dict]:
    """Merchants with notifications retrying (failed) or out of retries (dead), most first."""
    return list(
        Notification.objects.filter(state__in=[Notification.State.FAILED, Notification.State.DEAD])
        .values("merchant__imid", "merchant__name")
        .annotate(
            failed=Count("id", filter=Q(state=Notification.State.FAILED)),
            dead=Count("id", filter=Q(state=Notification.State.DEAD)),
            oldest=Min("created_at"),
        )
        .order_by("-dead", "-failed")[:limit]
    )


def reviews_open(*, limit: int = 10) -> tuple[int, list[Transaction]]:
    """How many payments wait for review (partial index txn_review_idx), and the oldest ones."""
    qs = Transaction.objects.filter(needs_review=True).select_related("merchant")
    return qs.count(), list(qs.order_by("updated_at")[:limit])


def cancels_stuck(*, now: datetime | None = None, minutes: int = STUCK_CANCEL_MINUTES) -> list[Cancellation]:
    """Cancels not settled after `minutes`: pending at the partner, or their answer lost and still
    being checked with it (unknown)."""
    now = now or timezone.now()
    unsettled = [Cancellation.State.PENDING, Cancellation.State.UNKNOWN]
    return list(
        Cancellation.objects.filter(state__in=unsettled, created_at__lt=now - timedelta(minutes=minutes))
        .select_related("transaction", "transaction__merchant")
        .order_by("created_at")[:50]
    )


def queue_names() -> list[str]:
    """Every Celery queue: the pools' (payloan_site/queues.py) and any other the routes name."""
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    routed = {r["queue"] for r in routes.values() if isinstance(r, dict) and r.get("queue")}
    return sorted(set(QUEUES) | routed)


def queue_depths() -> list[tuple[str, int | None]]:
    """Messages waiting in each queue of the Redis broker, by queue name (see queue_names); the
    count is None when the broker cannot be read (2 s timeout). Never raises."""
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
        return [(name, int(client.llen(name))) for name in queue_names()]
    except redis.RedisError:
        return [(name, None) for name in queue_names()]


def reconciliation_last() -> Job | None:
    """The newest reconciliation run (any state), or None before the first."""
    return Job.objects.filter(kind="reconcile").order_by("-id").first()
