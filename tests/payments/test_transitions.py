"""The one status writer: idempotent, illegal moves flagged (never applied), corrections marked,
and partner answers that disagree with a settled payment flagged."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Notification, Transaction, TransactionEvent
from payments.services.settle import apply_partner_result
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers.base.types import PartnerStatus, StatusResult

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


def make_txn(merchant, **kw) -> Transaction:
    n = next(_seq)
    fields = {
        "txid": f"{merchant.imid}05{n:018d}"[:30],
        "merchant": merchant,
        "reference_no": f"REF{n}",
        "pay_method": "05",
        "mitra_cd": "ESHP",
        "amount": 10000,
        "goods_name": "Item",
        "billing_name": "Budi",
        "billing_phone": "0812",
        "billing_email": "b@example.com",
        "db_process_url": "http://127.0.0.1:9/n",
        "expires_at": timezone.now() + timedelta(minutes=5),
        "request_fingerprint": "x" * 64,
    }
    fields.update(kw)
    return Transaction.objects.create(**fields)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


def test_same_input_twice_changes_once_and_notifies_once(merchant, django_capture_on_commit_callbacks):
    txn = make_txn(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            transaction_apply_status(
                transaction_id=txn.pk, to=Status.PAID, source="partner_callback", idempotency_key="cb:1"
            )
    txn.refresh_from_db()
    assert txn.status == "0" and txn.paid_at is not None
    assert txn.events.filter(kind="status_changed").count() == 1
    note = Notification.objects.get(transaction=txn)
    assert note.sequence == 1 and note.payload["status"] == "0" and note.payload["sequence"] == "1"


def test_illegal_move_is_flagged_not_applied(merchant):
    txn = make_txn(merchant, status=Status.EXPIRED)
    transaction_apply_status(
        transaction_id=txn.pk, to=Status.PAID, source="partner_callback", idempotency_key="k"
    )
    txn.refresh_from_db()
    assert txn.status == "5" and txn.needs_review and "paid" in txn.review_reason
    assert txn.events.get().kind == TransactionEvent.Kind.REJECTED
    assert not Notification.objects.filter(transaction=txn).exists()


def test_poll_correction_is_a_status_corrected_event_with_increasing_sequence(merchant):
    txn = make_txn(merchant)
    transaction_apply_status(transaction_id=txn.pk, to=Status.PAID, source="poll", idempotency_key="p")
    transaction_apply_status(transaction_id=txn.pk, to=Status.REFUND, source="sync", idempotency_key="s")
    assert list(txn.events.values_list("kind", flat=True)) == ["status_corrected", "status_corrected"]
    assert list(Notification.objects.filter(transaction=txn).values_list("sequence", flat=True)) == [1, 2]


def test_settled_payment_the_partner_calls_open_is_flagged_on_sync(merchant):
    txn = make_txn(merchant, status=Status.PAID)
    pending = StatusResult(status=PartnerStatus.PENDING, raw_status="payment_status:2")
    apply_partner_result(txn=txn, result=pending, source="sync", idempotency_key="sync:x")
    apply_partner_result(txn=txn, result=pending, source="sync", idempotency_key="sync:x")
    txn.refresh_from_db()
    assert txn.status == "0" and txn.needs_review and "payment_status:2" in txn.review_reason
    assert txn.events.filter(kind="rejected").count() == 1


def test_settled_payment_with_a_different_final_partner_status_is_flagged(merchant):
    txn = make_txn(merchant, status=Status.PAID)
    failed = StatusResult(status=PartnerStatus.FAILED, raw_status="transaction_status:4")
    apply_partner_result(txn=txn, result=failed, source="reconcile", idempotency_key="r")
    txn.refresh_from_db()
    assert txn.status == "0" and txn.needs_review


def test_expired_payment_the_partner_calls_open_is_no_drift(merchant):
    txn = make_txn(merchant, status=Status.EXPIRED)
    pending = StatusResult(status=PartnerStatus.PENDING, raw_status="payment_status:2")
    apply_partner_result(txn=txn, result=pending, source="poll", idempotency_key="p")
    txn.refresh_from_db()
    assert not txn.needs_review and not txn.events.exists()


def test_amount_mismatch_is_flagged_not_applied(merchant):
    txn = make_txn(merchant)
    paid = StatusResult(status=PartnerStatus.SUCCEEDED, raw_status="payment_status:1", amount=9999)
    apply_partner_result(txn=txn, result=paid, source="partner_callback", idempotency_key="cb")
    txn.refresh_from_db()
    assert txn.status == "9" and txn.needs_review and "9999" in txn.review_reason
