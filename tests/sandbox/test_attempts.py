"""Every PIN/OTP page of the sandbox allows three tries, counted by one atomic increment each: ten
wrong codes sent at the same instant to the live server (PostgreSQL, one thread per request) are
never all looked at, and the right code afterwards no longer pays."""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from providers.sandbox.counters import used
from providers.sandbox.models import SandboxOrder
from tests.sandbox.partners import order as partner_order

pytestmark = pytest.mark.integration
STORM = 10
BACK = "http://127.0.0.1:9/back"


@dataclass
class Secret:
    """One PIN/OTP page: the order behind it, where its form is, and what a try posts."""

    order: SandboxOrder
    page: str  # GET: the page holding the CSRF token
    post: str  # where a try is posted
    what: str  # the counter's name
    wrong: dict[str, str]
    right: dict[str, str]
    refused: Callable[[SandboxOrder, requests.Response], bool]  # after the storm, the right try failed


def kredivo(base: str) -> Secret:
    o = partner_order(
        "kredivo",
        secrets.token_urlsafe(12),
        "pending",
        transaction_id="KRD1",
        signature_key="k",
        payment_type="30_days",
        push_uri=BACK,
        back_to_store_uri=BACK,
        items=[],
        cancellations=[],
        page={"step": 2},  # at the OTP step
    )
    url = f"{base}/sandbox/kredivo/kredivo/v2/signin?tk={o.ref}"
    return Secret(
        o,
        url,
        url,
        "otp",
        {"action": "submit", "otp": "0000"},
        {"action": "submit", "otp": "4567"},
        lambda o, r: 'data-testid="locked"' in r.text and o.data["page"]["step"] == 2,
    )


def astrapay_binding(base: str) -> Secret:
    o = partner_order(
        "astrapay",
        f"BND{secrets.randbelow(10**12)}",
        "PENDING",
        kind="binding",
        phoneNo="081234567890",
        step="otp",
        finishBindingUrl=BACK,
    )
    url = f"{base}/sandbox/astrapay/payment-channel/account-binding/{o.ref}"
    return Secret(
        o,
        url,
        url,
        "otp",
        {"action": "otp", "otp": "000000"},
        {"action": "otp", "otp": "111111"},
        lambda o, r: o.state == "CANCELLED",
    )


def astrapay_payment(base: str) -> Secret:
    o = partner_order(
        "astrapay",
        str(uuid.uuid4()),
        "01",
        kind="payment",
        referenceNo="INV/PAC/ONP/1",
        returnUrl=BACK,
        binding="",
        refunds=[],
        refunded=0,
    )
    url = f"{base}/sandbox/astrapay/merchant-service/payments/{o.ref}"
    return Secret(
        o,
        url,
        url,
        "pin",
        {"action": "pay", "pin": "000000"},
        {"action": "pay", "pin": "123456"},
        lambda o, r: o.state == "06",
    )


def dana(base: str) -> Secret:
    o = partner_order("dana", f"2026{secrets.randbelow(10**20):020d}", "01", return_url=BACK, notify_url="")
    url = f"{base}/sandbox/dana/m/portal/cashier/checkout?bizNo={o.ref}"
    return Secret(
        o,
        url,
        url,
        "pin",
        {"bizNo": o.ref, "phone": "083811223355", "pin": "000000"},
        {"bizNo": o.ref, "phone": "083811223355", "pin": "181818"},
        lambda o, r: o.state == "05" and o.data["closed_reason"] == "RISK_REJECT",
    )


def shopeepay(base: str) -> Secret:
    o = partner_order("shopeepay", secrets.token_urlsafe(16), "1", return_url=BACK, request={})
    url = f"{base}/sandbox/shopeepay/universal-link/wallet/pay?token={o.ref}"
    return Secret(
        o,
        url,
        url,
        "pin",
        {"token": o.ref, "action": "pin", "pin": "000000"},
        {"token": o.ref, "action": "pin", "pin": "123456"},
        lambda o, r: o.state == "4",
    )


def linkaja(base: str) -> Secret:
    token = secrets.token_urlsafe(16)
    o = partner_order(
        "linkaja",
        f"LA{secrets.randbelow(10**12)}",
        "02",
        pgpToken=token,
        successUrl=BACK,
        failedUrl=BACK,
        items=[],
    )
    return Secret(
        o,
        f"{base}/sandbox/linkaja/linkaja-api/payment?message={token}",
        f"{base}/sandbox/linkaja/linkaja-api/payment/{o.ref}/confirm",
        "pin",
        {"action": "pay", "msisdn": "081234567890", "pin": "000000"},
        {"action": "pay", "msisdn": "081234567890", "pin": "123456"},
        lambda o, r: o.state == "01",
    )


def ovo(base: str) -> Secret:
    phone = f"0812{secrets.randbelow(10**8):08d}"
    o = partner_order("ovo", f"B{secrets.randbelow(10**6)}-000001", "pending", phone=phone)
    return Secret(
        o,
        f"{base}/sandbox/ovo/ovo-sim/{phone}",
        f"{base}/sandbox/ovo/ovo-sim/{phone}/{o.ref}/approve",
        "otp",
        {"otp": "0000"},
        {"otp": phone[-4:]},
        lambda o, r: o.state == "declined",
    )


def _session(url: str) -> tuple[requests.Session, str]:
    s = requests.Session()
    page = s.get(url, timeout=30)
    assert page.status_code == 200, page.text[:300]
    return s, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize(
    "make",
    [kredivo, astrapay_binding, astrapay_payment, dana, shopeepay, linkaja, ovo],
    ids=lambda f: f.__name__,
)
def test_a_storm_of_wrong_codes_takes_three_tries_then_locks(sandbox_server, make) -> None:
    secret = make(sandbox_server.url)
    session, token = _session(secret.page)
    cookies = session.cookies.get_dict()
    start = threading.Barrier(STORM)

    def wrong_try(_: int) -> int:
        s = requests.Session()
        s.cookies.update(cookies)
        start.wait()
        r = s.post(
            secret.post,
            data={"csrfmiddlewaretoken": token, **secret.wrong},
            headers={"Referer": secret.page},
            allow_redirects=False,
            timeout=60,
        )
        return r.status_code

    with ThreadPoolExecutor(STORM) as pool:
        statuses = list(pool.map(wrong_try, range(STORM)))
    assert all(code in (200, 302) for code in statuses), statuses
    o = secret.order
    assert used(f"attempts:{o.partner}:{o.ref}:{secret.what}") == 3  # exactly three looked at

    right = session.post(
        secret.post,
        data={"csrfmiddlewaretoken": token, **secret.right},
        headers={"Referer": secret.page},
        allow_redirects=False,
        timeout=60,
    )
    o.refresh_from_db()
    assert secret.refused(o, right), (o.state, o.data, right.status_code)
