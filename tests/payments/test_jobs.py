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
