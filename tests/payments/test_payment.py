"""Starting a payment: one partner start per payment, even for concurrent requests; a failed
start can be tried again at once; an app push is sent at most once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payments.exceptions import PartnerFailure, PaymentStarting
from payments.models import Transaction
from payments.services import payment
from providers.base.errors import PartnerUnavailable
from providers.base.types import PartnerStatus, PushToApp, Redirect, StatusResult
from tests.support.data import make_txn


class SlowPartner:
    """Answers after a delay, long enough for a second request to arrive meanwhile."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.delay, self.fail = delay, fail
        self.starts = 0
        self.pushes = 0

    def start_payment(self, req):
        self.starts += 1
        time.sleep(self.delay)
        if self.fail:
            raise PartnerUnavailable("timeout")
        return Redirect(url=f"https://partner.example/pay/{self.starts}", partner_ref=f"P{self.starts}")

    def complete_push(self, req):
        self.pushes += 1
        return StatusResult(PartnerStatus.PENDING, "pending")


@pytest.fixture
def partner(monkeypatch) -> SlowPartner:
    fake = SlowPartner()
    monkeypatch.setattr(payment.registry, "get_adapter", lambda mitra_cd: fake)
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    return fake


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_ask_the_partner_once_and_share_its_answer(merchant, partner):
    partner.delay = 0.6
    txn = make_txn(merchant)
    answers: list = []

    def start() -> None:
        try:
            answers.append(payment.transaction_start_payment(txn=Transaction.objects.get(pk=txn.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert partner.starts == 1
    assert [a.url for a in answers] == ["https://partner.example/pay/1"] * 3
    txn.refresh_from_db()
    assert txn.partner_ref == "P1" and txn.payment_started_at is not None


@pytest.mark.django_db
def test_a_failed_start_is_released_and_can_be_tried_again_at_once(merchant, partner):
    partner.fail = True
    txn = make_txn(merchant)
    with pytest.raises(PartnerFailure):
        payment.transaction_start_payment(txn=txn)
    txn.refresh_from_db()
    assert txn.payment_started_at is None and "action" not in txn.partner_data
    partner.fail = False
    action = payment.transaction_start_payment(txn=txn)
    assert action.url.endswith("/pay/2") and partner.starts == 2


@pytest.mark.django_db
@pytest.mark.serial  # timed against a bound
def test_a_start_in_progress_elsewhere_is_waited_for_briefly_then_asked_again(merchant, partner):
    txn = make_txn(merchant, payment_started_at=timezone.now())  # another request holds the claim
    began = time.monotonic()
    with pytest.raises(PaymentStarting):
        payment.transaction_start_payment(txn=txn)
    assert time.monotonic() - began < payment.START_WAIT_SECONDS + 1  # never the partner's whole call
    assert partner.starts == 0


@pytest.mark.django_db
def test_a_stale_claim_is_taken_over(merchant, partner):
    txn = make_txn(merchant, payment_started_at=timezone.now() - timedelta(minutes=5))
    assert payment.transaction_start_payment(txn=txn).url.endswith("/pay/1")


@pytest.mark.django_db
def test_the_push_is_sent_at_most_once_even_if_the_task_runs_again(merchant, partner):
    push = PushToApp(phone="081234567890", expires_at=datetime.now(UTC) + timedelta(seconds=60))
    txn = make_txn(merchant, mitra_cd="OVOE", partner_data={"action": payment.action_to_dict(push)})
    payment.transaction_complete_push(transaction_id=txn.pk)
    payment.transaction_complete_push(transaction_id=txn.pk)  # redelivered after a worker died
    assert partner.pushes == 1


@pytest.mark.django_db
def test_pay_registers_and_starts_once_for_the_same_order(merchant, partner):
    from payments.services.registration import RegistrationData
    from providers.base.types import CartItem

    data = RegistrationData(
        pay_method="05",
        mitra_cd="DANA",
        currency="IDR",
        amount=20_000,
        reference_no="H2H-1",
        goods_name="Item",
        billing={"billing_name": "Budi", "billing_phone": "0812", "billing_email": ""},
        cart=lambda: (CartItem(id="1", name="Item", unit_price=20_000, quantity=1),),
        db_process_url="http://127.0.0.1:9/n",
        user_ip="127.0.0.1",
        fingerprint="f" * 64,
        door="snap",
        door_data={"externalId": "E1"},
    )
    txn, action = payment.transaction_pay(merchant=merchant, data=data)
    again, same = payment.transaction_pay(merchant=merchant, data=data)
    assert (again.pk, same) == (txn.pk, action) and partner.starts == 1
    assert (txn.door, txn.door_data, txn.partner_ref) == ("snap", {"externalId": "E1"}, "P1")
