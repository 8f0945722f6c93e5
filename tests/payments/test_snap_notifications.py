"""SNAP payments' notifications (service 56) through the one outbox: JSON body, NICEPAY's headers
signed with our key at each attempt, our body signature beside them; V2 payments keep the form."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest

from payments.models import Notification
from payments.services import gateway_keys, notifications
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from tests.support import snap
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings) -> None:
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    queued: list[int] = []
    monkeypatch.setattr(notifications, "_enqueue", queued.append)
    return queued


def snap_txn(merchant, receiver, **kw):
    return make_txn(
        merchant,
        door="snap",
        mitra_cd="DANA",
        amount=25_000,
        db_process_url=receiver.url,
        door_data={"externalId": "ordNo20261130211639", "subMerchantId": "", "externalStoreId": "S1"},
        **kw,
    )


def received_json(receiver, txid: str) -> list:
    return [
        r
        for r in receiver.received
        if r.body.startswith(b"{") and json.loads(r.body)["originalReferenceNo"] == txid
    ]


def test_a_snap_payment_notifies_in_snaps_json_signed_as_nicepay_signs(merchant, sent, receiver):
    receiver.reset()
    txn = snap_txn(merchant, receiver)
    transaction_apply_status(transaction_id=txn.pk, to=Status.PAID, source="test", idempotency_key="paid")
    note = Notification.objects.get(transaction=txn)
    assert note.payload["latestTransactionStatus"] == "00" and note.payload["externalStoreId"] == "S1"

    done = notifications.notification_deliver(notification_id=note.pk)
    assert done.state == "delivered"
    [req] = received_json(receiver, txn.txid)
    body = json.loads(req.body)
    assert body == note.payload
    assert body["amount"] == {"value": "25000.00", "currency": "IDR"}
    assert body["originalExternalId"] == "ordNo20261130211639" and body["merchantId"] == merchant.imid
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["X-CLIENT-KEY"] == merchant.imid and req.headers["X-TIMESTAMP"].endswith("+07:00")
    signed = f"{req.headers['X-CLIENT-KEY']}|{req.headers['X-TIMESTAMP']}"
    assert snap.rsa_verify(gateway_keys.public_key().pem, signed, req.headers["X-SIGNATURE"])
    stamp, mac = (p.split("=", 1)[1] for p in req.headers["X-Payloan-Signature"].split(","))
    expected = hmac.new(merchant.merchant_key.encode(), stamp.encode() + b"." + req.body, hashlib.sha256)
    assert mac == expected.hexdigest() and req.headers["X-Payloan-Sequence"] == "1"


def test_refund_and_void_read_as_snap_statuses(merchant, sent, receiver):
    paid = snap_txn(merchant, receiver)
    transaction_apply_status(transaction_id=paid.pk, to=Status.PAID, source="t", idempotency_key="p")
    transaction_apply_status(transaction_id=paid.pk, to=Status.VOID, source="t", idempotency_key="v")
    never_paid = snap_txn(merchant, receiver)
    transaction_apply_status(transaction_id=never_paid.pk, to=Status.VOID, source="t", idempotency_key="v")
    expired = snap_txn(merchant, receiver)
    transaction_apply_status(transaction_id=expired.pk, to=Status.EXPIRED, source="t", idempotency_key="e")

    def statuses(t):
        return [
            (n.payload["latestTransactionStatus"], n.payload["transactionStatusDesc"])
            for n in Notification.objects.filter(transaction=t).order_by("sequence")
        ]

    assert statuses(paid) == [("00", "Success"), ("04", "Refunded")]
    assert statuses(never_paid) == [("05", "Canceled")]
    assert statuses(expired) == [("05", "Canceled")]
    assert all(n.payload["finishedTime"] for n in Notification.objects.all())


def test_each_attempt_is_signed_afresh_and_v2_payments_keep_the_form(merchant, sent, receiver):
    receiver.reset()
    txn = snap_txn(merchant, receiver)
    transaction_apply_status(transaction_id=txn.pk, to=Status.PAID, source="t", idempotency_key="p")
    note = Notification.objects.get(transaction=txn)
    notifications.notification_deliver(notification_id=note.pk)
    notifications.notification_resend(notification_id=note.pk)
    notifications.notification_deliver(notification_id=note.pk)
    first, second = received_json(receiver, txn.txid)
    assert first.body == second.body
    for req in (first, second):
        signed = f"{req.headers['X-CLIENT-KEY']}|{req.headers['X-TIMESTAMP']}"
        assert snap.rsa_verify(gateway_keys.public_key().pem, signed, req.headers["X-SIGNATURE"])

    v2 = make_txn(merchant, db_process_url=receiver.url)
    transaction_apply_status(transaction_id=v2.pk, to=Status.PAID, source="t", idempotency_key="p")
    notifications.notification_deliver(notification_id=Notification.objects.get(transaction=v2).pk)
    [form] = receiver.for_txid(v2.txid)
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded" and form.form["status"] == "0"
    assert "X-SIGNATURE" not in form.headers
