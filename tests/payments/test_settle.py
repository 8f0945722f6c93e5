"""How a partner's answer settles a payment: the target status, partner references named late,
amounts that differ and partners that disagree with money we hold (flagged, never applied)."""

from __future__ import annotations

import pytest

from payments.services.settle import apply_partner_result, target_status
from payments.status import Status
from providers.base.types import PartnerStatus, StatusResult
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


@pytest.mark.parametrize(
    ("current", "partner", "expected"),
    [
        (Status.INIT, PartnerStatus.PENDING, None),
        (Status.INIT, PartnerStatus.SUCCEEDED, Status.PAID),
        (Status.INIT, PartnerStatus.FAILED, Status.FAILED),
        (Status.INIT, PartnerStatus.EXPIRED, Status.EXPIRED),
        (Status.INIT, PartnerStatus.CANCELLED, Status.FAILED),  # cancelled before paying: a failure
        (Status.PAID, PartnerStatus.CANCELLED, Status.VOID),  # after paying: a void
        (Status.REFUND, PartnerStatus.CANCELLED, Status.VOID),
        (Status.PAID, PartnerStatus.REFUNDED, Status.REFUND),
        # A late payment returned (late_payments.py): the ended transaction stays as it ended.
        (Status.FAILED, PartnerStatus.REFUNDED, None),
        (Status.EXPIRED, PartnerStatus.REFUNDED, None),
        (Status.FAILED, PartnerStatus.CANCELLED, Status.FAILED),
    ],
)
def test_target_status(current, partner, expected):
    assert target_status(current, partner) == expected


def test_a_result_is_applied_through_the_status_writer_with_the_partners_reference(merchant):
    txn = make_txn(merchant)
    paid = StatusResult(
        status=PartnerStatus.SUCCEEDED, raw_status="PAID", partner_ref="KR-77", amount=txn.amount
    )
    after = apply_partner_result(txn=txn, result=paid, source="partner_callback", idempotency_key="cb:1")
    assert after.status == Status.PAID and after.partner_ref == "KR-77"
    (event,) = after.events.all()
    assert (event.kind, event.source, event.payload["raw_status"]) == (
        "status_changed",
        "partner_callback",
        "PAID",
    )
    again = apply_partner_result(txn=after, result=paid, source="partner_callback", idempotency_key="cb:1")
    assert again.events.count() == 1  # the same answer twice changes nothing


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
