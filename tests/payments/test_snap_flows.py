"""SNAP payments against the partners' sandbox (one live server, real HTTP both ways): each kind of
next step, replays and reuse, status and refund, and V2 seeing the same transaction."""

from __future__ import annotations

import pytest
import requests

from payments import customer_access
from payments.models import Cancellation, Notification, RefundReference, RequestId, Transaction
from tests.support import flows, snap
from tests.support import linking as lf
from tests.support.rest import basic

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "http://127.0.0.1:9/merchant/notify"


@pytest.fixture
def api(sandbox_server):
    snap.snap_demo_merchant()
    return snap.SnapClient(snap.http_transport(sandbox_server.url))


def pay(api, **kw) -> dict:
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(notify_url=NOTIFY, **kw))
    assert (answer.status, answer.json["responseCode"]) == (200, "2005400"), answer.json
    assert answer.json["responseMessage"] == "Successful"
    return answer.json


def status(api, answer: dict, **kw) -> dict:
    got = api.signed(snap.STATUS_PATH, snap.status_body(answer, **kw))
    assert got.json["responseCode"] == "2005500", got.json
    return got.json


def v2_reg(answer: dict, amount: int) -> dict:
    """What the V2 helpers need to ask V2 about a SNAP payment."""
    return {
        "tXid": answer["referenceNo"],
        "_body": {
            "iMid": "IONPAYTEST",
            "referenceNo": answer["partnerReferenceNo"],
            "amt": str(amount),
            "payMethod": "05",
        },
    }


def test_dana_payment_status_and_refund_and_v2_agrees(sandbox_server, api):
    base = sandbox_server.url
    answer = pay(api, mitra_cd="DANA", value="25000.00")
    assert "/sandbox/dana/" in answer["webRedirectUrl"] and answer["appRedirectUrl"] == ""
    txn = Transaction.objects.get(txid=answer["referenceNo"])
    assert (txn.door, txn.amount, txn.mitra_cd, txn.db_process_url) == ("snap", 25_000, "DANA", NOTIFY)
    assert txn.door_data["externalId"] and txn.reference_no == answer["partnerReferenceNo"]

    before = status(api, answer, value="25000.00")
    assert (before["latestTransactionStatus"], before["transactionStatusDesc"]) == ("01", "Initiated")
    assert flows.inquiry(base, v2_reg(answer, 25_000))["status"] == "9"

    assert flows.simulate(base, answer["referenceNo"], "success").status_code == 200
    paid = status(api, answer)
    assert (paid["latestTransactionStatus"], paid["transactionStatusDesc"]) == ("00", "Success")
    assert paid["transAmount"] == {"value": "25000.00", "currency": "IDR"} and paid["paidTime"]
    assert paid["originalExternalId"] == txn.door_data["externalId"]
    assert flows.inquiry(base, v2_reg(answer, 25_000))["status"] == "0"
    listed = requests.get(
        f"{base}/api/v1/transactions",
        params={"q": answer["partnerReferenceNo"]},
        headers={"Authorization": basic("IONPAYTEST", snap.NICEPAY_SANDBOX_KEY)},
        timeout=10,
    ).json()["results"]
    assert [(t["tXid"], t["door"], t["status"]) for t in listed] == [(answer["referenceNo"], "snap", "0")]
    [note] = Notification.objects.filter(transaction=txn)
    assert note.payload["latestTransactionStatus"] == "00" and note.payload["amount"]["value"] == "25000.00"

    body = snap.refund_body(answer, value="25000.00")
    refunded = api.signed(snap.REFUND_PATH, body)
    assert refunded.json["responseCode"] == "2005800", refunded.json
    assert refunded.json["refundNo"] and refunded.json["refundTime"].endswith("+07:00")
    assert refunded.json["partnerRefundNo"] == body["partnerRefundNo"]
    after = status(api, answer)
    assert after["latestTransactionStatus"] == "04" and len(after["refundHistory"]) == 1
    assert flows.inquiry(base, v2_reg(answer, 25_000))["status"] in ("1", "2")

    # The same refund number again: the same refund, not a second one (the refund is idempotent).
    again = api.signed(snap.REFUND_PATH, body)
    assert again.json["responseCode"] == "2005800" and again.json["refundNo"] == refunded.json["refundNo"]
    assert Cancellation.objects.filter(transaction=txn).count() == 1
    # The same number for another amount is a conflict.
    other = api.signed(snap.REFUND_PATH, dict(body, refundAmount={"value": "100.00", "currency": "IDR"}))
    assert (other.status, other.json["responseCode"]) == (409, "4095801")
    assert RefundReference.objects.count() == 1


