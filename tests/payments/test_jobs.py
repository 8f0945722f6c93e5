"""Long work as Job rows: run once (a redelivered task changes nothing), a failure recorded on the
row rather than lost, progress a page can follow."""

from __future__ import annotations

import pytest

from payments.models import Job
from payments.services import jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds(monkeypatch):
    calls: list[int] = []

    def count(job: Job) -> dict:
        calls.append(job.pk)
        jobs.job_progress(job, 3, 3)
        return {"counted": len(calls)}

    def broken(job: Job) -> dict:
        raise RuntimeError("the disk is full at /var/secret/path")

    monkeypatch.setitem(jobs.HANDLERS, "count", count)
    monkeypatch.setitem(jobs.HANDLERS, "broken", broken)
    return calls


def test_a_job_runs_once_and_records_its_result(merchant, kinds):
    job = jobs.job_create(kind="count", merchant=merchant, params={"x": 1}, run_now=True)
    assert (job.state, job.result, job.progress, job.total) == (Job.State.DONE, {"counted": 1}, 3, 3)
    jobs.job_run(job_id=job.pk)  # a redelivered task: already run
    assert kinds == [job.pk] and job.finished_at is not None


def test_a_failed_job_says_so_on_its_row_without_the_details(merchant, kinds):
    job = jobs.job_create(kind="broken", merchant=merchant, run_now=True)
    assert job.state == Job.State.FAILED and job.error == "RuntimeError"


def test_a_job_left_for_the_caller_waits_queued(merchant, kinds):
    job = jobs.job_create(kind="count", merchant=merchant, enqueue=False)
    assert job.state == Job.State.QUEUED and kinds == []


def test_every_kind_of_the_product_has_its_handler():
    assert {"export", "replay", "reconcile"} <= set(jobs.HANDLERS)


def _ago(seconds: float):  # noqa: ANN202
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(seconds=seconds)


def test_a_running_job_whose_heartbeat_stopped_is_run_again(merchant, kinds, eager, settings):
    job = Job.objects.create(
        kind="count", merchant=merchant, state="running", heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 5)
    )
    alive = Job.objects.create(kind="count", merchant=merchant, state="running", heartbeat_at=_ago(1))
    assert jobs.jobs_recover() == {"restarted": 1, "failed": 0, "redispatched": 0}
    job.refresh_from_db()
    assert (job.state, job.restarts, job.result) == (Job.State.DONE, 1, {"counted": 1})
    assert Job.objects.get(pk=alive.pk).state == Job.State.RUNNING and kinds == [job.pk]


def test_a_job_that_keeps_losing_its_worker_fails_with_the_reason(merchant, kinds, eager, settings):
    job = Job.objects.create(
        kind="count",
        merchant=merchant,
        state="running",
        heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 5),
        restarts=settings.JOB_MAX_RESTARTS,
    )
    assert jobs.jobs_recover()["failed"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.error == jobs.WORKER_LOST and kinds == []


def test_a_queued_job_whose_task_was_lost_is_handed_over_again(merchant, kinds, eager, settings):
    lost = Job.objects.create(
        kind="count", merchant=merchant, dispatched_at=_ago(settings.JOB_REDISPATCH_SECONDS + 5)
    )
    fresh = Job.objects.create(kind="count", merchant=merchant, dispatched_at=_ago(1))
    inline = Job.objects.create(kind="count", merchant=merchant)  # left to its command: not ours
    assert jobs.jobs_recover()["redispatched"] == 1
    assert Job.objects.get(pk=lost.pk).state == Job.State.DONE and kinds == [lost.pk]
    assert {Job.objects.get(pk=pk).state for pk in (fresh.pk, inline.pk)} == {Job.State.QUEUED}


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_while_the_handler_is_busy(merchant, monkeypatch, settings):
    import time

    settings.JOB_HEARTBEAT_SECONDS = 0.1
    beats: list = []

    def busy(job: Job) -> dict:  # a long query: no progress reported for a while
        first = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.6)
        beats.extend([first, Job.objects.get(pk=job.pk).heartbeat_at])
        return {}

    monkeypatch.setitem(jobs.HANDLERS, "busy", busy)
    job = jobs.job_create(kind="busy", merchant=merchant, run_now=True)
    assert job.state == Job.State.DONE and beats[1] > beats[0]
