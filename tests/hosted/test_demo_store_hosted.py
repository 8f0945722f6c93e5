"""The demo store's "pay on the hosted page" button: NICEPAY's redirect API from the store's server,
the shopper picks ShopeePay on our page, pays, gets the receipt and goes back to the store, which
asks the gateway (inquiry) and has the notification."""

from __future__ import annotations

import re
import time

import pytest

from providers.sandbox.models import ShopNotification, ShopOrder
from tests.support.partner_pages import shopeepay

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_store_hosted_page_button(stack, demo_merchant, page) -> None:
    page.goto(f"{stack.base_url}/sandbox/shop/")
    page.get_by_role("button", name=re.compile("Pay on the hosted page")).click()
    page.wait_for_url(re.compile(r"/pay/IONPAYTEST00\d{18}/[\w-]{22}/$"))
    assert page.get_by_test_id("amount").inner_text() == "Rp 45.000"
    assert page.locator(".method").count() == 8
    page.locator('.method[data-mitra="ESHP"]').click()
    shopeepay(page, 45_000)
    page.get_by_role("heading", name="Payment successful").wait_for(timeout=30000)
    page.get_by_role("link", name=re.compile(r"^Back to ")).click()
    page.wait_for_url(re.compile(r"/sandbox/shop/result/SHOP"))
    assert page.locator("#inquiry-status").inner_text().startswith("0 (paid)")
    order = ShopOrder.objects.get(txid=page.locator("code").first.inner_text())
    assert order.mitra_cd == "00" and order.state == "paid"
    deadline = time.monotonic() + 20  # the notification goes through the outbox, after the page
    while not ShopNotification.objects.filter(txid=order.txid).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    note = ShopNotification.objects.get(txid=order.txid)
    assert note.token_valid and note.payload["status"] == "0" and note.payload["mitraCd"] == "ESHP"
