"""Payment links: created in the dashboard with its URL and QR code, paid twice (multi-use) by two
shoppers on the hosted page, both payments listed under the link, each a normal transaction that
notifies the merchant; a single-use link refuses a second payment."""

from __future__ import annotations

import re

import pytest
import requests

from payments.models import PaymentLink, Transaction
from tests.support import flows
from tests.support.dashboard import PASSWORD, member
from tests.support.partner_pages import dana

pytestmark = [pytest.mark.integration, pytest.mark.browser]
HOSTED = re.compile(r"/pay/IONPAYTEST00\d{18}/[\w-]{22}/$")


def sign_in(page, base_url: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def pay_link(browser, url: str, name: str) -> str:  # noqa: ANN001
    """A shopper opens the link, gives name, e-mail and phone, pays with DANA; returns the tXid."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    shopper = context.new_page()
    try:
        shopper.goto(url)
        assert shopper.get_by_test_id("amount").inner_text() == "Rp 75.000"
        shopper.get_by_label("Full name").fill(name)
        shopper.get_by_label("E-mail").fill("payer@example.com")
        shopper.get_by_label("Mobile number").fill("0812 3456 7890")
        shopper.locator("#continue").click()
        shopper.wait_for_url(HOSTED)
        txid = re.search(r"/pay/(\w{30})/", shopper.url).group(1)
        shopper.locator('.method[data-mitra="DANA"]').click()
        dana(shopper, 75_000)
        shopper.wait_for_url(HOSTED, timeout=30000)
        shopper.get_by_role("heading", name="Payment successful").wait_for()
        return txid
    finally:
        context.close()


def test_multi_use_link_paid_twice_both_listed(stack, demo_merchant, receiver, page, browser) -> None:
    demo_merchant.default_notification_url = receiver.url
    demo_merchant.save(update_fields=["default_notification_url"])
    owner = member(demo_merchant)
    sign_in(page, stack.base_url, owner.user.username)
    page.get_by_role("link", name="Payment links").click()
    page.get_by_label("Amount (Rp)").fill("75000")
    page.get_by_label("Description (shown to the payer)").fill("Kelas batik, 1 sesi")
    page.get_by_label(re.compile("Can be paid many times")).check()
    page.locator("#create-link").click()
    page.wait_for_url(re.compile(r"/dashboard/links/\d+/$"))
    url = page.locator("#link-url").inner_text()
    assert re.fullmatch(rf"{re.escape(stack.base_url)}/l/[\w-]{{22}}", url)
    assert page.locator(".qr svg").count() == 1

    first = pay_link(browser, url, "Sari Dewi")
    second = pay_link(browser, url, "Agus Salim")
    assert first != second

    page.reload()
    rows = page.locator("#link-payments tbody tr")
    assert rows.count() == 2
    assert {r.get_attribute("data-txid") for r in rows.all()} == {first, second}
    assert page.locator("#link-payments .status-paid").count() == 2
    page.get_by_role("link", name="← Payment links").click()
    assert page.get_by_test_id("paid-count").first.inner_text() == "2"

    link = PaymentLink.objects.get(merchant=demo_merchant)
    listed = requests.get(
        f"{stack.base_url}/api/v1/transactions", auth=(flows.IMID, flows.KEY), timeout=30
    ).json()["results"]
    for txid in (first, second):
        txn = Transaction.objects.get(txid=txid)
        assert txn.checkout.link == link and txn.status == "0" and txn.amount == 75_000
        [row] = [r for r in listed if r["tXid"] == txid]  # a normal transaction of the REST API
        assert (row["paymentLinkId"], row["status"], row["amount"]) == (link.pk, "0", 75_000)
        [note] = receiver.wait_for(txid, 1, timeout=20)
        assert flows.verify_notification(note.form) and note.form["status"] == "0"
        assert note.form["referenceNo"].startswith(f"LINK{link.pk}-")
        assert note.form["paymentLinkId"] == str(link.pk)
