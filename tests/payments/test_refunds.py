"""Refunds numbered by the merchant: one refund per number, the same answer for the same request,
a conflict for another, and a refused request leaves the number free."""

from __future__ import annotations

import pytest

from payments import exceptions as err
from payments.models import Cancellation, RefundReference
from payments.services import cancellation
from payments.services.refunds import refund_reference_of, transaction_refund
from payments.status import Status
from providers.base.errors import PartnerDeclined
from providers.base.types import CancelResult
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


class FakeAdapter:
    def __init__(self, decline: bool = False) -> None:
        self.cancels: list = []
        self.decline = decline

    def check_cancel(self, req, *, now) -> None:
        return None

    def cancel(self, req):
        self.cancels.append(req)
        if self.decline:
            raise PartnerDeclined("balance too low", code="REFUND_DENIED")
        return CancelResult(partner_cancel_ref="P-1", kind="refund")


@pytest.fixture
def adapter(monkeypatch) -> FakeAdapter:
    fake = FakeAdapter()
    monkeypatch.setattr(cancellation.registry, "get_adapter", lambda mitra_cd: fake)
    return fake


def refund(txn, *, reference="R1", amount=None, cancel_type="1"):
    return transaction_refund(
        merchant=txn.merchant,
        txid=txn.txid,
        reference=reference,
        cancel_type=cancel_type,
        amount=txn.amount if amount is None else amount,
        reason="test",
        source="snap",
    )


def test_one_refund_per_number(merchant, adapter):
    txn = make_txn(merchant, status=Status.PAID)
    row = refund(txn, amount=4000, cancel_type="2")
    assert row.state == Cancellation.State.SUCCEEDED and len(adapter.cancels) == 1
    assert refund(txn, amount=4000, cancel_type="2") == row  # the same request: the same refund
    assert len(adapter.cancels) == 1 and refund_reference_of(cancellation=row) == "R1"
    with pytest.raises(err.RefundReferenceReused):
        refund(txn, amount=1000, cancel_type="2")
    other = make_txn(merchant, status=Status.PAID)
    with pytest.raises(err.RefundReferenceReused):
        refund(other, amount=4000, cancel_type="2")
    assert RefundReference.objects.get().cancellation == row


def test_a_refusal_before_the_partner_frees_the_number(merchant, adapter):
    txn = make_txn(merchant)  # not paid, never started: only a full void is possible
    with pytest.raises(err.PartialCancelBeforePayment):
        refund(txn, amount=10, cancel_type="2")
    assert not RefundReference.objects.exists() and not adapter.cancels
    row = refund(txn)  # the corrected request may use the number
    assert row.state == Cancellation.State.SUCCEEDED and not adapter.cancels  # voided here
    with pytest.raises(err.CancelTargetNotFound):
        transaction_refund(
            merchant=merchant,
            txid="NOPE",
            reference="R2",
            cancel_type="1",
            amount=1,
            reason="",
            source="snap",
        )


def test_a_partner_decline_is_kept_and_answered_again(merchant, monkeypatch):
    fake = FakeAdapter(decline=True)
    monkeypatch.setattr(cancellation.registry, "get_adapter", lambda mitra_cd: fake)
    txn = make_txn(merchant, status=Status.PAID)
    with pytest.raises(err.CancelDeclined):
        refund(txn)
    with pytest.raises(err.CancelFailedEarlier) as again:
        refund(txn)
    assert again.value.params["cause"] == "cancel_declined" and len(fake.cancels) == 1
    assert RefundReference.objects.filter(reference="R1").exists()  # the number stays spent
