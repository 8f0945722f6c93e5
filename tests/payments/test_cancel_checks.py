"""Settling cancels whose partner answer was lost: never recorded failed while the partner may have
made them, settled from the partner's own answer, never sent twice, ops asked once the schedule is
used up. (The partner here is a fake adapter; the real partners' answers are in the integration
and adapter tests.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments import exceptions as err
from payments.models import Cancellation
from payments.services import cancel_checks, cancellation
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers.base.errors import PartnerDeclined, PartnerUnavailable
from providers.base.types import CancelResult, CancelStatus, RefundState
from tests.payments.test_cancellation import cancel as cancel_as_merchant
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


class Partner:
    """Takes cancels (or times out on them) and answers what it did with each."""

    def __init__(self) -> None:
        self.cancels: list = []
        self.timeout = False
        self.made: set[str] = set()
        self.answer: RefundState | None = None  # forced answer to cancel_status
        self.unreachable = False

    def check_cancel(self, req, *, now) -> None:  # noqa: ANN001
        return None

    def cancel(self, req) -> CancelResult:  # noqa: ANN001
        self.cancels.append(req)
        self.made.add(req.cancel_id)  # the partner makes it even when its answer is lost
        if self.timeout:
            raise PartnerUnavailable("ReadTimeout calling partner")
        return CancelResult(partner_cancel_ref=f"R-{req.cancel_id[-4:]}", kind="refund")

    def cancel_status(self, req) -> CancelStatus:  # noqa: ANN001
        if self.unreachable:
            raise PartnerUnavailable("down")
        state = self.answer or (RefundState.DONE if req.cancel_id in self.made else RefundState.NOT_DONE)
        return CancelStatus(state, partner_cancel_ref=f"R-{req.cancel_id[-4:]}", kind="refund")


@pytest.fixture
def partner(monkeypatch) -> Partner:
    fake = Partner()
    monkeypatch.setattr(cancellation.registry, "get_adapter", lambda mitra_cd: fake)
    monkeypatch.setattr(cancel_checks.registry, "get_adapter", lambda mitra_cd: fake)
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    return fake


def paid(merchant):  # noqa: ANN001, ANN201
    txn = make_txn(merchant, payment_started_at=timezone.now(), partner_ref="P1")
    transaction_apply_status(transaction_id=txn.pk, to=Status.PAID, source="cb", idempotency_key="paid")
    txn.refresh_from_db()
    return txn


def cancel(txn, amount: int, key: str, cancel_type: str = "2"):  # noqa: ANN001, ANN201
    return cancel_as_merchant(txn, amount=amount, cancel_type=cancel_type, key=key)


def answer_lost(partner: Partner, txn, amount: int, cancel_type: str = "2") -> Cancellation:  # noqa: ANN001
    """A cancel whose partner answer times out: the merchant is told to wait, the row is unknown."""
    partner.timeout = True
    with pytest.raises(err.CancelPartnerUnavailable):
        cancel(txn, amount, "k1", cancel_type=cancel_type)
    return Cancellation.objects.get(transaction=txn)


def due_now(row: Cancellation) -> None:
    Cancellation.objects.filter(pk=row.pk).update(next_check_at=timezone.now() - timedelta(seconds=1))


def test_a_timed_out_cancel_is_unknown_never_failed_then_settled_from_the_partner(merchant, partner):
    txn = paid(merchant)
    row = answer_lost(partner, txn, 3_000)
    assert row.state == "unknown" and row.next_check_at > timezone.now()
    # Meanwhile neither the same request nor another cancel reaches the partner.
    for key in ("k1", "k2"):
        with pytest.raises(err.CancelInProgress):
            cancel(txn, 3_000, key)
    assert len(partner.cancels) == 1

    assert cancel_checks.cancellations_settle() == 0  # not due yet
    due_now(row)
    assert cancel_checks.cancellations_settle() == 1
    row.refresh_from_db()
    txn.refresh_from_db()
    assert row.state == "succeeded" and row.partner_ref == f"R-{row.cancel_txid[-4:]}"
    assert txn.cancelled_amount == 3_000 and txn.status == Status.PAID
    assert txn.events.filter(kind="cancel", source="cancel_check").count() == 1
    assert cancel(txn, 3_000, "k1").pk == row.pk  # the same request again: the settled answer
    assert len(partner.cancels) == 1  # never sent twice


def test_a_cancel_the_partner_never_made_is_failed_and_a_new_one_goes_through(merchant, partner):
    txn = paid(merchant)
    row = answer_lost(partner, txn, 10_000, cancel_type="1")
    partner.made.clear()  # the request was lost on the way: nothing happened at the partner
    due_now(row)
    cancel_checks.cancellations_settle()
    row.refresh_from_db()
    assert row.state == "failed" and row.result_code == "cancel_not_made"
    with pytest.raises(err.CancelFailedEarlier):
        cancel(txn, 10_000, "k1", cancel_type="1")
    partner.timeout = False
    done = cancel(txn, 10_000, "k2", cancel_type="1")
    txn.refresh_from_db()
    assert done.state == "succeeded" and txn.status == Status.REFUND and txn.cancelled_amount == 10_000


def test_a_pending_cancel_whose_process_died_is_settled_once_its_call_must_be_over(merchant, partner):
    txn = paid(merchant)
    # What a web process killed during the partner call leaves: a pending row, made at the partner.
    row = Cancellation.objects.create(
        transaction=txn,
        merchant=txn.merchant,
        cancel_txid="C" * 30,
        cancel_type="2",
        amount=2_000,
        idempotency_key="k1",
        next_check_at=timezone.now() + timedelta(seconds=cancellation.check_after_seconds()),
    )
    partner.made.add(row.cancel_txid)
    assert cancel_checks.cancellations_settle() == 0  # its request may still be waiting on the partner
    with pytest.raises(err.CancelInProgress):
        cancel(txn, 1_000, "k2")
    due_now(row)
    assert cancel_checks.cancellations_settle() == 1
    txn.refresh_from_db()
    assert Cancellation.objects.get(pk=row.pk).state == "succeeded" and txn.cancelled_amount == 2_000
    assert cancel(txn, 1_000, "k2").state == "succeeded" and partner.cancels[-1].already_cancelled == 2_000


def test_a_partner_that_cannot_say_is_asked_again_then_ops_look(merchant, partner, settings):
    settings.CANCEL_CHECK_SCHEDULE = [1, 2]
    txn = paid(merchant)
    row = answer_lost(partner, txn, 1_000)
    partner.unreachable = True
    due_now(row)
    cancel_checks.cancellations_settle()
    row.refresh_from_db()
    assert (row.state, row.checks) == ("unknown", 1) and row.next_check_at > timezone.now()
    partner.unreachable, partner.answer = False, RefundState.PENDING  # the partner is still at it
    due_now(row)
    cancel_checks.cancellations_settle()
    txn.refresh_from_db()
    assert Cancellation.objects.get(pk=row.pk).state == "unknown" and txn.needs_review
    assert "no answer from the partner" in txn.review_reason and txn.cancelled_amount == 0


def test_two_sweeps_never_ask_about_one_cancel_twice(merchant, partner):
    txn = paid(merchant)
    row = answer_lost(partner, txn, 1_000)
    due_now(row)
    assert cancel_checks.cancellation_check(cancellation_id=row.pk, checks=0) is True
    assert cancel_checks.cancellation_check(cancellation_id=row.pk, checks=0) is False
    txn.refresh_from_db()
    assert txn.cancelled_amount == 1_000  # counted once


def test_a_settled_row_is_not_settled_again(merchant, partner):
    txn = paid(merchant)
    row = cancel(txn, 1_000, "k1")
    late = CancelResult(partner_cancel_ref="X")
    again = cancellation.cancellation_close(row.pk, late, None, "cancel_check")
    txn.refresh_from_db()
    assert again.partner_ref == row.partner_ref and txn.cancelled_amount == 1_000


def test_a_declined_cancel_is_failed_at_once(merchant, partner, monkeypatch):
    txn = paid(merchant)

    def refuse(req):  # noqa: ANN001, ANN202
        raise PartnerDeclined("insufficient merchant balance", code="51")

    monkeypatch.setattr(partner, "cancel", refuse)
    with pytest.raises(err.CancelDeclined):
        cancel(txn, 1_000, "k1")
    assert Cancellation.objects.get(transaction=txn).state == "failed"
