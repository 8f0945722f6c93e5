"""The merchant dashboard in headless Chromium against the real stack: sign in, overview charts,
filter/search/export, partial cancel of a paid ShopeePay payment, resend a notification, reveal and
rotate the merchant key (the old key then fails on the V2 API, the new one works)."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.utils import timezone

from payments.models import Notification, Transaction
from tests.factories import MerchantFactory
from tests.support import flows, mailbox
from tests.support.dashboard import PASSWORD, member, txn

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _accept_confirms(page):
    page.on("dialog", lambda d: d.accept())  # the confirm() before destructive forms


def go(page, locator) -> None:
    """Click something that navigates, and wait until the new page (and its assets) loaded."""
    with page.expect_navigation(wait_until="load"):
        locator.click()


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password").fill(password)
    go(page, page.get_by_role("button", name="Sign in"))


def paid_shopeepay(stack, receiver, amount: int) -> dict:
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    flows.payment_started(stack.base_url, reg)
    assert flows.simulate(stack.base_url, reg["tXid"], "success").status_code == 200
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    assert len(receiver.wait_for(reg["tXid"], 1)) == 1
    return reg


def test_sign_in_and_overview_charts(stack, page) -> None:
    merchant = MerchantFactory(name="Chart Shop")
    owner = member(merchant)
    for i in range(6):
        txn(
            merchant,
            status="0" if i % 3 else "8",
            mitra_cd="DANA" if i % 2 else "ESHP",
            paid_at=timezone.now() if i % 3 else None,
        )
    sign_in(page, stack.base_url, owner.user.username, "wrong-password")
    assert page.get_by_role("alert").inner_text() == "The e-mail or password is not correct."
    sign_in(page, stack.base_url, owner.user.username)
    page.wait_for_url(f"{stack.base_url}/dashboard/")
    assert page.get_by_test_id("merchant").inner_text().startswith("Chart Shop")
    assert page.locator("svg.chart").count() == 3
    for chart in ("chart-volume", "chart-count", "chart-partners"):
        svg = page.locator(f'svg[data-chart="{chart}"]')
        assert svg.is_visible() and svg.bounding_box()["height"] > 50
    # Today's bars are drawn with a real height; the partner chart has one bar per partner.
    assert int(page.locator('svg[data-chart="chart-count"] rect.bar').last.get_attribute("height")) > 0
    assert page.locator('svg[data-chart="chart-partners"] rect.bar').count() == 2
    assert "4 payments" not in page.get_by_test_id("today-volume").inner_text()
    assert page.get_by_text("6 payments · 66.7% paid").first.is_visible()
    go(page, page.get_by_role("button", name="Sign out"))
    page.wait_for_url("**/dashboard/login/?out=1")


def test_filter_search_and_export(stack, page) -> None:
    merchant, other = MerchantFactory(name="Filter Shop"), MerchantFactory(name="Other Shop")
    owner = member(merchant)
    target = txn(
        merchant,
        status="0",
        mitra_cd="DANA",
        amount=77_000,
        billing_name="Rina Wijaya",
        paid_at=timezone.now(),
    )
    unpaid = [txn(merchant, status="9", mitra_cd="ESHP") for _ in range(3)]
    foreign = txn(other, status="0", mitra_cd="DANA", billing_name="Rina Wijaya")
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/transactions/")
    rows = page.locator("#txn-table tbody tr")
    assert rows.count() == 4

    page.get_by_label("Status").select_option("0")
    go(page, page.get_by_role("button", name="Apply"))
    assert rows.count() == 1 and rows.first.get_attribute("data-txid") == target.txid

    page.get_by_label("Status").select_option("")
    page.get_by_label("Search").fill("rina")
    go(page, page.get_by_role("button", name="Apply"))
    assert [rows.nth(i).get_attribute("data-txid") for i in range(rows.count())] == [target.txid]
    page.get_by_label("Search").fill(unpaid[1].reference_no)
    page.get_by_label("Min amount").fill("1000")
    go(page, page.get_by_role("button", name="Apply"))
    assert [rows.nth(i).get_attribute("data-txid") for i in range(rows.count())] == [unpaid[1].txid]

    page.get_by_label("Search").fill("")
    page.get_by_label("Min amount").fill("")
    page.get_by_label("Partner").select_option("DANA")
    go(page, page.get_by_role("button", name="Apply"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    body = open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115
    table = list(csv.DictReader(io.StringIO(body)))
    assert [r["tXid"] for r in table] == [target.txid] and foreign.txid not in body
    assert table[0]["amount"] == "77000" and table[0]["statusWord"] == "paid"

    # The same filter as a background job, with progress and a download link.
    go(page, page.get_by_role("button", name="Prepare it in the background"))
    page.wait_for_url("**/dashboard/jobs/*/")
    page.locator("#job-download").wait_for(state="visible", timeout=20000)
    assert page.locator("#job-state").inner_text() == "Finished"  # words, updated by the page's polling
    assert page.locator("#job-state-code").inner_text() == "done"
    with page.expect_download() as info:
        page.locator("#job-download").click()
    assert target.txid in open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115


def test_partial_cancel_and_resend_notification(stack, demo_merchant, receiver, page) -> None:
    reg = paid_shopeepay(stack, receiver, 40_000)
    owner = member(demo_merchant)
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/transactions/{reg['tXid']}/")
    assert page.locator("#txn-status").inner_text() == "Paid"
    assert page.locator("#timeline li").count() >= 2

    # Resend the payment notification: the merchant's server gets it a second time.
    go(page, page.locator(".notif").first.get_by_role("button", name="Resend"))
    assert "queued for delivery" in page.get_by_role("status").inner_text()
    assert len(receiver.wait_for(reg["tXid"], 2, timeout=20)) == 2
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline and Notification.objects.get(transaction__txid=reg["tXid"]).attempts < 2
    ):
        time.sleep(0.2)
    page.reload()
    assert page.locator(".attempts li").count() == 2

    # Partial cancel of 15,000 of 40,000 at ShopeePay.
    assert page.get_by_role("radio", name="Full cancel of Rp 40.000").is_checked()  # the default
    page.get_by_role("radio", name="Partial cancel, up to Rp 40.000").check()
    page.get_by_label("Amount to cancel (Rp)").fill("15000")
    page.get_by_label("Reason").fill("one item out of stock")
    go(page, page.get_by_role("button", name="Cancel payment"))
    assert page.get_by_role("status").inner_text() == "Partial cancel of Rp 15.000 succeeded."
    assert page.locator("#txn-cancelled").inner_text() == "Rp 15.000"
    txn_row = Transaction.objects.get(txid=reg["tXid"])
    assert txn_row.cancelled_amount == 15_000 and txn_row.status == "0"
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"

    # More than what is left is refused with the gateway's own message.
    page.get_by_label("Amount to cancel (Rp)").fill("30000")
    go(page, page.get_by_role("button", name="Cancel payment"))
    assert (
        page.locator(".flash-error").inner_text()
        == "Rp 30.000 is more than what is left to cancel: Rp 25.000."
    )


def test_reveal_and_rotate_the_key(stack, receiver, page) -> None:
    merchant = MerchantFactory(name="Key Shop")
    old_key = merchant.merchant_key
    owner = member(merchant)
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/developers/")
    assert page.locator("#imid").inner_text() == merchant.imid
    assert old_key not in page.content()

    page.get_by_label("Re-enter your password to show the key").fill("not-my-password")
    go(page, page.get_by_role("button", name="Show key"))
    assert page.locator("#key-error").inner_text() == "The password is not correct."
    page.get_by_label("Re-enter your password to show the key").fill(PASSWORD)
    go(page, page.get_by_role("button", name="Show key"))
    assert page.locator("#merchant-key").inner_text() == old_key

    # The default: the old key keeps working for 24 hours, shown on the page.
    assert page.get_by_label("Old key keeps working for").input_value() == "24"
    page.get_by_label("Re-enter your password to rotate the key").fill(PASSWORD)
    go(page, page.get_by_role("button", name="Rotate key"))
    new_key = page.locator("#merchant-key").inner_text()
    assert new_key != old_key and len(new_key) == 88
    assert "The old key keeps working until" in page.get_by_role("status").first.inner_text()

    kw = {"mitra_cd": "ESHP", "amount": 12_000, "db_process_url": receiver.url, "imid": merchant.imid}
    assert flows.register(stack.base_url, key=old_key, **kw)["resultCd"] == "0000"
    assert flows.register(stack.base_url, key=new_key, **kw)["resultCd"] == "0000"
    page.goto(f"{stack.base_url}/dashboard/developers/")
    assert "Still accepted until" in page.locator("#previous-key").inner_text()

    # The owner ends the overlap: from now on only the new key works.
    page.get_by_label("Re-enter your password to stop the old key now").fill(PASSWORD)
    go(page, page.get_by_role("button", name="Stop the old key now"))
    assert "The old key no longer works" in page.get_by_role("status").first.inner_text()
    refused = flows.register(stack.base_url, key=old_key, **kw)
    assert refused["resultCd"] == "9010", refused
    accepted = flows.register(stack.base_url, key=new_key, **kw)
    assert accepted["resultCd"] == "0000", accepted


def test_viewer_sees_no_actions(stack, page) -> None:
    merchant = MerchantFactory(name="View Shop")
    viewer = member(merchant, "viewer")
    t = txn(merchant, status="0", paid_at=timezone.now())
    sign_in(page, stack.base_url, viewer.user.username)
    page.goto(f"{stack.base_url}/dashboard/transactions/{t.txid}/")
    assert page.locator("#no-actions").is_visible()
    assert page.get_by_role("button", name="Cancel payment").count() == 0
    page.goto(f"{stack.base_url}/dashboard/developers/")
    assert page.get_by_role("button", name="Show key").count() == 0


def test_sandbox_test_payment(stack, page) -> None:
    merchant = MerchantFactory(name="Sandbox Shop")
    dev = member(merchant, "developer")
    sign_in(page, stack.base_url, dev.user.username)
    page.goto(f"{stack.base_url}/dashboard/sandbox/")
    assert page.locator("#triggers").get_by_text("…906").is_visible()
    page.get_by_label("Partner").select_option("ESHP")
    page.get_by_label("Amount (Rp)").fill("18000")
    go(page, page.get_by_role("button", name="Create"))
    created = page.locator("#test-payment-created")
    txid = created.locator(".mono").inner_text()
    row = Transaction.objects.get(txid=txid)
    assert row.merchant == merchant and row.amount == 18_000 and row.mitra_cd == "ESHP"
    go(page, page.get_by_role("link", name="Open the payment page"))
    assert "/sandbox/shopeepay/" in page.url


def test_invite_a_developer_who_then_signs_in(stack, page) -> None:
    merchant = MerchantFactory(name="Team Shop")
    owner = member(merchant)
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/team/")
    page.get_by_label("E-mail").fill("new.dev@team.test")
    assert page.get_by_label("Role", exact=True).input_value() == "viewer"  # the least role by default
    page.get_by_label("Role", exact=True).select_option("developer")
    go(page, page.get_by_role("button", name="Invite"))
    assert "Invitation e-mailed to new.dev@team.test" in page.get_by_role("status").first.inner_text()
    link = mailbox.wait_for_link(stack, "new.dev@team.test", r"http://\S+/dashboard/invite/\S+/")
    assert link not in page.content()
    go(page, page.get_by_role("button", name="Sign out"))
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Join Team Shop"
    page.get_by_label("Choose a password (10 characters or more)").fill("a-long-password")
    page.get_by_label("Repeat the password").fill("a-long-password")
    go(page, page.get_by_role("button", name="Create my account"))
    assert page.get_by_test_id("merchant").inner_text().startswith("Team Shop")
    assert "new.dev@team.test · Developer" in page.locator(".dash-logout").inner_text()


def test_notification_url_and_test_notification(stack, receiver, page) -> None:
    merchant = MerchantFactory(name="Hook Shop")
    owner = member(merchant)
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/developers/")
    page.get_by_label("Default notification URL").fill(receiver.url)
    go(page, page.get_by_role("button", name="Save"))
    assert page.get_by_role("status").first.inner_text() == "Default notification URL saved."
    go(page, page.get_by_role("button", name="Send test notification"))
    assert page.locator("#test-result").inner_text().startswith("Delivered: your server answered HTTP 200")
    [got] = receiver.wait_for("TEST", 1, timeout=10)
    assert got.form["iMid"] == merchant.imid and got.headers["X-Payloan-Signature"].startswith("t=")

    receiver.status = 500
    go(page, page.get_by_role("button", name="Send test notification"))
    assert "your server answered HTTP 500" in page.locator("#test-result").inner_text()
