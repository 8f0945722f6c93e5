"""Services reach Celery by task name only: the names are the workers' (stable), and a task sent
by name runs the task registered under it."""

from __future__ import annotations

import pytest
from celery import current_app
from django.utils import timezone

from payments import tasks
from payments.models import Notification
from payments.services import queue
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db

# What the workers, beat and the queue routing know the tasks by: never renamed.
STABLE_NAMES = {
    "payments.tasks.notification_send",
    "payments.tasks.notifications_sweep",
    "payments.tasks.transaction_poll",
    "payments.tasks.transactions_poll_sweep",
    "payments.tasks.transaction_expire",
    "payments.tasks.transactions_expire_sweep",
    "payments.tasks.transaction_complete_push",
    "payments.tasks.pushes_resume",
    "payments.tasks.cancellations_settle",
    "payments.tasks.transaction_return_late_payment",
    "payments.tasks.late_payments_sweep",
    "payments.tasks.job_run",
    "payments.tasks.jobs_recover",
    "payments.tasks.reconcile_daily",
    "payments.tasks.partner_callbacks_purge",
}


def test_task_names_are_stable():
    assert tasks.notification_send.name == "payments.tasks.notification_send"
    names = {name for name in current_app.tasks if name.startswith("payments.")}
    assert names == STABLE_NAMES


def test_every_name_the_services_send_is_a_registered_task():
    sent_by_name = {v for k, v in vars(queue).items() if k.isupper() and isinstance(v, str)}
    assert sent_by_name and sent_by_name <= STABLE_NAMES


def due_note(merchant, receiver) -> Notification:
    receiver.reset()
    txn = make_txn(merchant)
    return Notification.objects.create(
        merchant=merchant,
        transaction=txn,
        sequence=1,
        url=receiver.url,
        payload={"tXid": txn.txid},
        next_attempt_at=timezone.now(),
    )


def test_a_task_sent_by_name_runs_the_task(merchant, receiver, eager):
    note = due_note(merchant, receiver)
    txn = note.transaction
    queue.send(queue.NOTIFICATION_SEND, note.pk, retry=False)
    note.refresh_from_db()
    assert note.state == "delivered" and len(receiver.for_txid(txn.txid)) == 1
    receiver.reset()


def test_send_on_commit_waits_for_the_commit(merchant, receiver, eager, django_capture_on_commit_callbacks):
    note = due_note(merchant, receiver)
    with django_capture_on_commit_callbacks() as callbacks:
        queue.send_on_commit(queue.NOTIFICATION_SEND, note.pk)
        assert Notification.objects.get(pk=note.pk).state == "pending"  # nothing sent yet
    assert len(callbacks) == 1
    callbacks[0]()
    assert Notification.objects.get(pk=note.pk).state == "delivered"
    receiver.reset()
