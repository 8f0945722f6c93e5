"""Akulaku (AKLP) end to end on the real stack: gunicorn, Celery worker + beat, Redis, the Akulaku
sandbox and a merchant receiver. The order is created at registration; after payment the merchant
confirms receipt (confirmAkulaku) so Akulaku releases the funds."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments.models import PartnerCallback, Transaction, UnverifiedCallback
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support.paylater_flows import (
    CALLBACK,
    back_to_merchant,
    callbacks,
    notifications,
    pay,
    settled_by,
    simulate,
)

pytestmark = pytest.mark.integration
APPLIED, DUPLICATE, REJECTED = (
    PartnerCallback.Outcome.APPLIED,
    PartnerCallback.Outcome.DUPLICATE,
    PartnerCallback.Outcome.REJECTED,
)
TWO_LINES = json.dumps(
    {
        "count": "2",
        "item": [
            {
                "goods_id": "SKU1",
                "goods_name": "Rice cooker",
                "goods_amt": "40000",
                "goods_quantity": "1",
                "goods_type": "Kitchen",
                "goods_url": "http://shop.test/1",
                "goods_sellers_id": "SEL1",
                "goods_sellers_name": "Seller",
            },
            {
                "goods_id": "SKU2",
                "goods_name": "Spatula",
                "goods_amt": "5000",
                "goods_quantity": "2",
                "goods_type": "Kitchen",
                "goods_url": "http://shop.test/2",
                "goods_sellers_id": "SEL1",
                "goods_sellers_name": "Seller",
            },
        ],
    }
)


def confirm_receipt(stack, reg: dict) -> requests.Response:
    ts = flows.stamp()
    body = {
        "timeStamp": ts,
        "tXid": reg["tXid"],
        "iMid": flows.IMID,
        "merchantToken": flows.sha(ts, reg["tXid"], flows.IMID, flows.KEY),
    }
    return requests.post(f"{stack.base_url}/nicepay/api/direct/v2/confirmAkulaku", json=body, timeout=30)


def test_paid_receipt_and_refund_by_item(stack, demo_merchant, receiver) -> None:
    reg, page_url = pay(stack, receiver, "AKLP", 50_000, cartData=TWO_LINES)
    order = SandboxOrder.objects.get(partner="akulaku", merchant_ref=reg["tXid"])
    assert reg["partnerOrder"]["orderId"] == order.ref  # Akulaku's order, relayed to the merchant
    assert set(order.data["lines"]) == {"SKU1", "SKU2"}
    assert requests.get(page_url, timeout=10).status_code == 200
    early = confirm_receipt(stack, reg)
    assert early.status_code == 200 and early.json()["resultCd"] == "9502"  # not paid yet

    result = simulate(stack, reg)
    assert result["notified"] == [200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert (note.form["status"], note.form["amt"], note.form["mitraCd"]) == ("0", "50000", "AKLP")
    assert callbacks(reg) == [APPLIED]
    location = back_to_merchant(result["redirect_url"])
    assert location.startswith(CALLBACK) and parse_qs(urlsplit(location).query)["resultCd"] == ["0000"]

    first = confirm_receipt(stack, reg)
    assert first.status_code == 200
    assert first.json() == {
        "resultCd": "0000",
        "resultMsg": "SUCCESS",
        "tXid": reg["tXid"],
        "ResponseData": None,
    }
    assert confirm_receipt(stack, reg).json() == first.json()  # a repeat answers the stored result
    assert SandboxOrder.objects.get(pk=order.pk).state == "101"
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.events.filter(kind="receipt").count() == 1
    answer = flows.inquiry(stack.base_url, reg)
    assert (answer["status"], answer["receiptConfirmed"]) == ("0", "Y")

    odd = flows.cancel(stack.base_url, reg, amount=7_000, cancel_type="2")
    assert odd["resultCd"] != "0000" and "whole items" in odd["resultMsg"]
    assert flows.cancel(stack.base_url, reg, amount=10_000, cancel_type="2")["resultCd"] == "0000"
    assert SandboxOrder.objects.get(pk=order.pk).data["cancelled"] == {"SKU2": 2}
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    assert flows.cancel(stack.base_url, reg, amount=40_000, cancel_type="2")["resultCd"] == "0000"
    assert flows.wait_for_status(stack.base_url, reg, "2")["status"] == "2"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "2"]


def test_final_outcomes(stack, demo_merchant, receiver) -> None:
    """Akulaku has no "expired": a lapsed or cancelled order is 92, a failed payment for the merchant."""
    cases = [
        (30_901, "success", "8"),
        (30_902, "success", "8"),
        (30_903, "success", "8"),
        (30_904, "success", "8"),
        (30_000, "decline", "8"),
        (30_000, "expire", "8"),
        (30_000, "cancel", "8"),
    ]
    runs = []
    for amount, outcome, status in cases:
        reg, _ = pay(stack, receiver, "AKLP", amount)
        assert simulate(stack, reg, outcome)["notified"] == [200]
        runs.append((reg, status))
    for reg, status in runs:
        assert flows.wait_for_status(stack.base_url, reg, status)["status"] == status, reg["_body"]["amt"]
    for reg, status in runs:
        [note] = notifications(receiver, reg, 1, quiet=0)
        assert note.form["status"] == status
        assert callbacks(reg) == [APPLIED]
        refused = confirm_receipt(stack, reg)
        assert refused.status_code == 200 and "paid transaction" in refused.json()["resultMsg"]


def test_905_pending_906_polling_907_twice(stack, demo_merchant, receiver) -> None:
    pending, _ = pay(stack, receiver, "AKLP", 30_905)
    silent, _ = pay(stack, receiver, "AKLP", 30_906)
    twice, _ = pay(stack, receiver, "AKLP", 30_907)
    assert simulate(stack, pending)["notified"] == []
    assert simulate(stack, silent)["notified"] == []
    assert simulate(stack, twice)["notified"] == [200, 200]
    assert flows.wait_for_status(stack.base_url, silent, "0", timeout=20)["status"] == "0"
    assert flows.wait_for_status(stack.base_url, twice, "0")["status"] == "0"
    notifications(receiver, silent, 1)
    notifications(receiver, twice, 1, quiet=0)
    assert settled_by(silent, "0") == "poll" and callbacks(silent) == []
    assert callbacks(twice) == [APPLIED, DUPLICATE]
    assert flows.inquiry(stack.base_url, pending)["status"] == "9"
    assert Transaction.objects.get(txid=pending["tXid"]).poll_count >= 1
    assert receiver.for_txid(pending["tXid"]) == []


def test_908_bad_signature_stored_refused_never_applied(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "AKLP", 30_908)
    assert simulate(stack, reg)["notified"] == [401]
    refused = UnverifiedCallback.objects.get(mitra_cd="AKLP", body_excerpt__contains=reg["tXid"])
    assert "signature" in refused.reason
    assert not PartnerCallback.objects.filter(mitra_cd="AKLP", body__contains=reg["tXid"]).exists()
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    assert settled_by(reg, "0") == "poll"


def test_909_partner_error_fails_registration_and_stores_nothing(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="AKLP", amount=30_909, db_process_url=receiver.url)
    assert reg["resultCd"] == "9001" and "tXid" not in reg
    assert not Transaction.objects.filter(reference_no=reg["_body"]["referenceNo"]).exists()
    assert receiver.received == []  # nothing registered, nothing to tell the merchant
