"""Money, refunds and the webhook log through the real pages on the real stack:
- a finance member filters a month, reads the balance and downloads the settlement XLSX, opened
  with openpyxl and checked against the database;
- a partial refund of a paid ShopeePay payment shows in the Refunds list and on the payment;
- the webhook log shows a failed and then a successful delivery, with both answers' bodies."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock

import openpyxl
import pytest
from django.utils import timezone

from payments.models import Cancellation, NotificationAttempt, PartnerFee, Transaction
from tests.browser.test_dashboard import go, paid_shopeepay, sign_in
from tests.factories import MerchantFactory
from tests.support import flows
from tests.support.dashboard import member, txn

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _accept_confirms(page):  # noqa: ANN001, ANN202
    page.on("dialog", lambda d: d.accept())  # the confirm() before destructive forms


def nav(page, name: str) -> None:  # noqa: ANN001
    """Follow a link of the dashboard's navigation, opening the menu first on a narrow screen."""
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    go(page, page.locator("#dash-nav").get_by_role("link", name=name, exact=True))


def rp(value: int) -> str:
    return ("−" if value < 0 else "") + "Rp " + f"{abs(value):,}".replace(",", ".")


def last_month() -> tuple[date, date]:
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour, 0)))


def test_finance_member_reads_the_balance_and_downloads_the_settlement_xlsx(stack, page, tmp_path) -> None:
    merchant, other = MerchantFactory(name="Finance Shop"), MerchantFactory(name="Other Shop")
    finance = member(merchant, "viewer", email="finance@finance-shop.test")
    PartnerFee.objects.create(mitra_cd="AKLP", percent_bp=150, settlement_days=2)
    first, end = last_month()
    plan = [  # (day of month, partner, amount, fee)
        (3, "DANA", 100_000, 1_500),
        (3, "DANA", 50_000, 750),
        (3, "AKLP", 200_000, 3_000),
        (12, "OVOE", 75_000, 1_125),
        (28, "DANA", 20_000, 300),
    ]
    rows = [
        txn(merchant, status="0", mitra_cd=code, amount=amt, fee=fee, paid_at=at(first.replace(day=d), 10))
        for d, code, amt, fee in plan
    ]
    refunded = rows[0]
    refunded.cancelled_amount = 30_000
    refunded.save(update_fields=["cancelled_amount"])
    Cancellation.objects.create(
        transaction=refunded,
        merchant=merchant,
        cancel_txid="CFIN1",
        cancel_type="2",
        amount=30_000,
        state="succeeded",
        reason="damaged",
        idempotency_key="k",
        finished_at=at(first.replace(day=5), 9),
    )
    txn(merchant, status="0", amount=999_000, fee=0, paid_at=at(end + timedelta(days=1), 10))  # next month
    txn(other, status="0", amount=777_000, fee=0, paid_at=at(first.replace(day=3), 10))  # another merchant

    sign_in(page, stack.base_url, finance.user.username)
    nav(page, "Balance")
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From").fill(first.isoformat())
    page.get_by_label("To").fill(end.isoformat())
    go(page, page.get_by_role("button", name="Show"))

    # The figures, from the database rows of that month only.
    month = [t for t in Transaction.objects.filter(merchant=merchant, paid_at__date__range=(first, end))]
    gross = sum(t.amount for t in month)
    fees = sum(t.fee for t in month)
    refunds = sum(c.amount for c in Cancellation.objects.filter(merchant=merchant, state="succeeded"))
    assert page.get_by_test_id("gross").inner_text() == rp(gross) == rp(445_000)
    assert page.get_by_test_id("fees").inner_text() == rp(fees)
    assert page.get_by_test_id("refunds").inner_text() == rp(refunds)
    assert page.get_by_test_id("net").inner_text() == rp(gross - fees - refunds)
    assert page.get_by_test_id("available").inner_text() == rp(gross - fees - refunds)  # all settled by now
    assert page.get_by_test_id("pending").inner_text() == "Rp 0"

    go(page, page.get_by_role("link", name=re.compile("Settlement report per day and partner")))
    assert page.locator("#period-label").inner_text().startswith(f"{first:%d %b %Y}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download XLSX").click()
    download = info.value
    assert download.suggested_filename == f"settlement-{merchant.imid}-{first:%Y%m%d}-{end:%Y%m%d}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet["A1"].value.startswith("Settlement report Finance Shop")
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    total, body = lines[-1], lines[:-1]

    expected: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for t in month:
        e = expected[(timezone.localtime(t.paid_at).date(), t.mitra_cd)]
        e[0], e[1], e[2] = e[0] + 1, e[1] + t.amount, e[2] + t.fee
    for c in Cancellation.objects.filter(merchant=merchant, state="succeeded").select_related("transaction"):
        e = expected[(timezone.localtime(c.finished_at).date(), c.transaction.mitra_cd)]
        e[3], e[4] = e[3] + 1, e[4] + c.amount
    got = {(line[0].date(), line[2]): [line[3], line[4], line[5], line[6], line[7]] for line in body}
    assert got == dict(expected)
    for line in body:
        assert line[8] == line[4] - line[5] - line[7]  # net = gross - fees - refunds
    assert total[0] == "Total" and total[4] == gross and total[5] == fees and total[7] == refunds
    assert total[8] == gross - fees - refunds
    assert all("777000" not in str(v) for line in lines for v in line)


