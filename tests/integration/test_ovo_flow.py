"""OVO Push-to-Pay end to end on the real stack: the payment hop shows the waiting page, a Celery
worker makes the blocking push to the OVO sandbox, the "customer" answers in the app (simulate), and
the push's synchronous answer settles the payment. OVO sends no notification."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments import customer_access
from payments.models import Transaction
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support.flows import notified as notifications

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:9/merchant/callback"


def pay(stack, receiver, amount: int, phone: str = "081234567890") -> dict:
    reg = flows.register(
        stack.base_url, mitra_cd="OVOE", amount=amount, db_process_url=receiver.url, phone=phone
    )
    assert reg["resultCd"] == "0000", reg
    wait = customer_access.page_path(reg["tXid"], "wait")
    assert flows.payment_started(stack.base_url, reg, callback_url=CALLBACK) == wait
    return reg


def wait_for_push(reg: dict, timeout: float = 15) -> SandboxOrder:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        order = SandboxOrder.objects.filter(partner="ovo", merchant_ref=reg["tXid"]).first()
        if order is not None:
            return order
        time.sleep(0.1)
    raise AssertionError("the worker never pushed to OVO")


def simulate(stack, reg: dict, outcome: str) -> dict:
    wait_for_push(reg)
    return flows.simulated(stack, reg, outcome)


def test_approved_in_the_app_end_to_end(stack, demo_merchant, receiver) -> None:
    reg = pay(stack, receiver, 25_000)
    wait_page = requests.get(f"{stack.base_url}{customer_access.page_path(reg['tXid'], 'wait')}", timeout=10)
    assert wait_page.status_code == 200 and "OVO" in wait_page.text
    # A refreshed payment page does not push a second time.
    again = flows.payment_started(stack.base_url, reg, callback_url=CALLBACK)
    assert again == customer_access.page_path(reg["tXid"], "wait")

    order = wait_for_push(reg)
    assert order.state == "pending" and order.data["phone"] == "081234567890"
    time.sleep(2.5)  # the poller checks meanwhile: "09", still waiting
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert SandboxOrder.objects.filter(partner="ovo", merchant_ref=reg["tXid"]).count() == 1

    assert simulate(stack, reg, "success")["state"] == "approved"
    answer = flows.wait_for_status(stack.base_url, reg, "0")
    assert (answer["status"], answer["resultCd"]) == ("0", "0000")
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == "0" and note.form["amt"] == "25000" and note.form["mitraCd"] == "OVOE"
    txn = Transaction.objects.get(txid=reg["tXid"])
    # The push's own answer settles it, unless the poller asked OVO a moment earlier: one change either way.
    [source] = txn.events.filter(to_status="0").values_list("source", flat=True)
    assert source in ("partner", "poll")
    assert txn.partner_callbacks.count() == 0  # OVO never notifies

    feed = requests.get(
        f"{stack.base_url}{customer_access.page_path(reg['tXid'], 'status')}", timeout=10
    ).json()
    assert feed["final"] and feed["word"] == "paid"
    back = requests.get(f"{stack.base_url}{feed['returnUrl']}", allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK)
    assert parse_qs(urlsplit(back.headers["Location"]).query)["resultCd"] == ["0000"]


@pytest.mark.parametrize(
    ("amount", "phone", "outcome", "status", "sandbox_state"),
    [
        (10_901, "081234567890", None, "8", "declined"),  # OVO declines: RC 51
        (10_902, "081234567890", "expire", "5", "reversed"),  # nobody answers: reversal, expired
        (10_903, "081234567890", None, "8", "declined"),  # the customer declines: RC 17
        (10_000, "081234567890", "decline", "8", "declined"),
        (10_000, "081234567890", "cancel", "8", "declined"),
        (10_000, "081234567890", "expire", "5", "reversed"),
        (10_000, "081200000014", None, "8", "declined"),  # phone not registered at OVO
        (10_000, "081200000099", "expire", "5", "reversed"),  # the app never answers
        (10_909, "081234567890", None, "8", "reversed"),  # OVO answers 500: reversed, failed
    ],
)
def test_final_outcomes(
    stack, demo_merchant, receiver, amount, phone, outcome, status, sandbox_state
) -> None:
    reg = pay(stack, receiver, amount, phone)
    if outcome:
        simulate(stack, reg, outcome)
    assert flows.wait_for_status(stack.base_url, reg, status, timeout=20)["status"] == status
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == status
    assert wait_for_push(reg).state == sandbox_state


@pytest.mark.parametrize("amount", [10_906, 10_907, 10_908])
def test_notification_triggers_do_not_apply_to_a_synchronous_push(
    stack, demo_merchant, receiver, amount
) -> None:
    # OVO Push-to-Pay has no notification to drop, repeat or forge: the push answer settles it once.
    reg = pay(stack, receiver, amount)
    simulate(stack, reg, "success")
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    notifications(receiver, reg, 1)


def test_905_waits_in_the_app_until_it_lapses(stack, demo_merchant, receiver) -> None:
    reg = pay(stack, receiver, 10_905)
    assert wait_for_push(reg).data["silent"]
    time.sleep(3)  # polls answer "09": nothing changes
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert Transaction.objects.get(txid=reg["tXid"]).poll_count >= 1
    simulate(stack, reg, "expire")  # free the worker: the push window runs out now
    assert flows.wait_for_status(stack.base_url, reg, "5")["status"] == "5"
    notifications(receiver, reg, 1)


def test_same_day_full_cancel_is_a_void_partial_is_refused(stack, demo_merchant, receiver) -> None:
    reg = pay(stack, receiver, 30_000)
    simulate(stack, reg, "success")
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    partial = flows.cancel(stack.base_url, reg, amount=10_000, cancel_type="2")
    assert partial["resultCd"] != "0000", partial
    answer = flows.cancel(stack.base_url, reg, amount=30_000)
    assert answer["resultCd"] == "0000", answer
    assert flows.wait_for_status(stack.base_url, reg, "1")["status"] == "1"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "1"]
    assert wait_for_push(reg).state == "voided"
