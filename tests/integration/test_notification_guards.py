"""A partner notification with a bad signature, or one whose amount does not match, is stored,
refused and never applied: no status change, no merchant notification."""

import time

import pytest
import requests

from payments.models import Notification, PartnerCallback, Transaction, UnverifiedCallback
from providers.sandbox.shopeepay import state as shopee
from tests.support import flows

pytestmark = pytest.mark.integration


def started_payment(stack, receiver, amount: int) -> dict:
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=amount, db_process_url=receiver.url)
    flows.payment_started(stack.base_url, reg)
    return reg


def paid_body(txid: str, amount: int) -> bytes:
    return shopee.dumps(
        {
            "amount": amount * 100,
            "transaction_sn": "987654321098765432",
            "payment_method": 1,
            "user_id_hash": "cd" * 16,
            "merchant_ext_id": shopee.MERCHANT_EXT_ID,
            "store_ext_id": shopee.STORE_EXT_ID,
            "terminal_id": "",
            "payment_channel": 1,
            "payment_reference_id": txid,
            "payment_status": 1,
        }
    )


def post(stack, body: bytes, signature: str) -> requests.Response:
    return requests.post(
        f"{stack.base_url}/partners/ESHP/notify",
        data=body,
        timeout=30,
        headers={
            "Content-Type": "application/json",
            "X-Airpay-Req-H": signature,
            "X-Airpay-ClientId": shopee.CLIENT_ID,
        },
    )


def assert_untouched(reg: dict, receiver) -> Transaction:
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.status == "9"
    assert not Notification.objects.filter(transaction=txn).exists()
    time.sleep(1)
    assert receiver.for_txid(reg["tXid"]) == []
    return txn


def test_bad_signature_is_stored_refused_never_applied(stack, demo_merchant, receiver):
    reg = started_payment(stack, receiver, 16000)
    body = paid_body(reg["tXid"], 16000)
    resp = post(stack, body, shopee.sign(body)[:-4] + "AAA=")
    assert resp.status_code == 401
    callback = UnverifiedCallback.objects.get(mitra_cd="ESHP", body_excerpt__contains=reg["tXid"])
    assert "signature" in callback.reason
    assert callback.body_excerpt == body.decode()  # kept apart from the verified ones, as sent
    assert_untouched(reg, receiver)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"


def test_amount_mismatch_is_stored_refused_never_applied_and_flagged(stack, demo_merchant, receiver):
    reg = started_payment(stack, receiver, 17000)
    body = paid_body(reg["tXid"], 1700)  # validly signed, but for a tenth of the amount
    resp = post(stack, body, shopee.sign(body))
    assert resp.status_code < 500
    callback = PartnerCallback.objects.get(mitra_cd="ESHP", body__contains=reg["tXid"])
    assert callback.outcome == "rejected"
    txn = assert_untouched(reg, receiver)
    assert txn.needs_review and "1700" in txn.review_reason
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
