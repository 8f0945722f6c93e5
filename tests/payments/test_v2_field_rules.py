"""The field rules NICEPAY applies and we once applied loosely: a cancel's payMethod, the types of
`sellers`, cartData's count and goods_quantity, and the billingEmail format. Bad input gets
NICEPAY's resultCd with HTTP 200 on the V2 API (direct and redirect) and SNAP's 400 on SNAP, and
stores nothing; what real shops send keeps working."""

from __future__ import annotations

import json

import pytest

from payments import exceptions as e
from payments.models import AccountLink, Cancellation, Checkout, Transaction
from payments.services import checkout as checkout_service
from tests.support import checkout, flows, snap
from tests.support.strict import StrictV2Client

pytestmark = pytest.mark.django_db

REG = "/nicepay/direct/v2/registration"
REDIRECT = "/nicepay/redirect/v2/registration"
CAN = "/nicepay/direct/v2/cancel"
NOTIFY = "http://127.0.0.1:9/notify"


@pytest.fixture
def strict(client):
    return StrictV2Client(client)


def post(client, url, body):
    resp = client.post(url, json.dumps(body), content_type="application/json")
    assert resp.status_code == 200, resp.content
    return resp.json()


def signed(body):
    body = dict(body)
    body["merchantToken"] = flows.sha(
        body["timeStamp"], body["iMid"], body["referenceNo"], body["amt"], flows.KEY
    )
    return body


def direct(amount=15000, mitra_cd="ESHP", **kw):
    return signed(flows.registration_body(mitra_cd=mitra_cd, amount=amount, db_process_url=NOTIFY, **kw))


def redirect(amount=45000, **kw):
    return signed(checkout.redirect_body(amount=amount, db_process_url=NOTIFY, **kw))


def refused(answer, code):
    assert answer["resultCd"] == code, answer
    assert answer["resultMsg"]
    return answer


def nothing_stored():
    assert Transaction.objects.count() == 0
    assert Checkout.objects.count() == 0


# --- 1. a cancel's payMethod ---------------------------------------------------------------------


def cancel(txid, amount, pay_method, cancel_type="1"):
    ts = flows.stamp()
    return {
        "timeStamp": ts,
        "tXid": txid,
        "iMid": flows.IMID,
        "payMethod": pay_method,
        "cancelType": cancel_type,
        "amt": str(amount),
        "merchantToken": flows.sha(ts, flows.IMID, txid, amount, flows.KEY),
    }


@pytest.mark.parametrize(("pay_method", "cancel_type", "code"), [("06", "1", "8064"), ("02", "2", "8066")])
def test_a_cancel_with_another_pay_method_is_refused_and_changes_nothing(
    strict, demo_merchant, pay_method, cancel_type, code
):
    reg = post(strict, REG, direct(amount=15000))
    amount = 15000 if cancel_type == "1" else 5000
    answer = refused(post(strict, CAN, cancel(reg["tXid"], amount, pay_method, cancel_type)), code)
    assert "payMethod" in answer["resultMsg"] and "05" in answer["resultMsg"]
    assert Cancellation.objects.count() == 0
    assert Transaction.objects.get(txid=reg["tXid"]).status == "9"  # still init
    # the transaction's own payMethod cancels it, as NICEPAY's clients send it
    assert post(strict, CAN, cancel(reg["tXid"], 15000, "05"))["resultCd"] == "0000"


def test_a_cancel_without_pay_method_is_still_answered(strict, demo_merchant):
    reg = post(strict, REG, direct(amount=15000))
    body = cancel(reg["tXid"], 15000, "05")
    del body["payMethod"]
    assert post(strict, CAN, body)["resultCd"] == "0000"


def test_a_checkout_cancel_takes_the_registered_or_the_chosen_pay_method(strict, demo_merchant):
    """A plugin knows the payMethod it registered (00); the shopper's choice made it 05."""
    first = post(strict, REDIRECT, redirect(amount=45000))
    second = post(strict, REDIRECT, redirect(amount=45000))
    for reg in (first, second):
        txn = Transaction.objects.get(txid=reg["tXid"])
        checkout_service._apply_choice(txn, checkout_service.MethodChoice(mitra_cd="DANA"))
        assert Transaction.objects.get(pk=txn.pk).pay_method == "05"
    refused(post(strict, CAN, cancel(first["tXid"], 45000, "06")), "8064")
    assert Cancellation.objects.count() == 0
    assert post(strict, CAN, cancel(first["tXid"], 45000, "00"))["resultCd"] == "0000"
    assert post(strict, CAN, cancel(second["tXid"], 45000, "05"))["resultCd"] == "0000"


# --- 2. sellers types ----------------------------------------------------------------------------

