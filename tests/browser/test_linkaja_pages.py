"""LinkAja's hosted PIN page in headless Chromium: from the merchant's V2 payment URL through the
gateway and LinkAja's page back to the merchant's callBackUrl."""

from __future__ import annotations

import re

import pytest

from tests.sandbox import merchant

pytestmark = pytest.mark.browser


def open_checkout(page, stack, receiver, amount: int = 45_000) -> merchant.Payment:
    reg = merchant.register(stack.base_url, mitra_cd="LINK", amount=amount, notify_url=receiver.url)
    page.goto(reg.payment_url(f"{stack.base_url}/sandbox/"))
    page.wait_for_url(re.compile(r"/sandbox/linkaja/linkaja-api/payment\?message="))
    assert page.title() == "Pay with LinkAja"
    assert page.get_by_test_id("amount").inner_text() == "Rp " + f"{amount:,}".replace(",", ".")
    assert page.locator(".testcreds").get_by_text("123456").is_visible()  # test PIN shown
    return reg


def test_pay_with_pin_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg = open_checkout(page, stack, receiver)
    page.get_by_label("LinkAja phone number").fill("081299990000")
    page.get_by_label("PIN").fill("000000")
    page.get_by_role("button", name="Pay Rp 45.000").click()
    assert page.get_by_role("alert").inner_text() == "Wrong PIN. 2 attempts left."
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name="Pay Rp 45.000").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=0000" in page.url and f"tXid={reg.txid}" in page.url and "mitraCd=LINK" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1)
    assert note.form["status"] == "0" and reg.client.token_valid(note.form)


def test_cancel_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg = open_checkout(page, stack, receiver)
    page.get_by_role("button", name="Cancel payment").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=9752" in page.url
    assert reg.inquiry()["status"] == "8"


def test_declined_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg = open_checkout(page, stack, receiver, amount=45_901)
    page.get_by_label("LinkAja phone number").fill("081299990000")
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name="Pay Rp 45.901").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=9752" in page.url
    assert reg.inquiry()["status"] == "8"
