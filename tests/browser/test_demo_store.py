"""A newcomer buys from the demo store with ShopeePay, all in the browser."""

import time

import pytest

from providers.sandbox.models import ShopNotification

pytestmark = pytest.mark.browser


def received(txid: str, timeout: float = 20) -> ShopNotification:
    """The store's record of the gateway's notification, which comes through the outbox (after the
    page, not before it)."""
    deadline = time.monotonic() + timeout
    while not ShopNotification.objects.filter(txid=txid).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return ShopNotification.objects.get(txid=txid)


def test_buy_with_shopeepay_in_the_demo_store(stack, demo_merchant, page):
    page.goto(f"{stack.base_url}/sandbox/shop/")
    page.get_by_label("Payment method").select_option("ESHP")
    page.get_by_role("button", name="Pay now").click()

    # ShopeePay's sandbox page: confirm, then the PIN shown on the page.
    page.wait_for_url("**/sandbox/shopeepay/**")
    page.get_by_role("button", name="Pay now").click()
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name="Confirm").click()

    # Back at the store's callBackUrl, which asks the gateway (inquiry) for the truth.
    page.wait_for_url("**/sandbox/shop/result/**")
    assert page.locator("#inquiry-status").inner_text().startswith("0 (paid)")
    assert "Thank you" in page.locator("h1").inner_text()
    txid = page.locator("code").first.inner_text()
    note = received(txid)
    assert note.token_valid and note.signature_valid and note.payload["status"] == "0"


def test_store_shows_a_refused_registration(stack, demo_merchant, page):
    page.goto(f"{stack.base_url}/sandbox/shop/")
    page.get_by_label("Payment method").select_option("ESHP")
    page.get_by_label("Sandbox outcome").select_option("909")
    page.get_by_role("button", name="Pay now").click()
    # The partner answers 5xx when the payment starts: the gateway shows a finished error page.
    assert "couldn't continue" in page.locator("h1").inner_text()
    assert page.get_by_role("alert").is_visible()


def test_astrapay_in_the_demo_store_links_once_then_pays(stack, demo_merchant, page):
    page.goto(f"{stack.base_url}/sandbox/shop/")
    page.get_by_label("Payment method").select_option("ASTR")
    page.get_by_label("Phone").fill("081277770001")
    page.get_by_role("button", name="Pay now").click()

    # First time: AstraPay's account-binding page (OTP, then PIN), then straight on to the payment.
    page.wait_for_url("**/sandbox/astrapay/payment-channel/account-binding/**")
    page.get_by_label("One-time code").fill("111111")
    page.get_by_role("button", name="Verify code").click()
    page.get_by_label("AstraPay PIN").fill("123456")
    page.get_by_role("button", name="Link account").click()
    page.wait_for_url("**/sandbox/astrapay/merchant-service/payments/**")
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name="Pay").first.click()

    page.wait_for_url("**/sandbox/shop/result/**")
    assert page.locator("#inquiry-status").inner_text().startswith("0 (paid)")
    txid = page.locator("code").first.inner_text()
    assert received(txid).token_valid

    # Second purchase: the store already holds the mandate, so AstraPay asks only for the PIN.
    page.goto(f"{stack.base_url}/sandbox/shop/")
    page.get_by_label("Payment method").select_option("ASTR")
    page.get_by_label("Phone").fill("081277770001")
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url("**/sandbox/astrapay/merchant-service/payments/**")
