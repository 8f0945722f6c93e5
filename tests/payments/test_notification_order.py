"""Order per transaction in the outbox, on PostgreSQL with real concurrent connections: the park of a
later notification cannot miss the earlier one's release, a dead notification holds the later ones
back until it is replayed, and every attempt is in the history from the moment it leaves."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from payments.models import Notification, NotificationAttempt
from payments.services import notifications
from tests.payments.test_notifications import note_for
from tests.support.data import make_txn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache_namespace")]


def in_thread(fn, *args, **kwargs) -> tuple[threading.Thread, dict]:  # noqa: ANN001
    """Runs fn on its own thread (its own DB connection); `out` gets its result or error."""
    out: dict = {}

    def run() -> None:
        try:
            out["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_the_earlier_settling_between_check_and_park_cannot_strand_the_later_one(merchant, sent, receiver):
    """The interleaving of the race, forced: notification 1 is delivered and its release of
    notification 2 runs, but that DB transaction has not committed when notification 2's worker
    decides whether to wait for it. Whatever that worker decides, notification 2 must end up
    delivered or due - never parked with nobody left to release it."""
    receiver.reset()
    txn = make_txn(merchant)
    first, second = note_for(txn, 1, url=receiver.url), note_for(txn, 2, url=receiver.url)
    settled, commit = threading.Event(), threading.Event()

    def deliver_first_commit_later() -> Notification:
        with transaction.atomic():  # delivery, settle and release of 2, then hold the commit
            note = notifications.notification_deliver(notification_id=first.pk)
            settled.set()
            assert commit.wait(20)
        return note

    first_thread, first_out = in_thread(deliver_first_commit_later)
    assert settled.wait(20), first_out
    second_thread, second_out = in_thread(notifications.notification_deliver, notification_id=second.pk)
    time.sleep(1.0)  # notification 2's worker reaches its decision while notification 1 is uncommitted
    commit.set()
    first_thread.join(20)
    second_thread.join(20)
    assert "error" not in first_out and "error" not in second_out, (first_out, second_out)

    assert Notification.objects.get(pk=first.pk).state == "delivered"
    after = Notification.objects.get(pk=second.pk)
    stranded = after.state == "pending" and after.next_attempt_at is None
    assert not stranded, "notification 2 is parked but its release already ran: it would wait forever"
    if after.state != "delivered":  # parked before the release saw it: released, due and handed over
        assert after.pk in notifications.notifications_due() and after.pk in sent
        notifications.notification_deliver(notification_id=after.pk)
    assert [r.form["sequence"] for r in receiver.for_txid(txn.txid)] == ["1", "2"]


def test_a_dead_notification_holds_back_the_later_ones_until_its_replay(merchant, sent, receiver, settings):
    """Paid (1) dies while the merchant is down; the void (2) comes later. The merchant must never
    see the void before the payment: 2 waits with 1, and a replay sends 1 then 2."""
    settings.NOTIFICATION_RETRY_SCHEDULE = [1]
    receiver.reset()
    receiver.status = 503
    txn = make_txn(merchant)
    paid = note_for(txn, 1, url=receiver.url, payload={"tXid": txn.txid, "sequence": "1", "status": "0"})
    for _ in range(2):
        Notification.objects.filter(pk=paid.pk).update(next_attempt_at=notifications.timezone.now())
        notifications.notification_deliver(notification_id=paid.pk)
    assert Notification.objects.get(pk=paid.pk).state == "dead"

    receiver.status = 200  # the merchant is back; then the void happens
    void = note_for(txn, 2, url=receiver.url, payload={"tXid": txn.txid, "sequence": "2", "status": "1"})
    assert notifications.notification_deliver(notification_id=void.pk).state == "pending"
    assert receiver.for_txid(txn.txid) == []  # waits with the dead one
    assert notifications.notifications_due() == []  # and no sweep sends it around the dead one
    assert void.pk not in notifications.notifications_replayable(
        merchant=merchant, since=void.created_at.replace(year=2000), until=notifications.timezone.now()
    ).values_list("pk", flat=True)

    # The replay of the window: 1, then 2 as soon as 1 is delivered.
    count = notifications.notification_replay(
        merchant=merchant, since=paid.created_at.replace(year=2000), until=notifications.timezone.now()
    )
    assert count == 1
    for pk in (paid.pk, void.pk):
        notifications.notification_deliver(notification_id=pk)
    assert [r.form["status"] for r in receiver.for_txid(txn.txid)] == ["0", "1"]
    assert set(Notification.objects.filter(transaction=txn).values_list("state", flat=True)) == {"delivered"}


def test_resending_a_waiting_notification_sends_the_dead_one_before_it(merchant, sent, receiver):
    receiver.reset()
    txn = make_txn(merchant)
    dead = note_for(txn, 1, url=receiver.url, state="dead", next_attempt_at=None, attempts=9)
    waiting = note_for(txn, 2, url=receiver.url, next_attempt_at=None)
    notifications.notification_resend(notification_id=waiting.pk)
    assert sent == [dead.pk, waiting.pk]
    assert notifications.notification_deliver(notification_id=waiting.pk).state == "pending"  # still 2nd
    notifications.notification_deliver(notification_id=dead.pk)
    notifications.notification_deliver(notification_id=waiting.pk)
    assert [r.form["sequence"] for r in receiver.for_txid(txn.txid)] == ["1", "2"]


def test_the_attempt_is_in_the_history_while_the_request_is_out(merchant, sent, receiver):
    receiver.reset()
    receiver.delay = 1.5
    txn = make_txn(merchant)
    note = note_for(txn, url=receiver.url)
    thread, out = in_thread(notifications.notification_deliver, notification_id=note.pk)
    deadline = time.monotonic() + 5
    while not NotificationAttempt.objects.filter(notification=note).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    during = NotificationAttempt.objects.get(notification=note)
    assert during.finished_at is None and during.http_status is None  # left, not answered yet
    assert Notification.objects.get(pk=note.pk).attempts == 1
    thread.join(10)
    during.refresh_from_db()
    assert out["result"].state == "delivered" and during.http_status == 200 and during.finished_at
    receiver.reset()


def test_an_attempt_cut_off_by_a_dead_sender_is_closed_as_interrupted(merchant, sent, receiver):
    """What a killed worker leaves behind (an open attempt and a lease that ran out) is settled by
    the next attempt: the history shows both, the first as interrupted."""
    receiver.reset()
    txn = make_txn(merchant)
    note = note_for(txn, url=receiver.url, attempts=1)
    NotificationAttempt.objects.create(notification=note, started_at=notifications.timezone.now())
    done = notifications.notification_deliver(notification_id=note.pk)
    first, second = done.attempt_log.order_by("id")
    assert first.error.startswith("interrupted") and first.finished_at and first.http_status is None
    assert second.http_status == 200 and done.attempts == 2 and done.state == "delivered"


def test_a_park_committed_while_the_delivery_waits_for_the_earlier_row_is_released(merchant, sent):
    """The other order of the race, forced: notification 2's worker parks it (locking notification
    1's row) and has not committed when notification 1's delivery is settled; the settle waits for
    that lock, and once the park commits, its release must see notification 2 parked and make it
    due (the release reads after the delivered row's lock, not before it)."""
    txn = make_txn(merchant)
    first = note_for(txn, 1, lease_until=notifications.timezone.now() + notifications.timedelta(seconds=30))
    second = note_for(txn, 2)  # due: its own worker has claimed it and finds 1 not delivered
    sent_ = notifications.Sent(first.url, {}, {})
    attempt_id = notifications._attempt_begin(first, notifications.timezone.now(), sent_)
    parked, commit = threading.Event(), threading.Event()

    def park_and_hold() -> bool:
        with transaction.atomic():
            out = notifications._park_if_waiting(second)
            parked.set()
            assert commit.wait(20)
        return out

    park_thread, park_out = in_thread(park_and_hold)
    assert parked.wait(20), park_out
    settle_thread, settle_out = in_thread(
        notifications._attempt_settle, first.pk, attempt_id, 5, 200, "OK", "", True
    )
    deadline = time.monotonic() + 20
    with connection.cursor() as cur:  # until the settle waits for notification 1's row lock
        while time.monotonic() < deadline:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cur.fetchone()[0]:
                break
            time.sleep(0.02)
        else:
            pytest.fail(f"the settle never waited for the park's lock: {settle_out}")
    commit.set()
    park_thread.join(20)
    settle_thread.join(20)
    assert park_out == {"result": True} and "error" not in settle_out, (park_out, settle_out)

    assert settle_out["result"].state == "delivered"
    after = Notification.objects.get(pk=second.pk)
    assert after.next_attempt_at is not None, "notification 2 is parked and nobody is left to release it"
    assert after.pk in sent and after.pk in notifications.notifications_due()
