"""Every customer page in headless Chromium: the OVO waiting page, the result page, and each error
(unknown transaction, invalid link, expired, partner down, a missing page). Each shows the shop,
amount and order when the payment is known, and a clear next step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from payments import customer_access
from payments.models import Transaction
from tests.support import flows

pytestmark = pytest.mark.browser


def registered(stack, receiver, mitra_cd: str = "ESHP", amount: int = 21_000) -> dict:
    reg = flows.register(stack.base_url, mitra_cd=mitra_cd, amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    return reg


def assert_order_shown(page, reg: dict, merchant_name: str) -> None:
    assert page.get_by_test_id("merchant-name").inner_text() == merchant_name
    rupiah = f"{int(reg['_body']['amt']):,}".replace(",", ".")
    assert page.get_by_test_id("amount").inner_text() == f"Rp {rupiah}"
    assert page.get_by_test_id("order").inner_text() == reg["_body"]["referenceNo"]


def assert_accessible_basics(page) -> None:
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1
    assert page.locator("meta[name=viewport]").count() == 1
    for field in page.locator("input:not([type=hidden]), select").all():
        fid = field.get_attribute("id")
        assert fid and page.locator(f'label[for="{fid}"]').count() == 1, fid


def test_ovo_waiting_page(stack, demo_merchant, receiver, page) -> None:
    reg = registered(stack, receiver, "OVOE", 27_000)
    page.goto(flows.payment_url(stack.base_url, reg, callback_url=f"{stack.base_url}/sandbox/"))
    page.wait_for_url(re.compile(re.escape(customer_access.page_path(reg["tXid"], "wait")) + "$"))
    assert_order_shown(page, reg, demo_merchant.name)
    assert_accessible_basics(page)
    assert page.get_by_role("heading", name="Open your OVO app to approve").is_visible()
    assert 40 <= int(page.locator("#countdown").inner_text()) <= 70
    assert page.locator("#progress-bar").is_visible() and page.locator("#continue").is_hidden()
    assert page.locator("#wait-status").inner_text() == "Waiting for your approval…"


def test_result_pages(stack, demo_merchant, receiver, page) -> None:
    reg = registered(stack, receiver)
    Transaction.objects.filter(txid=reg["tXid"]).update(callback_url="")
    page.goto(f"{stack.base_url}{customer_access.page_path(reg['tXid'], 'return')}")
    assert_order_shown(page, reg, demo_merchant.name)
    assert page.get_by_role("heading", level=1).inner_text() == "Payment pending"
    assert page.get_by_role("link", name="Check again").is_visible()

    Transaction.objects.filter(txid=reg["tXid"]).update(status="0", paid_at=timezone.now())
    page.goto(f"{stack.base_url}{customer_access.page_path(reg['tXid'], 'return')}")
    assert page.get_by_role("heading", level=1).inner_text() == "Payment successful"
    assert "will confirm your order" in page.get_by_role("status").inner_text()
    assert_accessible_basics(page)


def goto_error(page, url: str, status: int):
    """Customer pages' errors answer with their own HTTP status (the page fixture lets that document
    through); the V2 payment step answers its error pages with 200, as NICEPAY does."""
    answer = page.goto(url)
    assert answer.status == status
    return answer


def error_page(page, url: str, status: int, kind: str) -> None:
    goto_error(page, url, status)
    assert page.get_by_role("heading", level=1).inner_text() == "We couldn't continue with this payment"
    assert page.locator("#problem-kind").inner_text() == kind
    assert page.locator(".next-step").inner_text()
    assert "Traceback" not in page.content() and "Django" not in page.content()
    assert_accessible_basics(page)


def test_unknown_transaction(stack, demo_merchant, receiver, page) -> None:
    reg = registered(stack, receiver)
    reg = {**reg, "tXid": "IONPAYTEST05ESHP" + "9" * 14}
    error_page(page, flows.payment_url(stack.base_url, reg), 200, "We couldn't find this payment")
    assert page.get_by_test_id("merchant-name").count() == 0  # nothing known to show


def test_invalid_token(stack, demo_merchant, receiver, page) -> None:
    reg = registered(stack, receiver)
    error_page(
        page, flows.payment_url(stack.base_url, reg, key="not-the-key"), 200, "This payment link is not valid"
    )
    assert_order_shown(page, reg, demo_merchant.name)


def test_expired(stack, demo_merchant, receiver, page) -> None:
    reg = registered(stack, receiver)
    Transaction.objects.filter(txid=reg["tXid"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    error_page(
        page,
        flows.payment_url(stack.base_url, reg, callback_url=f"{stack.base_url}/sandbox/"),
        200,
        "This payment has expired",
    )
    assert_order_shown(page, reg, demo_merchant.name)
    assert page.get_by_role("link", name=f"Back to {demo_merchant.name}").is_visible()


def test_partner_down(stack, demo_merchant, receiver, page) -> None:
    reg = registered(stack, receiver, amount=21_909)  # 909: the partner answers 5xx
    error_page(
        page,
        flows.payment_url(stack.base_url, reg, callback_url=f"{stack.base_url}/sandbox/"),
        200,
        "The payment partner isn't answering right now",
    )
    assert_order_shown(page, reg, demo_merchant.name)
    assert page.get_by_role("link", name="Try again").is_visible()
    assert page.get_by_role("link", name=f"Back to {demo_merchant.name}").is_visible()


def test_missing_page(stack, page) -> None:
    goto_error(page, f"{stack.base_url}/pay/nothing/here/at/all", 404)
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert "Django" not in page.content()
