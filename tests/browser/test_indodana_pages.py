"""Indodana's hosted checkout in headless Chromium: from the merchant's V2 payment URL through the
gateway and Indodana's phone, OTP, PIN and tenure steps back to the merchant's callBackUrl."""

from __future__ import annotations

import re

import pytest

from tests.sandbox import merchant

pytestmark = pytest.mark.browser


def open_checkout(page, stack, receiver, amount: int) -> tuple[merchant.Payment, str]:
    reg = merchant.register(stack.base_url, mitra_cd="IDNA", amount=amount, notify_url=receiver.url)
    callback = f"{stack.base_url}/sandbox/"
    page.goto(reg.payment_url(callback))
    page.wait_for_url(re.compile(r"/sandbox/indodana/chermes/checkout/[0-9a-f-]+$"))
    for value in ("62838499610", "999999", "123654"):
        assert page.locator(".testcreds").get_by_text(value, exact=True).is_visible()
    page.get_by_label("Phone number").fill("0838-499-610")
    page.get_by_role("button", name="Continue").click()
    return reg, callback


def test_wrong_otp_then_right_one_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_checkout(page, stack, receiver, 1_200_000)
    page.get_by_label("One-time code (OTP)").fill("123456")
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("alert").inner_text() == "Wrong code. 2 attempts left."
    page.get_by_label("One-time code (OTP)").fill("999999")
    page.get_by_role("button", name="Verify").click()
    page.get_by_label("6-digit PIN").fill("123654")
    page.get_by_role("button", name="Continue").click()
    tenure = page.get_by_label("Instalment plan")
    options = tenure.locator("option").evaluate_all("els => els.map(e => e.value)")
    assert options == ["30_days", "3_months", "6_months"]  # 1.2M: no 12 months (providers.md §2.7)
    tenure.select_option("3_months")
    page.get_by_role("button", name="Confirm payment").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=0000"))
    assert f"tXid={reg.txid}" in page.url and "mitraCd=IDNA" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert reg.client.token_valid(note.form) and note.form["status"] == "0"


def test_three_wrong_otps_lock_the_checkout(stack, demo_merchant, receiver, page) -> None:
    reg, _ = open_checkout(page, stack, receiver, 80_000)
    for wrong in ("000000", "111111", "222222"):
        page.get_by_label("One-time code (OTP)").fill(wrong)
        page.get_by_role("button", name="Verify").click()
    assert "this checkout is locked" in page.get_by_test_id("locked").inner_text()
    assert page.get_by_label("One-time code (OTP)").count() == 0
    assert reg.inquiry()["status"] == "9"
