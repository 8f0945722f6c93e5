"""Long work as Job rows with progress: run by a Celery worker, followed by a page or a command.

A kind registers its handler with @job_handler("kind") in its own module (imported at start-up by
payments/apps.py); the handler gets the Job, calls job_progress() as it goes, and returns the
result dict.

Nothing is left "queued" or "running" forever. A running job's process beats a heartbeat on its
row (a thread, independent of the handler's own progress); jobs_recover sees a job whose heartbeat
stopped (its worker died) and queues it again, up to JOB_MAX_RESTARTS times, then fails it, and
hands a queued job whose task never started (lost with a Redis restart) to Celery again. Every
handler may run again from the start: each one rebuilds its result (a new file, a replay of what is
still failed), so a restart repeats no effect that matters."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from payments.models import Job, Merchant

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

from . import queue

log = logging.getLogger("payments.jobs")
HANDLERS: dict[str, Callable[[Job], dict[str, Any]]] = {}
WORKER_LOST = "the worker running it stopped"


def job_handler(kind: str) -> Callable:
    """Register the decorated function as the handler of Job `kind` (it takes the Job and returns
    the result dict)."""

    def register(fn: Callable[[Job], dict[str, Any]]) -> Callable[[Job], dict[str, Any]]:
        HANDLERS[kind] = fn
        return fn

    return register


def _dispatch(job_id: int) -> None:
    """Hand the job to Celery now; a broker that is down is the recovery sweep's to retry."""
    try:
        queue.send(queue.JOB_RUN, job_id)
    except Exception:  # noqa: BLE001 - the row stays queued; jobs_recover sends it again
        log.warning("could not queue job %s; the recovery sweep will", job_id)


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
        dispatched_at=timezone.now() if enqueue and not run_now else None,
    )
    if run_now:
        job_run(job_id=job.pk)
        job.refresh_from_db()
    elif enqueue:
        queue.send_on_commit(queue.JOB_RUN, job.pk)
    return job


def job_progress(job: Job, progress: int, total: int | None = None) -> None:
    """Record `progress` (and `total`, when given) on the Job's row, for pages that follow it; it
    is also a heartbeat."""
    fields: dict[str, Any] = {"progress": progress, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)


@contextmanager
def job_heartbeat(job: Job) -> Iterator[None]:
    """While the block runs, a thread stamps heartbeat_at every JOB_HEARTBEAT_SECONDS, whatever the
    handler does (a long query reports no progress). It dies with the process: that is how the
    recovery sweep tells a dead worker from a slow job. Stamps only this run of the job (same
    restarts count), so a run that was given up on cannot look alive."""
    stop = threading.Event()
    run = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, restarts=job.restarts)

    def beat() -> None:
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                run.update(heartbeat_at=timezone.now())
        except Exception:  # noqa: BLE001 - a missed beat at worst restarts the job
            log.warning("heartbeat of job %s stopped", job.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    run.update(heartbeat_at=timezone.now())
    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=settings.JOB_HEARTBEAT_SECONDS + 5)


def failure_reason(exc: BaseException) -> str:
    """What a failed Job shows as its error: the exception's class name, never its message (which
    may hold paths or data), and never empty (a page shows "failed ()" otherwise)."""
    return (type(exc).__name__ or "Error")[:255]


def job_run(*, job_id: int) -> None:
    """Run a queued Job once: a redelivered task finds it claimed and does nothing. A failing
    handler leaves the Job failed with the exception's name (never its message, which may hold
    paths or data). The run beats a heartbeat (job_heartbeat) while it works. Raises nothing."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, heartbeat_at=now
    )
    if not claimed:
        return  # already run, or running elsewhere (a redelivered task)
    job = Job.objects.get(pk=job_id)
    this_run = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, restarts=job.restarts)
    with job_heartbeat(job):
        try:
            result = HANDLERS[job.kind](job)
        except Exception as exc:  # noqa: BLE001 - a failed job is reported on its row, not lost
            log.exception("job %s (%s) failed", job.pk, job.kind)
            this_run.update(state=Job.State.FAILED, error=failure_reason(exc), finished_at=timezone.now())
            return
    this_run.update(state=Job.State.DONE, result=result or {}, finished_at=timezone.now())


def jobs_recover(*, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """The recovery sweep (beat). A running job whose heartbeat is older than JOB_STALE_SECONDS lost
    its worker: queued again (restarts + 1), or failed with WORKER_LOST once it was restarted
    JOB_MAX_RESTARTS times. A queued job handed to Celery more than JOB_REDISPATCH_SECONDS ago and
    not started is handed over again (its task may be lost; a copy is a no-op, job_run claims once).
    Each change is one conditional UPDATE, so two sweeps never act twice on a job.
    Returns the counts: {"restarted", "failed", "redispatched"}."""
    now = now or timezone.now()
    counts = {"restarted": 0, "failed": 0, "redispatched": 0}
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    dead = (
        Job.objects.filter(state=Job.State.RUNNING)
        .alias(beat=Coalesce("heartbeat_at", "created_at"))
        .filter(beat__lt=stale)
        .values_list("pk", "restarts")[:limit]
    )
    for pk, restarts in list(dead):
        this_run = Job.objects.filter(pk=pk, state=Job.State.RUNNING, restarts=restarts)
        if restarts >= settings.JOB_MAX_RESTARTS:
            if this_run.update(state=Job.State.FAILED, error=WORKER_LOST, finished_at=now):
                log.error("job %s failed: %s (%s restarts)", pk, WORKER_LOST, restarts)
                counts["failed"] += 1
        elif this_run.update(
            state=Job.State.QUEUED, restarts=F("restarts") + 1, heartbeat_at=None, dispatched_at=now
        ):
            log.warning("job %s lost its worker; queued again", pk)
            counts["restarted"] += 1
            _dispatch(pk)
    lost = now - timedelta(seconds=settings.JOB_REDISPATCH_SECONDS)
    waiting = Job.objects.filter(state=Job.State.QUEUED, dispatched_at__lt=lost).values_list(
        "pk", "dispatched_at"
    )[:limit]
    for pk, sent in list(waiting):
        if Job.objects.filter(pk=pk, state=Job.State.QUEUED, dispatched_at=sent).update(dispatched_at=now):
            counts["redispatched"] += 1
            _dispatch(pk)
    return counts
