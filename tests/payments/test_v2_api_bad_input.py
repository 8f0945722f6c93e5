"""Bad input on the V2 API: NICEPAY's resultCd and message with HTTP 200, never a 500, nothing changed.

Every JSON call goes through a strict client that raises on any non-2xx status, as NICEPAY's Node
library (axios) does: a merchant on that library must be able to read each resultCd below."""

import json
from datetime import UTC, timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from payments.models import Transaction
from payments.services.registration import new_txid
from providers import registry
from tests.factories import MerchantFactory
from tests.support import flows
from tests.support.strict import StrictV2Client

REG = "/nicepay/direct/v2/registration"
INQ = "/nicepay/direct/v2/inquiry"
CAN = "/nicepay/direct/v2/cancel"
PAY = "/nicepay/direct/v2/payment"
NOTIFY = "http://127.0.0.1:9/notify"


def post(client, url, body, content_type="Application/JSON"):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, raw, content_type=content_type)


def resign(body, key=flows.KEY):
    body = dict(body)
    body["merchantToken"] = flows.sha(body["timeStamp"], body["iMid"], body["referenceNo"], body["amt"], key)
    return body


@pytest.fixture
def strict(client):
    return StrictV2Client(client)


@pytest.fixture
def existing(demo_merchant, client):
    """A stored transaction whose row must never change under bad input."""
    body = flows.registration_body(mitra_cd="ESHP", amount=50000, db_process_url=NOTIFY)
    resp = post(client, REG, body)
    assert resp.status_code == 200, resp.content
    txn = Transaction.objects.get(txid=resp.json()["tXid"])
    snapshot = model_to_dict(txn)
    yield {"txn": txn, "body": body, "reg": {**resp.json(), "_body": body}}
    txn.refresh_from_db()
    assert model_to_dict(txn) == snapshot
    assert txn.events.count() == 1


def assert_refused(resp, code):
    assert resp.status_code == 200, resp.content
    assert resp["Content-Type"].startswith("application/json")
    data = resp.json()
    assert data["resultCd"] == code, data
    assert data["resultMsg"]
    return data


def test_content_type_is_matched_case_insensitively_and_amt_may_be_a_number(strict, demo_merchant):
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    body["amt"] = 15000
    resp = post(strict, REG, resign(body), content_type="APPLICATION/json; charset=UTF-8")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "0000"
    assert resp.json()["amt"] == "15000"


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", "", "null", '"text"', '{"a":' + "[" * 100_000 + "]" * 100_000 + "}"]
)
def test_malformed_json(strict, existing, raw):
    assert_refused(post(strict, REG, raw), "9003")


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("iMid", "9011"),
        ("amt", "9007"),
        ("referenceNo", "9014"),
        ("timeStamp", "9031"),
        ("merchantToken", "9010"),
        ("currency", "9013"),
        ("goodsNm", "9015"),
        ("billingNm", "9016"),
        ("billingPhone", "9017"),
        ("billingEmail", "9018"),
        ("billingCity", "9025"),
        ("billingState", "9026"),
        ("billingPostCd", "9027"),
        ("billingCountry", "9028"),
        ("cartData", "9022"),
        ("dbProcessUrl", "9020"),
        ("userIP", "9024"),
        ("mitraCd", "9012"),
        ("payMethod", "9012"),
    ],
)
def test_missing_field(strict, existing, field, code):
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    body.pop(field)
    if field not in ("timeStamp", "iMid", "referenceNo", "amt", "merchantToken"):
        body = resign(body)
    assert_refused(post(strict, REG, body), code)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("referenceNo", "R" * 41, "9109"),
        ("goodsNm", "G" * 101, "9003"),
        ("billingEmail", "e" * 41, "9018"),
        ("billingPhone", "0812345678901234", "9003"),
        ("dbProcessUrl", "http://x/" + "u" * 250, "9003"),
        ("billingPhone", "0812-ABC", "9003"),
        ("billingPostCd", "10 210", "9003"),
        ("cartData", {"count": 1}, "9003"),
        ("goodsNm", ["list"], "9003"),
        ("description", "d" * 101, "9003"),
        ("payValidDt", "2026-12-01", "9003"),
        ("dbProcessUrl", "file:///etc/passwd", "9020"),
        ("dbProcessUrl", "http://[::1/notify", "9020"),
        ("callBackUrl", "javascript:alert(1)", "9019"),
        ("callBackUrl", "https:no-host", "9019"),
    ],
)
def test_wrong_type_or_too_long(strict, existing, field, value, code):
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY, **{field: value})
    assert_refused(post(strict, REG, resign(body)), code)


