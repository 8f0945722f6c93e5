"""LinkAja adapter against the built-in sandbox, over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from providers.base.errors import PartnerDeclined, PartnerUnavailable
from providers.base.types import CancelRequest, PartnerStatus, PaymentRequest, Redirect
from providers.registry import get_adapter

from .helpers import order

pytestmark = pytest.mark.django_db(transaction=True)


def pay_in_browser(url: str, *, pin: str = "123456", action: str = "pay") -> requests.Response:
    """What the customer does on the hosted page; returns the final redirect response."""
    s = requests.Session()
    page = s.get(url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    assert "123456" in page.text  # the test PIN is shown on the page
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    action_url = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    host = f"{urlparse(url).scheme}://{urlparse(url).netloc}"
    return s.post(
        host + action_url,
        data={"csrfmiddlewaretoken": csrf, "msisdn": "081299990000", "pin": pin, "action": action},
        allow_redirects=False,
        timeout=10,
    )


def start(sandbox_server, amount: int):
    o = order(amount, base=sandbox_server.url)
    adapter = get_adapter("LINK")
    action = adapter.start_payment(PaymentRequest(order=o))
    assert isinstance(action, Redirect) and action.partner_ref.startswith("LA")
    assert action.url.startswith(f"{sandbox_server.url}/sandbox/linkaja/linkaja-api/payment?message=")
    return adapter, o, action


def test_success_then_void(sandbox_server):
    adapter, o, action = start(sandbox_server, 25_000)
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is (
        PartnerStatus.PENDING
    )
    resp = pay_in_browser(action.url)
    assert resp.status_code == 302
    target = urlparse(resp.headers["Location"])
    assert target.path == f"/pay/{o.txid}/return"
    assert parse_qs(target.query) == {"trxId": [o.txid], "refNum": [action.partner_ref], "status": ["00"]}
    st = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert st.status is PartnerStatus.SUCCEEDED and st.amount == 25_000 and st.paid_at is not None

    cancel = CancelRequest(o.txid, action.partner_ref, 25_000, 25_000, 0, st.paid_at, "c1")
    adapter.check_cancel(cancel, now=datetime.now(UTC))
    result = adapter.cancel(cancel)
    assert result.kind == "void" and result.partner_cancel_ref == action.partner_ref
    st = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert st.status is PartnerStatus.REFUNDED


def test_wrong_pin_keeps_the_page(sandbox_server):
    adapter, o, action = start(sandbox_server, 25_000)
    resp = pay_in_browser(action.url, pin="000000")
    assert resp.status_code == 200 and "Wrong PIN" in resp.text
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is (
        PartnerStatus.PENDING
    )


@pytest.mark.parametrize(
    ("amount", "expected", "raw"),
    [
        (25_901, PartnerStatus.FAILED, "01"),
        (25_902, PartnerStatus.EXPIRED, "03"),
        (25_903, PartnerStatus.CANCELLED, "05"),
        (25_905, PartnerStatus.PENDING, "02"),
    ],
)
def test_triggers(sandbox_server, amount, expected, raw):
    adapter, o, action = start(sandbox_server, amount)
    resp = pay_in_browser(action.url)
    assert resp.status_code == 302 and f"status={raw}" in resp.headers["Location"]
    st = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert (st.status, st.raw_status) == (expected, raw)


def test_cancel_button(sandbox_server):
    adapter, o, action = start(sandbox_server, 25_000)
    resp = pay_in_browser(action.url, action="cancel")
    assert resp.status_code == 302 and "status=05" in resp.headers["Location"]
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is (
        PartnerStatus.CANCELLED
    )


def test_partner_5xx_is_unavailable(sandbox_server):
    with pytest.raises(PartnerUnavailable):
        get_adapter("LINK").start_payment(PaymentRequest(order=order(25_909, base=sandbox_server.url)))


def test_repeated_start_reuses_the_session(sandbox_server):
    adapter, o, action = start(sandbox_server, 25_000)
    again = adapter.start_payment(PaymentRequest(order=o))
    assert again == action


def test_bad_credentials_are_refused(sandbox_server, monkeypatch):
    adapter = get_adapter("LINK")
    monkeypatch.setitem(adapter.config.credentials, "password", "wrong")
    with pytest.raises(PartnerDeclined) as exc:
        adapter.start_payment(PaymentRequest(order=order(25_000, base=sandbox_server.url)))
    assert exc.value.code == "401" and "wrong" not in str(exc.value)


def test_session_lapses_after_five_minutes(sandbox_server):
    from providers.sandbox.models import SandboxOrder

    adapter, o, action = start(sandbox_server, 25_000)
    SandboxOrder.objects.filter(ref=action.partner_ref).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    st = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert st.status is PartnerStatus.EXPIRED
    page = requests.get(action.url, timeout=10)
    assert "Session expired" in page.text


def test_void_refused_for_unpaid(sandbox_server):
    adapter, o, action = start(sandbox_server, 25_000)
    with pytest.raises(PartnerDeclined):
        adapter.cancel(CancelRequest(o.txid, action.partner_ref, 25_000, 25_000, 0, None, "c1"))


def test_simulate_endpoint(sandbox_server):
    adapter, o, action = start(sandbox_server, 25_000)
    r = requests.post(
        f"{sandbox_server.url}/sandbox/simulate", json={"tXid": o.txid, "outcome": "success"}, timeout=10
    )
    assert r.status_code == 200 and r.json()["state"] == "00"
    assert r.json()["redirect_url"].startswith(o.return_url)
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is (
        PartnerStatus.SUCCEEDED
    )
