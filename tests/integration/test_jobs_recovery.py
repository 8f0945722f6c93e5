"""A Job whose worker is killed mid-run does not stay "running": the recovery sweep sees its heartbeat
stop, queues it again, and a worker finishes it; the dashboard and the admin say so."""

from __future__ import annotations

import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from payments.models import Job, Notification
from payments.services.audit import SYSTEM
from payments.services.replay import replay_start
from tests.integration.test_reliability import wait_until
from tests.support.dashboard import member
from tests.support.data import make_txn

pytestmark = pytest.mark.integration


def job_state(pk: int) -> tuple[str, int]:
    return Job.objects.values_list("state", "restarts").get(pk=pk)


def test_a_job_whose_worker_is_killed_is_restarted_and_finishes(
    stack, demo_merchant, receiver, django_user_model
):
    txn = make_txn(demo_merchant, db_process_url=receiver.url)
    dead = Notification.objects.create(
        merchant=demo_merchant,
        transaction=txn,
        sequence=1,
        url=receiver.url,
        payload={"tXid": txn.txid, "sequence": "1", "status": "0"},
        state="dead",
        attempts=9,
    )
    # The replay will block on this row while the test holds its lock: the worker is caught mid-job.
    locked, release = threading.Event(), threading.Event()

    def hold_row() -> None:
        with transaction.atomic():
            Notification.objects.select_for_update().get(pk=dead.pk)
            locked.set()
            release.wait(60)
        connection.close()

    holder = threading.Thread(target=hold_row, daemon=True)
    holder.start()
    assert locked.wait(10)
    now = timezone.now()
    window = {"since": now - timedelta(hours=1), "until": now + timedelta(hours=1)}
    job = replay_start(**window, actor=SYSTEM, merchant=demo_merchant)
    try:
        wait_until(lambda: job_state(job.pk) == ("running", 0), 20)
        time.sleep(2)  # a few heartbeats: the sweep must not take a live job for a dead one
        assert job_state(job.pk) == ("running", 0)
        stack.stop("worker", signal.SIGKILL)
    finally:
        release.set()
        holder.join(10)
    assert job_state(job.pk) == ("running", 0)  # what it said forever before the recovery sweep
    stack.start_worker()
    # Its heartbeat stopped: the sweep queues it again and a worker runs it from the start.
    wait_until(lambda: job_state(job.pk) == ("done", 1), 40)
    done = Job.objects.get(pk=job.pk)
    assert done.result["replayed"] == 1 and done.progress == done.total == 1 and done.error == ""
    notes = receiver.wait_for(txn.txid, 1, timeout=20)
    assert [n.form["sequence"] for n in notes] == ["1"]

    client = Client()
    client.force_login(member(demo_merchant).user)
    page = client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert 'Restarted <span id="job-restart-count">1</span> time:' in page
    assert client.get(f"/dashboard/jobs/{job.pk}/status").json()["restarts"] == 1
    staff = django_user_model.objects.create_superuser("ops-jobs", "ops-jobs@example.com", "x" * 16)
    client.force_login(staff)
    admin_page = client.get("/admin/payments/job/").content.decode()
    assert "field-restarts" in admin_page and f"/admin/payments/job/{job.pk}/" in admin_page


def test_a_job_that_keeps_losing_its_worker_fails_with_the_reason(stack, demo_merchant):
    """Restarted at most JOB_MAX_RESTARTS times; then failed, and the page says why."""
    stale = timezone.now() - timedelta(minutes=5)
    job = Job.objects.create(
        kind="replay", merchant=demo_merchant, state="running", heartbeat_at=stale, restarts=2, params={}
    )
    wait_until(lambda: job_state(job.pk)[0] == "failed", 20)
    failed = Job.objects.get(pk=job.pk)
    assert failed.error == "the worker running it stopped" and failed.finished_at
    client = Client()
    client.force_login(member(demo_merchant).user)
    assert "the worker running it stopped" in client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
