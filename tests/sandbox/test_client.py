"""The demo store's V2 client builds what the gateway checks: each merchantToken by the gateway's
own formula, and verifies notifications the way docs/notifications.md tells merchants to."""

from __future__ import annotations

import json
import time

from payments import tokens
from payments.services.notifications import signature_header
from providers.sandbox.shop.client import IMID, MERCHANT_KEY, Customer, Item, V2Client, seller

CLIENT = V2Client(base_url="http://gateway.test")


def test_registration_body_token_and_pay_later_fields():
    body = CLIENT.registration_body(
        reference_no="ORD1",
        amount=1_250_000,
        mitra_cd="KDVI",
        notify_url="http://shop.test/n",
        items=[Item("Speaker", 1_000_000), Item("Cable", 125_000, quantity=2, goods_id="SKU-2")],
        customer=Customer(phone="081111"),
        pay_later=True,
        sellers=[seller()],
        instmnt_mon=6,
    )
    expected = tokens.registration_token(body["timeStamp"], IMID, "ORD1", "1250000", MERCHANT_KEY)
    assert body["merchantToken"] == expected
    assert body["payMethod"] == "06" and body["instmntMon"] == "6" and body["deliveryPhone"] == "081111"
    cart = json.loads(body["cartData"])
    assert cart["count"] == "2" and [i["goods_quantity"] for i in cart["item"]] == ["1", "2"]
    assert json.loads(body["sellers"])[0]["sellersId"] == "SEL-1"
    e_wallet = CLIENT.registration_body(reference_no="O2", amount=10_000, mitra_cd="DANA", notify_url="x")
    assert e_wallet["payMethod"] == "05" and "instmntMon" not in e_wallet and "sellers" not in e_wallet
    forged = CLIENT.registration_body(
        reference_no="O3", amount=1, mitra_cd="DANA", notify_url="x", merchantToken="bad"
    )
    assert forged["merchantToken"] == "bad"


def test_inquiry_cancel_and_confirm_tokens():
    inquiry = CLIENT.inquiry_body(txid="T" * 30, reference_no="ORD1", amount=45_000)
    assert inquiry["merchantToken"] == tokens.inquiry_token(
        inquiry["timeStamp"], IMID, "ORD1", 45_000, MERCHANT_KEY
    )
    cancel = CLIENT.cancel_body(txid="T" * 30, amount=5_000, pay_method="05", cancel_type="2", cancel_msg="x")
    assert cancel["merchantToken"] == tokens.cancel_token(
        cancel["timeStamp"], IMID, "T" * 30, 5_000, MERCHANT_KEY
    )
    assert (cancel["cancelType"], cancel["amt"], cancel["payMethod"]) == ("2", "5000", "05")
    confirm = CLIENT.confirm_akulaku_body(txid="T" * 30)
    assert confirm["merchantToken"] == tokens.akulaku_confirm_token(
        confirm["timeStamp"], "T" * 30, IMID, MERCHANT_KEY
    )


def test_link_urls_carry_the_link_tokens():
    customer = Customer(phone="0812")
    enable = CLIENT.link_enable_url(
        reference_no="L1", mitra_cd="ASTR", customer=customer, notify_url="n", callback_url="c"
    )
    assert tokens.link_enable_token(IMID, "L1", "0812", MERCHANT_KEY) in enable
    initiate = CLIENT.link_initiate_url(
        mandate_id="M",
        reference_no="O1",
        amount=9,
        product="p",
        customer=customer,
        notify_url="n",
        callback_url="c",
    )
    assert tokens.link_initiate_token(IMID, "O1", 9, MERCHANT_KEY) in initiate


def test_notification_check_as_a_merchant_does():
    form = {
        "tXid": "T" * 30,
        "amt": "45000",
        "merchantToken": tokens.notification_token(IMID, "T" * 30, "45000", MERCHANT_KEY),
    }
    raw = b"tXid=TTT&amt=45000"
    now = int(time.time())
    good = signature_header(MERCHANT_KEY, now, raw)
    assert CLIENT.notification_valid(form, raw_body=raw, signature_header=good)
    assert CLIENT.notification_valid(form, raw_body=raw, signature_header="")  # token alone (NICEPAY style)
    assert not CLIENT.notification_valid(form, raw_body=raw + b"x", signature_header=good)
    assert not CLIENT.notification_valid(
        form, raw_body=raw, signature_header=signature_header("other", now, raw)
    )
    stale = signature_header(MERCHANT_KEY, now - 3600, raw)
    assert not CLIENT.notification_valid(form, raw_body=raw, signature_header=stale)
    assert not CLIENT.notification_valid({**form, "amt": "1"}, raw_body=raw, signature_header=good)
    test_note = {"tXid": "TEST", "status": "test"}  # the gateway's test notification: signed, no token
    assert CLIENT.notification_valid(test_note, raw_body=raw, signature_header=good)
    assert not CLIENT.notification_valid(test_note, raw_body=raw, signature_header="")
