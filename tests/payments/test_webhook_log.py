"""The webhook log: each attempt keeps what was sent (headers, fields, signature) and answered (status,
body, latency) and the retry it scheduled; the page filters and is scoped to the merchant."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from payments.models import Notification, NotificationAttempt
from payments.secrets import mask_secrets
from payments.services.notifications import notification_deliver, notification_resend
from payments.throttle import ThrottleUnavailable
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, clean_cache):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


def outbox_row(merchant, url: str, t=None) -> Notification:  # noqa: ANN001
    return Notification.objects.create(
        merchant=merchant,
        transaction=t,
        sequence=1,
        url=url,
        payload={"tXid": t.txid if t else "TEST", "status": "0", "amt": "10000"},
        next_attempt_at=timezone.now(),
    )


def test_each_attempt_records_request_answer_and_next_retry(receiver, settings):
    settings.NOTIFICATION_RETRY_SCHEDULE = [60, 300]
    m = MerchantFactory()
    t = txn(m, status="0")
    note = outbox_row(m, receiver.url, t)
    receiver.status, receiver.reply = 503, b'{"error": "database is down"}'
    notification_deliver(notification_id=note.pk)
    receiver.status, receiver.reply = 200, b"accepted, thanks"
    notification_resend(notification_id=note.pk)
    notification_deliver(notification_id=note.pk)
    failed, delivered = NotificationAttempt.objects.filter(notification=note).order_by("id")
    assert failed.merchant_id == m.pk and failed.url == receiver.url
    assert failed.http_status == 503 and failed.response_excerpt == '{"error": "database is down"}'
    assert failed.next_attempt_at is not None and failed.next_attempt_at > failed.started_at
    assert failed.request_headers["X-Payloan-Signature"].startswith("t=")
    assert failed.request_headers["X-Payloan-Sequence"] == "1"
    assert failed.request_fields["tXid"] == t.txid and failed.request_fields["amt"] == "10000"
    assert delivered.http_status == 200 and delivered.response_excerpt == "accepted, thanks"
    assert delivered.next_attempt_at is None and delivered.duration_ms >= 0


def test_unreachable_destination_is_an_attempt_with_its_error(settings):
    m = MerchantFactory()
    note = outbox_row(m, "http://127.0.0.1:9/nobody-listens")
    notification_deliver(notification_id=note.pk)
    [attempt] = NotificationAttempt.objects.filter(notification=note)
    assert attempt.http_status is None and attempt.error and attempt.next_attempt_at is not None


def test_secrets_are_masked_and_hashes_kept():
    masked = mask_secrets(
        {"Authorization": "Basic c2VjcmV0OnNlY3JldA==", "merchantToken": "ab12", "X-Api-Key": "k-123456789"}
    )
    assert masked["merchantToken"] == "ab12"
    assert "c2VjcmV0" not in masked["Authorization"] and "123456789" not in masked["X-Api-Key"]


def test_log_page_shows_both_answers_filters_and_scope(client, receiver):
    m, other = MerchantFactory(), MerchantFactory()
    t, u = txn(m, status="0"), txn(m, status="0")
    note = outbox_row(m, receiver.url, t)
    receiver.status, receiver.reply = 500, b"boom: handler crashed"
    notification_deliver(notification_id=note.pk)
    receiver.status, receiver.reply = 200, b"stored order"
    notification_resend(notification_id=note.pk)
    notification_deliver(notification_id=note.pk)
    notification_deliver(notification_id=outbox_row(m, receiver.url, u).pk)
    theirs = outbox_row(other, receiver.url, txn(other, status="0"))
    receiver.reply = b"their secret answer"
    notification_deliver(notification_id=theirs.pk)

    client.force_login(member(m, "viewer").user)
    body = client.get("/dashboard/notifications/").content.decode()
    assert "boom: handler crashed" in body and "stored order" in body and "their secret answer" not in body
    assert body.count('class="attempt"') == 3
    failed_only = client.get("/dashboard/notifications/", {"outcome": "failed"}).content.decode()
    assert failed_only.count('class="attempt"') == 1 and "boom: handler crashed" in failed_only
    one_txn = client.get("/dashboard/notifications/", {"txid": u.txid}).content.decode()
    assert one_txn.count('class="attempt"') == 1 and u.txid in one_txn
    today = timezone.localdate().isoformat()
    assert (
        client.get("/dashboard/notifications/", {"date_to": "2020-01-01"})
        .content.decode()
        .count('class="attempt"')
        == 0
    )
    assert (
        client.get("/dashboard/notifications/", {"date_from": today})
        .content.decode()
        .count('class="attempt"')
        == 3
    )


def test_an_attempt_in_flight_reads_sending_and_is_not_counted_as_failed(client, receiver):
    m = MerchantFactory()
    note = outbox_row(m, receiver.url, txn(m, status="0"))
    NotificationAttempt.objects.create(  # recorded when its POST left; the answer has not come yet
        notification=note, merchant=m, started_at=timezone.now(), url=receiver.url
    )
    client.force_login(member(m, "viewer").user)
    body = client.get("/dashboard/notifications/").content.decode()
    assert body.count('class="attempt"') == 1
    assert ">sending</span>" in body and "waiting for your server's answer" in body
    assert "no more retries" not in body
    failed_only = client.get("/dashboard/notifications/", {"outcome": "failed"}).content.decode()
    assert failed_only.count('class="attempt"') == 0


def test_send_test_notification_shows_the_answer_at_once(client, receiver):
    m = MerchantFactory(default_notification_url=receiver.url)
    receiver.reply = b"demo store says hi"
    client.force_login(member(m, "developer").user)
    page = client.post("/dashboard/notifications/test").content.decode()
    assert "Delivered: your server answered HTTP 200" in page and "demo store says hi" in page
    viewer = member(m, "viewer")
    client.force_login(viewer.user)
    assert client.post("/dashboard/notifications/test").status_code == 403


def test_test_notifications_are_limited_per_merchant_on_every_door(client, receiver, settings):
    """Each click is an outbound POST made during the request: a few a minute per merchant, counted
    once across both buttons and every member; over it, nothing is sent and the page says why."""
    settings.TEST_NOTIFICATION_LIMIT, settings.TEST_NOTIFICATION_WINDOW = 3, 60
    receiver.reset()
    m = MerchantFactory(default_notification_url=receiver.url)
    first, second = Client(), Client()
    first.force_login(member(m, "developer").user)
    second.force_login(member(m, "owner").user)
    for c, door in (
        (first, "/dashboard/notifications/test"),
        (second, "/dashboard/developers/test-notification"),
    ):
        assert "Delivered" in c.post(door).content.decode()
    assert "Delivered" in first.post("/dashboard/notifications/test").content.decode()
    for c, door in (
        (second, "/dashboard/notifications/test"),
        (first, "/dashboard/developers/test-notification"),
    ):
        refused = c.post(door)
        page = refused.content.decode()
        assert refused.status_code == 429
        assert "You sent 3 test notifications in the last 60 seconds" in page and "Delivered" not in page
    assert len(receiver.received) == 3
    assert Notification.objects.filter(merchant=m, kind="test").count() == 3
    other = MerchantFactory(default_notification_url=receiver.url)
    client.force_login(member(other, "developer").user)
    assert "Delivered" in client.post("/dashboard/notifications/test").content.decode()  # its own count


def test_test_notifications_pause_without_redis(client, receiver, monkeypatch):
    receiver.reset()
    m = MerchantFactory(default_notification_url=receiver.url)
    client.force_login(member(m, "developer").user)

    def down(key: str, *, window: int) -> int:
        raise ThrottleUnavailable("no Redis")

    monkeypatch.setattr("payments.throttle.take", down)
    refused = client.post("/dashboard/notifications/test")
    assert refused.status_code == 503 and "paused for a moment" in refused.content.decode()
    assert receiver.received == [] and not Notification.objects.filter(merchant=m).exists()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("ConnectionError", "could not connect"),
        ("ReadTimeout", "no answer in time"),
        ("SSLError", "secure connection failed (certificate or TLS)"),
        ("destination not allowed", "address not allowed (private or special network)"),
        (
            "interrupted: the sender stopped before the answer (it may have arrived)",
            "interrupted before the answer",
        ),
        ("SomethingNew", "SomethingNew"),  # a name we have no words for is still shown
    ],
)
def test_an_attempt_without_an_answer_says_why_in_plain_words(client, receiver, error, words):
    m = MerchantFactory()
    note = outbox_row(m, receiver.url, txn(m, status="0"))
    NotificationAttempt.objects.create(
        notification=note,
        merchant=m,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        url=receiver.url,
        error=error,
    )
    client.force_login(member(m, "viewer").user)
    body = client.get("/dashboard/notifications/").content.decode()
    assert f'data-testid="attempt-result">{escape(words)}</span>' in body
    assert f"— ({escape(error)})" in body  # the recorded name stays in the details


def test_the_role_shows_as_its_label(client):
    m = MerchantFactory()
    client.force_login(member(m, "developer").user)
    for page in ("/dashboard/", "/dashboard/account"):
        body = client.get(page, follow=True).content.decode()
        assert "· Developer" in body and "· developer" not in body
