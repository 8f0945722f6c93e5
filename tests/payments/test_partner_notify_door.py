"""/partners/<mitraCd>/notify is open to anyone. What reaches the database from it: nothing for an
unknown partner, an oversized body or an address over its rate; unverified notifications only in
their own table, redacted and at a bounded rate, and purged after the retention period; and no
payment moved by a notification signed long ago or by a replayed nonce."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from payments.models import PartnerCallback, PartnerNonce, Transaction, TransactionEvent, UnverifiedCallback
from payments.services.callbacks import partner_callbacks_purge
from providers import registry
from providers.base import signing
from providers.indodana import transformers as idna
from providers.indodana.adapter import IndodanaAdapter
from providers.sandbox.dana import snap as dana_side
from tests.providers.dana.helpers import fixture as dana_fixture
from tests.support.data import make_txn
from tests.support.paylater_orders import fixture as partner_fixture

pytestmark = pytest.mark.django_db
CODES = registry.known_mitra_codes()
RECEIVING = [code for code in CODES if registry.adapter_class(code).max_notification_bytes]
SILENT = [code for code in CODES if code not in RECEIVING]


@pytest.fixture(autouse=True)
def _fresh_counters(monkeypatch):
    cache.clear()
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    yield
    cache.clear()


def stored() -> tuple[int, int]:
    return PartnerCallback.objects.count(), UnverifiedCallback.objects.count()


def post(client: Client, mitra: str, body: bytes | str, *, ip: str = "203.0.113.50", **headers: str):
    return client.post(
        f"/partners/{mitra}/notify", body, content_type="application/json", REMOTE_ADDR=ip, **headers
    )


def test_an_unknown_partner_gets_404_and_nothing_is_stored(client):
    for code in ("XXXX", "anything", "dana1"):
        assert post(client, code, b'{"hello":"world"}').status_code == 404
    assert stored() == (0, 0)


@pytest.mark.parametrize("mitra", SILENT)
def test_a_partner_that_sends_no_notifications_gets_nothing_stored(client, mitra):
    assert post(client, mitra, b"{}").status_code == 404
    assert stored() == (0, 0)


@pytest.mark.parametrize("mitra", RECEIVING)
def test_each_partner_has_a_size_cap_and_a_bigger_body_is_refused_unread(client, mitra):
    cap = registry.adapter_class(mitra).max_notification_bytes
    assert 1024 <= cap <= 64 * 1024  # a few times a real payload, never the old 1 MiB
    resp = post(client, mitra, b"x" * (cap + 1))
    assert resp.status_code == 413
    at_cap = post(client, mitra, b"x" * cap)  # within the cap: read, refused as unverified
    assert at_cap.status_code in (400, 401)
    assert stored() == (0, 1)


def test_requests_per_address_are_limited(client, settings):
    settings.PARTNER_NOTIFY_RATE_PER_ADDRESS = 5
    answers = [post(client, "ESHP", b"{}").status_code for _ in range(7)]
    assert answers[:5] == [401] * 5 and answers[5:] == [429, 429]
    assert post(client, "ESHP", b"{}", ip="203.0.113.51").status_code == 401  # another sender
    assert UnverifiedCallback.objects.count() == 6


def test_unverified_notifications_are_stored_apart_and_at_a_bounded_rate(client, settings):
    settings.PARTNER_UNVERIFIED_STORED_PER_ADDRESS = 3
    settings.PARTNER_UNVERIFIED_STORED_TOTAL = 5
    for _ in range(6):  # every one is answered: storing it is what is bounded
        assert post(client, "ESHP", b'{"payment_reference_id":"X"}').status_code == 401
    assert UnverifiedCallback.objects.filter(remote_addr="203.0.113.50").count() == 3
    for n in range(4):
        post(client, "AKLP", b"refNo=1&status=100&sign=x", ip=f"198.51.100.{n + 1}")
    assert UnverifiedCallback.objects.count() == 5  # the total bound, whatever the addresses
    assert PartnerCallback.objects.count() == 0
    row = UnverifiedCallback.objects.filter(mitra_cd="AKLP").first()
    assert "sign=[redacted]" in row.body_excerpt and "signature" in row.reason


def test_ipv6_senders_count_per_64(client, settings):
    settings.PARTNER_UNVERIFIED_STORED_PER_ADDRESS = 2
    for n in range(4):  # one subscriber line holds a whole /64: every address in it counts as one
        post(client, "ESHP", b"{}", ip=f"2001:db8:1:2::{n + 1:x}")
    assert UnverifiedCallback.objects.count() == 2


def test_unverified_ones_are_cut_short_and_purged_after_the_retention_period(client, settings):
    big = b'{"junk":"' + b"a" * 3000 + b'"}'
    post(client, "ESHP", big)
    row = UnverifiedCallback.objects.get()
    assert row.body_bytes == len(big) and len(row.body_excerpt) == 1024
    settings.PARTNER_UNVERIFIED_RETENTION_DAYS = 7
    now = timezone.now()
    UnverifiedCallback.objects.filter(pk=row.pk).update(received_at=now - timedelta(days=8))
    post(client, "ESHP", b"{}")
    verified = PartnerCallback.objects.create(mitra_cd="ESHP", path="/p", body="{}")
    PartnerCallback.objects.filter(pk=verified.pk).update(received_at=now - timedelta(days=400))
    old_nonce = PartnerNonce.objects.create(mitra_cd="IDNA", nonce="a" * 64)
    PartnerNonce.objects.filter(pk=old_nonce.pk).update(
        seen_at=now - timedelta(seconds=2 * settings.PARTNER_NOTIFICATION_WINDOW + 1)
    )
    PartnerNonce.objects.create(mitra_cd="IDNA", nonce="b" * 64)
    assert partner_callbacks_purge(now=now) == (1, 1)
    assert UnverifiedCallback.objects.count() == 1 and PartnerCallback.objects.filter(pk=verified.pk).exists()
    assert list(PartnerNonce.objects.values_list("nonce", flat=True)) == ["b" * 64]


def test_purge_runs_hourly_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["unverified-callbacks-purge"]
    assert entry["task"] == "payments.tasks.partner_callbacks_purge"
    assert entry["schedule"] == timedelta(hours=1)


# --- signed long ago: a 2020 timestamp must not move a payment -----------------------------------


def dana_notification(txid: str, amount: int, stamp: str) -> tuple[bytes, dict[str, str]]:
    body = dana_fixture("finish_notify_paid.json")
    body["originalPartnerReferenceNo"] = txid
    body["amount"] = body["additionalInfo"]["paymentInfo"]["payOptionInfos"][0]["payAmount"] = {
        "value": f"{amount}.00",
        "currency": "IDR",
    }
    raw = signing.minify(body)
    signature = dana_side.sign_as_dana("/partners/DANA/notify", raw, stamp)
    return raw, {"HTTP_X_TIMESTAMP": stamp, "HTTP_X_SIGNATURE": signature}


def test_a_dana_notification_signed_in_2020_does_not_move_the_payment(client, merchant):
    txn = make_txn(merchant, mitra_cd="DANA", amount=25_000)
    raw, headers = dana_notification(txn.txid, 25_000, "2020-06-01T10:00:00+07:00")
    resp = post(client, "DANA", raw, **headers)
    assert resp.status_code == 401
    txn.refresh_from_db()
    assert txn.status == "9" and not TransactionEvent.objects.filter(transaction=txn).exists()
    refused = UnverifiedCallback.objects.get(mitra_cd="DANA")
    assert "outside the 900 s window" in refused.reason and refused.headers["X-Signature"] == "[redacted]"
    # The same notification signed now is applied: only its time made the difference.
    raw, headers = dana_notification(txn.txid, 25_000, signing.snap_timestamp_wib())
    assert post(client, "DANA", raw, **headers).status_code == 200
    txn.refresh_from_db()
    assert txn.status == "0"
    assert PartnerCallback.objects.get(transaction=txn).headers["X-Signature"] == "[redacted]"


# --- Indodana: nonce and timestamp, and the Authorization never stored -----------------------------


def indodana_notification(txid: str, nonce: int) -> tuple[bytes, dict[str, str]]:
    creds = IndodanaAdapter.default_credentials
    body = json.dumps(
        {
            "amount": "1500000.00",
            "paymentType": "3_months",
            "transactionStatus": "PAID",
            "merchantOrderId": txid,
            "transactionTime": "2026-11-22T19:30:01+07:00",
            "transactionId": "7c1f9a4e-5b7d-4b70-9f6e-3a2d1c0b9e8f",
        }
    ).encode()
    return body, {"HTTP_AUTHORIZATION": idna.bearer(creds["api_key"], creds["api_secret"], nonce)}


def test_an_indodana_nonce_is_accepted_once_and_an_old_one_never(client, merchant, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # Indodana is unreachable: confirmation fails
    registry.get_adapter.cache_clear()
    txn = make_txn(merchant, mitra_cd="IDNA", pay_method="06", amount=1_500_000)
    now = int(timezone.now().timestamp())
    body, headers = indodana_notification(txn.txid, now)
    first = post(client, "IDNA", body, **headers)
    assert first.status_code == 503  # verified and fresh; asking Indodana to confirm failed: retry
    replay = post(client, "IDNA", body, **headers)
    assert replay.status_code == 401
    old_body, old_headers = indodana_notification(txn.txid, 1585504035)  # 2020
    assert post(client, "IDNA", old_body, **old_headers).status_code == 401
    # Another order's notification sent in the same second: same nonce, another body. Genuine
    # (Indodana stamps whole seconds), so not a replay: it goes on to Indodana's confirmation.
    other = make_txn(merchant, mitra_cd="IDNA", pay_method="06", amount=1_500_000)
    other_body, same_second = indodana_notification(other.txid, now)
    assert same_second == headers
    assert post(client, "IDNA", other_body, **same_second).status_code == 503
    reasons = list(UnverifiedCallback.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons[0].startswith("confirmation failed")
    assert reasons[1] == "replayed: nonce already used"
    assert "outside the 900 s window" in reasons[2]
    assert reasons[3].startswith("confirmation failed")
    assert PartnerNonce.objects.filter(mitra_cd="IDNA").count() == 2
    for row in UnverifiedCallback.objects.all():  # the replayable header is never kept
        assert row.headers["Authorization"] == "[redacted]"
        assert headers["HTTP_AUTHORIZATION"].split(":")[-1] not in json.dumps(row.headers)
    txn.refresh_from_db()
    assert txn.status == "9"
    registry.get_adapter.cache_clear()


def test_a_kredivo_push_never_keeps_its_signature_key(client, merchant, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # Kredivo unreachable: the push stays unconfirmed
    registry.get_adapter.cache_clear()
    txn = make_txn(merchant, mitra_cd="KDVI", pay_method="06", amount=1_500_100)
    push = partner_fixture("kredivo", "push_settlement.json")
    push["order_id"] = txn.txid
    secret = push["signature_key"]
    assert post(client, "KDVI", json.dumps(push)).status_code == 503
    row = UnverifiedCallback.objects.get(mitra_cd="KDVI")
    assert secret not in row.body_excerpt and '"signature_key": "[redacted]"' in row.body_excerpt
    assert Transaction.objects.get(pk=txn.pk).status == "9"
    registry.get_adapter.cache_clear()
