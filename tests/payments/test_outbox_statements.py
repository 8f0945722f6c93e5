"""outbox_statements.py, the PostgreSQL statements of each delivery attempt: recording an attempt
counts it and closes only the earlier open one; settling a delivered one finishes its attempt and
releases the next notification of its transaction that waits parked (notifications.py's ORM path
does the same on other databases; tests/payments/test_notification_order.py covers both through
notification_deliver)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from payments.models import Notification, NotificationAttempt
from payments.services import outbox_statements
from tests.support.data import make_txn

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statements (WITH ... UPDATE)"),
]


def note(merchant, txn=None, sequence: int = 1, **kw) -> Notification:  # noqa: ANN001
    txn = txn or make_txn(merchant)
    fields = {"merchant": merchant, "transaction": txn, "sequence": sequence, "url": "http://127.0.0.1:9/n"}
    return Notification.objects.create(payload={}, **{"next_attempt_at": timezone.now(), **fields, **kw})


def attempt(n: Notification) -> NotificationAttempt:
    return NotificationAttempt(notification_id=n.pk, merchant_id=n.merchant_id, started_at=timezone.now())


def test_recording_counts_the_attempt_and_closes_only_an_earlier_open_one(merchant) -> None:
    n = note(merchant)
    first = outbox_statements.attempt_record(attempt(n), close_open_as=None)
    second = outbox_statements.attempt_record(attempt(n), close_open_as="interrupted: cut off")
    rows = {a.pk: a for a in NotificationAttempt.objects.filter(notification=n)}
    assert set(rows) == {first, second}
    assert rows[first].error == "interrupted: cut off" and rows[first].finished_at is not None
    assert rows[second].finished_at is None and rows[second].error == ""  # in flight
    n.refresh_from_db()
    assert n.attempts == 2


def test_settling_a_delivery_finishes_the_attempt_and_releases_the_parked_next(merchant) -> None:
    first = note(merchant, lease_until=timezone.now() + timedelta(seconds=30))
    parked = note(merchant, first.transaction, 2, next_attempt_at=None)
    later = note(merchant, first.transaction, 3, next_attempt_at=None)
    attempt_id = outbox_statements.attempt_record(attempt(first), close_open_as=None)
    now = timezone.now()
    with transaction.atomic():
        row, following = outbox_statements.settle_delivered(
            first.pk, attempt_id, now, answer=(12, 200, "OK", "")
        )
    assert following == parked.pk  # the next in sequence only
    assert (row.state, row.delivered_at, row.lease_until, row.next_attempt_at) == (
        "delivered",
        now,
        None,
        None,
    )
    done = NotificationAttempt.objects.get(pk=attempt_id)
    assert (done.finished_at, done.duration_ms, done.http_status, done.response_excerpt) == (
        now,
        12,
        200,
        "OK",
    )
    assert Notification.objects.get(pk=parked.pk).next_attempt_at == now
    assert Notification.objects.get(pk=later.pk).next_attempt_at is None  # waits for the one before it


def test_settling_the_last_one_releases_nothing(merchant) -> None:
    only = note(merchant)
    attempt_id = outbox_statements.attempt_record(attempt(only), close_open_as=None)
    with transaction.atomic():
        _, following = outbox_statements.settle_delivered(
            only.pk, attempt_id, timezone.now(), answer=(5, 204, "", "")
        )
    assert following is None
    assert Notification.objects.get(pk=only.pk).state == "delivered"


@pytest.mark.django_db(transaction=True)  # no test transaction around it: autocommit, as in a worker
def test_settling_is_one_round_trip_that_commits_on_its_own(merchant) -> None:
    from django.test.utils import CaptureQueriesContext

    first = note(merchant, lease_until=timezone.now() + timedelta(seconds=30))
    parked = note(merchant, first.transaction, 2, next_attempt_at=None)
    attempt_id = outbox_statements.attempt_record(attempt(first), close_open_as=None)
    now = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        _, following = outbox_statements.settle_delivered(first.pk, attempt_id, now, answer=(7, 200, "", ""))
    assert len(ctx.captured_queries) == 1  # no BEGIN, no COMMIT of its own: one query
    assert following == parked.pk
    assert not connection.in_atomic_block and connection.get_autocommit()  # nothing left open
    assert Notification.objects.get(pk=first.pk).state == "delivered"
    assert NotificationAttempt.objects.get(pk=attempt_id).finished_at == now


@pytest.mark.django_db(transaction=True)
def test_settling_is_all_or_nothing(merchant) -> None:
    """An error in the second statement (the attempt's finish) undoes the first (delivered)."""
    from django.db import DataError

    first = note(merchant, lease_until=timezone.now() + timedelta(seconds=30))
    parked = note(merchant, first.transaction, 2, next_attempt_at=None)
    attempt_id = outbox_statements.attempt_record(attempt(first), close_open_as=None)
    with pytest.raises(DataError):  # duration_ms out of the column's range
        outbox_statements.settle_delivered(first.pk, attempt_id, timezone.now(), answer=(2**40, 200, "", ""))
    first.refresh_from_db()
    assert (first.state, first.delivered_at) == ("pending", None)
    assert NotificationAttempt.objects.get(pk=attempt_id).finished_at is None
    assert Notification.objects.get(pk=parked.pk).next_attempt_at is None
