"""OVO in headless Chromium: the merchant's payment URL -> the gateway's waiting page with its
countdown; the customer approves on the sandbox "OVO app" page in a second tab and the waiting page
ends on "paid" and returns to the merchant. And a push nobody answers ends on "expired"."""

from __future__ import annotations

import re

import pytest

from payments import customer_access
from tests.sandbox import merchant

pytestmark = pytest.mark.browser

PHONE = "081234567890"


def open_waiting_page(page, stack, receiver, amount: int, phone: str = PHONE) -> tuple[merchant.Payment, str]:
    reg = merchant.register(
        stack.base_url, mitra_cd="OVOE", amount=amount, notify_url=receiver.url, phone=phone
    )
    callback = f"{stack.base_url}/sandbox/"
    page.goto(reg.payment_url(callback))
    page.wait_for_url(re.compile(re.escape(customer_access.page_path(reg.txid, "wait")) + "$"))
    assert page.get_by_role("heading", name="Open your OVO app to approve").is_visible()
    left = int(page.get_by_role("timer").inner_text())
    assert 50 <= left <= 70
    return reg, callback


def test_approve_in_the_ovo_app_then_paid(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_waiting_page(page, stack, receiver, 27_000)

    phone = page.context.new_page()
    problems: list[str] = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.goto(f"{stack.base_url}/sandbox/ovo/ovo-sim/{PHONE}")
    assert phone.locator(".testcreds").get_by_text("7890 (last 4 digits of the phone)").is_visible()
    push = phone.locator(".push").filter(has_text=reg.txid)
    push.wait_for(timeout=15000)  # the page refreshes itself when the worker's push arrives
    assert "Rp 27.000" in push.inner_text()

    push.get_by_label("OTP / PIN").fill("0000")
    push.get_by_role("button", name="Approve payment").click()
    assert phone.get_by_role("alert").inner_text().startswith("Wrong OTP")
    push = phone.locator(".push").filter(has_text=reg.txid)
    push.get_by_label("OTP / PIN").fill("7890")
    push.get_by_role("button", name="Approve payment").click()
    assert phone.get_by_role("status").inner_text() == "Payment approved."
    assert problems == []

    page.get_by_text("Payment approved. Returning to the shop").wait_for(timeout=15000)
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=0000"), timeout=15000)
    assert f"tXid={reg.txid}" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert reg.client.token_valid(note.form) and note.form["status"] == "0"


def test_unanswered_push_runs_out_to_expired(stack, demo_merchant, receiver, page) -> None:
    # Nobody approves: OVO's push window lapses (SANDBOX_OVO_PUSH_TIMEOUT, 20 s in the test stack),
    # the worker reverses the push and the waiting page ends on "expired".
    reg, callback = open_waiting_page(page, stack, receiver, 19_000)
    page.get_by_text("Payment expired. Returning to the shop").wait_for(timeout=45000)
    page.wait_for_url(re.compile(re.escape(callback) + r"\?"), timeout=15000)
    assert f"tXid={reg.txid}" in page.url
    assert reg.inquiry()["status"] == "5"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert note.form["status"] == "5"
