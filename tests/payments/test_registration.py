"""Registration as a service: the catalogue's rules in their order, the identical replay, the
partner that registers orders (nothing stored when it fails), and the neutral cart it stores."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from django.utils import timezone

from payments import exceptions as err
from payments.models import Transaction
from payments.services.registration import RegistrationData, transaction_register
from providers import registry
from providers.base.types import CartItem, Seller

pytestmark = pytest.mark.django_db
BILLING = {"billing_name": "Budi", "billing_phone": "0812", "billing_email": "b@example.com"}
DELIVERY = {
    f"delivery_{k}": "x" for k in ("name", "phone", "address", "city", "state", "post_code", "country")
}


def data(mitra_cd: str = "ESHP", amount: int = 50_000, **kw) -> RegistrationData:
    partner = registry.find(mitra_cd)
    items = (CartItem(id="SKU1", name="Shoe", unit_price=amount, quantity=1, seller_id="S1"),)
    fields = {
        "pay_method": partner.pay_method if partner else "05",
        "mitra_cd": mitra_cd,
        "currency": "IDR",
        "amount": amount,
        "reference_no": f"REF-{mitra_cd}-{amount}",
        "goods_name": "Shoe",
        "billing": BILLING,
        "cart": lambda: items,
        "db_process_url": "http://127.0.0.1:9/n",
        "user_ip": "127.0.0.1",
        "fingerprint": f"fp-{mitra_cd}-{amount}",
    }
    if partner and partner.is_payloan:
        fields.update(instalment_type="1", instalment_months=partner.tenors[0], delivery=DELIVERY)
    fields.update(kw)
    return RegistrationData(**fields)


def test_a_valid_order_is_stored_with_the_partners_validity_and_a_neutral_cart(merchant):
    txn = transaction_register(merchant=merchant, data=data())
    assert (txn.status, txn.pay_method, txn.mitra_cd, txn.amount) == ("9", "05", "ESHP", 50_000)
    assert txn.cart_data == {
        "items": [asdict(CartItem(id="SKU1", name="Shoe", unit_price=50_000, quantity=1, seller_id="S1"))]
    }
    expected = registry.partner("ESHP").expiry_seconds
    assert abs((txn.expires_at - txn.created_at) - timedelta(seconds=expected)) < timedelta(seconds=5)
    assert [e.kind for e in txn.events.all()] == ["registered"]


def test_the_same_request_again_answers_the_same_and_another_with_its_reference_is_refused(merchant):
    first = transaction_register(merchant=merchant, data=data())
    assert transaction_register(merchant=merchant, data=data()).pk == first.pk
    with pytest.raises(err.DuplicateReference) as exc:
        transaction_register(merchant=merchant, data=data(fingerprint="another"))
    assert exc.value.params == {
        "reference_no": first.reference_no,
        "txid": first.txid,
        "word": "init",
        "paid": False,
    }
    assert Transaction.objects.count() == 1


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"pay_method": "07"}, err.PayMethodNotOffered),
        ({"mitra_cd": "XXXX"}, err.PartnerNotOffered),
        ({"pay_method": "06"}, err.PartnerNotForPayMethod),
        ({"currency": "USD"}, err.CurrencyNotSupported),
        ({"amount": 0}, err.AmountBelowMinimum),
        ({"amount": 10**13}, err.AmountAboveMaximum),
        ({"cart": lambda: (CartItem(id="A", name="a", unit_price=1, quantity=1),)}, err.CartTotalMismatch),
        ({"pay_valid_until": timezone.now() - timedelta(minutes=1)}, err.ValidUntilInPast),
    ],
)
def test_e_wallet_rules(merchant, kw, error):
    with pytest.raises(error):
        transaction_register(merchant=merchant, data=data(**{"mitra_cd": "ESHP", "amount": 50_000, **kw}))
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"instalment_type": "3"}, err.InstalmentTypeInvalid),
        ({"instalment_months": "99"}, err.TenorNotOffered),
        ({"delivery": {**DELIVERY, "delivery_city": ""}}, err.DeliveryRequired),
    ],
)
def test_pay_later_rules(merchant, kw, error):
    with pytest.raises(error):
        transaction_register(merchant=merchant, data=data(**{"mitra_cd": "KDVI", "amount": 50_000, **kw}))


def test_a_partner_that_pays_from_linked_accounts_only_is_refused_without_the_link(merchant):
    linking = registry.linking_partners()[0]
    with pytest.raises(err.LinkedAccountRequired) as exc:
        transaction_register(merchant=merchant, data=data(linking.mitra_cd))
    assert exc.value.params == {"partner": linking.name}


def test_sellers_when_the_partner_requires_them(merchant):
    sellers_partner = next(p for p in registry.partners() if p.sellers_required)
    with pytest.raises(err.SellersRequired):
        transaction_register(merchant=merchant, data=data(sellers_partner.mitra_cd))
    with pytest.raises(err.SellerUnknown):
        transaction_register(
            merchant=merchant,
            data=data(sellers_partner.mitra_cd, sellers=lambda: (Seller(id="OTHER", name="o"),)),
        )


@pytest.fixture
def registering(ninth_partner, monkeypatch):
    """The ninth partner, as one that creates its order at registration."""
    monkeypatch.setitem(registry.CATALOGUE, "NINE", replace(ninth_partner, registers_at_partner=True))
    registry.get_adapter.cache_clear()
    return registry.CATALOGUE["NINE"]


def test_a_partner_that_registers_orders_is_asked_first_and_its_order_kept(merchant, registering):
    txn = transaction_register(merchant=merchant, data=data("NINE", 150_000))
    assert txn.partner_ref == f"NO-{txn.txid}" and txn.partner_data == {"order": {"orderNo": txn.partner_ref}}


@pytest.mark.parametrize(
    ("amount", "error"),
    [(150_909, err.RegistrationPartnerFailure), (150_901, err.RegistrationDeclined)],
)
def test_nothing_is_stored_when_the_partner_does_not_register_the_order(merchant, registering, amount, error):
    with pytest.raises(error):
        transaction_register(merchant=merchant, data=data("NINE", amount))
    assert not Transaction.objects.exists()


def test_a_refused_order_frees_its_reference_and_a_timed_out_one_is_retried_with_the_same_txid(
    merchant, registering, monkeypatch
):
    """Declined: nothing was created, the next attempt is a new order. Timed out: the partner may
    have the order, so the same request again sends the same tXid (the partner adopts its order)."""
    from payments.models import PartnerCall

    with pytest.raises(err.RegistrationDeclined):
        transaction_register(merchant=merchant, data=data("NINE", 150_901))
    assert not PartnerCall.objects.exists()

    timed_out = data("NINE", 150_909)
    with pytest.raises(err.RegistrationPartnerFailure):
        transaction_register(merchant=merchant, data=timed_out)
    first_txid = PartnerCall.objects.get().data["txid"]
    adapter = registry.get_adapter("NINE")
    sent: list[str] = []
    monkeypatch.setattr(
        adapter,
        "register",
        lambda order: (
            sent.append(order.txid) or type(adapter).register(adapter, replace(order, amount=150_000))
        ),
    )
    txn = transaction_register(merchant=merchant, data=timed_out)
    assert sent == [first_txid] and txn.txid == first_txid
    assert PartnerCall.objects.get().done_at is not None


def test_a_copy_waits_for_the_first_registration_and_gets_its_answer(merchant, registering, monkeypatch):
    from payments.models import PartnerCall
    from payments.services import registration

    monkeypatch.setattr(registration, "REGISTER_WAIT_SECONDS", 0.3)
    held = PartnerCall.objects.create(
        key=f"register:{merchant.pk}:REF-NINE-150000",
        lease_until=timezone.now() + timedelta(minutes=1),
        data={"txid": "X", "fingerprint": "fp-NINE-150000"},
    )
    with pytest.raises(err.RegistrationInProgress):  # the first is still with the partner
        transaction_register(merchant=merchant, data=data("NINE", 150_000))
    PartnerCall.objects.filter(pk=held.pk).delete()  # it failed: the copy registers itself
    assert transaction_register(merchant=merchant, data=data("NINE", 150_000)).partner_ref
