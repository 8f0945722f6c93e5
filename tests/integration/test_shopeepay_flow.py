"""ShopeePay (ESHP) end to end on the real stack: gunicorn, Celery worker + beat, Redis, the
ShopeePay sandbox and a merchant receiver. Outcomes are chosen by the amount's last three digits."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments.models import Notification, PartnerCallback, Transaction, UnverifiedCallback
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support.flows import notified as notifications
from tests.support.flows import simulated as simulate

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:9/merchant/callback"


def pay(stack, receiver, amount: int) -> tuple[dict, str]:
    """Registration, then the browser's first hop: the gateway sends it to ShopeePay's page."""
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    page_url = flows.payment_started(stack.base_url, reg, callback_url=CALLBACK)
    assert "/sandbox/shopeepay/universal-link/wallet/pay?" in page_url
    return reg, page_url


def callbacks(reg: dict) -> list[str]:
    txn = Transaction.objects.get(txid=reg["tXid"])
    return list(txn.partner_callbacks.order_by("id").values_list("outcome", flat=True))


def test_paid_end_to_end(stack, demo_merchant, receiver) -> None:
    reg, page_url = pay(stack, receiver, 15_000)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    page = requests.get(page_url, timeout=10)
    assert page.status_code == 200 and "Rp 15.000" in page.text

    order = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=reg["tXid"])
    assert order.amount == 15_000 and order.data["request"]["amount"] == 1_500_000
    assert 1 <= order.data["validity_period"] <= 300  # NICEPAY's 5-minute default for ESHP

    result = simulate(stack, reg)
    assert result["notified"] == [200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == "0" and note.form["amt"] == "15000" and note.form["mitraCd"] == "ESHP"
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED]
    answer = flows.inquiry(stack.base_url, reg)
    assert (answer["status"], answer["resultCd"]) == ("0", "0000")

    # The browser comes back through the gateway to the merchant's callBackUrl.
    back = requests.get(result["return_url"], allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK)
    assert parse_qs(urlsplit(back.headers["Location"]).query)["resultCd"] == ["0000"]


def test_return_json_format_gives_deeplinks(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=11_000, db_process_url=receiver.url)
    resp = flows.start_payment(stack.base_url, reg, callback_url=CALLBACK, returnJsonFormat="1")
    assert resp.status_code == 200, resp.text[:300]
    body = resp.json()
    assert body["tXid"] == reg["tXid"]
    assert body["redirectUrlApp"].startswith("shopeeid://main?apprl=")
    assert requests.get(body["redirectUrlHttp"], timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("amount", "outcome", "status"),
    [
        (10_901, "success", "8"),  # ShopeePay declines: payment_status 6 failed
        (10_902, "success", "5"),  # the order lapses: transaction status 6 expired
        (10_903, "success", "8"),  # the customer cancels before paying
        (10_000, "decline", "8"),
        (10_000, "cancel", "8"),
    ],
)
def test_final_outcomes(stack, demo_merchant, receiver, amount: int, outcome: str, status: str) -> None:
    reg, _ = pay(stack, receiver, amount)
    simulate(stack, reg, outcome)
    assert flows.wait_for_status(stack.base_url, reg, status)["status"] == status
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == status
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED]


def test_905_stays_pending(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 10_905)
    simulate(stack, reg)
    time.sleep(4)  # the notification said "processing" and polls (every 2 s) keep saying it
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.poll_count >= 1
    assert callbacks(reg) == [PartnerCallback.Outcome.DUPLICATE]  # verified, nothing to change


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
    assert simulate(stack, reg)["notified"] == [401]
    txn = Transaction.objects.get(txid=reg["tXid"])
    refused = UnverifiedCallback.objects.get(mitra_cd="ESHP", body_excerpt__contains=reg["tXid"])
    assert "signature" in refused.reason and refused.headers["X-Airpay-Req-H"] == "[redacted]"
    assert not PartnerCallback.objects.filter(mitra_cd="ESHP", body__contains=reg["tXid"]).exists()
    # ShopeePay did take the money: the status poll, not the forged notification, settles it.
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    assert txn.events.filter(to_status="0").values_list("source", flat=True)[0] == "poll"


def test_909_partner_error_keeps_payment_open(stack, demo_merchant, receiver) -> None:
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=10_909, db_process_url=receiver.url)
    hop = flows.start_payment(stack.base_url, reg, callback_url=CALLBACK)
    assert hop.status_code == 200 and "data-result-cd" in hop.text and "not answering" in hop.text
    assert "data-result-cd" in flows.start_payment(stack.base_url, reg, callback_url=CALLBACK).text  # again
    assert not SandboxOrder.objects.filter(partner="shopeepay", merchant_ref=reg["tXid"]).exists()
    assert flows.simulate(stack.base_url, reg["tXid"], "success").status_code == 404
    time.sleep(1.5)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert not Notification.objects.filter(transaction__txid=reg["tXid"]).exists()


def test_partial_refunds_then_full_refund(stack, demo_merchant, receiver) -> None:
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
    order = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=reg["tXid"])
    assert [r["amount"] for r in order.data["refunds"]] == [5_000, 15_000]


def test_full_cancel_voids_at_shopeepay(stack, demo_merchant, receiver) -> None:
    reg, _ = pay(stack, receiver, 30_000)
    simulate(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    answer = flows.cancel(stack.base_url, reg, amount=30_000)
    assert answer["resultCd"] == "0000", answer
    assert flows.wait_for_status(stack.base_url, reg, "1")["status"] == "1"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "1"]
    order = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=reg["tXid"])
    assert order.state == "7" and order.data["void"]["ref"]
