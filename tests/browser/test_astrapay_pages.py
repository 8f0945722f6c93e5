"""AstraPay's hosted pages in headless Chromium: linkEnable -> AstraPay binding (OTP, PIN) -> the
merchant's callBackUrl; then linkInitiate -> AstraPay's PIN page -> back to the merchant."""

from __future__ import annotations

import re
import uuid

import pytest

from payments.models import AccountLink
from providers.sandbox.shop.client import Customer, V2Client

pytestmark = pytest.mark.browser

CUSTOMER = Customer(name="Sari Dewi", phone="081299990000", email="sari@example.com")


def bind(page, stack, receiver, callback_url: str) -> str:
    """Links the customer's AstraPay (a wrong OTP first); returns the linking referenceNo."""
    reference_no = f"LNK{uuid.uuid4().hex[:12].upper()}"
    url = V2Client(stack.base_url).link_enable_url(
        reference_no=reference_no,
        mitra_cd="ASTR",
        customer=CUSTOMER,
        notify_url=receiver.url,
        callback_url=callback_url,
    )
    page.goto(url)
    page.wait_for_url(re.compile(r"/sandbox/astrapay/payment-channel/account-binding/BND"))
    assert page.title() == "Link your AstraPay account"
    creds = page.locator(".testcreds")
    assert creds.get_by_text("111111").is_visible() and creds.get_by_text("123456").is_visible()
    page.get_by_label("One-time code (sent by SMS)").fill("000000")
    page.get_by_role("button", name="Verify code").click()
    assert page.get_by_role("alert").inner_text() == "Wrong OTP code. 2 attempts left."
    page.get_by_label("One-time code (sent by SMS)").fill("111111")
    page.get_by_role("button", name="Verify code").click()
    page.get_by_label("AstraPay PIN").fill("123456")
    page.get_by_role("button", name="Link account").click()
    return reference_no


def pay_url(stack, receiver, mandate_id: str, callback_url: str = "") -> tuple[str, str]:
    reference_no = f"ORD{uuid.uuid4().hex[:12].upper()}"
    url = V2Client(stack.base_url).link_initiate_url(
        mandate_id=mandate_id,
        reference_no=reference_no,
        amount=45_000,
        product="Jasmine tea",
        customer=CUSTOMER,
        notify_url=receiver.url,
        callback_url=callback_url,
    )
    return url, reference_no


def test_link_then_pay_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    callback = f"{stack.base_url}/sandbox/"
    reference_no = bind(page, stack, receiver, callback)
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=0000" in page.url and "linkStatus=linked" in page.url
    link = AccountLink.objects.get(reference_no=reference_no)
    assert link.state == AccountLink.State.LINKED

    url, order_ref = pay_url(stack, receiver, link.mandate_id, callback)
    page.goto(url)
    page.wait_for_url(re.compile(r"/sandbox/astrapay/merchant-service/payments/"))
    assert page.title() == "Pay with AstraPay"
    assert page.get_by_test_id("amount").inner_text() == "Rp 45.000"
    page.get_by_label("AstraPay PIN").fill("999999")
    page.get_by_role("button", name="Pay Rp 45.000").click()
    assert page.get_by_role("alert").inner_text() == "Wrong PIN. 2 attempts left."
    page.get_by_label("AstraPay PIN").fill("123456")
    page.get_by_role("button", name="Pay Rp 45.000").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=0000" in page.url and "mitraCd=ASTR" in page.url
    txid = re.search(r"tXid=([A-Z0-9]{30})", page.url).group(1)
    assert V2Client(stack.base_url).inquiry(txid=txid, reference_no=order_ref, amount=45_000)["status"] == "0"


def test_link_without_callback_shows_result_page(stack, demo_merchant, receiver, page) -> None:
    bind(page, stack, receiver, callback_url="")
    page.wait_for_url(re.compile(r"/link/IONPAYTEST[0-9]+/[\w-]{22}/finish\?"))
    assert page.get_by_role("heading", name="AstraPay account linked").is_visible()


def test_cancel_binding_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    reference_no = f"LNK{uuid.uuid4().hex[:12].upper()}"
    page.goto(
        V2Client(stack.base_url).link_enable_url(
            reference_no=reference_no,
            mitra_cd="ASTR",
            customer=CUSTOMER,
            notify_url=receiver.url,
            callback_url=f"{stack.base_url}/sandbox/",
        )
    )
    page.wait_for_url(re.compile(r"/account-binding/BND"))
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "linkStatus=failed" in page.url
    assert AccountLink.objects.get(reference_no=reference_no).state == AccountLink.State.FAILED


def test_unlinked_mandate_gets_a_clear_page(stack, demo_merchant, receiver, page) -> None:
    url, _ = pay_url(stack, receiver, "IONPAYTEST404", "http://127.0.0.1:9/merchant/link-done")
    resp = page.goto(url)
    assert resp.status == 200  # linkInitiate is a V2 browser step: NICEPAY answers its errors with 200
    assert page.get_by_role("heading", name="We couldn't continue with AstraPay").is_visible()
    assert page.get_by_role("alert").get_by_text("unknown").is_visible()
    assert page.get_by_role("alert").get_by_text("Reference code").is_visible()
    assert not any("status of" in msg for _url, msg in page.problems)
