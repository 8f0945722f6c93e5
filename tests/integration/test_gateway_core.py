"""The gateway core end to end on the real stack, with ShopeePay as the partner."""

import time

import pytest
import requests

from payments.models import Notification, PartnerCallback, Transaction
from tests.support import flows

pytestmark = pytest.mark.integration


def test_shopeepay_paid_end_to_end_via_simulate(stack, demo_merchant, receiver):
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=15000, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    assert len(reg["tXid"]) == 30 and reg["tXid"].startswith("IONPAYTEST05")
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"

    page_url = flows.payment_started(stack.base_url, reg)
    assert "/sandbox/shopeepay/" in page_url
    assert requests.get(page_url, timeout=10).status_code == 200

    assert flows.simulate(stack.base_url, reg["tXid"], "success").status_code == 200
    answer = flows.wait_for_status(stack.base_url, reg, "0")
    assert answer["status"] == "0" and answer["resultMsg"] == "paid"

    notes = receiver.wait_for(reg["tXid"], 1)
    assert len(notes) == 1
    assert flows.verify_notification(notes[0].form)
    assert notes[0].form["status"] == "0" and notes[0].form["sequence"] == "1"
    assert notes[0].headers["X-Payloan-Signature"].startswith("t=")
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.partner_callbacks.filter(outcome=PartnerCallback.Outcome.APPLIED).count() == 1
    # The receiver sees the POST a moment before the worker records the delivery.
    for _ in range(50):
        if Notification.objects.filter(transaction=txn, state="delivered").count() == 1:
            break
        time.sleep(0.1)
    assert Notification.objects.filter(transaction=txn, state="delivered").count() == 1


def test_identical_replay_returns_same_answer_and_changed_body_is_refused(stack, demo_merchant, receiver):
    body = flows.registration_body(mitra_cd="ESHP", amount=20000, db_process_url=receiver.url)
    url = f"{stack.base_url}/nicepay/direct/v2/registration"
    first = requests.post(url, json=body, timeout=30).json()
    again = requests.post(url, json=body, timeout=30).json()
    assert first["resultCd"] == "0000" and again["tXid"] == first["tXid"]
    changed = flows.registration_body(
        mitra_cd="ESHP",
        amount=20000,
        db_process_url=receiver.url,
        reference_no=body["referenceNo"],
        goodsNm="Other",
    )
    refused = requests.post(url, json=changed, timeout=30)
    assert refused.status_code == 200 and refused.json()["resultCd"] == "9009"
    assert first["tXid"] in refused.json()["resultMsg"]
    assert Transaction.objects.filter(reference_no=body["referenceNo"]).count() == 1


def test_cancel_of_unpaid_untouched_transaction_voids_it(stack, demo_merchant, receiver):
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=12000, db_process_url=receiver.url)
    answer = flows.cancel(stack.base_url, reg, amount=12000)
    assert answer["resultCd"] == "0000", answer
    assert flows.inquiry(stack.base_url, reg)["status"] == "1"
    notes = receiver.wait_for(reg["tXid"], 1)
    assert [n.form["status"] for n in notes] == ["1"]
    time.sleep(1)  # nothing else may follow
    assert len(receiver.for_txid(reg["tXid"])) == 1
