"""Every dashboard page at 390 px (a phone): the page itself never scrolls sideways (wide tables
scroll in their own box or become cards), the navigation folds behind "Menu" and opens, and the
charts carry their axes and labels."""

from __future__ import annotations

import pytest
from django.utils import timezone

from payments.models import Cancellation, Job, Notification, NotificationAttempt
from tests.browser.test_dashboard import sign_in
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15000)
    yield pg
    context.close()
    assert not errors, errors


def overflow(page, width: int = PHONE["width"]) -> int:  # noqa: ANN001
    """How far the document is wider than the screen, in CSS pixels (0 when it fits). Measured
    against the device's width: a mobile browser widens its layout viewport to fit an overflow."""
    return page.evaluate(f"document.documentElement.scrollWidth - {width}")


def test_every_dashboard_page_fits_a_phone(stack, phone) -> None:
    merchant = MerchantFactory(
        name="A Merchant With A Rather Long Trading Name",
        default_notification_url="http://127.0.0.1:9/a/very/long/notification/path/that/goes/on/and/on",
    )
    owner = member(merchant, email="someone.with.a.long.address@merchant-with-long-domain.test")
    now = timezone.now()
    paid = txn(
        merchant,
        status="0",
        amount=1_234_567_890,
        paid_at=now,
        cancelled_amount=10_000,
        billing_name="Customer With A Very Long Name Indeed",
        reference_no="ORDER-WITH-A-LONG-REFERENCE-0000000001",
    )
    for i in range(5):
        txn(merchant, status="0" if i % 2 else "8", mitra_cd="DANA", paid_at=now if i % 2 else None)
    Cancellation.objects.create(
        transaction=paid,
        merchant=merchant,
        cancel_txid="CMOBILE1",
        cancel_type="2",
        amount=10_000,
        state="succeeded",
        reason="a reason that is quite long to see how it wraps on a small screen",
        idempotency_key="k",
        finished_at=now,
    )
    note = Notification.objects.create(
        merchant=merchant, transaction=paid, sequence=1, url=merchant.default_notification_url, payload={}
    )
    NotificationAttempt.objects.create(
        notification=note,
        merchant=merchant,
        started_at=now,
        http_status=500,
        url=note.url,
        response_excerpt="x" * 600,
        request_headers={"X-Payloan-Signature": "t=1764470100,v1=" + "a" * 64},
        request_fields={"merchantToken": "b" * 64, "tXid": paid.txid},
    )
    job = Job.objects.create(kind="export", merchant=merchant, state="done")

    sign_in(phone, stack.base_url, owner.user.username)
    pages = [
        "/dashboard/",
        "/dashboard/?period=custom&from=2026-01-01&to=2026-12-31",
        "/dashboard/transactions/",
        "/dashboard/transactions/?partner=DANA",
        f"/dashboard/transactions/{paid.txid}/",
        "/dashboard/refunds/",
        "/dashboard/balance/",
        "/dashboard/settlements/?period=today",
        "/dashboard/notifications/",
        "/dashboard/developers/",
        "/dashboard/team/",
        "/dashboard/account/",
        "/dashboard/account/two-factor/",
        "/dashboard/sandbox/",
        f"/dashboard/jobs/{job.pk}/",
        "/docs/",
    ]
    for path in pages:
        phone.goto(f"{stack.base_url}{path}")
        phone.wait_for_load_state("load")
        assert overflow(phone) <= 0, (path, overflow(phone))
        if path.startswith("/dashboard/"):
            toggle = phone.locator(".nav-toggle")
            assert toggle.is_visible(), path
            assert not phone.locator("#dash-nav").is_visible(), path  # folded
    # Open webhook details must not widen the page either.
    phone.goto(f"{stack.base_url}/dashboard/notifications/")
    phone.locator("details.attempt summary").first.click()
    assert overflow(phone) <= 0

    # The menu opens and leads somewhere.
    phone.goto(f"{stack.base_url}/dashboard/")
    phone.locator(".nav-toggle").click()
    assert phone.locator(".nav-toggle").get_attribute("aria-expanded") == "true"
    link = phone.locator("#dash-nav").get_by_role("link", name="Refunds", exact=True)
    assert link.is_visible()
    with phone.expect_navigation():
        link.click()
    assert phone.url.endswith("/dashboard/refunds/")

    # Charts: both axes, value labels on the y axis, labels under the bars, axis titles.
    phone.goto(f"{stack.base_url}/dashboard/")
    for chart in ("chart-volume", "chart-count", "chart-partners"):
        svg = phone.locator(f'svg[data-chart="{chart}"]')
        assert svg.locator(".x-axis").count() == 1 and svg.locator(".y-axis").count() == 1
        assert svg.locator(".y-tick").count() == 5 and svg.locator(".x-tick").count() >= 1
        assert svg.locator(".axis-title").count() == 2


def test_the_wide_screen_shows_the_navigation_without_a_menu(stack, page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    owner = member(MerchantFactory())
    sign_in(page, stack.base_url, owner.user.username)
    assert page.locator("#dash-nav").is_visible() and not page.locator(".nav-toggle").is_visible()
    assert overflow(page, 1280) <= 0
