"""Cancel: the partner is asked whenever the payment is paid under the lock, a copy of a cancel
still in flight is not answered as a success, and nothing is refunded in part before payment."""

from __future__ import annotations

import pytest

from payments.exceptions import CancelInProgress, PartialCancelBeforePayment
from payments.models import Cancellation
from payments.nicepay.errors import answer
from payments.services import cancellation
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers.base.types import CancelResult
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


class FakeAdapter:
    def __init__(self) -> None:
        self.cancels: list = []

    def check_cancel(self, req, *, now) -> None:
        return None

    def cancel(self, req):
        self.cancels.append(req)
        return CancelResult(partner_cancel_ref="P-1", kind="void")


@pytest.fixture
def adapter(monkeypatch) -> FakeAdapter:
    fake = FakeAdapter()
    monkeypatch.setattr(cancellation.registry, "get_adapter", lambda mitra_cd: fake)
    return fake


def cancel(txn, *, amount: int, cancel_type: str = "1", key: str = "k1"):
    return cancellation.transaction_cancel(
        merchant=txn.merchant,
        txid=txn.txid,
        cancel_type=cancel_type,
        amount=amount,
        reason="",
        idempotency_key=key,
    )


def test_paid_just_before_the_lock_still_goes_to_the_partner(merchant, adapter, monkeypatch):
    """The caller read the payment as unpaid; it was paid before the cancel took the lock. A local
    void would keep the customer's money: the partner must be asked."""
    txn = make_txn(merchant)
    real_open = cancellation._open

    def paid_meanwhile(*args, **kwargs):
        transaction_apply_status(transaction_id=txn.pk, to=Status.PAID, source="cb", idempotency_key="p")
        return real_open(*args, **kwargs)

    monkeypatch.setattr(cancellation, "_open", paid_meanwhile)
    row = cancel(txn, amount=txn.amount)
    assert row.state == Cancellation.State.SUCCEEDED and row.partner_ref == "P-1"
    assert [r.cancel_id for r in adapter.cancels] == [row.cancel_txid]
    txn.refresh_from_db()
    assert txn.status == Status.VOID and txn.cancelled_amount == txn.amount


def test_a_copy_of_a_cancel_still_in_flight_is_not_a_success(merchant, adapter):
    txn = make_txn(merchant, status=Status.PAID)
    Cancellation.objects.create(
        transaction=txn,
        merchant=txn.merchant,
        cancel_txid="C" * 30,
        cancel_type="1",
        amount=txn.amount,
        idempotency_key="k1",
    )
    with pytest.raises(CancelInProgress) as exc:
        cancel(txn, amount=txn.amount, key="k1")
    assert answer(exc.value).result_cd == "9315" and exc.value.http_status == 409
    assert adapter.cancels == []


def test_partial_cancel_before_payment_is_refused(merchant, adapter):
    txn = make_txn(merchant)
    with pytest.raises(PartialCancelBeforePayment) as exc:
        cancel(txn, amount=1000, cancel_type="2")
    assert answer(exc.value).result_cd == "9326"
    txn.refresh_from_db()
    assert txn.cancelled_amount == 0 and txn.status == Status.INIT
    assert not Cancellation.objects.filter(transaction=txn).exists()


def test_full_cancel_before_payment_voids_without_the_partner(merchant, adapter):
    txn = make_txn(merchant)
    row = cancel(txn, amount=txn.amount)
    assert row.state == Cancellation.State.SUCCEEDED and adapter.cancels == []
    txn.refresh_from_db()
    assert txn.status == Status.VOID
    assert cancel(txn, amount=txn.amount).pk == row.pk  # the same request again: the same answer