def test_partial_refund_shows_in_the_refunds_list_and_on_the_payment(
    stack, demo_merchant, receiver, page
) -> None:
    reg = paid_shopeepay(stack, receiver, 60_000)
    owner = member(demo_merchant, email="demo-owner@payloan.test")
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/transactions/{reg['tXid']}/")
    assert page.get_by_role("radio", name="Full cancel of Rp 60.000").is_checked()
    page.get_by_role("radio", name=re.compile("Partial cancel")).check()
    page.get_by_label("Amount to cancel (Rp)").fill("10000")
    page.get_by_label("Reason").fill("damaged item")
    go(page, page.get_by_role("button", name="Cancel payment"))
    assert page.get_by_role("status").inner_text() == "Partial cancel of Rp 10.000 succeeded."

    # On the payment: the badge, what is left, and the refund in words with who and why.
    assert page.locator("#partial-badge").inner_text() == "Partly refunded"
    assert page.locator("#txn-remaining").inner_text() == "Rp 50.000"
    timeline = page.locator("#timeline").inner_text()
    assert "Paid via ShopeePay" in timeline
    assert "Refunded Rp 10.000 by demo-owner@payloan.test: damaged item" in timeline
    row = page.locator("#cancellations tbody tr").first
    assert "damaged item" in row.inner_text() and "Succeeded" in row.inner_text()

    # In the Refunds list, with the same facts.
    nav(page, "Refunds")
    entry = page.locator(f'#refund-table tr[data-txid="{reg["tXid"]}"]')
    text = entry.inner_text()
    assert "Rp 10.000" in text and "damaged item" in text and "demo-owner@payloan.test" in text
    assert "Succeeded" in text and "Rp 50.000 left" in text
    cancel = Cancellation.objects.get(transaction__txid=reg["tXid"])
    assert (cancel.reason, cancel.requested_by, cancel.state) == ("damaged item", owner.user, "succeeded")

    # And the transaction list finds it among the partly refunded ones.
    page.goto(f"{stack.base_url}/dashboard/transactions/")
    page.get_by_label("Refunds").select_option("partial")
    go(page, page.get_by_role("button", name="Apply"))
    rows = page.locator("#txn-table tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-txid") == reg["tXid"]
    assert "Partly refunded" in rows.first.inner_text()


def test_webhook_log_shows_a_failed_then_a_successful_delivery(stack, demo_merchant, receiver, page) -> None:
    receiver.status, receiver.reply = 500, b"order service is down"
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=35_000, db_process_url=receiver.url)
    flows.payment_started(stack.base_url, reg)
    flows.simulated(stack, reg)
    deadline = time.monotonic() + 30
    # The first attempt answered (an attempt is recorded before its POST leaves).
    while (
        time.monotonic() < deadline
        and not NotificationAttempt.objects.filter(
            notification__transaction__txid=reg["tXid"], http_status=500
        ).exists()
    ):
        time.sleep(0.2)
    receiver.status, receiver.reply = 200, b"stored, thank you"
    assert len(receiver.wait_for(reg["tXid"], 1, timeout=30)) == 1
    while (
        time.monotonic() < deadline
        and not NotificationAttempt.objects.filter(
            notification__transaction__txid=reg["tXid"], http_status=200
        ).exists()
    ):
        time.sleep(0.2)

    dev = member(demo_merchant, "developer")
    sign_in(page, stack.base_url, dev.user.username)
    nav(page, "Webhooks")
    page.get_by_label("tXid").fill(reg["tXid"])
    go(page, page.get_by_role("button", name="Apply"))
    attempts = page.locator("#attempts details.attempt")
    assert attempts.count() == 2
    ok, failed = attempts.nth(0), attempts.nth(1)  # newest first
    assert failed.locator("[data-testid=attempt-result]").inner_text() == "HTTP 500"
    assert ok.locator("[data-testid=attempt-result]").inner_text() == "HTTP 200"
    failed.locator("summary").click()
    ok.locator("summary").click()
    assert failed.locator(".response-body").inner_text() == "order service is down"
    assert ok.locator(".response-body").inner_text() == "stored, thank you"
    assert "next try" in failed.locator("summary").inner_text()
    assert "X-Payloan-Signature" in ok.inner_text() and reg["tXid"] in ok.inner_text()
    signature = (
        NotificationAttempt.objects.filter(http_status=200)
        .latest("id")
        .request_headers["X-Payloan-Signature"]
    )
    assert signature in ok.inner_text()

    # Filters: only the failed one.
    page.get_by_label("Result").select_option("failed")
    go(page, page.get_by_role("button", name="Apply"))
    assert page.locator("#attempts details.attempt").count() == 1
