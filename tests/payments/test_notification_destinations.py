"""Production refuses merchant URLs on our own networks (SSRF); the sandbox allows loopback."""

from datetime import timedelta

from django.utils import timezone

from payments.models import Notification, Transaction
from payments.services.notifications import destination_allowed, notification_deliver
from payments.services.registration import new_txid


def test_private_and_loopback_destinations_are_refused_in_production(settings):
    settings.NOTIFICATION_ALLOW_PRIVATE_URLS = False
    for url in (
        "http://127.0.0.1:8000/notify",
        "http://10.1.2.3/n",
        "http://192.168.0.5/n",
        "http://[::1]/n",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost/n",
    ):
        assert not destination_allowed(url), url
    assert destination_allowed("https://93.184.216.34/notify")


def test_sandbox_allows_loopback(settings):
    settings.NOTIFICATION_ALLOW_PRIVATE_URLS = True
    assert destination_allowed("http://127.0.0.1:8000/sandbox/shop/notify")


def test_a_refused_destination_is_logged_as_a_failed_attempt_and_never_posted(settings, merchant):
    settings.NOTIFICATION_ALLOW_PRIVATE_URLS = False
    txn = Transaction.objects.create(
        txid=new_txid(merchant.imid, "05"),
        merchant=merchant,
        reference_no="SSRF1",
        pay_method="05",
        mitra_cd="ESHP",
        amount=10000,
        goods_name="g",
        billing_name="b",
        billing_phone="0812",
        billing_email="a@b.id",
        db_process_url="http://169.254.169.254/",
        request_fingerprint="f",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    note = Notification.objects.create(
        merchant=merchant,
        transaction=txn,
        sequence=1,
        url=txn.db_process_url,
        payload={"tXid": txn.txid},
        next_attempt_at=timezone.now(),
    )
    notification_deliver(notification_id=note.pk)
    note.refresh_from_db()
    attempt = note.attempt_log.get()
    assert (
        note.state == "failed" and attempt.error == "destination not allowed" and attempt.http_status is None
    )
