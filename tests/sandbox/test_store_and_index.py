"""The demo store takes the gateway's signed test notification as a merchant would; the sandbox
index is a finished page (partners, credentials, phone apps, triggers, refund endpoints, a CSRF-
protected simulate form); and the demo merchant has one name everywhere."""

from __future__ import annotations

import html
import io
import re
import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from payments.models import AuditLog, Merchant
from payments.services.audit import Actor
from payments.services.merchants import merchant_test_notification
from payments.services.notifications import signature_header
from providers.sandbox.core import SIMULATORS
from providers.sandbox.merchant import DEMO_MERCHANT_NAME
from providers.sandbox.models import SandboxOrder, ShopNotification, ShopOrder
from providers.sandbox.shop.client import MERCHANT_KEY


def test_the_gateways_test_notification_is_verified_and_recorded(sandbox_server, demo_merchant) -> None:
    demo_merchant.default_notification_url = f"{sandbox_server.url}/sandbox/shop/notify"
    demo_merchant.save(update_fields=["default_notification_url"])
    user = get_user_model().objects.create_user("dev@shop.test", "dev@shop.test", "x")
    note = merchant_test_notification(merchant=demo_merchant, actor=Actor(AuditLog.Actor.MERCHANT, user))
    assert note.state == note.State.DELIVERED, note.state
    [received] = ShopNotification.objects.filter(txid="TEST")
    assert received.token_valid and received.signature_valid
    assert received.payload["status"] == "test" and received.payload["iMid"] == demo_merchant.imid


@pytest.mark.django_db
def test_the_store_refuses_what_it_cannot_verify(client) -> None:
    body = "tXid=TEST&status=test"
    now = int(time.time())
    cases = [
        ("", 400),  # neither a token nor a signature
        (signature_header("not-the-key", now, body.encode()), 400),
        (signature_header(MERCHANT_KEY, now - 900, body.encode()), 400),  # replayed 15 minutes later
        (signature_header(MERCHANT_KEY, now, body.encode()), 200),
    ]
    for header, status in cases:
        extra = {"HTTP_X_PAYLOAN_SIGNATURE": header} if header else {}
        resp = client.post(
            "/sandbox/shop/notify", body, content_type="application/x-www-form-urlencoded", **extra
        )
        assert resp.status_code == status, header
    assert [n.token_valid for n in ShopNotification.objects.order_by("id")] == [False, False, False, True]
    assert ShopNotification.objects.order_by("id").last().signature_valid is True


@pytest.mark.django_db
def test_index_lists_partners_credentials_apps_triggers_and_refund_endpoints(client) -> None:
    page = client.get("/sandbox/").content.decode()
    for sim in SIMULATORS.values():
        assert f'id="partner-{sim.slug}"' in page and f"mitraCd {sim.mitra_cd}" in page
        for value in sim.test_credentials.values():
            assert value.replace("<", "&lt;") in page, (sim.slug, value)
        refund_status = [e for e in sim.endpoints if e.refund_status]
        assert refund_status, sim.slug  # every partner documents how to ask about a refund
        for e in refund_status:
            assert f"/sandbox/{sim.slug}/{e.route}" in page
    for app in ("/sandbox/ovo/ovo-sim/", "/sandbox/shopeepay/app", "/sandbox/dana/app"):
        assert f'href="{app}"' in page
    for code in range(901, 910):
        assert f"…{code}" in page
    assert "/sandbox/refund-control" in page and DEMO_MERCHANT_NAME in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
def test_simulate_form_needs_csrf_and_shows_the_partners_answer() -> None:
    browser = Client(enforce_csrf_checks=True)
    order = SandboxOrder.objects.create(
        partner="linkaja",
        ref=f"LA{uuid.uuid4().int % 10**12}",
        merchant_ref="TXFORM1",
        amount=45_000,
        state="02",
        expires_at=timezone.now() + timedelta(minutes=5),
        data={"pgpToken": "t", "successUrl": "http://x/ok", "failedUrl": "http://x/no", "items": []},
    )
    assert (
        browser.post("/sandbox/simulate/form", {"tXid": "TXFORM1", "outcome": "decline"}).status_code == 403
    )
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get("/sandbox/").content.decode()
    )
    data = {"csrfmiddlewaretoken": token.group(1), "tXid": "TXFORM1", "outcome": "decline"}
    page = browser.post("/sandbox/simulate/form", data)
    assert page.status_code == 200 and 'id="simulate-result"' in page.content.decode()
    order.refresh_from_db()
    assert order.state == "01"  # declined at LinkAja
    missing = browser.post("/sandbox/simulate/form", {**data, "tXid": "NOPE"})
    assert missing.status_code == 404 and "No partner has an order" in missing.content.decode()
    # The machine hook stays JSON and needs no CSRF token.
    answer = browser.post(
        "/sandbox/simulate", {"tXid": "NOPE", "outcome": "success"}, content_type="application/json"
    )
    assert answer.status_code == 404 and "error" in answer.json()


def _form_post(session: requests.Session, url: str, page: str, data: dict) -> requests.Response:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return session.post(
        url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url}, timeout=30
    )


def _one(pattern: str, page: str) -> str:
    found = re.search(pattern, page)
    assert found, pattern
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("method", "partner_name"),
    [("ESHP", r'id="spay-summary">Pay to ([^<]+)<'), ("DANA", r'id="order-title">Payment to ([^<·]+)')],
)
def test_one_merchant_name_across_the_demo(sandbox_server, settings, method, partner_name) -> None:
    """A real demo payment: the store's page, the partner's simulated page the shopper is sent to and
    the dashboard of the demo member all name the same merchant, the one in the database."""
    settings.SANDBOX = True
    call_command("load_demo", stdout=io.StringIO())
    merchant = Merchant.objects.get(imid="IONPAYTEST")
    base = sandbox_server.url
    shopper = requests.Session()
    shopper.headers["Accept-Language"] = "en"

    store = shopper.get(f"{base}/sandbox/shop/", timeout=30).text
    store_name = _one(r'class="shop-logo">([^<]+)<', store)
    paying = _form_post(shopper, f"{base}/sandbox/shop/checkout", store, {"product": "tea", "method": method})
    # The gateway's payment step answers with a page that moves on to the partner (as NICEPAY's does).
    onward = html.unescape(_one(r'<a class="button" id="continue"[^>]* href="([^"]+)"', paying.text))
    paying = shopper.get(onward, timeout=30)
    assert paying.status_code == 200 and "/sandbox/" in paying.url, paying.url
    order = ShopOrder.objects.get(state="registered", mitra_cd=method)
    assert order.txid, "the store registered the payment with the gateway"
    partner_page_name = _one(partner_name, paying.text)

    member = requests.Session()
    login = member.get(f"{base}/dashboard/login/", timeout=30).text
    signed_in = _form_post(
        member,
        f"{base}/dashboard/login/",
        login,
        {"username": "demo@payloan.test", "password": "demo-password"},
    )
    assert signed_in.url.endswith("/dashboard/"), signed_in.url
    detail = member.get(f"{base}/dashboard/transactions/{order.txid}/", timeout=30)
    assert detail.status_code == 200 and order.txid in detail.text
    dashboard_name = _one(r'data-testid="merchant">([^<]+)<span', detail.text)

    assert store_name == partner_page_name == dashboard_name == merchant.name == DEMO_MERCHANT_NAME, (
        store_name,
        partner_page_name,
        dashboard_name,
        merchant.name,
    )
