"""Health checks: /healthz/live is what a load balancer asks (the process answers, the database is
reachable); /healthz/ready and /healthz add Redis and a live consumer on every queue. Redis down
must not take a web node out of the balancer, since payments still go through."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import requests

from payloan_site.queues import QUEUES
from tests.integration.test_reliability_redis import OwnRedis
from tests.support import flows
from tests.support.stack import Stack, database_url, free_port

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, dict]:
    resp = requests.get(url, timeout=15)
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.status_code, resp.json()


def test_all_up_every_queue_has_a_consumer(stack) -> None:
    stack.wait_for_consumers()
    assert get(f"{stack.base_url}/healthz/live") == (200, {"status": "ok", "database": "up"})
    code, ready = get(f"{stack.base_url}/healthz/ready")
    assert code == 200 and ready["redis"] == "up"
    assert set(ready["queues"]) == set(QUEUES) and all(n >= 1 for n in ready["queues"].values())
    code, full = get(f"{stack.base_url}/healthz")
    assert code == 200 and full["status"] == "ok" and full["database"] == "up"
    for queue in QUEUES:
        [node] = [w for w in full["queues"][queue] if w.startswith(f"{queue}-")]
        assert node in full["workers"]


def test_a_queue_without_consumer_is_not_ready_but_still_live(stack) -> None:
    stack.wait_for_consumers()
    stack.stop("worker-jobs")
    try:
        code, ready = get(f"{stack.base_url}/healthz/ready")
        assert code == 503 and ready["queues_without_consumer"] == ["jobs"] and ready["queues"]["jobs"] == 0
        code, full = get(f"{stack.base_url}/healthz")
        assert code == 503 and full["queues"]["jobs"] == [] and full["queues_without_consumer"] == ["jobs"]
        assert get(f"{stack.base_url}/healthz/live")[0] == 200
    finally:
        stack.start_worker(queues=("jobs",))
    stack.wait_for_consumers()


@pytest.fixture
def web_on_own_redis(transactional_db, settings):
    """A web node (and its sandbox partners) on a Redis of its own, which the test can stop."""
    from django.db import connection

    own = OwnRedis()
    own.start()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "SANDBOX": "true",
        "REDIS_URL": own.url,
        "CELERY_BROKER_URL": own.url,
    }
    stack = Stack(
        env=env, base_url=f"http://127.0.0.1:{port}", logs=Path(tempfile.mkdtemp(prefix="payloan-hz-"))
    )
    settings.PUBLIC_BASE_URL = stack.base_url
    stack.start_web()
    try:
        yield stack, own
    finally:
        stack.stop_all()
        own.stop()


def test_redis_down_keeps_the_node_live_and_payments_working(
    web_on_own_redis, demo_merchant, receiver
) -> None:
    stack, own = web_on_own_redis
    base = stack.base_url
    code, ready = get(f"{base}/healthz/ready")
    assert code == 503 and ready["redis"] == "up" and ready["queues_without_consumer"] == list(QUEUES)

    own.stop()  # really gone: connections are refused
    assert get(f"{base}/healthz/live") == (200, {"status": "ok", "database": "up"})
    reg = flows.register(base, mitra_cd="ESHP", amount=41_000, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg  # the balancer keeps sending payments here, and they work
    assert flows.inquiry(base, reg)["resultCd"] == "0000"
    code, ready = get(f"{base}/healthz/ready")
    assert code == 503 and ready["redis"].startswith("down")
    code, full = get(f"{base}/healthz")
    assert code == 503 and full["redis"].startswith("down") and full["database"] == "up"
    assert full["queues_without_consumer"] == list(QUEUES)
