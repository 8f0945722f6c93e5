"""LinkAja's hosted PIN page in headless Chromium: from the merchant's V2 payment URL through the
gateway and LinkAja's page back to the merchant's callBackUrl."""

from __future__ import annotations

import re

import pytest

from tests.support import flows

pytestmark = pytest.mark.browser


def open_checkout(page, stack, receiver, amount: int = 45_000) -> dict:
    reg = flows.register(stack.base_url, mitra_cd="LINK", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    page.goto(flows.payment_url(stack.base_url, reg, callback_url=f"{stack.base_url}/sandbox/"))
    page.wait_for_url(re.compile(r"/sandbox/linkaja/linkaja-api/payment\?message="))
    assert page.title() == "Pay with LinkAja"
    assert page.get_by_test_id("amount").inner_text() == f"Rp{amount}"
    assert page.locator(".testcreds").get_by_text("123456").is_visible()  # test PIN shown
    return reg


def test_pay_with_pin_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg = open_checkout(page, stack, receiver)
    page.get_by_label("LinkAja phone number").fill("081299990000")
    page.get_by_label("PIN").fill("000000")
    page.get_by_role("button", name="Pay Rp45000").click()
    assert page.get_by_role("alert").inner_text() == "Wrong PIN. Please try again."
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name="Pay Rp45000").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=0000" in page.url and f"tXid={reg['tXid']}" in page.url and "mitraCd=LINK" in page.url
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    [note] = receiver.wait_for(reg["tXid"], 1)
    assert note.form["status"] == "0" and flows.verify_notification(note.form)


def test_cancel_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg = open_checkout(page, stack, receiver)
    page.get_by_role("button", name="Cancel payment").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=9752" in page.url
    assert flows.inquiry(stack.base_url, reg)["status"] == "8"


def test_declined_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reg = open_checkout(page, stack, receiver, amount=45_901)
    page.get_by_label("LinkAja phone number").fill("081299990000")
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name="Pay Rp45901").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=9752" in page.url
    assert flows.inquiry(stack.base_url, reg)["status"] == "8"
