"""Replay of failed and dead merchant notifications in a time window, as a Job with progress.

Pages (admin, dashboard, REST) start it with `replay_start` and follow the Job row; the
`notifications_replay` command runs it in the foreground with `replay_run_inline`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from payments.models import AuditLog, Job, Merchant
from payments.services import notifications
from payments.services.audit import Actor, audit_record
from payments.services.jobs import job_create, job_handler, job_heartbeat, job_progress

Progress = Callable[[int, int], None]
MAX_IDS_IN_RESULT = 1000  # the Job result stays small; the count is always exact


def _params(*, since: datetime, until: datetime, merchant: Merchant | None) -> dict[str, str]:
    if until <= since:
        raise ValueError("until must be after since")
    return {"since": since.isoformat(), "until": until.isoformat(), "imid": merchant.imid if merchant else ""}


def replay_start(*, since: datetime, until: datetime, actor: Actor, merchant: Merchant | None = None) -> Job:
    """Queue a replay Job of one merchant's (None: every merchant's) failed and dead notifications
    created in [since, until) (run by a Celery worker); follow job.progress / job.total. Audited.
    Raises ValueError when `until` is not after `since`."""
    job = job_create(
        kind="replay",
        merchant=merchant,
        user=actor.user,
        params=_params(since=since, until=until, merchant=merchant),
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.NOTIFICATIONS_REPLAYED,
        merchant=merchant,
        target=f"job:{job.pk}",
        detail={"since": since.isoformat(), "until": until.isoformat()},
    )
    return job


def replay_execute(job: Job, progress: Progress | None = None) -> dict[str, Any]:
    """Re-deliver every failed or dead notification of the window: each is set due now and handed
    to Celery (in sequence order per transaction). Delivered ones are never sent again here."""
    since = parse_datetime(job.params["since"])
    until = parse_datetime(job.params["until"])
    # Scoped by the Job's own merchant: a lookup of params["imid"] that found nothing (a renamed or
    # mistyped iMid) would otherwise replay every merchant's notifications.
    merchant = job.merchant if job.merchant_id else None
    if merchant is None and job.params.get("imid"):
        raise ValueError(f"replay job {job.pk} names merchant {job.params['imid']} but has none attached")
    ids = list(
        notifications.notifications_replayable(merchant=merchant, since=since, until=until).values_list(
            "pk", flat=True
        )
    )
    total = len(ids)
    job_progress(job, 0, total)
    for done, pk in enumerate(ids, start=1):
        notifications.notification_resend(notification_id=pk)
        if done % 50 == 0 or done == total:
            job_progress(job, done)
            if progress:
                progress(done, total)
    return {
        "replayed": total,
        "notification_ids": ids[:MAX_IDS_IN_RESULT],
        "since": job.params["since"],
        "until": job.params["until"],
        "imid": job.params.get("imid", ""),
    }


@job_handler("replay")
def handle_replay(job: Job) -> dict[str, Any]:
    """The "replay" Job kind."""
    return replay_execute(job)


def replay_run_inline(
    *, since: datetime, until: datetime, merchant: Merchant | None = None, progress: Progress | None = None
) -> Job:
    """Run a replay in this process (management command): the Job row records it like any other."""
    job = Job.objects.create(
        kind="replay",
        merchant=merchant,
        state=Job.State.RUNNING,
        params=_params(since=since, until=until, merchant=merchant),
    )
    with job_heartbeat(job):  # a killed command leaves a job the recovery sweep restarts on a worker
        result = replay_execute(job, progress)
    Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, restarts=0).update(
        state=Job.State.DONE, result=result, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
