"""The services' one way to Celery: tasks are sent by name, so services never import
payments.tasks (the tasks import the services). The names are the ones the workers register and
the queue routing matches; they never change."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction

NOTIFICATION_SEND = "payments.tasks.notification_send"
TRANSACTION_POLL = "payments.tasks.transaction_poll"
TRANSACTION_EXPIRE = "payments.tasks.transaction_expire"
TRANSACTION_COMPLETE_PUSH = "payments.tasks.transaction_complete_push"
JOB_RUN = "payments.tasks.job_run"
TRANSACTION_RETURN_LATE_PAYMENT = "payments.tasks.transaction_return_late_payment"


def send(name: str, *args: Any, **options: Any) -> None:
    """Publish task `name` with positional `args` now. `options` go to Celery (e.g. retry=False).

    Raises what the broker client raises when it cannot publish (callers that have an outbox or
    a sweep behind them catch it)."""
    app = current_app
    if app.conf.task_always_eager:  # send_task ignores eager mode; run it here like .delay() would
        app.tasks[name].apply(args=args)
        return
    app.send_task(name, args=args, **options)


def send_on_commit(name: str, *args: Any) -> None:
    """Publish task `name` once the current DB transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(name, *args))
