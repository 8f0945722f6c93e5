"""Every dashboard page at 390 px (a phone): the page itself never scrolls sideways (wide tables
scroll in their own box or become cards), the navigation folds behind "Menu" and opens, and the
charts carry their axes and labels."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from payments.dashboard import urls as dashboard_urls
from payments.dashboard.exports import exports_dir
from payments.models import Cancellation, Job, Notification, NotificationAttempt
from payments.services.accounts import two_factor_start
from payments.services.audit import SYSTEM
from payments.services.merchants import invitation_create
from payments.services.payment_links import payment_link_create
from tests.browser.test_dashboard import sign_in
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

# The pages a phone visits, signed in as the owner ({name} is filled from the test's data).
SIGNED_IN_PAGES = (
    "/dashboard/",
    "/dashboard/?period=custom&from=2026-01-01&to=2026-12-31",
    "/dashboard/transactions/",
    "/dashboard/transactions/?partner=DANA",
    "/dashboard/transactions/{txid}/",
    "/dashboard/transactions/NO-SUCH-PAYMENT/",  # the dashboard's own 404 page
    "/dashboard/refunds/",
    "/dashboard/balance/",
    "/dashboard/settlements/?period=today",
    "/dashboard/notifications/",
    "/dashboard/links/",
    "/dashboard/links/{link}/",
    "/dashboard/checkout/",
    "/dashboard/developers/",
    "/dashboard/developers/snap/",
    "/dashboard/team/",
    "/dashboard/account/",
    "/dashboard/account/two-factor/",
    "/dashboard/sandbox/",
    "/dashboard/jobs/{job}/",
    "/docs/",
)
# ...and signed out: sign-in, the two-factor code step, password reset, an invitation.
SIGNED_OUT_PAGES = (
    "/dashboard/login/",
    "/dashboard/reset/",
    "/dashboard/reset/{uid}/{reset_token}/",
    "/dashboard/invite/{invite_token}/",
    "/dashboard/login/code/",
)
# Dashboard URLs that are no page to look at: a form's POST target (GET answers 405), a file
# download or a JSON poll. Any other URL the dashboard gains must join the lists above.
NOT_PAGES = {
    "logout": "post",
    "account-password": "post",
    "two-factor-off": "post",
    "transactions-csv": "download",
    "transactions-export-job": "post",
    "transaction-cancel": "post",
    "transaction-sync": "post",
    "transaction-receipt": "post",
    "refunds-csv": "download",
    "settlements-csv": "download",
    "settlements-xlsx": "download",
    "notifications-test": "post",
    "notifications-replay": "post",
    "notification-resend": "post",
    "job-status": "json",
    "job-download": "download",
    "key-reveal": "post",
    "key-rotate": "post",
    "key-retire-previous": "post",
    "notification-url": "post",
    "test-notification": "post",
    "snap-secret-reveal": "post",
    "snap-secret-rotate": "post",
    "snap-public-key": "post",
    "team-invite": "back",  # a refused form is answered here; a reload goes back to its page
    "team-revoke": "post",
    "team-role": "post",
    "team-remove": "post",
    "team-two-factor": "post",
    "link-create": "back",  # a refused form is answered here; a reload goes back to its page
    "link-active": "post",
    "sandbox-payment": "back",  # a refused form is answered here; a reload goes back to its page
}
SAMPLE = {"txid": "T", "link": 1, "job": 1, "uid": "MQ", "reset_token": "t", "invite_token": "i"}


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


# For the failure message: elements past the screen's edge, or whose content spills out of them.
WIDEST = """(w) => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > w + 0.5
    || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible'))
  .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).slice(-5)"""


def _dashboard_name(path: str) -> str:
    match = resolve(urlsplit(path).path)
    return match.url_name if match.namespace == "dashboard" else ""


def test_every_dashboard_url_is_visited_on_a_phone_or_is_no_page() -> None:
    names = {p.name for p in dashboard_urls.urlpatterns}
    visited = {_dashboard_name(p.format(**SAMPLE)) for p in SIGNED_IN_PAGES + SIGNED_OUT_PAGES} - {""}
    assert names - visited - set(NOT_PAGES) == set(), "a dashboard page missing from the phone test"
    assert visited & set(NOT_PAGES) == set()
    assert set(NOT_PAGES) <= names


@pytest.mark.django_db
def test_what_is_listed_as_no_page_is_none(client) -> None:
    """Each URL listed as no page really is none: a GET is refused (405), goes back to the page of
    its form (a refused form is answered at its POST address, which a reload then GETs), or
    answers a file or JSON."""
    merchant = MerchantFactory()
    owner = member(merchant)
    paid = txn(merchant, status="0", paid_at=timezone.now())
    name = f"mobile-test-{paid.pk}.csv"
    (exports_dir() / name).write_text("tXid\n")
    job = Job.objects.create(kind="export", merchant=merchant, state="done", file_path=name)
    args = {"txid": paid.txid, "job_id": job.pk, "uidb64": "MQ", "token": "t"}
    client.force_login(owner.user)
    try:
        for url_name, kind in NOT_PAGES.items():
            pattern = next(p for p in dashboard_urls.urlpatterns if p.name == url_name)
            kwargs = {k: args.get(k, 1) for k in pattern.pattern.converters}
            answer = client.get(reverse(f"dashboard:{url_name}", kwargs=kwargs))
            if kind == "post":
                assert answer.status_code == 405, url_name
            elif kind == "back":
                assert answer.status_code == 302, url_name
                visited = {_dashboard_name(p.format(**SAMPLE)) for p in SIGNED_IN_PAGES}
                assert _dashboard_name(answer["Location"]) in visited - {""}, (url_name, answer["Location"])
                assert client.put(answer.request["PATH_INFO"]).status_code == 405, url_name
            elif kind == "download":
                assert answer.status_code == 200, url_name
                assert answer["Content-Disposition"].startswith("attachment"), url_name
            else:
                assert answer.status_code == 200 and answer["Content-Type"] == "application/json", url_name
    finally:
        (exports_dir() / name).unlink()


def _check(phone, url: str, *, signed_in: bool) -> None:  # noqa: ANN001
    answer = phone.goto(url)
    phone.wait_for_load_state("load")
    assert overflow(phone) <= 0, (url, overflow(phone), phone.evaluate(WIDEST, PHONE["width"]))
    if signed_in and "/dashboard/" in url and answer.status == 200:
        assert phone.locator(".nav-toggle").is_visible(), url
        assert not phone.locator("#dash-nav").is_visible(), url  # folded


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
    link = payment_link_create(
        merchant=merchant,
        amount=125_000,
        description="A rather long description of what this payment link sells to whom",
        expires_at=None,
        multi_use=True,
    )
    txn(merchant, status="0", paid_at=now, reference_no=f"LINK{link.pk}-ABCDEF1234")
    forgetful = member(merchant, "viewer")
    careful = member(merchant, "developer")
    device = two_factor_start(user=careful.user)
    device.confirmed = True
    device.save()
    _, invite_token = invitation_create(
        merchant=merchant,
        email="new.colleague.with.a.long.name@merchant-with-long-domain.test",
        role="viewer",
        actor=SYSTEM,
    )
    values = {
        "txid": paid.txid,
        "link": link.pk,
        "job": job.pk,
        "uid": urlsafe_base64_encode(force_bytes(forgetful.user.pk)),
        "reset_token": default_token_generator.make_token(forgetful.user),
        "invite_token": invite_token,
    }

    for path in SIGNED_OUT_PAGES:
        if path == "/dashboard/login/code/":  # reached after the password step of a two-factor member
            sign_in(phone, stack.base_url, careful.user.username)
            assert phone.url.endswith(path)
        _check(phone, f"{stack.base_url}{path.format(**values)}", signed_in=False)
        if "{reset_token}" in path:
            assert phone.get_by_label(
                "Repeat the new password"
            ).is_visible()  # the form, not "no longer works"
        if "{invite_token}" in path:
            assert phone.locator("form input[type=password]").first.is_visible()
    phone.context.clear_cookies()

    sign_in(phone, stack.base_url, owner.user.username)
    for path in SIGNED_IN_PAGES:
        _check(phone, f"{stack.base_url}{path.format(**values)}", signed_in=True)
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
