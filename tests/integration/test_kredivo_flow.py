"""Kredivo (KDVI) end to end on the real stack: gunicorn, Celery worker + beat, Redis, the Kredivo
sandbox and a merchant receiver. Every push is confirmed with Kredivo before it is applied."""

from __future__ import annotations

import json
import time
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
APPLIED, DUPLICATE = PartnerCallback.Outcome.APPLIED, PartnerCallback.Outcome.DUPLICATE


def test_paid_end_to_end_then_partial_and_full_cancel(stack, demo_merchant, receiver) -> None:
    reg, page_url = pay(stack, receiver, "KDVI", 150_000)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert requests.get(page_url, timeout=10).status_code == 200
    order = SandboxOrder.objects.get(partner="kredivo", merchant_ref=reg["tXid"])
    assert order.data["push_uri"] == f"{stack.base_url}/partners/KDVI/notify"
    assert order.data["payment_type"] == "30_days"  # instmntMon 1

    result = simulate(stack, reg)
    assert result["notified"] == [200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert (note.form["status"], note.form["amt"], note.form["mitraCd"]) == ("0", "150000", "KDVI")
    assert callbacks(reg) == [APPLIED]
    answer = flows.inquiry(stack.base_url, reg)
    assert (answer["status"], answer["resultCd"], answer["resultMsg"]) == ("0", "0000", "paid")

    location = back_to_merchant(result["redirect_url"])
    assert location.startswith(CALLBACK)
    assert parse_qs(urlsplit(location).query)["resultCd"] == ["0000"]

    part = flows.cancel(stack.base_url, reg, amount=50_000, cancel_type="2")
    assert part["resultCd"] == "0000", part
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    rest = flows.cancel(stack.base_url, reg, amount=100_000, cancel_type="2")
    assert rest["resultCd"] == "0000", rest
    assert flows.wait_for_status(stack.base_url, reg, "1")["status"] == "1"  # Kredivo: cancelled = void
    assert order.__class__.objects.get(pk=order.pk).state == "cancel"
    notes = notifications(receiver, reg, 2)
    assert [n.form["status"] for n in notes] == ["0", "1"]


def test_forged_push_changes_nothing(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "KDVI", 60_000)
    forged = {
        "status": "OK",
        "message": "",
        "amount": "60000.00",
        "payment_type": "30_days",
        "transaction_status": "settlement",
        "fraud_status": "accept",
        "order_id": reg["tXid"],
        "transaction_id": "KRD-forged-000",
        "transaction_time": int(time.time()),
        "signature_key": "f" * 64,
    }
    resp = requests.post(
        f"{stack.base_url}/partners/KDVI/notify",
        data=json.dumps(forged),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert resp.status_code >= 400
    # Kept apart from verified callbacks, its signature_key never stored.
    stored = UnverifiedCallback.objects.get(mitra_cd="KDVI", body_excerpt__contains="KRD-forged-000")
    assert "confirm" in stored.reason and "f" * 64 not in stored.body_excerpt
    assert not PartnerCallback.objects.filter(body__contains="KRD-forged-000").exists()
    time.sleep(2.5)  # a poll round: Kredivo itself still says pending
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert not Transaction.objects.get(txid=reg["tXid"]).events.filter(to_status="0").exists()


def test_final_outcomes(stack, demo_merchant, receiver) -> None:
    """901 deny, 902 expire, 903 customer cancels, 904 fraud deny, and the simulate outcomes."""
    cases = [
        (60_901, "success", "8"),
        (60_902, "success", "5"),
        (60_903, "success", "8"),
        (60_904, "success", "8"),
        (60_000, "decline", "8"),
        (60_000, "expire", "5"),
        (60_000, "cancel", "8"),
    ]
    runs = []
    for amount, outcome, status in cases:
        reg, _ = pay(stack, receiver, "KDVI", amount)
        assert simulate(stack, reg, outcome)["notified"] == [200]
        runs.append((reg, status))
    for reg, status in runs:
        assert flows.wait_for_status(stack.base_url, reg, status)["status"] == status, reg["_body"]["amt"]
    for reg, status in runs:
        [note] = notifications(receiver, reg, 1, quiet=0)
        assert note.form["status"] == status
        assert callbacks(reg) == [APPLIED]
    fraud = Transaction.objects.get(txid=runs[3][0]["tXid"])
    assert fraud.events.get(to_status="8").payload["raw_status"] == "deny/deny"


def test_905_stays_pending(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "KDVI", 60_905)
    assert simulate(stack, reg)["notified"] == []
    time.sleep(4)  # polls keep hearing "pending"
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert Transaction.objects.get(txid=reg["tXid"]).poll_count >= 1
    assert receiver.for_txid(reg["tXid"]) == []


def test_906_never_notified_polling_settles(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "KDVI", 60_906)
    assert simulate(stack, reg)["notified"] == []
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    assert callbacks(reg) == []
    assert settled_by(reg, "0") == "poll"


def test_907_pushed_twice_applied_once(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "KDVI", 60_907)
    assert simulate(stack, reg)["notified"] == [200, 200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    notifications(receiver, reg, 1)
    assert callbacks(reg) == [APPLIED, DUPLICATE]


def test_908_unconfirmable_push_refused_then_polling_settles(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "KDVI", 60_908)
    [status] = simulate(stack, reg)["notified"]
    assert status >= 400  # Kredivo's /v2/update did not confirm the key: refused, not applied
    refused = UnverifiedCallback.objects.get(mitra_cd="KDVI", body_excerpt__contains=reg["tXid"])
    assert "confirm" in refused.reason
    assert not PartnerCallback.objects.filter(mitra_cd="KDVI", body__contains=reg["tXid"]).exists()
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    assert settled_by(reg, "0") == "poll"


def test_909_partner_error_keeps_the_payment_open(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="KDVI", amount=60_909, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000"  # Kredivo is only called at payment
    hop = flows.start_payment(stack.base_url, reg, callback_url=CALLBACK)
    assert hop.status_code == 200 and "data-result-cd" in hop.text and "try again" in hop.text
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