SELLER = {
    "sellersId": "SEL1",
    "sellersNm": "Seller",
    "sellersEmail": "s@shop.test",
    "sellersUrl": "http://shop.test",
    "sellersAddress": {"sellerNm": "Sel", "sellerCity": "Jakarta", "sellerPostCd": "10230"},
}
BAD_SELLERS = [
    [{**SELLER, "sellersNm": True}],
    [{**SELLER, "sellersId": 42.5}],
    [{**SELLER, "sellersEmail": ["s@shop.test"]}],
    [{**SELLER, "sellersUrl": None}],
    [{**SELLER, "sellersNm": "N" * 101}],
    [{**SELLER, "sellersId": "S" * 51}],
    [{**SELLER, "sellersAddress": "Jl. Sudirman 1"}],
    [{**SELLER, "sellersAddress": ["Jl. Sudirman 1"]}],
    [{**SELLER, "sellersAddress": {**SELLER["sellersAddress"], "sellerPostCd": 10230.0}}],
    [{**SELLER, "sellersAddress": {**SELLER["sellersAddress"], "sellerPhone": 10**15}}],  # 16 digits
    [{**SELLER, "sellersAddress": {**SELLER["sellersAddress"], "sellerCity": None}}],
    [{**SELLER, "sellersAddress": {**SELLER["sellersAddress"], "sellerAddr": "A" * 256}}],
    [SELLER, None],
    [SELLER, [SELLER]],
]


@pytest.mark.parametrize("sellers", BAD_SELLERS)
def test_sellers_of_the_wrong_type_or_size_get_9003_and_store_nothing(strict, demo_merchant, sellers):
    raw = json.dumps(sellers)
    answer = refused(post(strict, REG, direct(sellers=raw)), "9003")  # an e-wallet may send them too
    assert "sellers" in answer["resultMsg"]
    refused(post(strict, REG, direct(amount=300000, mitra_cd="AKLP", sellers=raw)), "9003")
    refused(post(strict, REDIRECT, redirect(sellers=raw)), "9003")
    nothing_stored()


def test_well_formed_sellers_are_stored_as_sent(strict, demo_merchant):
    reg = post(strict, REDIRECT, redirect(sellers=json.dumps([SELLER])))
    assert reg["resultCd"] == "0000", reg
    (stored,) = Transaction.objects.get(txid=reg["tXid"]).sellers
    assert (stored["id"], stored["name"], stored["address"]["sellerPostCd"]) == ("SEL1", "Seller", "10230")


def test_a_whole_number_where_text_is_expected_is_kept_as_its_digits(strict, demo_merchant):
    """As V2's top-level fields, a seller's post code, phone or id may come as a JSON integer."""
    seller = {
        **SELLER,
        "sellersId": 42,
        "sellersAddress": {**SELLER["sellersAddress"], "sellerPostCd": 10230},
    }
    reg = post(strict, REDIRECT, redirect(sellers=json.dumps([seller])))
    assert reg["resultCd"] == "0000", reg
    (stored,) = Transaction.objects.get(txid=reg["tXid"]).sellers
    assert (stored["id"], stored["address"]["sellerPostCd"]) == ("42", "10230")


# --- 3. cartData count and goods_quantity ----------------------------------------------------------


def cart(quantity, *, count="2"):
    """The whole amount on one line, and a free line (goods_amt 0) of `quantity` pieces."""
    return json.dumps(
        {
            "count": count,
            "item": [
                {"goods_name": "Shoe", "goods_amt": "15000", "goods_quantity": "1"},
                {"goods_name": "Gift", "goods_amt": "0", "goods_quantity": quantity},
            ],
        }
    )


BAD_QUANTITIES = [0, "0", "00", -1, "-1", 1.5, "1.5", "2.0", "1e3", "abc", " ", True, [1], {"n": 1}]
HUGE = ["1" + "0" * 9, 10**20, "9" * 30]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES + HUGE)
def test_a_quantity_that_is_not_a_positive_whole_number_gets_9022(strict, demo_merchant, quantity):
    answer = refused(post(strict, REG, direct(cartData=cart(quantity))), "9022")
    assert "goods_quantity" in answer["resultMsg"]
    refused(post(strict, REDIRECT, redirect(amount=15000, cartData=cart(quantity))), "9022")
    nothing_stored()


@pytest.mark.parametrize("count", [0, "0", "-2", "two", 2.5, True, [2], "9" * 10])
def test_a_count_that_is_not_a_positive_whole_number_gets_9022(strict, demo_merchant, count):
    answer = refused(post(strict, REG, direct(cartData=cart("1", count=count))), "9022")
    assert "count" in answer["resultMsg"]
    refused(post(strict, REDIRECT, redirect(amount=15000, cartData=cart("1", count=count))), "9022")
    nothing_stored()


@pytest.mark.parametrize("quantity", ["3", 3, "999999999", " 2 "])
def test_digit_strings_and_json_integers_are_both_quantities(strict, demo_merchant, quantity):
    reg = post(strict, REG, direct(cartData=cart(quantity, count=2)))
    assert reg["resultCd"] == "0000", reg
    items = Transaction.objects.get(txid=reg["tXid"]).cart_data["items"]
    assert items[1]["quantity"] == int(str(quantity))


