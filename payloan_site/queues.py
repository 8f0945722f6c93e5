"""Celery queues: one per kind of work, each consumed by a worker whose pool fits that work.

Architecture rule 12: a shopper who sits on an OVO push, or a partner that holds a call open, may
occupy only slots built for waiting. Notifications, polls and long jobs each have their own queue
and their own worker, so no amount of waiting on one delays the others.

Why threads for the waiting work (and not gevent): every one of these tasks spends its life blocked
in a socket read (the partner's answer) or in PostgreSQL. Threads release the GIL there, need no
monkey-patching, and keep psycopg and Django's per-thread connections as they are; gevent would need
the whole process patched (and a green-aware PostgreSQL driver) to wait on a few hundred sockets,
which is more than we need. A thread that waits costs about one idle DB connection and a little
memory, so a high concurrency is cheap. Long CPU-bound jobs (CSV/XLSX exports, reconciliation) stay
on prefork, where they do not hold the GIL for anyone else.

This module is the one source: settings take CELERY_TASK_ROUTES and the queue list from it, the
Procfile and the test stack start `worker_argv()` for each pool, and /healthz checks that every
queue has a consumer. Concurrency can be raised per pool with WORKER_<QUEUE>_CONCURRENCY.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Pool:
    queue: str
    pool: str  # Celery's --pool: "threads" or "prefork"
    concurrency: int
    tasks: tuple[str, ...]
    purpose: str

    @property
    def env_concurrency(self) -> str:
        return f"WORKER_{self.queue.upper()}_CONCURRENCY"


POOLS: tuple[Pool, ...] = (
    Pool(
        "waiting",
        "threads",
        100,
        ("payments.tasks.transaction_complete_push",),
        "calls that wait on a person or a slow partner: the OVO push is held open until the shopper "
        "answers in the app (up to ~75 s, then a reversal)",
    ),
    Pool(
        "notifications",
        "threads",
        16,
        ("payments.tasks.notification_send", "payments.tasks.notifications_sweep"),
        "merchant notifications (one POST each, NOTIFICATION_TIMEOUT) and the outbox sweep that re-sends",
    ),
    Pool(
        "polling",
        "threads",
        16,
        (
            "payments.tasks.transactions_poll_sweep",
            "payments.tasks.transaction_poll",
            "payments.tasks.transactions_expire_sweep",
            "payments.tasks.transaction_expire",
            "payments.tasks.partner_callbacks_purge",
            "payments.tasks.pushes_resume",
            "payments.tasks.cancellations_settle",
            "payments.tasks.jobs_recover",
            "payments.tasks.transaction_return_late_payment",
            "payments.tasks.late_payments_sweep",
        ),
        "status polls, expiry checks, lost cancel answers and the return of payments made after their "
        "order ended (one partner call each, PARTNER_HTTP_TIMEOUT) and the periodic sweeps (polls, "
        "expiry, pushes and jobs of a dead worker, lost late-payment returns, the hourly purge of "
        "unverified partner notifications)",
    ),
    Pool(
        "jobs",
        "prefork",
        2,
        ("payments.tasks.job_run", "payments.tasks.reconcile_daily"),
        "long jobs: exports, reconciliation, notification replay (progress on their Job row)",
    ),
)

QUEUES: tuple[str, ...] = tuple(p.queue for p in POOLS)
ROUTES: dict[str, dict[str, str]] = {task: {"queue": p.queue} for p in POOLS for task in p.tasks}


def pool_for(queue: str) -> Pool:
    for pool in POOLS:
        if pool.queue == queue:
            return pool
    raise KeyError(f"no Celery pool serves queue {queue!r}; known: {', '.join(QUEUES)}")


def worker_argv(queue: str, *, node: str | None = None) -> list[str]:
    """The arguments after `celery -A payloan_site` for the worker that serves `queue`."""
    pool = pool_for(queue)
    concurrency = int(os.environ.get(pool.env_concurrency) or pool.concurrency)
    return [
        "worker",
        "--loglevel",
        "INFO",
        "--queues",
        pool.queue,
        "--pool",
        pool.pool,
        "--concurrency",
        str(concurrency),
        "--hostname",
        node or f"{pool.queue}@%h",
    ]
