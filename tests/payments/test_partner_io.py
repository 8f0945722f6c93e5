"""What partners get about a payment: the neutral OrderInfo built from the stored transaction."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from payments import customer_access
from payments.services.partner_io import order_info, payment_request
from providers.base.types import CartItem, Seller
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


def test_order_info_carries_the_stored_cart_sellers_parties_and_gateway_urls(merchant, settings):
    settings.PUBLIC_BASE_URL = "https://pay.example"
    item = CartItem(id="SKU1", name="Shoe", unit_price=4_000, quantity=2, seller_id="S1")
    seller = Seller(id="S1", name="Toko", address={"sellerCity": "Jakarta"})
    txn = make_txn(
        merchant,
        amount=8_000,
        cart_data={"items": [asdict(item)]},
        sellers=[asdict(seller)],
        delivery_name="Budi",
        delivery_city="Bandung",
        instalment_type="1",
        instalment_months="3",
    )
    info = order_info(txn)
    assert info.items == (item,) and info.sellers == (seller,)
    assert (info.txid, info.amount, info.billing.name, info.delivery.city) == (
        txn.txid,
        8_000,
        "Budi",
        "Bandung",
    )
    assert (info.instalment_type, info.instalment_months) == ("1", "3")
    assert info.notify_url == f"https://pay.example/partners/{txn.mitra_cd}/notify"
    # the customer pages carry the transaction's secret (payments.customer_access)
    assert info.return_url == f"https://pay.example{customer_access.page_path(txn.txid, 'return')}"
    assert info.cancel_url == f"https://pay.example{customer_access.page_path(txn.txid, 'cancel')}"
    request = payment_request(txn, account_token="tok")
    assert request.order == info and request.account_token == "tok"


def test_a_transaction_without_cart_or_delivery_has_none(merchant):
    info = order_info(make_txn(merchant))
    assert info.items == () and info.sellers == () and info.delivery is None