@pytest.mark.parametrize(
    "amt", ["1000.50", "1000.0", "0", "-500", "1234567890123", "1e5", " ", "10,000", True, 15000.0, [15000]]
)
def test_bad_amounts(strict, existing, amt):
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    body["amt"] = amt
    body["merchantToken"] = "0" * 64
    code = "9007" if amt == " " else "9008"
    assert_refused(post(strict, REG, body), code)


def test_bad_token_unknown_imid_unknown_mitra(strict, existing):
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    assert_refused(post(strict, REG, {**body, "merchantToken": "f" * 64}), "9010")
    other = resign({**body, "iMid": "NOSUCHMID1"})
    assert_refused(post(strict, REG, other), "9011")
    assert_refused(post(strict, REG, resign({**body, "mitraCd": "XXXX"})), "9012")
    assert_refused(post(strict, REG, resign({**body, "payMethod": "06"})), "9012")
    assert_refused(post(strict, REG, resign({**body, "payMethod": "01"})), "9012")


def test_another_merchants_key_is_a_bad_token(strict, existing):
    other = MerchantFactory()
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    assert_refused(post(strict, REG, resign(body, key=other.merchant_key)), "9010")


def test_cart_total_mismatch_and_bad_cart(strict, existing):
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    cart = json.loads(body["cartData"])
    cart["item"][0]["goods_amt"] = "14999"
    data = assert_refused(post(strict, REG, resign({**body, "cartData": json.dumps(cart)})), "9023")
    assert "15000" in data["resultMsg"] and "14999" in data["resultMsg"]
    assert_refused(post(strict, REG, resign({**body, "cartData": "{broken"})), "9022")
    assert_refused(post(strict, REG, resign({**body, "cartData": '{"count":"0","item":[]}'})), "9022")
    nested = '{"item":' + "[" * 1900 + "]" * 1900 + "}"
    assert_refused(post(strict, REG, resign({**body, "cartData": nested})), "9022")
    cart["item"][0]["goods_amt"] = "1²"  # a digit to str.isdigit, not to int()
    assert_refused(post(strict, REG, resign({**body, "cartData": json.dumps(cart)})), "9022")


@pytest.mark.parametrize(
    "reading",
    [
        lambda now: now + timedelta(hours=14, minutes=16),  # ahead of UTC+14, past the leeway
        lambda now: now - timedelta(hours=12, minutes=16),  # behind UTC-12, past the leeway
        lambda now: now + timedelta(days=7),  # next week
        lambda now: now.replace(year=2020),  # a date in 2020
    ],
    ids=["ahead-of-utc+14", "behind-utc-12", "next-week", "2020"],
)
def test_timestamp_far_from_any_clock_is_refused(strict, existing, reading):
    stamp = reading(timezone.now().astimezone(UTC)).strftime("%Y%m%d%H%M%S")
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY, timeStamp=stamp)
    data = assert_refused(post(strict, REG, resign(body)), "9031")
    assert stamp in data["resultMsg"] and "UTC-12 to UTC+14" in data["resultMsg"]


def test_impossible_timestamp(strict, existing):
    body = flows.registration_body(
        mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY, timeStamp="20261399250000"
    )
    assert_refused(post(strict, REG, resign(body)), "9031")


def test_duplicate_reference_is_refused_but_identical_replay_answers_the_same(strict, existing):
    body = existing["body"]
    again = post(strict, REG, body)
    assert again.json() == {k: v for k, v in existing["reg"].items() if k != "_body"}
    changed = resign({**body, "billingNm": "Someone Else"})
    data = assert_refused(post(strict, REG, changed), "9009")
    assert existing["txn"].txid in data["resultMsg"]


