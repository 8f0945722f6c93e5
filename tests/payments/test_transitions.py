"""The one status writer: idempotent, illegal moves flagged (never applied), corrections marked."""

from __future__ import annotations

import pytest
from django.utils import timezone

from payments.models import Notification, PartnerCall, TransactionEvent
from payments.services.transitions import late_return_key, transaction_apply_status
from payments.status import Status
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


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
    txn = make_txn(merchant, status=Status.VOID, paid_at=timezone.now())  # voided after payment
    transaction_apply_status(
        transaction_id=txn.pk, to=Status.PAID, source="partner_callback", idempotency_key="k"
    )
    txn.refresh_from_db()
    assert txn.status == "1" and txn.needs_review and "paid" in txn.review_reason
    assert txn.events.get().kind == TransactionEvent.Kind.REJECTED
    assert not Notification.objects.filter(transaction=txn).exists()
    assert not PartnerCall.objects.exists()  # money we hold as paid and voided: ops decide


@pytest.mark.parametrize("ended", [Status.EXPIRED, Status.FAILED, Status.VOID])
def test_a_success_after_the_transaction_ended_unpaid_is_queued_for_return(merchant, ended):
    txn = make_txn(merchant, status=ended)
    for key in ("callback", "poll"):  # told twice: one return
        transaction_apply_status(
            transaction_id=txn.pk, to=Status.PAID, source="partner_callback", idempotency_key=key
        )
    txn.refresh_from_db()
    assert (txn.status, txn.paid_at, txn.needs_review) == (ended, None, False)
    assert [e.kind for e in txn.events.all()] == [TransactionEvent.Kind.REJECTED] * 2
    assert not Notification.objects.filter(transaction=txn).exists()
    [todo] = PartnerCall.objects.filter(key=late_return_key(txn.pk))
    assert todo.done_at is None and todo.transaction_id == txn.pk and todo.data["paid_at"]


def test_poll_correction_is_a_status_corrected_event_with_increasing_sequence(merchant):
    txn = make_txn(merchant)
    transaction_apply_status(transaction_id=txn.pk, to=Status.PAID, source="poll", idempotency_key="p")
    transaction_apply_status(transaction_id=txn.pk, to=Status.REFUND, source="sync", idempotency_key="s")
    assert list(txn.events.values_list("kind", flat=True)) == ["status_corrected", "status_corrected"]
    assert list(Notification.objects.filter(transaction=txn).values_list("sequence", flat=True)) == [1, 2]
