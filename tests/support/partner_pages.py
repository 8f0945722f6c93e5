"""The shopper's part on each sandbox partner's own pages, in a Playwright page: from the partner's
first page to its approval. One driver per partner page (the pages differ by nature); a test that
drives them all checks that every partner of the catalogue has one."""

from __future__ import annotations

import re

from playwright.sync_api import Page

OVO_PHONE = "081234567890"


def shopeepay(page: Page, amount: int) -> None:
    page.wait_for_url(re.compile(r"/sandbox/shopeepay/"))
    page.get_by_role("button", name="Pay now").click()
    page.get_by_label("ShopeePay PIN").fill("123456")
    page.get_by_role("button", name="Confirm").click()


def dana(page: Page, amount: int) -> None:
    page.wait_for_url(re.compile(r"/sandbox/dana/m/portal/cashier/checkout\?bizNo="))
    page.locator("#phone").fill("083811223355")
    page.locator("#pin").fill("181818")
    page.locator("#pay").click()


def linkaja(page: Page, amount: int) -> None:
    page.wait_for_url(re.compile(r"/sandbox/linkaja/linkaja-api/payment\?message="))
    page.get_by_label("LinkAja phone number").fill("081299990000")
    page.get_by_label("PIN").fill("123456")
    page.get_by_role("button", name=re.compile(r"^Pay Rp")).click()


def astrapay(page: Page, amount: int) -> None:
    """Links the account first (binding page), then pays on AstraPay's PIN page."""
    page.wait_for_url(re.compile(r"/sandbox/astrapay/"))
    if "account-binding" in page.url:
        page.get_by_label(re.compile("One-time code")).fill("111111")
        page.get_by_role("button", name="Verify code").click()
        page.get_by_label("AstraPay PIN").fill("123456")
        page.get_by_role("button", name="Link account").click()
        page.wait_for_url(re.compile(r"/sandbox/astrapay/merchant-service/payments/"))
    page.get_by_label("AstraPay PIN").fill("123456")
    page.get_by_role("button", name=re.compile(r"^Pay Rp")).click()


def ovo(page: Page, amount: int, *, approve: bool = True) -> None:
    """The hosted page asks the number; the shopper answers in the "OVO app" (a second tab)."""
    page.locator("input[name=phone]").fill(OVO_PHONE)
    page.locator("#pay").click()
    page.wait_for_url(re.compile(r"/wait$"))
    txid = re.search(r"/pay/([A-Z0-9]{30})/", page.url).group(1)
    app = page.context.new_page()
    app.goto(f"{page.url.split('/pay/')[0]}/sandbox/ovo/ovo-sim/{OVO_PHONE}")
    push = app.locator(".push").filter(has_text=txid)
    push.wait_for(timeout=20000)
    if approve:
        push.locator("input[name=otp]").fill(OVO_PHONE[-4:])
        push.locator("button.approve").click()
    else:
        push.locator("button.decline").click()
    app.wait_for_load_state()
    app.close()


def akulaku(page: Page, amount: int) -> None:
    page.wait_for_url(re.compile(r"/sandbox/akulaku/v2/openPay\.html\?appId="))
    page.get_by_label("Phone number").fill("081234567890")
    page.get_by_label("Password").fill("akulaku123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Continue").click()  # the plan chosen on our page is preselected
    page.get_by_label("One-time code (OTP)").fill("123456")
    page.get_by_role("button", name="Pay now").click()


def kredivo(page: Page, amount: int) -> None:
    page.wait_for_url(re.compile(r"/sandbox/kredivo/kredivo/v2/signin\?tk="))
    page.get_by_label("Phone number").fill("081513114262")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("6-digit PIN").fill("663482")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("One-time code (OTP)").fill("4567")
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("button", name="Confirm payment").click()


def indodana(page: Page, amount: int) -> None:
    page.wait_for_url(re.compile(r"/sandbox/indodana/chermes/checkout/"))
    page.get_by_label("Phone number").fill("0838-499-610")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("One-time code (OTP)").fill("999999")
    page.get_by_role("button", name="Verify").click()
    page.get_by_label("6-digit PIN").fill("123654")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm payment").click()


DRIVERS = {
    "ESHP": shopeepay,
    "DANA": dana,
    "LINK": linkaja,
    "ASTR": astrapay,
    "OVOE": ovo,
    "AKLP": akulaku,
    "KDVI": kredivo,
    "IDNA": indodana,
}