def inquiry_body(reg, **over):
    b = reg["_body"]
    body = {
        "timeStamp": flows.stamp(),
        "tXid": reg["tXid"],
        "iMid": b["iMid"],
        "referenceNo": b["referenceNo"],
        "amt": b["amt"],
        **over,
    }
    body.setdefault(
        "merchantToken",
        flows.sha(body["timeStamp"], body["iMid"], body["referenceNo"], body["amt"], flows.KEY),
    )
    return body


def test_inquiry_happy_and_bad(strict, existing):
    ok = post(strict, INQ, inquiry_body(existing["reg"]))
    assert ok.status_code == 200 and ok.json()["status"] == "9" and ok.json()["resultMsg"] == "init"
    assert_refused(
        post(strict, INQ, inquiry_body(existing["reg"], tXid="IONPAYTEST05209901010000000000")), "8004"
    )
    assert_refused(post(strict, INQ, inquiry_body(existing["reg"], merchantToken="0" * 64)), "9010")
    assert_refused(post(strict, INQ, inquiry_body(existing["reg"], amt="50001")), "8002")
    assert_refused(post(strict, INQ, "{oops"), "9003")


def test_another_merchants_txid_is_unknown(strict, existing):
    other = MerchantFactory()
    theirs = Transaction.objects.create(
        txid=new_txid(other.imid, "05"),
        merchant=other,
        reference_no="THEIRS1",
        pay_method="05",
        mitra_cd="ESHP",
        amount=50000,
        goods_name="x",
        billing_name="x",
        billing_phone="0812",
        billing_email="x@x.id",
        db_process_url=NOTIFY,
        expires_at=timezone.now() + timedelta(hours=1),
        request_fingerprint="x",
    )
    reg = {"tXid": theirs.txid, "_body": {**existing["body"], "referenceNo": "THEIRS1", "amt": "50000"}}
    assert_refused(post(strict, INQ, inquiry_body(reg)), "8004")
    body = cancel_body(reg, amount=50000)
    assert_refused(post(strict, CAN, body), "8064")


def cancel_body(reg, *, amount, cancel_type="1", **over):
    b = reg["_body"]
    body = {
        "timeStamp": flows.stamp(),
        "tXid": reg["tXid"],
        "iMid": b["iMid"],
        "payMethod": "05",
        "cancelType": cancel_type,
        "amt": str(amount),
        **over,
    }
    body.setdefault(
        "merchantToken", flows.sha(body["timeStamp"], body["iMid"], body["tXid"], body["amt"], flows.KEY)
    )
    return body


def test_cancel_bad_input(strict, existing):
    reg = existing["reg"]
    assert_refused(post(strict, CAN, cancel_body(reg, amount=50001)), "9319")
    assert_refused(
        post(strict, CAN, cancel_body(reg, amount=20000)), "9319"
    )  # a full cancel is the whole amount
    assert_refused(post(strict, CAN, cancel_body(reg, amount=50000, cancel_type="7")), "9301")
    assert_refused(post(strict, CAN, cancel_body(reg, amount=50000, merchantToken="a" * 64)), "9010")
    assert_refused(post(strict, CAN, cancel_body(reg, amount="12.5")), "9312")
    assert_refused(
        post(strict, CAN, cancel_body(reg, amount=50000, tXid="IONPAYTEST05209901010000000000")), "8064"
    )


def assert_error_page(resp, code, message):
    """NICEPAY answers its browser payment step with HTTP 200: a finished page showing the verdict."""
    assert resp.status_code == 200, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"].startswith("text/html")
    body = resp.content.decode()
    assert "<html" in body and "We couldn't continue with this payment" in body
    assert f"Reference code {code}" in body, body
    assert message in body, body
    assert 'id="continue"' not in body  # it does not move on anywhere


