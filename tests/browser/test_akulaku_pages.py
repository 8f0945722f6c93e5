"""Akulaku's hosted Open Pay page in headless Chromium: from the merchant's V2 payment URL through
the gateway and Akulaku's login, instalment and OTP steps back to the merchant's callBackUrl."""

from __future__ import annotations

import re

import pytest

from tests.sandbox import merchant

pytestmark = pytest.mark.browser


def open_checkout(page, stack, receiver, amount: int) -> tuple[merchant.Payment, str]:
    reg = merchant.register(stack.base_url, mitra_cd="AKLP", amount=amount, notify_url=receiver.url)
    callback = f"{stack.base_url}/sandbox/"
    page.goto(reg.payment_url(callback))
    page.wait_for_url(re.compile(r"/sandbox/akulaku/v2/openPay\.html\?appId="))
    for value in ("081234567890", "akulaku123", "123456"):
        assert page.locator(".testcreds").get_by_text(value, exact=True).is_visible()
    page.get_by_label("Phone number").fill("081234567890")
    page.get_by_label("Password").fill("akulaku123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Instalment plan").select_option("6")
    page.get_by_role("button", name="Continue").click()
    return reg, callback


def test_wrong_otp_then_right_one_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_checkout(page, stack, receiver, 90_000)
    page.get_by_label("One-time code (OTP)").fill("654321")
    page.get_by_role("button", name="Pay now").click()
    assert page.get_by_role("alert").inner_text() == "Wrong code. 2 attempts left."
    page.get_by_label("One-time code (OTP)").fill("123456")
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=0000"))
    assert f"tXid={reg.txid}" in page.url and "mitraCd=AKLP" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert reg.client.token_valid(note.form) and note.form["status"] == "0"


def test_three_wrong_otps_lock_the_checkout(stack, demo_merchant, receiver, page) -> None:
    reg, _ = open_checkout(page, stack, receiver, 90_000)
    for wrong in ("000000", "111111", "222222"):
        page.get_by_label("One-time code (OTP)").fill(wrong)
        page.get_by_role("button", name="Pay now").click()
    assert "this checkout is locked" in page.get_by_test_id("locked").inner_text()
    assert page.get_by_label("One-time code (OTP)").count() == 0
    assert reg.inquiry()["status"] == "9"
