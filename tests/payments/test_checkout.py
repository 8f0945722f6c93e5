"""services/checkout.py: registering a hosted checkout, the shopper's choice, leaving an attempt
and starting another on the same order (one open or paid attempt per referenceNo)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from payments import exceptions as err
from payments.models import Checkout, CheckoutSettings, Transaction
from payments.services import checkout as checkout_service
from payments.services.registration import RegistrationData
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers.base.types import CartItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):  # noqa: ANN202
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


def data(**kw) -> RegistrationData:
    fields = {
        "pay_method": "00",
        "mitra_cd": "",
        "currency": "IDR",
        "amount": 45_000,
        "reference_no": f"REF{uuid.uuid4().hex[:10]}",
        "goods_name": "Batik shirt",
        "billing": {
            "billing_name": "Budi",
            "billing_phone": "081234567890",
            "billing_email": "b@example.com",
        },
        "cart": lambda: (CartItem(id="1", name="Batik shirt", unit_price=45_000, quantity=1),),
        "db_process_url": "http://127.0.0.1:9/notify",
        "user_ip": "127.0.0.1",
        "fingerprint": uuid.uuid4().hex,
    }
    fields.update(kw)
    return RegistrationData(**fields)


def test_register_makes_the_checkout_and_its_first_attempt(merchant) -> None:
    sent = data(mitra_cd="DANA")  # ignored with payMethod 00: the shopper chooses
    txn = checkout_service.checkout_register(merchant=merchant, data=sent)
    assert (txn.pay_method, txn.mitra_cd, txn.status) == ("00", "", Status.INIT)
    assert (
        txn.txid.startswith(f"{merchant.imid}00") and txn.checkout.order["items"][0]["unit_price"] == 45_000
    )
    assert checkout_service.checkout_register(merchant=merchant, data=sent) == txn  # an identical replay
    with pytest.raises(err.DuplicateReference):
        checkout_service.checkout_register(merchant=merchant, data=replace(sent, fingerprint="other"))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"pay_method": "07"}, err.PayMethodNotOffered),
        ({"pay_method": "05", "mitra_cd": "NONE"}, err.PartnerNotOffered),
        ({"currency": "USD"}, err.CurrencyNotSupported),
        ({"amount": 44_000}, err.CartTotalMismatch),
        ({"pay_method": "05", "mitra_cd": "KDVI"}, err.NoMethodFits),  # a pay-later partner is no e-wallet
        ({"pay_method": "06", "amount": 100, "cart": tuple}, err.NoMethodFits),  # under every minimum
    ],
)
def test_register_refuses_what_no_method_can_take(merchant, change, error) -> None:
    with pytest.raises(error):
        checkout_service.checkout_register(merchant=merchant, data=data(**change))
    assert not Checkout.objects.exists() and not Transaction.objects.exists()


def test_methods_switched_off_by_the_merchant_cannot_be_chosen(merchant) -> None:
    CheckoutSettings.objects.create(merchant=merchant, disabled_methods=["DANA"])
    txn = checkout_service.checkout_register(merchant=merchant, data=data())
    with pytest.raises(err.MethodNotOffered):
        checkout_service.checkout_choose_method(
            txn=txn, choice=checkout_service.MethodChoice(mitra_cd="DANA")
        )
    assert Transaction.objects.get(pk=txn.pk).mitra_cd == ""


def test_a_new_attempt_only_after_the_last_ended_unpaid(merchant) -> None:
    txn = checkout_service.checkout_register(merchant=merchant, data=data())
    with pytest.raises(err.AttemptOpen):
        checkout_service.checkout_new_attempt(txn=txn)
    left = checkout_service.checkout_abandon_attempt(txn=txn)
    assert left.status == Status.FAILED
    second = checkout_service.checkout_new_attempt(txn=left)
    assert (second.reference_no, second.checkout_id) == (txn.reference_no, txn.checkout_id)
    assert second.txid != txn.txid and second.pay_method == "00"
    assert checkout_service.checkout_new_attempt(txn=left) == second  # a second click: the same attempt
    transaction_apply_status(
        transaction_id=second.pk, to=Status.PAID, source="partner", idempotency_key="paid"
    )
    second.refresh_from_db()
    with pytest.raises(err.CheckoutPaid):
        checkout_service.checkout_new_attempt(txn=second)


def test_a_late_success_of_a_left_attempt_is_not_applied_but_queued_for_return(merchant) -> None:
    from payments.models import PartnerCall
    from payments.services.transitions import late_return_key

    txn = checkout_service.checkout_register(merchant=merchant, data=data())
    checkout_service.checkout_abandon_attempt(txn=txn)
    late = transaction_apply_status(
        transaction_id=txn.pk, to=Status.PAID, source="partner_callback", idempotency_key="late"
    )
    assert late.status == Status.FAILED and late.paid_at is None
    assert late.events.filter(kind="rejected", to_status=Status.PAID).exists()
    # Returned automatically (tests/integration/test_late_payments.py); ops only if that fails.
    assert not late.needs_review
    assert PartnerCall.objects.filter(key=late_return_key(txn.pk), done_at__isnull=True).exists()


def test_the_database_keeps_one_open_attempt_per_reference(merchant) -> None:
    from django.db import IntegrityError, transaction

    txn = checkout_service.checkout_register(merchant=merchant, data=data())
    with pytest.raises(IntegrityError), transaction.atomic():
        checkout_service._new_attempt(txn.checkout)  # a second open attempt, past the service's lock


def test_a_new_attempt_refused_when_another_transaction_took_the_reference(merchant) -> None:
    """After the attempt ended, the merchant registered the same referenceNo elsewhere (V2): the new
    attempt is refused with the holder named, never a crash."""
    from tests.support.data import make_txn

    txn = checkout_service.checkout_register(merchant=merchant, data=data())
    left = checkout_service.checkout_abandon_attempt(txn=txn)
    holder = make_txn(merchant, reference_no=txn.reference_no, status=Status.INIT)
    with pytest.raises(err.DuplicateReference) as refused:
        checkout_service.checkout_new_attempt(txn=left)
    assert refused.value.message.endswith(f"held by transaction {holder.txid}, which is init")


@pytest.mark.parametrize(
    ("status", "source", "payload", "kind", "detail"),
    [
        (
            "8",
            "partner_callback",
            {"raw_status": "REJECTED", "message": "Insufficient balance"},
            "declined",
            "Insufficient balance",
        ),
        ("8", "poll", {"raw_status": "cancel", "message": "Confirmed order status. Valid!"}, "cancelled", ""),
        ("5", "expiry", {"message": "Confirmed order status. Valid!"}, "expired", ""),
        ("8", "customer", {"reason": "abandoned", "message": "whatever"}, "cancelled", ""),
    ],
)
def test_the_shopper_sees_the_partners_message_only_for_a_decline(
    merchant, status, source, payload, kind, detail
):
    """A decline's partner message is its reason; a cancel's or an expiry's is the status call's
    own wording, which read "Confirmed order status. Valid!" under "The payment was cancelled"."""
    from payments.models import TransactionEvent
    from payments.selectors.checkout import checkout_failure
    from tests.support.data import make_txn

    txn = make_txn(merchant, status=status)
    TransactionEvent.objects.create(
        transaction=txn,
        kind="status_changed",
        from_status="9",
        to_status=status,
        source=source,
        idempotency_key="ended",
        payload=payload,
    )
    assert checkout_failure(txn=txn) == {"kind": kind, "detail": detail}