def test_reused_external_id_and_reference_are_409_and_change_nothing(api):
    token = api.token()
    answer = api.signed(
        snap.PAYMENT_PATH, snap.payment_body(notify_url=NOTIFY), token=token, external_id="EXT-1"
    ).json
    assert answer["responseCode"] == "2005400"
    count = Transaction.objects.count()

    replay = api.signed(
        snap.PAYMENT_PATH, snap.payment_body(notify_url=NOTIFY), token=token, external_id="EXT-1"
    )
    assert (replay.status, replay.json["responseCode"]) == (409, "4095400")
    assert "X-EXTERNAL-ID EXT-1" in replay.json["responseMessage"]

    reused = snap.payment_body(reference_no=answer["partnerReferenceNo"], value="30000.00", notify_url=NOTIFY)
    dup = api.signed(snap.PAYMENT_PATH, reused, token=token)
    assert (dup.status, dup.json["responseCode"]) == (409, "4095401")
    assert dup.json["responseMessage"].startswith("Duplicate partnerReferenceNo")
    assert Transaction.objects.count() == count
    assert RequestId.objects.count() == 1  # the refused calls gave their ids back

    # The same id on another service is another request (python-nicepay stamps ids by the second)
    same_second = api.signed(snap.STATUS_PATH, snap.status_body(answer), token=token, external_id="EXT-1")
    assert same_second.json["responseCode"] == "2005500"


def test_the_identical_order_again_is_the_same_payment(api):
    body = snap.payment_body(notify_url=NOTIFY)
    first = api.signed(snap.PAYMENT_PATH, body).json
    second = api.signed(snap.PAYMENT_PATH, body).json  # new X-EXTERNAL-ID, same order
    assert second["responseCode"] == "2005400"
    assert (second["referenceNo"], second["webRedirectUrl"]) == (
        first["referenceNo"],
        first["webRedirectUrl"],
    )
    assert Transaction.objects.count() == 1


def test_each_partners_next_step(api, sandbox_server):
    ovo = pay(api, mitra_cd="OVOE", value="15000.00")
    wait_page = customer_access.page_path(ovo["referenceNo"], "wait")  # signed for this payment
    assert ovo["webRedirectUrl"] == f"{sandbox_server.url}{wait_page}"
    assert ovo["additionalInfo"]["pushToApp"] == "Y"
    page = requests.get(ovo["webRedirectUrl"], timeout=10)
    assert page.status_code == 200  # the waiting page

    shopee = pay(api, mitra_cd="ESHP", value="15000.00")
    assert shopee["webRedirectUrl"].startswith("http") and shopee["appRedirectUrl"]

    linkaja = pay(api, mitra_cd="LINK", value="15000.00")
    assert "/sandbox/linkaja/" in linkaja["webRedirectUrl"]
    assert {t.mitra_cd: t.door for t in Transaction.objects.all()} == {
        "OVOE": "snap",
        "ESHP": "snap",
        "LINK": "snap",
    }


def test_astrapay_pays_from_a_linked_account(api, sandbox_server, demo_merchant):
    base = sandbox_server.url
    resp = lf.link_enable(base, db_process_url=NOTIFY)
    requests.get(lf.bind_at_astrapay(flows.next_hop(resp)), allow_redirects=False, timeout=30)
    from payments.models import AccountLink

    link = AccountLink.objects.get(reference_no=resp.sent["referenceNo"])
    assert link.state == "linked"
    unknown = api.signed(
        snap.PAYMENT_PATH, snap.payment_body(mitra_cd="ASTR", mandateId="NOPE", notify_url=NOTIFY)
    )
    assert unknown.json["responseCode"] == "4045411"
    answer = pay(api, mitra_cd="ASTR", mandateId=link.mandate_id, value="25000.00")
    assert "/sandbox/astrapay/" in answer["webRedirectUrl"]
    txn = Transaction.objects.get(txid=answer["referenceNo"])
    assert txn.partner_data["mandate_id"] == link.mandate_id and txn.door == "snap"


def test_refund_rules_and_lookups(api, sandbox_server):
    answer = pay(api, mitra_cd="DANA", value="20000.00")
    not_paid = api.signed(snap.REFUND_PATH, snap.refund_body(answer, value="20000.00"))
    assert (not_paid.status, not_paid.json["responseCode"]) == (404, "4045800"), not_paid.json
    assert not RefundReference.objects.exists()  # refused: the number is free again

    assert flows.simulate(sandbox_server.url, answer["referenceNo"], "success").status_code == 200
    too_much = api.signed(snap.REFUND_PATH, snap.refund_body(answer, value="20001.00", refund_type="2"))
    assert too_much.json["responseCode"] == "4045813", too_much.json
    partial = api.signed(snap.REFUND_PATH, snap.refund_body(answer, value="5000.00", refund_type="2"))
    assert partial.json["responseCode"] == "2005800", partial.json
    assert status(api, answer)["latestTransactionStatus"] == "00"  # still paid, 15,000 left
    full_now = api.signed(snap.REFUND_PATH, snap.refund_body(answer, value="15000.00", refund_type="1"))
    assert full_now.json["responseCode"] == "4005801" and "refundType" in full_now.json["responseMessage"]
    rest = api.signed(snap.REFUND_PATH, snap.refund_body(answer, value="15000.00", refund_type="2"))
    assert rest.json["responseCode"] == "2005800"
    final = status(api, answer)
    assert final["latestTransactionStatus"] == "04" and len(final["refundHistory"]) == 2

    missing = api.signed(
        snap.STATUS_PATH, dict(snap.status_body(answer), originalReferenceNo="IONPAYTEST05X")
    )
    assert (missing.status, missing.json["responseCode"]) == (404, "4045501")
    wrong_amount = api.signed(snap.STATUS_PATH, snap.status_body(answer, value="1.00"))
    assert wrong_amount.json["responseCode"] == "4045513"
