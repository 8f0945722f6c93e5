"""ShopeePay's hosted pages in headless Chromium, from the merchant's checkout through the gateway
and ShopeePay's pay page back to the merchant's callBackUrl (the demo store's result page)."""

from __future__ import annotations

import re

import pytest

from tests.sandbox import merchant

pytestmark = pytest.mark.browser


def checkout(page, stack, outcome: str = "") -> None:
    """The demo store: pick ShopeePay, pay; the gateway sends the browser to ShopeePay."""
    page.goto(f"{stack.base_url}/sandbox/shop/")
    page.select_option("#method", "ESHP")
    page.select_option("#outcome", outcome)
    page.click("#pay")
    page.wait_for_url(re.compile(r"/sandbox/shopeepay/universal-link/wallet/pay\?"))
    amount = f"Rp 45.{outcome or '000'}"  # the store's tea, its last three digits set by the outcome
    assert page.get_by_test_id("amount").inner_text() == amount
    assert page.locator(".testcreds").get_by_text("123456").is_visible()  # the test PIN is on the page


def test_pay_with_pin_back_to_merchant(stack, demo_merchant, page) -> None:
    checkout(page, stack)
    assert page.title() == "Pay with ShopeePay (sandbox)"
    page.get_by_role("button", name="Pay now").click()
    pin = page.get_by_label("ShopeePay PIN")
    pin.fill("000000")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("alert").inner_text() == "Incorrect PIN. 2 attempts left."
    page.get_by_label("ShopeePay PIN").fill("123456")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/sandbox/shop/result/SHOP"))
    assert page.locator("#order-state").inner_text() == "Thank you! Payment received"
    assert page.locator("#inquiry-status").inner_text().startswith("0 ")
    assert "resultCd=0000" in page.url and "mitraCd=ESHP" in page.url


def test_cancel_button_back_to_merchant(stack, demo_merchant, page) -> None:
    checkout(page, stack)
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("button", name="Cancel payment").click()
    page.wait_for_url(re.compile(r"/sandbox/shop/result/SHOP"))
    assert page.locator("#inquiry-status").inner_text().startswith("8 ")
    assert "resultCd=9752" in page.url


def test_expired_order_page_links_back(stack, demo_merchant, page) -> None:
    checkout(page, stack, outcome="902")
    assert page.get_by_role("heading", name="This payment is expired").is_visible()
    page.get_by_role("link", name="Back to the store").click()
    page.wait_for_url(re.compile(r"/sandbox/shop/result/SHOP"))
    assert page.locator("#inquiry-status").inner_text().startswith("5 ")


def test_merchant_payment_url_to_callback(stack, demo_merchant, receiver, page) -> None:
    """A merchant integration of its own: the V2 payment URL straight into ShopeePay and back."""
    reg = merchant.register(stack.base_url, mitra_cd="ESHP", amount=45_000, notify_url=receiver.url)
    callback = f"{stack.base_url}/sandbox/"  # any page of the merchant's; here the sandbox index
    page.goto(reg.payment_url(callback))
    page.wait_for_url(re.compile(r"/sandbox/shopeepay/universal-link/wallet/pay\?"))
    page.get_by_role("button", name="Pay now").click()
    page.get_by_label("ShopeePay PIN").fill("123456")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(re.escape(callback) + r"\?.*resultCd=0000"))
    assert f"tXid={reg.txid}" in page.url
    assert reg.inquiry()["status"] == "0"
    [note] = receiver.wait_for(reg.txid, 1, timeout=20)
    assert reg.client.token_valid(note.form) and note.form["status"] == "0"
