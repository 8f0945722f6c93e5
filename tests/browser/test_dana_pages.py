"""DANA's hosted cashier in headless Chromium: the merchant's payment URL -> DANA cashier (phone,
PIN) -> back through the gateway -> the merchant's callBackUrl."""

from __future__ import annotations

import re

import pytest

from tests.sandbox import merchant

pytestmark = pytest.mark.browser


def open_cashier(page, stack, receiver, amount: int) -> tuple[merchant.Payment, str]:
    reg = merchant.register(stack.base_url, mitra_cd="DANA", amount=amount, notify_url=receiver.url)
    callback = f"{stack.base_url}/sandbox/"  # any page of the merchant's; here the sandbox index
    page.goto(reg.payment_url(callback))
    page.wait_for_url(re.compile(r"/sandbox/dana/m/portal/cashier/checkout\?bizNo="))
    return reg, callback


def test_pay_with_phone_and_pin_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_cashier(page, stack, receiver, 52_000)
    assert page.title() == "DANA - Pay Rp 52.000"
    assert page.get_by_test_id("amount").inner_text() == "Rp 52.000"
    creds = page.locator(".testcreds")
    assert creds.get_by_text("083811223355").is_visible() and creds.get_by_text("181818").is_visible()

    page.get_by_label("Phone number").fill("083811223355")
    page.get_by_label("DANA PIN").fill("111111")
    page.get_by_role("button", name="Pay Rp 52.000").click()
    assert page.get_by_role("alert").inner_text() == "The phone number or PIN is incorrect. 2 attempts left."
    assert page.get_by_label("Phone number").input_value() == "083811223355"  # kept for the retry

    page.get_by_label("DANA PIN").fill("181818")
    page.get_by_role("button", name="Pay Rp 52.000").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=0000"))
    assert f"tXid={reg.txid}" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert reg.client.token_valid(note.form) and note.form["status"] == "0"


def test_cancel_on_the_cashier_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg, callback = open_cashier(page, stack, receiver, 33_000)
    page.get_by_role("button", name="Cancel and return to merchant").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?"))
    assert f"tXid={reg.txid}" in page.url
    assert reg.wait_for_status("8")["status"] == "8"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert note.form["status"] == "8"
