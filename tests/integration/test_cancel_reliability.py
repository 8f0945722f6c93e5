"""Cancels on the real stack: two different cancels in one second are two refunds, and only a true
replay of one cancel gets its first answer."""

from __future__ import annotations

import pytest
import requests

from payments.models import Cancellation, Transaction
from tests.support import flows

pytestmark = pytest.mark.integration


def cancel_body(reg: dict, *, amount: int, ts: str, cancel_type: str = "2", msg: str = "") -> dict:
    body = reg["_body"]
    return {
        "timeStamp": ts,
        "tXid": reg["tXid"],
        "iMid": body["iMid"],
        "payMethod": body["payMethod"],
        "cancelType": cancel_type,
        "amt": str(amount),
        "cancelMsg": msg,
        "merchantToken": flows.sha(ts, body["iMid"], reg["tXid"], amount, flows.KEY),
    }


def post_cancel(base_url: str, body: dict) -> dict:
    return requests.post(f"{base_url}/nicepay/direct/v2/cancel", json=body, timeout=60).json()


def paid(stack, receiver, amount: int) -> dict:  # noqa: ANN001
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    assert flows.start_payment(stack.base_url, reg).status_code == 302
    flows.simulated(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    return reg


def test_two_partial_cancels_in_one_second_are_two_refunds(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, 30_000)
    ts = flows.stamp()
    first = post_cancel(stack.base_url, cancel_body(reg, amount=5_000, ts=ts, msg="item A out of stock"))
    second = post_cancel(stack.base_url, cancel_body(reg, amount=5_000, ts=ts, msg="item B damaged"))
    assert first["resultCd"] == second["resultCd"] == "0000", (first, second)
    assert first["canceltXid"] != second["canceltXid"]

    txn = Transaction.objects.get(txid=reg["tXid"])
    rows = list(Cancellation.objects.filter(transaction=txn).order_by("id"))
    assert [(r.state, r.amount, r.reason) for r in rows] == [
        ("succeeded", 5_000, "item A out of stock"),
        ("succeeded", 5_000, "item B damaged"),
    ]
    assert rows[0].partner_ref != rows[1].partner_ref  # two refunds at the partner
    assert txn.cancelled_amount == 10_000 and txn.status == "0"
    assert flows.inquiry(stack.base_url, reg)["cancelAmt"] == "10000"


def test_only_a_true_replay_gets_the_first_answer(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, 31_000)
    body = cancel_body(reg, amount=4_000, ts=flows.stamp(), msg="customer changed size")
    first = post_cancel(stack.base_url, body)
    assert first["resultCd"] == "0000", first
    # The same request again (its answer was lost on the way back, the client retries): the same
    # answer, nothing refunded twice - also when the client counts its retries in cancelRetryCnt.
    again = post_cancel(stack.base_url, body)
    retried = post_cancel(stack.base_url, {**body, "cancelRetryCnt": "1"})
    assert again == first and retried == first
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.cancelled_amount == 4_000
    assert Cancellation.objects.filter(transaction=txn).count() == 1
