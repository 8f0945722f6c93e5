"""LinkAja (LINK) end to end on the real stack: gunicorn, Celery worker + beat, Redis, the LinkAja
sandbox and a merchant receiver. LinkAja Web Checkout has no server push: the gateway learns the
outcome when the browser comes back (fetch_status) or by polling. Outcomes follow the amount's
last three digits; 906/907/908 concern notifications LinkAja never sends, so they pay normally."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments.models import PartnerCallback, Transaction
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support.flows import notified as notifications
from tests.support.flows import simulated as simulate

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:9/merchant/callback"


def pay(stack, receiver, amount: int) -> tuple[dict, str]:
    reg = flows.register(stack.base_url, mitra_cd="LINK", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    page_url = flows.payment_started(stack.base_url, reg, callback_url=CALLBACK)
    assert "/sandbox/linkaja/linkaja-api/payment?message=" in page_url
    return reg, page_url


def come_back(result: dict) -> dict[str, str]:
    """The browser follows LinkAja's redirect to the gateway, which sends it on to callBackUrl."""
    back = requests.get(result["redirect_url"], allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK), back.text[:300]
    return {k: v[0] for k, v in parse_qs(urlsplit(back.headers["Location"]).query).items()}


def test_paid_end_to_end(stack, demo_merchant, receiver) -> None:
    reg, page_url = pay(stack, receiver, 25_000)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    page = requests.get(page_url, timeout=10)
    assert page.status_code == 200 and "Rp 25.000" in page.text and "123456" in page.text
    order = SandboxOrder.objects.get(partner="linkaja", merchant_ref=reg["tXid"])
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.partner_ref == order.ref and order.amount == 25_000
    assert 290 <= (txn.expires_at - txn.created_at).total_seconds() <= 310  # NICEPAY's 5 minutes for LINK

    result = simulate(stack, reg)
    assert result["state"] == "00" and "status=00" in result["redirect_url"]
    params = come_back(result)
    assert (params["resultCd"], params["tXid"], params["mitraCd"]) == ("0000", reg["tXid"], "LINK")
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == "0" and note.form["amt"] == "25000" and note.form["mitraCd"] == "LINK"
    answer = flows.inquiry(stack.base_url, reg)
    assert (answer["status"], answer["resultCd"]) == ("0", "0000")
    assert not PartnerCallback.objects.filter(mitra_cd="LINK").exists()  # WCO never pushes


@pytest.mark.parametrize(
    ("amount", "outcome", "status", "code"),
    [
        (25_901, "success", "8", "9752"),  # LinkAja declines
        (25_902, "success", "5", "9752"),  # the 5-minute session lapses
        (25_903, "success", "8", "9752"),  # the customer presses cancel
        (25_000, "decline", "8", "9752"),
        (25_000, "expire", "5", "9752"),
        (25_000, "cancel", "8", "9752"),
    ],
)
def test_final_outcomes(stack, demo_merchant, receiver, amount, outcome, status, code) -> None:
    reg, _ = pay(stack, receiver, amount)
    params = come_back(simulate(stack, reg, outcome))
    assert params["resultCd"] == code
    assert flows.inquiry(stack.base_url, reg)["status"] == status
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == status


def test_905_stays_pending(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 25_905)
    result = simulate(stack, reg)
    assert result["state"] == "02"
    assert come_back(result)["resultCd"] == "9005"  # not final: the merchant must ask later
    time.sleep(4)  # polls every 2 s keep hearing "02"
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert Transaction.objects.get(txid=reg["tXid"]).poll_count >= 1


@pytest.mark.parametrize("amount", [25_906, 25_908])
def test_without_the_browser_polling_settles(stack, demo_merchant, receiver, amount) -> None:
    """906 (and 908, a signature LinkAja never sends): nobody comes back; the poller finds it paid."""
    reg, _ = pay(stack, receiver, amount)
    simulate(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == "0"
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.events.filter(to_status="0").values_list("source", flat=True)[0] == "poll"


def test_907_returning_twice_changes_status_once(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 25_907)
    result = simulate(stack, reg)
    assert come_back(result)["resultCd"] == "0000"
    assert come_back(result)["resultCd"] == "0000"
    notifications(receiver, reg, 1)


def test_909_partner_error_keeps_payment_open(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="LINK", amount=25_909, db_process_url=receiver.url)
    hop = flows.start_payment(stack.base_url, reg, callback_url=CALLBACK)
    assert hop.status_code == 200 and "data-result-cd" in hop.text and "not answering" in hop.text
    assert not SandboxOrder.objects.filter(partner="linkaja", merchant_ref=reg["tXid"]).exists()
    time.sleep(1.5)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []


def test_void_and_partial_refused(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 40_000)
    come_back(simulate(stack, reg))
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    partial = flows.cancel(stack.base_url, reg, amount=10_000, cancel_type="2")
    assert partial["resultCd"] == "9332" and "manual refund" in partial["resultMsg"]
    full = flows.cancel(stack.base_url, reg, amount=40_000)
    assert full["resultCd"] == "0000", full
    assert flows.wait_for_status(stack.base_url, reg, "1")["status"] == "1"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "1"]
    assert SandboxOrder.objects.get(partner="linkaja", merchant_ref=reg["tXid"]).state == "04"


def test_amount_limits(stack, demo_merchant, receiver) -> None:
    low = flows.register(stack.base_url, mitra_cd="LINK", amount=9_999, db_process_url=receiver.url)
    assert low["resultCd"] != "0000" and "minimum" in low["resultMsg"]
