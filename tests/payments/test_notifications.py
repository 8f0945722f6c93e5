"""The outbox: signature merchants can verify, retry schedule to dead, order per transaction,
resend and replay, and a sweep whose cost does not grow with the table."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from payments import tokens
from payments.models import Notification
from payments.services import notifications
from payments.services.transitions import transaction_apply_status
from tests.support.data import make_txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache_namespace")]
URL = "http://127.0.0.1:9/notify"  # replaced by the receiver where a post is made


def note_for(txn, seq: int = 1, url: str = URL, **kw) -> Notification:
    fields = {
        "merchant": txn.merchant,
        "transaction": txn,
        "sequence": seq,
        "url": url,
        "payload": {"tXid": txn.txid, "sequence": str(seq)},
        "next_attempt_at": timezone.now(),
    }
    fields.update(kw)
    return Notification.objects.create(**fields)


def test_signature_header_is_hmac_sha256_over_timestamp_dot_body():
    body = b"tXid=ABC&amt=10000"
    header = notifications.signature_header("secret-key", 1700000000, body)
    expected = hmac.new(b"secret-key", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_delivery_posts_form_with_signature_and_sequence_and_logs_the_attempt(merchant, sent, receiver):
    receiver.reset()
    txn = make_txn(merchant)
    note = note_for(txn, url=receiver.url)
    done = notifications.notification_deliver(notification_id=note.pk)
    assert done.state == "delivered" and done.delivered_at
    (req,) = receiver.for_txid(txn.txid)
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert req.headers["X-Payloan-Sequence"] == "1" and req.form["sequence"] == "1"
    stamp, mac = (part.split("=", 1)[1] for part in req.headers["X-Payloan-Signature"].split(","))
    key = merchant.merchant_key.encode()
    assert mac == hmac.new(key, stamp.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    attempt = done.attempt_log.get()
    assert attempt.http_status == 200 and attempt.response_excerpt == "OK"


def test_failures_follow_the_schedule_then_dead(merchant, sent, settings, receiver):
    settings.NOTIFICATION_RETRY_SCHEDULE = [60, 300]
    receiver.reset()
    receiver.status = 500
    txn = make_txn(merchant)
    note = note_for(txn, url=receiver.url)
    first = notifications.notification_deliver(notification_id=note.pk)
    assert first.state == "failed" and 55 <= (first.next_attempt_at - timezone.now()).total_seconds() <= 60
    assert notifications.notification_deliver(notification_id=note.pk) is None  # not due yet
    for expected in ("failed", "dead"):
        Notification.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now())
        assert notifications.notification_deliver(notification_id=note.pk).state == expected
    note.refresh_from_db()
    assert note.attempts == 3 and note.next_attempt_at is None
    assert [a.http_status for a in note.attempt_log.all()] == [500, 500, 500]
    assert note.attempt_log.first().response_excerpt == "error"
    receiver.reset()


def test_connection_refused_and_timeout_are_failed_attempts(merchant, sent, settings):
    import socket

    txn = make_txn(merchant)
    note = note_for(txn)  # port 9: nothing listens
    done = notifications.notification_deliver(notification_id=note.pk)
    assert done.state == "failed" and done.attempt_log.get().error == "ConnectionError"

    settings.NOTIFICATION_TIMEOUT = 0.5
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/notify"
        Notification.objects.filter(pk=note.pk).update(url=url, next_attempt_at=timezone.now())
        done = notifications.notification_deliver(notification_id=note.pk)
    assert [a.error for a in done.attempt_log.all()] == ["ConnectionError", "ReadTimeout"]


def test_later_sequence_waits_for_the_earlier_then_follows_it(
    merchant, sent, receiver, django_capture_on_commit_callbacks
):
    receiver.reset()
    txn = make_txn(merchant)
    first, second = note_for(txn, 1, url=receiver.url), note_for(txn, 2, url=receiver.url)
    assert notifications.notification_deliver(notification_id=second.pk).state == "pending"
    assert receiver.for_txid(txn.txid) == []  # blocked, nothing posted, lease released
    assert Notification.objects.get(pk=second.pk).lease_until is None
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notification_deliver(notification_id=first.pk)
    assert sent == [second.pk]  # the next one is handed over as soon as the earlier is delivered
    assert notifications.notification_deliver(notification_id=second.pk).state == "delivered"
    assert [r.form["sequence"] for r in receiver.for_txid(txn.txid)] == ["1", "2"]


def test_a_leased_row_is_not_posted_twice(merchant, sent):
    txn = make_txn(merchant)
    note = note_for(txn, lease_until=timezone.now() + timedelta(seconds=30))
    assert notifications.notification_deliver(notification_id=note.pk) is None
    assert notifications.notifications_due() == []


def test_sweep_hands_over_due_rows_once_per_attempt(merchant, sent):
    txn = make_txn(merchant)
    due = note_for(txn, 1)
    note_for(txn, 2, next_attempt_at=timezone.now() + timedelta(minutes=5))
    note_for(txn, 3, state="delivered", next_attempt_at=None)
    assert notifications.notifications_dispatch_due() == 1
    assert notifications.notifications_dispatch_due() == 0  # already handed over, still unclaimed
    Notification.objects.filter(pk=due.pk).update(attempts=1, state="failed")
    assert notifications.notifications_dispatch_due() == 1  # the next attempt is a new hand-over
    assert sent == [due.pk, due.pk]


def test_resend_and_replay_window(merchant, sent, django_capture_on_commit_callbacks):
    txn = make_txn(merchant)
    now = timezone.now()
    delivered = note_for(txn, 1, state="delivered", next_attempt_at=None)
    failed = note_for(txn, 2, state="failed", next_attempt_at=now + timedelta(hours=1))
    dead = note_for(txn, 3, state="dead", next_attempt_at=None)
    old_dead = note_for(txn, 4, state="dead", next_attempt_at=None)
    Notification.objects.filter(pk=old_dead.pk).update(created_at=now - timedelta(days=2))
    other = make_txn(
        merchant.__class__.objects.create(imid="OTHERMER01", name="o", merchant_key_encrypted="x")
    )
    note_for(other, 1, merchant=other.merchant, state="dead", next_attempt_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        count = notifications.notification_replay(
            merchant=merchant, since=now - timedelta(hours=1), until=now + timedelta(hours=1)
        )
    assert count == 2 and sent == [failed.pk, dead.pk]
    assert set(Notification.objects.filter(pk__in=sent).values_list("state", flat=True)) == {"pending"}
    assert Notification.objects.get(pk=old_dead.pk).state == "dead"
    assert Notification.objects.get(pk=delivered.pk).state == "delivered"

    with django_capture_on_commit_callbacks(execute=True):
        notifications.notification_resend(notification_id=delivered.pk)
    assert Notification.objects.get(pk=delivered.pk).state == "pending" and sent[-1] == delivered.pk


@pytest.mark.parametrize("rows", [10, 1000])
def test_sweep_query_count_does_not_grow_with_the_table(merchant, sent, django_assert_num_queries, rows):
    txn = make_txn(merchant)
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(merchant=merchant, transaction=txn, sequence=i, url=URL, payload={}, state="delivered")
        for i in range(rows)
    )
    Notification.objects.bulk_create(
        Notification(
            merchant=merchant, transaction=txn, sequence=rows + i, url=URL, payload={}, next_attempt_at=now
        )
        for i in range(5)
    )
    with django_assert_num_queries(1):
        assert notifications.notifications_dispatch_due() == 5


def test_resend_command_delivers_now_and_reports(merchant, receiver, capsys, sent):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    receiver.reset()
    txn = make_txn(merchant)
    note = note_for(txn, url=receiver.url, state="dead", next_attempt_at=None)
    call_command("notifications_resend", str(note.pk), "--now")
    assert "delivered (HTTP 200)" in capsys.readouterr().out
    assert len(receiver.for_txid(txn.txid)) == 1
    with pytest.raises(CommandError):
        call_command("notifications_resend", "999999")


def test_a_retry_after_a_key_rotation_carries_a_token_of_the_new_key(merchant, sent, receiver):
    receiver.reset()
    txn = make_txn(merchant, db_process_url=receiver.url)
    transaction_apply_status(transaction_id=txn.pk, to="0", source="cb", idempotency_key="paid")
    note = Notification.objects.get(transaction=txn)
    old_token = note.payload["merchantToken"]
    merchant.set_merchant_key("rotated-key-" + "k" * 40)
    merchant.save()
    notifications.notification_deliver(notification_id=note.pk)
    (req,) = receiver.for_txid(txn.txid)
    expected = tokens.notification_token(merchant.imid, txn.txid, txn.amount, "rotated-key-" + "k" * 40)
    assert req.form["merchantToken"] == expected != old_token
    receiver.reset()


@pytest.mark.parametrize(("status", "state"), [(200, "delivered"), (500, "failed")])
def test_an_answer_with_a_nul_byte_is_settled_and_logged(merchant, sent, receiver, status, state):
    """The merchant's answer is kept as an excerpt; PostgreSQL refuses NUL in text, so a NUL in it
    must not stop the settle (the row would stay leased, be posted again after every lease and
    never reach delivered or dead)."""
    receiver.reset()
    receiver.status, receiver.reply = status, b"OK\x00\x00tail"
    txn = make_txn(merchant)
    note = note_for(txn, url=receiver.url)
    done = notifications.notification_deliver(notification_id=note.pk)
    receiver.reset()
    assert done.state == state
    attempt = done.attempt_log.get()
    assert attempt.finished_at and attempt.http_status == status
    assert attempt.response_excerpt.startswith("OK") and attempt.response_excerpt.endswith("tail")
    assert "\x00" not in attempt.response_excerpt
