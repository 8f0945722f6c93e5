"""Expiry: open payments past validity expire (after one last look at the partner), the merchant
is notified; a later "paid" is not applied but flagged for review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Notification
from payments.services import expiry, polling
from payments.services.settle import apply_partner_result
from payments.status import Status
from providers.base.errors import PartnerUnavailable
from providers.base.types import PartnerStatus, StatusResult
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db
PAST = timedelta(seconds=-1)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


def test_only_open_payments_past_validity_are_due(merchant):
    now = timezone.now()
    due = make_txn(merchant, expires_at=now + PAST)
    make_txn(merchant, expires_at=now + timedelta(minutes=1))
    make_txn(merchant, status=Status.PAID, expires_at=now + PAST)
    assert expiry.transactions_expire_due() == [due.pk]


def test_untouched_payment_expires_and_the_merchant_is_notified(merchant):
    txn = make_txn(merchant, expires_at=timezone.now() + PAST)
    assert expiry.transaction_expire(transaction_id=txn.pk).status == "5"
    assert Notification.objects.get(transaction=txn).payload["status"] == "5"
    expiry.transaction_expire(transaction_id=txn.pk)  # a redelivered task: no-op
    assert Notification.objects.filter(transaction=txn).count() == 1


def test_not_yet_due_payment_is_left_alone(merchant):
    txn = make_txn(merchant, expires_at=timezone.now() + timedelta(minutes=1))
    assert expiry.transaction_expire(transaction_id=txn.pk).status == "9"


def test_a_payment_made_in_the_last_second_is_applied_instead(merchant, monkeypatch):
    txn = make_txn(merchant, expires_at=timezone.now() + PAST, payment_started_at=timezone.now())

    def paid_at_partner(*, transaction_id, source):
        result = StatusResult(status=PartnerStatus.SUCCEEDED, raw_status="paid")
        return apply_partner_result(txn=txn, result=result, source=source, idempotency_key="late")

    monkeypatch.setattr(expiry, "transaction_sync", paid_at_partner)
    assert expiry.transaction_expire(transaction_id=txn.pk).status == "0"


def test_unreachable_partner_does_not_keep_a_payment_open_forever(merchant, monkeypatch):
    txn = make_txn(merchant, expires_at=timezone.now() + PAST, payment_started_at=timezone.now())

    def down(**kw):
        raise PartnerUnavailable("timeout")

    monkeypatch.setattr(expiry, "transaction_sync", down)
    assert expiry.transaction_expire(transaction_id=txn.pk).status == "5"


def test_late_paid_after_expiry_is_queued_for_return_and_not_notified(merchant):
    from payments.models import PartnerCall
    from payments.services.transitions import late_return_key

    txn = make_txn(merchant, expires_at=timezone.now() + PAST)
    expiry.transaction_expire(transaction_id=txn.pk)
    paid = StatusResult(status=PartnerStatus.SUCCEEDED, raw_status="payment_status:1", amount=txn.amount)
    after = apply_partner_result(txn=txn, result=paid, source="partner_callback", idempotency_key="cb:late")
    assert after.status == "5" and after.paid_at is None
    # Its money goes back on its own (tests/payments/test_late_payments.py); ops only if that fails.
    assert not after.needs_review and PartnerCall.objects.filter(key=late_return_key(txn.pk)).exists()
    assert [n.payload["status"] for n in Notification.objects.filter(transaction=txn)] == ["5"]
    assert polling.transactions_claim_polls() == []  # a final payment is not polled any more