def test_a_missing_quantity_is_one_and_a_missing_count_is_fine(strict, demo_merchant):
    raw = json.dumps({"item": [{"goods_name": "Shoe", "goods_amt": "15000"}]})
    reg = post(strict, REG, direct(cartData=raw))
    assert reg["resultCd"] == "0000", reg
    assert Transaction.objects.get(txid=reg["tXid"]).cart_data["items"][0]["quantity"] == 1


# --- 4. billingEmail -------------------------------------------------------------------------------

BAD_EMAILS = [
    "budi",
    "budi@",
    "@example.com",
    "budi santoso@example.com",
    "budi@example .com",
    " budi@example.com",
    "budi@@example.com",
    "budi@example",
    "budi@.com",
    "b" * 29 + "@example.com",  # 41 characters
]
ODD_BUT_VALID = [
    "Budi.Santoso+shop@Mail.Example.CO.ID",
    "budi_s-01@sub.domain.example.com",
    "o'brien@example.com",
    "b" * 28 + "@example.com",  # 40 characters
]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_an_invalid_billing_email_gets_9018_and_stores_nothing(strict, demo_merchant, email):
    answer = refused(post(strict, REG, direct(billingEmail=email)), "9018")
    assert "billingEmail" in answer["resultMsg"]
    refused(post(strict, REDIRECT, redirect(billingEmail=email)), "9018")
    nothing_stored()


@pytest.mark.parametrize("email", ODD_BUT_VALID)
def test_odd_but_valid_billing_emails_are_kept_as_sent(strict, demo_merchant, email):
    for url, body in ((REG, direct(billingEmail=email)), (REDIRECT, redirect(billingEmail=email))):
        reg = post(strict, url, body)
        assert reg["resultCd"] == "0000", reg
        assert Transaction.objects.get(txid=reg["tXid"]).billing_email == email


def test_the_rule_lives_in_the_service():
    from payments.services.registration import check_billing_email

    for email in ODD_BUT_VALID:
        check_billing_email(email)
    with pytest.raises(e.BillingEmailInvalid):
        check_billing_email("budi@")
    check_billing_email("")  # none sent: whether one is required is the door's field rule


# --- SNAP: the same cart and e-mail rules ----------------------------------------------------------


@pytest.fixture
def api(client):
    snap.snap_demo_merchant()
    return snap.SnapClient(snap.django_transport(client))


def snap_refused(answer, field):
    assert (answer.status, answer.json["responseCode"]) == (400, "4005401"), answer.json
    assert field in answer.json["responseMessage"], answer.json
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("email", ["budi", "budi santoso@example.com", "budi@example", "b" * 36 + "@x.co"])
def test_snap_refuses_the_same_billing_emails(api, email):
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(billingEmail=email))
    snap_refused(answer, "additionalInfo.billingEmail")


@pytest.mark.parametrize("quantity", [0, "0", -1, "1.5", "abc", "1" + "0" * 9, True])
def test_snap_refuses_the_same_quantities(api, quantity):
    raw = json.dumps(
        {"count": "1", "item": [{"goods_name": "x", "goods_amt": "25000.00", "goods_quantity": quantity}]}
    )
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(cartData=raw))
    snap_refused(answer, "goods_quantity")


@pytest.mark.parametrize(
    "item",
    [
        {"goods_name": "x\u0000y"},  # PostgreSQL's jsonb takes no NUL: this was a 500
        {"goods_name": "x", "goods_sellers_id": "\u0000"},
        {"goods_name": "\ud800"},  # an unpaired surrogate cannot be stored as UTF-8
        {"goods_name": "x", "goods_detail": "a\u0000"},
    ],
)
def test_snap_refuses_cart_text_that_cannot_be_stored(api, item):
    """cartData is JSON inside a string, so the body's own text check never saw its values; V2
    refuses them with 9022 (textcheck.loads), SNAP must answer 400 and store nothing."""
    raw = json.dumps({"count": "1", "item": [{**item, "goods_amt": "25000.00", "goods_quantity": "1"}]})
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(cartData=raw))
    snap_refused(answer, "additionalInfo.cartData")


@pytest.mark.parametrize("email", ["sari", "sari dewi@example.com", "s" * 30 + "@example.com"])
def test_link_enable_refuses_the_same_billing_emails(client, demo_merchant, email):
    from tests.support import linking

    query = linking.link_enable_query(db_process_url=NOTIFY, billingEmail=email, returnJsonFormat="1")
    resp = client.get("/nicepay/api/linkEnable.do", query)
    assert resp.status_code == 200
    refused(resp.json(), "9018")
    assert AccountLink.objects.count() == 0
