"""cartData and sellers as NICEPAY sends them, parsed into the neutral CartItem and Seller; rows
stored before the neutral form are converted by migration 0004 to exactly what the parser gives."""

from __future__ import annotations

import json
from dataclasses import asdict
from importlib import import_module

import pytest

from payments.nicepay.cart import parse_cart, parse_sellers
from payments.nicepay.errors import InvalidField

CART = {
    "count": 2,
    "item": [
        {
            "goods_id": "A1",
            "goods_name": "Shoe",
            "goods_amt": "15000",
            "goods_quantity": "2",
            "goods_sellers_id": "S1",
            "goods_sellers_name": "Toko",
        },
        {"img_url": "http://x/i.png", "goods_name": "Sock", "goods_amt": 5000},
    ],
}
SELLERS = [
    {
        "sellersId": "S1",
        "sellersNm": "Toko",
        "sellersAddress": {"sellerCity": "Jakarta", "sellerPostCd": "10230"},
    }
]


def test_cart_and_sellers_parse_into_neutral_items():
    items = parse_cart(json.dumps(CART))
    assert [(i.id, i.unit_price, i.quantity, i.seller_id) for i in items] == [
        ("A1", 15000, 2, "S1"),
        ("http://x/i.png", 5000, 1, ""),
    ]
    (seller,) = parse_sellers(json.dumps(SELLERS[0]))  # one object is a list of one
    assert (seller.id, seller.name, dict(seller.address)) == (
        "S1",
        "Toko",
        {"sellerCity": "Jakarta", "sellerPostCd": "10230"},
    )


def test_sellers_keep_only_their_documented_keys_and_refuse_other_types():
    extra = {**SELLERS[0], "rating": 5, "sellersAddress": {"sellerCity": "Jakarta", "floor": 3}}
    (seller,) = parse_sellers(json.dumps([extra]))
    assert dict(seller.address) == {"sellerCity": "Jakarta"}  # partners get only what NICEPAY names
    (digits,) = parse_sellers(json.dumps({**SELLERS[0], "sellersAddress": {"sellerPostCd": 10230}}))
    assert dict(digits.address) == {"sellerPostCd": "10230"}  # a whole number: kept as its digits
    fraction = {**SELLERS[0], "sellersAddress": {"sellerPostCd": 10230.5}}
    with pytest.raises(InvalidField) as exc:
        parse_sellers(json.dumps(fraction))
    assert exc.value.result_cd == "9003" and "sellers[0].sellersAddress.sellerPostCd" in exc.value.message


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{bad", "9022"),
        ("[]", "9022"),
        ('{"item": [1]}', "9022"),
        ('{"item": [{"goods_amt": "1.5"}]}', "9022"),
    ],
)
def test_bad_carts_answer_9022(raw, code):
    with pytest.raises(InvalidField) as exc:
        parse_cart(raw)
    assert exc.value.result_cd == code


def test_migration_0004_converts_stored_v2_carts_to_what_the_parser_gives():
    migration = import_module("payments.migrations.0004_neutral_cart_and_cancel_codes")
    assert migration._items(CART) == {"items": [asdict(i) for i in parse_cart(json.dumps(CART))]}
    assert migration._sellers(SELLERS) == [asdict(s) for s in parse_sellers(json.dumps(SELLERS))]
    converted = migration._items(CART)
    assert migration._items(converted) == converted  # a second run changes nothing
