"""Jobs (exports, replays) a merchant follows."""

from __future__ import annotations

from payments.models import Job, Merchant


def job_get(*, merchant: Merchant, job_id: int) -> Job | None:
    """The merchant's job, or None (another merchant's job is not found)."""
    return Job.objects.filter(merchant=merchant, pk=job_id).first()


def jobs_recent(*, merchant: Merchant, kind: str, limit: int = 5) -> list[Job]:
    """The merchant's last `limit` jobs of `kind`, newest first."""
    return list(Job.objects.filter(merchant=merchant, kind=kind).order_by("-id")[:limit])
