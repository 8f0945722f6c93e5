"""DANA end to end on the real stack: gunicorn, Celery worker + beat, Redis, the DANA sandbox (SNAP
API, hosted cashier, RSA-signed finish notifications) and a merchant receiver."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments import customer_access
from payments.models import Notification, PartnerCallback, Transaction, UnverifiedCallback
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support.flows import notified as notifications
from tests.support.flows import simulated as simulate

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:9/merchant/callback"


def pay(stack, receiver, amount: int) -> tuple[dict, str]:
    reg = flows.register(stack.base_url, mitra_cd="DANA", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    page_url = flows.payment_started(stack.base_url, reg, callback_url=CALLBACK)
    assert "/sandbox/dana/m/portal/cashier/checkout?bizNo=" in page_url
    return reg, page_url


def callbacks(reg: dict) -> list[str]:
    txn = Transaction.objects.get(txid=reg["tXid"])
    return list(txn.partner_callbacks.order_by("id").values_list("outcome", flat=True))


def test_paid_on_the_cashier_end_to_end(stack, demo_merchant, receiver) -> None:
    reg, page_url = pay(stack, receiver, 25_000)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    order = SandboxOrder.objects.get(partner="dana", merchant_ref=reg["tXid"])
    assert Transaction.objects.get(txid=reg["tXid"]).partner_ref == order.ref
    assert order.data["notify_url"] == f"{stack.base_url}/partners/DANA/notify"
    # DANA's default expiry is 24 h (nicepay-v2 §3.2): validUpTo ~ a day ahead
    hours = (order.expires_at - order.created_at).total_seconds() / 3600
    assert 23.5 < hours <= 24.01

    browser = requests.Session()
    page = browser.get(page_url, timeout=10)
    assert page.status_code == 200 and "Rp 25.000" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {"csrfmiddlewaretoken": token, "bizNo": order.ref, "phone": "083811223355", "pin": "181818"}
    back = browser.post(page_url, data=form, headers={"Referer": page_url}, allow_redirects=False, timeout=20)
    assert (
        back.status_code == 302
        and back.headers["Location"] == f"{stack.base_url}{customer_access.page_path(reg['tXid'], 'return')}"
    )

    # The finish notification arrived (signed, verified) before DANA sent the browser back.
    answer = flows.inquiry(stack.base_url, reg)
    assert (answer["status"], answer["resultCd"]) == ("0", "0000")
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == "0" and note.form["amt"] == "25000" and note.form["mitraCd"] == "DANA"
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED]

    final = browser.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert final.status_code == 302 and final.headers["Location"].startswith(CALLBACK)
    assert parse_qs(urlsplit(final.headers["Location"]).query)["resultCd"] == ["0000"]


@pytest.mark.parametrize(
    ("amount", "outcome", "status"),
    [
        (10_901, "success", "8"),  # DANA declines: closed "05"
        (10_902, "success", "5"),  # the order lapses: "05" closed as expired
        (10_903, "success", "8"),  # the customer cancels on the page
        (10_000, "decline", "8"),
        (10_000, "expire", "5"),
        (10_000, "cancel", "8"),
    ],
)
def test_final_outcomes(stack, demo_merchant, receiver, amount: int, outcome: str, status: str) -> None:
    reg, _ = pay(stack, receiver, amount)
    assert simulate(stack, reg, outcome)["notified"] == [200]
    assert flows.wait_for_status(stack.base_url, reg, status)["status"] == status
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == status
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED]


def test_905_stays_pending(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 10_905)
    assert simulate(stack, reg)["state"] == "02"  # paying, no notification
    time.sleep(4)  # polls every 2 s keep answering "02"
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert Transaction.objects.get(txid=reg["tXid"]).poll_count >= 1


def test_906_never_notified_polling_settles(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 10_906)
    assert simulate(stack, reg)["notified"] == []
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == "0"
    assert callbacks(reg) == []
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.events.filter(to_status="0").values_list("source", flat=True)[0] == "poll"


def test_907_notified_twice_applied_once(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 10_907)
    assert simulate(stack, reg)["notified"] == [200, 200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    notifications(receiver, reg, 1)
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED, PartnerCallback.Outcome.DUPLICATE]


def test_908_bad_signature_stored_refused_never_applied(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 10_908)
    [refused_status] = simulate(stack, reg)["notified"]
    assert refused_status in (400, 401)
    refused = UnverifiedCallback.objects.get(mitra_cd="DANA", body_excerpt__contains=reg["tXid"])
    assert "signature" in refused.reason and refused.headers["X-Signature"] == "[redacted]"
    assert not PartnerCallback.objects.filter(mitra_cd="DANA", body__contains=reg["tXid"]).exists()
    # DANA did take the money: the status poll, not the forged notification, settles it.
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.events.filter(to_status="0").values_list("source", flat=True)[0] == "poll"


def test_909_partner_error_keeps_payment_open(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="DANA", amount=10_909, db_process_url=receiver.url)
    hop = flows.start_payment(stack.base_url, reg, callback_url=CALLBACK)
    assert hop.status_code == 200 and "data-result-cd" in hop.text and "not answering" in hop.text
    assert not SandboxOrder.objects.filter(partner="dana", merchant_ref=reg["tXid"]).exists()
    time.sleep(1.5)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert not Notification.objects.filter(transaction__txid=reg["tXid"]).exists()


def test_full_cancel_is_a_void_at_dana(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 30_000)
    simulate(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    answer = flows.cancel(stack.base_url, reg, amount=30_000)
    assert answer["resultCd"] == "0000", answer
    assert flows.wait_for_status(stack.base_url, reg, "1")["status"] == "1"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "1"]
    order = SandboxOrder.objects.get(partner="dana", merchant_ref=reg["tXid"])
    assert (order.state, order.data["closed_reason"]) == ("05", "MERCHANT_CANCEL")


def test_partial_cancels_are_online_refunds(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 20_000)
    simulate(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    first = flows.cancel(stack.base_url, reg, amount=5_000, cancel_type="2")
    assert first["resultCd"] == "0000", first
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    rest = flows.cancel(stack.base_url, reg, amount=15_000, cancel_type="2")
    assert rest["resultCd"] == "0000", rest
    assert flows.wait_for_status(stack.base_url, reg, "2")["status"] == "2"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "2"]
    order = SandboxOrder.objects.get(partner="dana", merchant_ref=reg["tXid"])
    assert order.data["refunded"] == 20_000 and len(order.data["refunds"]) == 2
