"""Redis goes away while payments change status, then comes back empty: no merchant notification is
lost (the outbox row was written with the status change; the sweep hands it to Celery again).

This test runs its own redis-server and its own stack, never the shared Redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis
import requests

from payments.models import Notification, Transaction
from tests.integration.test_reliability import all_delivered, wait_until
from tests.support import flows
from tests.support.stack import Stack, database_url, free_port

pytestmark = pytest.mark.integration
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence: a restart comes back empty, every queued message is gone.
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_until(lambda: self._ping(client), 10)

    @staticmethod
    def _ping(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def own_stack(_stack_session, transactional_db, settings):
    """A stack on its own Redis. The shared stack works on the same test database, so its beat and
    worker are paused meanwhile (they would otherwise deliver our outbox rows via the shared Redis)."""
    from django.db import connection

    _stack_session.stop("beat")
    _stack_session.stop("worker")
    try:
        yield from _own_stack(connection, settings)
    finally:
        _stack_session.start_worker()
        _stack_session.start_beat()


def _own_stack(connection, settings):
    own = OwnRedis()
    own.start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",
        "PUBLIC_BASE_URL": base_url,
        "PORT": str(port),
        "SANDBOX": "true",
        "REDIS_URL": own.url,
        "CELERY_BROKER_URL": own.url,
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        "POLL_SCHEDULE": "2,2,3",
        "SWEEP_INTERVAL": "1",
        "NOTIFICATION_RETRY_SCHEDULE": "1,2,2,3,3,3,3,3",
        "NOTIFICATION_TIMEOUT": "3",
        # Jobs: a heartbeat each second; 4 s without one means the worker died.
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_STALE_SECONDS": "4",
        "JOB_REDISPATCH_SECONDS": "4",
    }
    stack = Stack(env=env, base_url=base_url, logs=Path(tempfile.mkdtemp(prefix="payloan-redis-")))
    settings.PUBLIC_BASE_URL = base_url
    settings.SANDBOX_GATEWAY_BASE_URL = base_url
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    try:
        yield stack, own
    finally:
        stack.stop_all()
        own.stop()


def test_redis_down_while_payments_change_status_then_back_nothing_lost(own_stack, demo_merchant, receiver):
    stack, own = own_stack
    base = stack.base_url
    # Before the outage: works end to end.
    first = flows.register(base, mitra_cd="ESHP", amount=31000, db_process_url=receiver.url)
    flows.payment_started(base, first)
    assert flows.simulate(base, first["tXid"], "success").status_code == 200
    assert [n.form["status"] for n in receiver.wait_for(first["tXid"], 1, timeout=30)] == ["0"]

    regs = [
        flows.register(base, mitra_cd="ESHP", amount=amount, db_process_url=receiver.url)
        for amount in (32000, 33000, 34000)
    ]
    for reg in regs:
        flows.payment_started(base, reg)

    own.stop()  # Redis is gone: no broker, no cache
    for reg in regs:  # the partner tells us they were paid; the statuses change meanwhile
        assert flows.simulate(base, reg["tXid"], "success").status_code == 200
    txids = [r["tXid"] for r in regs]
    assert set(Transaction.objects.filter(txid__in=txids).values_list("status", flat=True)) == {"0"}
    assert Notification.objects.filter(transaction__txid__in=txids, state="pending").count() == 3
    time.sleep(2)
    assert all(receiver.for_txid(t) == [] for t in txids)  # nothing could be handed to a worker

    own.start()  # back, and empty
    for txid in txids:
        wait_until(all_delivered(txid, 1), 60)
        got = receiver.wait_for(txid, 1)
        assert [n.form["status"] for n in got] == ["0"] and flows.verify_notification(got[0].form)
    time.sleep(1.5)
    assert all(len(receiver.for_txid(t)) == 1 for t in txids)


def test_a_job_whose_queued_task_is_lost_with_redis_still_runs(own_stack, demo_merchant):
    """An export queued while no worker runs; Redis restarts empty, so its task is gone. The Job
    must not stay "queued" forever: the recovery sweep hands it over again and a worker runs it."""
    from payments.models import Job
    from tests.support.dashboard import PASSWORD, member

    stack, own = own_stack
    owner = member(demo_merchant)
    stack.stop("worker")
    browser = requests.Session()
    login = browser.get(f"{stack.base_url}/dashboard/login/", timeout=10)
    assert login.status_code == 200
    signed_in = browser.post(
        f"{stack.base_url}/dashboard/login/",
        data={
            "username": owner.user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{stack.base_url}/dashboard/login/"},
        timeout=10,
    )
    assert signed_in.url.endswith("/dashboard/"), signed_in.status_code
    started = browser.post(
        f"{stack.base_url}/dashboard/transactions/export-job",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{stack.base_url}/dashboard/transactions/"},
        timeout=10,
    )
    job = Job.objects.filter(kind="export", merchant=demo_merchant).latest("id")
    assert started.url.endswith(f"/dashboard/jobs/{job.pk}/") and job.state == "queued"
    client = redis.Redis(port=own.port)
    queued = [m for key in client.keys("*") if client.type(key) == b"list" for m in client.lrange(key, 0, -1)]
    assert any(b"payments.tasks.job_run" in m for m in queued)  # its task waits in Redis

    own.stop()
    own.start()  # back, and empty: the job's task is gone
    stack.start_worker()
    wait_until(lambda: Job.objects.get(pk=job.pk).state == "done", 40)
    status = browser.get(f"{stack.base_url}/dashboard/jobs/{job.pk}/status", timeout=10).json()
    assert status["state"] == "done" and status["download"]
