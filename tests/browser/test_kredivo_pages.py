"""Kredivo's hosted checkout in headless Chromium: from the merchant's V2 payment URL through the
gateway and Kredivo's sign-in, PIN, OTP and plan steps back to the merchant's callBackUrl."""

from __future__ import annotations

import re

import pytest

from tests.sandbox import merchant

pytestmark = pytest.mark.browser


def open_checkout(page, stack, receiver, amount: int = 1_250_000) -> tuple[merchant.Payment, str]:
    reg = merchant.register(stack.base_url, mitra_cd="KDVI", amount=amount, notify_url=receiver.url)
    callback = f"{stack.base_url}/sandbox/"  # any page of the merchant's; here the sandbox index
    page.goto(reg.payment_url(callback))
    page.wait_for_url(re.compile(r"/sandbox/kredivo/kredivo/v2/signin\?tk="))
    assert page.get_by_test_id("amount").inner_text() == "Rp " + f"{amount:,}".replace(",", ".")
    creds = page.locator(".testcreds")
    for value in ("081513114262", "663482", "4567"):
        assert creds.get_by_text(value, exact=True).is_visible()
    page.get_by_label("Phone number").fill("081513114262")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("6-digit PIN").fill("663482")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="Enter the code we sent by SMS").is_visible()
    return reg, callback


def test_wrong_otp_then_right_one_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_checkout(page, stack, receiver)
    assert page.locator("#resend").is_disabled()  # the resend cooldown is running and shown
    assert re.fullmatch(r"\d+", page.locator("#cooldown").inner_text())
    page.get_by_label("One-time code (OTP)").fill("1234")
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("alert").inner_text() == "Wrong code. 2 attempts left."
    page.get_by_label("One-time code (OTP)").fill("4567")
    page.get_by_role("button", name="Verify").click()
    plan = page.get_by_label("Instalment plan")
    assert plan.input_value() == "30_days"  # preselected from instmntMon 1
    plan.select_option("6_months")
    page.get_by_role("button", name="Confirm payment").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=0000"))
    assert f"tXid={reg.txid}" in page.url and "mitraCd=KDVI" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert reg.client.token_valid(note.form) and note.form["status"] == "0"


def test_three_wrong_otps_lock_the_checkout(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_checkout(page, stack, receiver, amount=60_000)
    for wrong in ("0000", "1111", "2222"):
        page.get_by_label("One-time code (OTP)").fill(wrong)
        page.get_by_role("button", name="Verify").click()
    assert "this checkout is locked" in page.get_by_test_id("locked").inner_text()
    assert page.get_by_label("One-time code (OTP)").count() == 0
    page.reload()
    assert page.get_by_test_id("locked").is_visible()  # still locked, not just this page view
    page.get_by_role("button", name="Back to the store").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=9752"))
    assert reg.wait_for_status("8")["status"] == "8"
