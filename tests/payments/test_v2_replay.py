"""Replays within the timeStamp window never move money twice (docs/v2-api.md, "Replays").

A captured request can be sent again for as long as its timeStamp reads as now somewhere on Earth
(about a day), so what protects each call must not be the timeStamp:
- registration: the request fingerprint (its first answer) and the live-referenceNo constraint;
- payment: one partner start per transaction (payment_started_at);
- cancel: (transaction, timeStamp + cancelType + amt) is unique, under the transaction's row lock;
- confirmAkulaku: recorded once per transaction; a repeat answers the stored result.
Runs on the real stack: the partner's own records show whether money moved twice."""

from __future__ import annotations

import pytest
import requests

from payments.models import Cancellation, Transaction, TransactionEvent
from providers.sandbox.models import SandboxOrder
from tests.support import flows

pytestmark = pytest.mark.integration


def paid(stack, receiver, mitra: str, amount: int) -> dict:  # noqa: ANN001
    reg = flows.register(stack.base_url, mitra_cd=mitra, amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    flows.payment_started(stack.base_url, reg)
    flows.simulated(stack, reg, "success")
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    return reg


def cancel_body(reg: dict, amount: int, cancel_type: str) -> dict:
    ts = flows.stamp()
    return {
        "timeStamp": ts,
        "tXid": reg["tXid"],
        "iMid": flows.IMID,
        "payMethod": reg["_body"]["payMethod"],
        "cancelType": cancel_type,
        "amt": str(amount),
        "merchantToken": flows.sha(ts, flows.IMID, reg["tXid"], amount, flows.KEY),
    }


def post(stack, path: str, body: dict) -> dict:  # noqa: ANN001
    resp = requests.post(f"{stack.base_url}{path}", json=body, timeout=60)
    resp.raise_for_status()
    return resp.json()


def test_a_replayed_partial_cancel_refunds_once(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, "DANA", 20_000)
    captured = cancel_body(reg, 5_000, "2")
    first = post(stack, "/nicepay/direct/v2/cancel", captured)
    assert first["resultCd"] == "0000", first
    for _ in range(3):
        assert post(stack, "/nicepay/direct/v2/cancel", captured) == first  # the first answer
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.cancelled_amount == 5_000 and Cancellation.objects.filter(transaction=txn).count() == 1
    order = SandboxOrder.objects.get(partner="dana", merchant_ref=reg["tXid"])
    assert order.data["refunded"] == 5_000 and len(order.data["refunds"]) == 1  # DANA refunded once
    # A new request (its own timeStamp) is a new cancel, as the merchant meant.
    while (second := cancel_body(reg, 5_000, "2"))["timeStamp"] == captured["timeStamp"]:
        pass
    assert post(stack, "/nicepay/direct/v2/cancel", second)["resultCd"] == "0000"
    order.refresh_from_db()
    assert order.data["refunded"] == 10_000 and len(order.data["refunds"]) == 2


def test_a_replayed_full_cancel_voids_once_and_answers_the_same(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, "DANA", 15_000)
    captured = cancel_body(reg, 15_000, "1")
    first = post(stack, "/nicepay/direct/v2/cancel", captured)
    assert first["resultCd"] == "0000", first
    assert post(stack, "/nicepay/direct/v2/cancel", captured) == first
    assert Cancellation.objects.filter(transaction__txid=reg["tXid"]).count() == 1
    assert flows.inquiry(stack.base_url, reg)["status"] in ("1", "2")


def test_a_replayed_confirm_akulaku_is_recorded_once(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, "AKLP", 50_000)
    ts = flows.stamp()
    captured = {
        "timeStamp": ts,
        "tXid": reg["tXid"],
        "iMid": flows.IMID,
        "merchantToken": flows.sha(ts, reg["tXid"], flows.IMID, flows.KEY),
    }
    first = post(stack, "/nicepay/api/direct/v2/confirmAkulaku", captured)
    assert first["resultCd"] == "0000", first
    assert post(stack, "/nicepay/api/direct/v2/confirmAkulaku", captured) == first
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert TransactionEvent.objects.filter(transaction=txn, kind="receipt").count() == 1


def test_a_replayed_payment_step_starts_the_partner_once(stack, demo_merchant, receiver):
    reg = flows.register(stack.base_url, mitra_cd="DANA", amount=20_000, db_process_url=receiver.url)
    url = flows.payment_url(stack.base_url, reg)
    pages = {flows.next_hop(requests.get(url, allow_redirects=False, timeout=60)) for _ in range(3)}
    assert len(pages) == 1
    assert SandboxOrder.objects.filter(partner="dana", merchant_ref=reg["tXid"]).count() == 1
    flows.simulated(stack, reg, "success")
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    # After payment, the captured link only leads back to the shop with the result.
    back = flows.next_hop(requests.get(url, allow_redirects=False, timeout=60))
    assert "resultCd=0000" in back and SandboxOrder.objects.filter(merchant_ref=reg["tXid"]).count() == 1
