"""AstraPay's hosted pages in headless Chromium: linkEnable -> AstraPay binding (OTP, PIN) -> the
merchant's callBackUrl; then linkInitiate -> AstraPay's PIN page -> back to the merchant."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from payments.models import AccountLink
from tests.support import flows
from tests.support import linking as lf

pytestmark = pytest.mark.browser


def bind(page, stack, receiver, **kw) -> dict:
    query = lf.link_enable_query(db_process_url=receiver.url, **kw)
    page.goto(f"{stack.base_url}/nicepay/api/linkEnable.do?{urlencode(query)}")
    page.wait_for_url(re.compile(r"/sandbox/astrapay/payment-channel/account-binding/BND"))
    assert page.title() == "Link your AstraPay account"
    creds = page.locator(".testcreds")
    assert creds.get_by_text("111111").is_visible() and creds.get_by_text("123456").is_visible()
    page.get_by_label("One-time code (sent by SMS)").fill("000000")
    page.get_by_role("button", name="Verify code").click()
    assert page.get_by_role("alert").inner_text() == "Wrong OTP code."
    page.get_by_label("One-time code (sent by SMS)").fill("111111")
    page.get_by_role("button", name="Verify code").click()
    page.get_by_label("AstraPay PIN").fill("123456")
    page.get_by_role("button", name="Link account").click()
    return query


def test_link_then_pay_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    callback = f"{stack.base_url}/sandbox/"
    query = bind(page, stack, receiver, callback_url=callback)
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=0000" in page.url and "linkStatus=linked" in page.url
    link = AccountLink.objects.get(reference_no=query["referenceNo"])
    assert link.state == AccountLink.State.LINKED

    pay = lf.link_initiate_query(
        mandate_id=link.mandate_id, amount=45_000, db_process_url=receiver.url, callback_url=callback
    )
    page.goto(f"{stack.base_url}/nicepay/api/linkInitiate.do?{urlencode(pay)}")
    page.wait_for_url(re.compile(r"/sandbox/astrapay/merchant-service/payments/"))
    assert page.title() == "Pay with AstraPay"
    assert page.get_by_test_id("amount").inner_text() == "Rp45000"
    page.get_by_label("AstraPay PIN").fill("999999")
    page.get_by_role("button", name="Pay Rp45000").click()
    assert page.get_by_role("alert").inner_text() == "Wrong PIN. Please try again."
    page.get_by_label("AstraPay PIN").fill("123456")
    page.get_by_role("button", name="Pay Rp45000").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "resultCd=0000" in page.url and "mitraCd=ASTR" in page.url
    txid = re.search(r"tXid=([A-Z0-9]{30})", page.url).group(1)
    reg = {"tXid": txid, "_body": {"iMid": pay["iMid"], "referenceNo": pay["referenceNo"], "amt": pay["amt"]}}
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"


def test_link_without_callback_shows_result_page(stack, demo_merchant, receiver, page) -> None:
    bind(page, stack, receiver, callback_url="")
    page.wait_for_url(re.compile(r"/link/IONPAYTEST[0-9]+/[\w-]{22}/finish\?"))
    assert page.get_by_role("heading", name="AstraPay account linked").is_visible()


def test_cancel_binding_back_to_merchant(stack, demo_merchant, receiver, page) -> None:
    query = lf.link_enable_query(db_process_url=receiver.url, callback_url=f"{stack.base_url}/sandbox/")
    page.goto(f"{stack.base_url}/nicepay/api/linkEnable.do?{urlencode(query)}")
    page.wait_for_url(re.compile(r"/account-binding/BND"))
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(re.compile(r"/sandbox/\?resultCd="))
    assert "linkStatus=failed" in page.url
    assert AccountLink.objects.get(reference_no=query["referenceNo"]).state == AccountLink.State.FAILED


def test_unlinked_mandate_gets_a_clear_page(stack, demo_merchant, receiver, page) -> None:
    pay = lf.link_initiate_query(mandate_id="IONPAYTEST404", amount=45_000, db_process_url=receiver.url)
    resp = page.goto(f"{stack.base_url}/nicepay/api/linkInitiate.do?{urlencode(pay)}")
    assert resp.status == 404
    assert page.get_by_role("heading", name="We couldn't continue with AstraPay").is_visible()
    assert page.get_by_role("alert").get_by_text("unknown").is_visible()
    # The 404 of the document itself is the point of this test (the page fixture lets that one through).
    assert any("status of 404" in msg for _url, msg in page.problems)
