"""Celery routing (architecture rule 12): every task goes, by name, to the queue of its kind, and
every queue is consumed by a worker of the right pool in the Procfile, the test stack and the docs."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

import payments.tasks
from payloan_site.celery import app
from payloan_site.queues import POOLS, QUEUES, pool_for, worker_argv

ROOT = Path(__file__).resolve().parents[2]
TASKS = sorted(name for name in app.tasks if name.startswith("payments."))


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_the_task_list_is_the_tasks_module() -> None:
    defined = {
        f"payments.tasks.{name}"
        for name, obj in vars(payments.tasks).items()
        if getattr(obj, "name", "") == f"payments.tasks.{name}"
    }
    assert defined and set(TASKS) == defined


@pytest.mark.parametrize("task", TASKS)
def test_every_task_is_routed_by_name(task: str) -> None:
    routed = {t for pool in POOLS for t in pool.tasks}
    assert task in routed, f"route {task} in payloan_site/queues.py (which queue's kind of work is it?)"
    assert queue_of(task) in QUEUES


def test_each_kind_of_work_has_its_own_queue() -> None:
    push = queue_of("payments.tasks.transaction_complete_push")
    notify = queue_of("payments.tasks.notification_send")
    polls = {queue_of(f"payments.tasks.{t}") for t in ("transaction_poll", "transaction_expire")}
    sweeps = {
        queue_of(f"payments.tasks.{t}") for t in ("transactions_poll_sweep", "transactions_expire_sweep")
    }
    jobs = {queue_of("payments.tasks.job_run"), queue_of("payments.tasks.reconcile_daily")}
    assert queue_of("payments.tasks.notifications_sweep") == notify
    assert len(polls | sweeps) == 1 and len(jobs) == 1
    assert len({push, notify, *polls, *jobs}) == 4, (push, notify, polls, jobs)


def test_waiting_runs_on_a_pool_built_for_waiting() -> None:
    waiting = pool_for(queue_of("payments.tasks.transaction_complete_push"))
    assert waiting.pool == "threads" and waiting.concurrency >= 50
    # Notifications and polls wait on other servers too (merchants, partners): threads as well.
    for task in ("notification_send", "transaction_poll"):
        assert pool_for(queue_of(f"payments.tasks.{task}")).pool == "threads"


def test_settings_take_the_routes_and_a_consumed_default_queue() -> None:
    assert app.conf.task_default_queue in QUEUES
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_runs_one_worker_per_queue_with_its_pool() -> None:
    workers = {name: cmd for name, cmd in procfile().items() if " worker " in cmd}
    consumed = []
    for name, cmd in workers.items():
        argv = shlex.split(cmd)
        assert argv[:3] == [".venv/bin/celery", "-A", "payloan_site"], cmd
        queue = argv[argv.index("--queues") + 1]
        assert argv[3:] == worker_argv(queue), f"{name}: {cmd}"
        consumed.append(queue)
    assert sorted(consumed) == sorted(QUEUES)


def test_operations_docs_and_readme_show_each_worker() -> None:
    ops = (ROOT / "docs/operations.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for queue in QUEUES:
        command = shlex.join(["celery", "-A", "payloan_site", *worker_argv(queue)])
        assert command in ops, command
        assert f"--queues {queue} " in readme, queue


def test_concurrency_can_be_raised_per_pool(monkeypatch) -> None:
    monkeypatch.setenv("WORKER_WAITING_CONCURRENCY", "300")
    argv = worker_argv("waiting", node="w1@%h")
    assert argv[argv.index("--concurrency") + 1] == "300" and argv[-1] == "w1@%h"
    with pytest.raises(KeyError):
        worker_argv("celery")