def test_payment_bad_input_gets_a_finished_page(client, existing):
    reg = existing["reg"]
    base = "http://testserver"
    url = flows.payment_url(base, reg).replace(base, "")
    bad_token = url.replace("merchantToken=", "merchantToken=00")
    assert_error_page(client.get(bad_token), "9010", "merchantToken")
    unknown = client.get(PAY + "?tXid=IONPAYTEST05209901010000000000&timeStamp=" + flows.stamp())
    assert_error_page(unknown, "9501", "could not find")
    assert_error_page(client.get(PAY), "9501", "tXid is required")
    for bad in ("javascript:alert(1)", "http://[::1/back"):
        resp = client.get(flows.payment_url(base, reg, callback_url=bad).replace(base, ""))
        assert_error_page(resp, "9019", "callBackUrl must be an http(s) URL")
    stale = url.replace(f"timeStamp={url.split('timeStamp=')[1][:14]}", "timeStamp=20200101000000")
    assert_error_page(client.get(stale), "9031", "timeStamp")
    # Only GET and a form POST start a payment: a valid query under another method starts nothing.
    for method in (client.put, client.delete, client.patch):
        assert_error_page(method(url), "9003", "Use GET or a form POST")
    resp = client.put(url + "&returnJsonFormat=1")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9003"


def test_the_payment_step_error_page_speaks_the_shoppers_language(client, existing):
    base = "http://testserver"
    bad_token = (
        flows.payment_url(base, existing["reg"])
        .replace(base, "")
        .replace("merchantToken=", "merchantToken=00")
    )
    page = client.get(bad_token, HTTP_ACCEPT_LANGUAGE="id-ID,id;q=0.9")
    body = page.content.decode()
    assert page.status_code == 200 and '<html lang="id">' in body
    assert (
        "Kami tidak dapat melanjutkan pembayaran ini" in body and "Tautan pembayaran ini tidak valid" in body
    )
    assert "9010" in body


def test_unknown_paths_under_nicepay_answer_v2_json(strict, existing):
    before = Transaction.objects.count()
    slash = assert_refused(post(strict, REG + "/", existing["body"]), "9003")
    assert f"use {REG} (no trailing slash)" in slash["resultMsg"]
    assert_refused(strict.get("/nicepay/direct/v2/nothing"), "9003")
    assert_refused(post(strict, "/nicepay/api/linkEnable", existing["body"]), "9003")
    assert Transaction.objects.count() == before


def test_wrong_http_method(strict, existing):
    assert_refused(strict.get(REG), "9003")


def test_partner_notification_that_cannot_be_parsed_is_a_400_never_a_500(client, existing):
    from payments.models import PartnerCallback, UnverifiedCallback

    receiving = 0
    for mitra in registry.known_mitra_codes():
        cap = registry.adapter_class(mitra).max_notification_bytes
        depth = max(1, min(5000, cap // 2))  # as deep as the partner's size limit lets it be
        deep = "[" * depth + "]" * depth
        resp = client.post(f"/partners/{mitra}/notify", deep, content_type="application/json")
        expected = (400, 401) if cap else (404,)  # a partner that sends none: refused unread
        assert resp.status_code in expected, (mitra, resp.status_code)
        receiving += bool(cap)
    assert UnverifiedCallback.objects.count() == receiving
    assert not PartnerCallback.objects.exists()


def test_a_body_over_the_size_limit_is_a_200_with_9003(strict, existing, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {**existing["body"], "description": "d" * 20_000}
    data = assert_refused(post(strict, REG, body), "9003")
    assert "too large" in data["resultMsg"]
    for url in (INQ, CAN, "/nicepay/api/direct/v2/confirmAkulaku"):
        assert_refused(post(strict, url, body), "9003")


def test_a_disallowed_host_on_the_v2_api_is_a_200_with_resultcd(strict, existing):
    resp = strict.post(
        REG, json.dumps(existing["body"]), content_type="application/json", HTTP_HOST="evil.test"
    )
    assert resp.json()["resultCd"] == "9003"


def test_a_failure_of_our_own_is_a_500_that_still_carries_resultcd(existing, monkeypatch):
    """The one case that is not HTTP 200: we could not answer at all. The body is still JSON with
    resultCd, so a client that reads it learns to retry."""
    from django.test import Client

    from payments.services import registration

    def broken(**_):
        raise RuntimeError("database went away")

    monkeypatch.setattr(registration, "transaction_register", broken)
    body = flows.registration_body(mitra_cd="ESHP", amount=15000, db_process_url=NOTIFY)
    resp = Client(raise_request_exception=False).post(REG, json.dumps(body), content_type="application/json")
    assert resp.status_code == 500 and resp["Content-Type"].startswith("application/json")
    assert resp.json()["resultCd"] == "9002" and "try again" in resp.json()["resultMsg"]
    assert "database" not in resp.content.decode()
