"""Long work as Job rows with progress: run by a Celery worker, followed by a page or a command.

A kind registers its handler with @job_handler("kind") in its own module (imported at start-up by
payments/apps.py); the handler gets the Job, calls job_progress() as it goes, and returns the
result dict."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from payments.models import Job, Merchant

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

from . import queue

log = logging.getLogger("payments.jobs")
HANDLERS: dict[str, Callable[[Job], dict[str, Any]]] = {}


def job_handler(kind: str) -> Callable:
    """Register the decorated function as the handler of Job `kind` (it takes the Job and returns
    the result dict)."""

    def register(fn: Callable[[Job], dict[str, Any]]) -> Callable[[Job], dict[str, Any]]:
        HANDLERS[kind] = fn
        return fn

    return register


def job_create(
    *,
    kind: str,
    merchant: Merchant | None = None,
    user: AbstractBaseUser | None = None,
    params: dict | None = None,
    run_now: bool = False,
    enqueue: bool = True,
) -> Job:
    """Create a Job of `kind` (its handler is registered with @job_handler) for `merchant`,
    created by `user`, with `params` (JSON). run_now runs it here and now; enqueue=False leaves it
    for the caller to run (a command that shows progress while it works); otherwise a Celery
    worker runs it once the DB transaction commits. Returns the Job."""
    job = Job.objects.create(
        kind=kind,
        merchant=merchant,
        created_by=user if getattr(user, "pk", None) else None,
        params=params or {},
    )
    if run_now:
        job_run(job_id=job.pk)
        job.refresh_from_db()
    elif enqueue:
        queue.send_on_commit(queue.JOB_RUN, job.pk)
    return job


def job_progress(job: Job, progress: int, total: int | None = None) -> None:
    """Record `progress` (and `total`, when given) on the Job's row, for pages that follow it."""
    fields = {"progress": progress}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)


def job_run(*, job_id: int) -> None:
    """Run a queued Job once: a redelivered task finds it claimed and does nothing. A failing
    handler leaves the Job failed with the exception's name (never its message, which may hold
    paths or data). Raises nothing."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(state=Job.State.RUNNING)
    if not claimed:
        return  # already run (a redelivered task)
    job = Job.objects.get(pk=job_id)
    try:
        result = HANDLERS[job.kind](job)
    except Exception as exc:  # noqa: BLE001 - a failed job is reported on its row, not lost
        log.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, error=f"{type(exc).__name__}"[:255], finished_at=timezone.now()
        )
        return
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE, result=result or {}, finished_at=timezone.now()
    )
