"""Wire details: values are taken exactly as the merchant sent them (tokens are computed over them),
and an amount has exactly one form (no leading zeros), so every token, ours and the merchant's
check of our notification, agrees."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from payments import tokens
from payments.models import Transaction
from payments.nicepay import notifications as v2_notifications
from tests.support import flows
from tests.support import linking as lf
from tests.support.strict import StrictV2Client

pytestmark = pytest.mark.django_db
NOTIFY = "http://127.0.0.1:9/notify"
REG, INQ, CAN = "/nicepay/direct/v2/registration", "/nicepay/direct/v2/inquiry", "/nicepay/direct/v2/cancel"


@pytest.fixture
def strict(client):
    return StrictV2Client(client)


def post(strict, url: str, body: dict) -> dict:
    return strict.post(url, json.dumps(body), content_type="application/json").json()


@pytest.mark.parametrize("ref", [" ORD-SPACE-1", "ORD-SPACE-2 ", "  ORD 3  "])
def test_reference_with_spaces_is_signed_and_kept_exactly_as_sent(strict, demo_merchant, ref):
    body = flows.registration_body(mitra_cd="ESHP", amount=15_000, db_process_url=NOTIFY, reference_no=ref)
    answer = post(strict, REG, body)
    assert answer["resultCd"] == "0000" and answer["referenceNo"] == ref, answer
    assert Transaction.objects.get(txid=answer["tXid"]).reference_no == ref
    inquiry = flows.inquiry_request(answer["tXid"], ref, "15000")
    assert post(strict, INQ, inquiry)["referenceNo"] == ref
    # A token computed over the trimmed value is not a token for what was sent.
    trimmed = flows.registration_body(
        mitra_cd="ESHP", amount=15_000, db_process_url=NOTIFY, reference_no=ref.strip() + "X"
    )
    trimmed["referenceNo"] = f" {trimmed['referenceNo']}"
    assert post(strict, REG, trimmed)["resultCd"] == "9010"


def leading_zero_cases(merchant_txn: Transaction) -> list[tuple[str, dict, str]]:
    ts = flows.stamp()
    reg = flows.registration_body(mitra_cd="ESHP", amount=10_000, db_process_url=NOTIFY, amt="010000")
    reg["merchantToken"] = tokens.registration_token(
        reg["timeStamp"], flows.IMID, reg["referenceNo"], "010000", flows.KEY
    )
    t = merchant_txn
    inquiry = flows.inquiry_request(t.txid, t.reference_no, "010000", ts=ts)
    cancel = {
        "timeStamp": ts,
        "tXid": t.txid,
        "iMid": flows.IMID,
        "payMethod": "05",
        "cancelType": "1",
        "amt": "010000",
        "merchantToken": tokens.cancel_token(ts, flows.IMID, t.txid, "010000", flows.KEY),
    }
    return [(REG, reg, "9008"), (INQ, inquiry, "9008"), (CAN, cancel, "9312")]


def test_an_amount_with_a_leading_zero_is_refused_with_a_clear_message_everywhere(
    strict, client, demo_merchant
):
    first = post(strict, REG, flows.registration_body(mitra_cd="ESHP", amount=10_000, db_process_url=NOTIFY))
    txn = Transaction.objects.get(txid=first["tXid"])
    before = Transaction.objects.count()
    for url, body, code in leading_zero_cases(txn):
        answer = post(strict, url, body)
        assert answer["resultCd"] == code, (url, answer)
        assert "leading zero" in answer["resultMsg"] and "(10000)" in answer["resultMsg"], answer
    query = lf.link_initiate_query(
        mandate_id="IONPAYTEST404", amount=10_000, db_process_url=NOTIFY, amt="010000", returnJsonFormat="1"
    )
    answer = client.get(f"/nicepay/api/linkInitiate.do?{urlencode(query)}").json()
    assert answer["resultCd"] == "9008" and "leading zero" in answer["resultMsg"]
    assert Transaction.objects.count() == before
    txn.refresh_from_db()
    assert txn.status == "9" and txn.cancelled_amount == 0


def test_the_notification_token_is_computed_over_the_amount_as_the_merchant_sent_it(strict, demo_merchant):
    body = flows.registration_body(mitra_cd="ESHP", amount=15_000, db_process_url=NOTIFY)
    body["amt"] = 15000  # a JSON number: its decimal string is what the merchant signed
    body["merchantToken"] = tokens.registration_token(
        body["timeStamp"], flows.IMID, body["referenceNo"], "15000", flows.KEY
    )
    answer = post(strict, REG, body)
    assert answer["resultCd"] == "0000" and answer["amt"] == "15000"
    payload = v2_notifications.payment(Transaction.objects.get(txid=answer["tXid"]), 1)
    assert payload["amt"] == "15000"
    assert flows.verify_notification(payload)  # the merchant's own check: SHA256(iMid+tXid+amt+key)
