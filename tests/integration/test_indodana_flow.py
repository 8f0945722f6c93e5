"""Indodana (IDNA) end to end on the real stack: gunicorn, Celery worker + beat, Redis, the
Indodana sandbox and a merchant receiver. Notifications carry Indodana's Bearer signature and are
then confirmed with a status check before anything is applied."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments.models import PartnerCallback, Transaction, UnverifiedCallback
from providers.indodana import transformers as idn
from providers.indodana.adapter import IndodanaAdapter
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


def test_paid_end_to_end_then_refunds(stack, demo_merchant, receiver) -> None:
    reg, page_url = pay(stack, receiver, "IDNA", 1_600_000, instmntMon="12")
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert requests.get(page_url, timeout=10).status_code == 200
    order = SandboxOrder.objects.get(partner="indodana", merchant_ref=reg["tXid"])
    assert order.data["paymentType"] == "12_months"
    assert order.data["approvedNotificationUrl"] == f"{stack.base_url}/partners/IDNA/notify"

    result = simulate(stack, reg)
    assert result["notified"] == [200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert (note.form["status"], note.form["amt"], note.form["mitraCd"]) == ("0", "1600000", "IDNA")
    assert callbacks(reg) == [APPLIED]
    location = back_to_merchant(result["redirect_url"])
    assert location.startswith(CALLBACK) and parse_qs(urlsplit(location).query)["resultCd"] == ["0000"]

    assert flows.cancel(stack.base_url, reg, amount=600_000, cancel_type="2")["resultCd"] == "0000"
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    assert flows.cancel(stack.base_url, reg, amount=1_000_000, cancel_type="2")["resultCd"] == "0000"
    assert flows.wait_for_status(stack.base_url, reg, "2")["status"] == "2"
    assert SandboxOrder.objects.get(pk=order.pk).state == "REFUNDED"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "2"]


def test_validly_signed_but_false_notification_is_not_applied(stack, demo_merchant, receiver) -> None:
    """The body is unsigned: even with a good Bearer, only Indodana's status answer counts."""
    reg, _ = pay(stack, receiver, "IDNA", 70_000)
    body = {
        "amount": "70000.00",
        "paymentType": "30_days",
        "transactionStatus": "PAID",
        "merchantOrderId": reg["tXid"],
        "transactionTime": "2026-01-01T00:00:00+07:00",
        "transactionId": SandboxOrder.objects.get(merchant_ref=reg["tXid"]).ref,
    }
    creds = IndodanaAdapter.default_credentials
    auth = idn.bearer(creds["api_key"], creds["api_secret"], int(time.time()))
    resp = requests.post(
        f"{stack.base_url}/partners/IDNA/notify",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": auth},
        timeout=30,
    )
    assert resp.status_code == 200
    assert callbacks(reg) == [DUPLICATE]  # confirmed as INITIATED: nothing to change
    time.sleep(1)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []


def test_final_outcomes(stack, demo_merchant, receiver) -> None:
    """901 rejected, 902 expired, 903 customer cancels, 904 fraud rejected, and simulate outcomes."""
    cases = [
        (70_901, "success", "8"),
        (70_902, "success", "5"),
        (70_903, "success", "8"),
        (70_904, "success", "8"),
        (70_000, "decline", "8"),
        (70_000, "expire", "5"),
        (70_000, "cancel", "8"),
    ]
    runs = []
    for amount, outcome, status in cases:
        reg, _ = pay(stack, receiver, "IDNA", amount)
        assert simulate(stack, reg, outcome)["notified"] == [200]
        runs.append((reg, status))
    for reg, status in runs:
        assert flows.wait_for_status(stack.base_url, reg, status)["status"] == status, reg["_body"]["amt"]
    for reg, status in runs:
        [note] = notifications(receiver, reg, 1, quiet=0)
        assert note.form["status"] == status
        assert callbacks(reg) == [APPLIED]
    fraud = SandboxOrder.objects.get(partner="indodana", merchant_ref=runs[3][0]["tXid"])
    assert (fraud.state, fraud.data["fraudStatus"]) == ("REJECTED", "REJECTED")


def test_905_pending_906_polling_907_twice(stack, demo_merchant, receiver) -> None:
    pending, _ = pay(stack, receiver, "IDNA", 70_905)
    silent, _ = pay(stack, receiver, "IDNA", 70_906)
    twice, _ = pay(stack, receiver, "IDNA", 70_907)
    assert simulate(stack, pending)["notified"] == []
    assert simulate(stack, silent)["notified"] == []
    # Indodana signs apiKey:nonce only, so a copy with the same nonce is a replay and is refused
    # (401); a copy signed afresh is a duplicate of the applied one (200). Either way: applied once.
    first_copy, second_copy = simulate(stack, twice)["notified"]
    assert first_copy == 200 and second_copy in (200, 401)
    assert flows.wait_for_status(stack.base_url, silent, "0", timeout=20)["status"] == "0"
    assert flows.wait_for_status(stack.base_url, twice, "0")["status"] == "0"
    notifications(receiver, silent, 1)
    notifications(receiver, twice, 1, quiet=0)
    assert settled_by(silent, "0") == "poll" and callbacks(silent) == []
    replayed = UnverifiedCallback.objects.filter(
        body_excerpt__contains=twice["tXid"], reason__startswith="replayed"
    )
    assert callbacks(twice) == ([APPLIED, DUPLICATE] if second_copy == 200 else [APPLIED])
    assert replayed.count() == (second_copy == 401)
    assert flows.inquiry(stack.base_url, pending)["status"] == "9"
    assert Transaction.objects.get(txid=pending["tXid"]).poll_count >= 1
    assert receiver.for_txid(pending["tXid"]) == []


def test_908_bad_signature_stored_refused_never_applied(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, "IDNA", 70_908)
    assert simulate(stack, reg)["notified"] == [401]
    refused = UnverifiedCallback.objects.get(mitra_cd="IDNA", body_excerpt__contains=reg["tXid"])
    assert "signature" in refused.reason
    assert not PartnerCallback.objects.filter(mitra_cd="IDNA", body__contains=reg["tXid"]).exists()
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    assert settled_by(reg, "0") == "poll"


def test_909_partner_error_keeps_the_payment_open(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="IDNA", amount=70_909, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000"
    hop = flows.start_payment(stack.base_url, reg, callback_url=CALLBACK)
    assert hop.status_code == 200 and "data-result-cd" in hop.text and "try again" in hop.text
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
