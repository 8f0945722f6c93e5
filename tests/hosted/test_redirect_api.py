"""POST /nicepay/redirect/v2/registration (NICEPAY "API Checkout"): what it accepts, what it
answers, and which methods the hosted page then offers (the merchant's, within each partner's
amount limits, narrowed by payMethod and mitraCd)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from payments import customer_access
from payments.models import Checkout, CheckoutSettings, Transaction
from tests.support import checkout, flows

URL = "/nicepay/redirect/v2/registration"
ALL = {"OVOE", "ESHP", "DANA", "LINK", "ASTR", "AKLP", "KDVI", "IDNA"}
EWALLETS = {"OVOE", "ESHP", "DANA", "LINK", "ASTR"}


def post(body: dict) -> dict:
    return Client().post(URL, data=json.dumps(body), content_type="Application/JSON").json()


def body(amount: int = 45_000, **kw) -> dict:
    return checkout.redirect_body(amount=amount, db_process_url="http://127.0.0.1:9/notify", **kw)


def offered(txid: str) -> set[str]:
    page = Client(REMOTE_ADDR="10.9.9.9").get(customer_access.page_path(txid)).content.decode()
    return set(re.findall(r'data-mitra="(\w{4})"', page))


@pytest.mark.django_db
def test_payment_method_00_lets_the_shopper_choose(demo_merchant) -> None:
    sent = body()
    answer = post(sent)
    assert answer["resultCd"] == "0000", answer
    assert re.fullmatch(r"IONPAYTEST00\d{18}", answer["tXid"])
    assert (answer["referenceNo"], answer["payMethod"], answer["amt"]) == (sent["referenceNo"], "00", "45000")
    token = customer_access.page_token(answer["tXid"])
    assert answer["paymentURL"].endswith(f"/nicepay/redirect/v2/payment/{token}")
    txn = Transaction.objects.get(txid=answer["tXid"])
    assert (txn.pay_method, txn.mitra_cd, txn.checkout.pay_method) == ("00", "", "00")
    assert offered(answer["tXid"]) == ALL
    assert post(sent) == answer  # the identical request again: the same answer


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pay_method", "mitra_cd", "amount", "expected"),
    [
        ("05", "", 45_000, EWALLETS),
        ("06", "", 45_000, {"AKLP", "KDVI", "IDNA"}),
        ("05", "DANA", 45_000, {"DANA"}),
        ("06", "KDVI", 45_000, {"KDVI"}),
        ("00", "", 6_000_000, ALL - {"LINK"}),  # LinkAja takes at most 5,000,000
        ("00", "", 5_000, ALL - {"LINK", "KDVI", "IDNA"}),  # they start at 10,000
        ("00", "", 22_000_000, {"ESHP", "AKLP", "KDVI", "IDNA"}),  # above the other e-wallets' limits
    ],
)
def test_the_registration_and_the_amount_narrow_the_methods(
    demo_merchant, pay_method, mitra_cd, amount, expected
) -> None:
    answer = post(body(amount, pay_method=pay_method, mitra_cd=mitra_cd))
    assert answer["resultCd"] == "0000", answer
    assert offered(answer["tXid"]) == expected


@pytest.mark.django_db
def test_methods_the_merchant_switched_off_are_not_offered(demo_merchant) -> None:
    CheckoutSettings.objects.create(merchant=demo_merchant, disabled_methods=["OVOE", "AKLP"])
    answer = post(body())
    assert offered(answer["tXid"]) == ALL - {"OVOE", "AKLP"}
    refused = post(body(pay_method="05", mitra_cd="OVOE"))
    assert refused["resultCd"] == "9012" and "No payment method fits" in refused["resultMsg"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"payMethod": "07"}, "9012"),
        ({"payMethod": "05", "mitraCd": "AKLP"}, "9012"),  # a pay-later partner is no e-wallet
        ({"mitraCd": "XXXX", "payMethod": "05"}, "9012"),
        ({"amt": "45000.00"}, "9008"),
        ({"cartData": ""}, "9022"),
        ({"cartData": "{not json"}, "9022"),
        ({"currency": "USD"}, "9003"),
        ({"merchantToken": "0" * 64}, "9010"),
        ({"iMid": "NOSUCHMID1"}, "9011"),
        ({"dbProcessUrl": "javascript:alert(1)"}, "9020"),
        ({"payValidDt": "20200101", "payValidTm": "000000"}, "9031"),
    ],
)
def test_bad_input_gets_nicepays_code_and_stores_nothing(demo_merchant, change, code) -> None:
    sent = body()
    sent.update(change)
    if "merchantToken" not in change:
        sent["merchantToken"] = flows.sha(
            sent["timeStamp"], sent["iMid"], sent["referenceNo"], sent["amt"], flows.KEY
        )
    answer = post(sent)
    assert answer["resultCd"] == code, answer
    assert not Transaction.objects.exists() and not Checkout.objects.exists()


@pytest.mark.django_db
def test_cart_total_must_match_amt(demo_merchant) -> None:
    sent = body()
    cart = json.loads(sent["cartData"])
    cart["item"][0]["goods_amt"] = "44000"
    sent["cartData"] = json.dumps(cart)
    assert post(sent)["resultCd"] == "9023"


@pytest.mark.django_db
def test_reference_rules_one_open_or_paid_attempt(demo_merchant) -> None:
    first = post(body())
    ref = Transaction.objects.get(txid=first["tXid"]).reference_no
    again = body(reference_no=ref, description="the same order, sent again")
    answer = post(again)
    assert answer["resultCd"] == "9009"
    Transaction.objects.filter(txid=first["tXid"]).update(status="8")  # it ended unpaid
    retried = post(again)
    assert retried["resultCd"] == "0000" and retried["tXid"] != first["tXid"]


@pytest.mark.django_db
def test_checkout_expiry_from_payment_exp_fields(demo_merchant) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from payments.clock import JAKARTA

    until = (timezone.now() + timedelta(hours=3)).astimezone(JAKARTA)
    answer = post(body(paymentExpDt=until.strftime("%Y%m%d"), paymentExpTm=until.strftime("%H%M%S")))
    assert answer["resultCd"] == "0000", answer
    stored = Transaction.objects.get(txid=answer["tXid"]).checkout.expires_at
    assert abs((stored - until).total_seconds()) < 1
    assert (answer["payValidDt"], answer["payValidTm"]) == (
        until.strftime("%Y%m%d"),
        until.strftime("%H%M%S"),
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("ninth_partner")
def test_a_ninth_partner_of_the_catalogue_is_offered_within_its_limits(demo_merchant) -> None:
    txid = post(body(150_000))["tXid"]
    assert offered(txid) == ALL | {"NINE"}
    page = Client(REMOTE_ADDR="10.9.9.8").get(customer_access.page_path(txid)).content.decode()
    assert "Ninth Pay" in page
    assert "NINE" not in offered(post(body(5_000))["tXid"])  # below its minimum
