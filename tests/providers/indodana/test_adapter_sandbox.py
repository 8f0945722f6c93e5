"""Indodana adapter against the built-in sandbox, over real HTTP (pages driven like a browser)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest

from providers.base.errors import InvalidSignature, PartnerDeclined, PartnerUnavailable
from providers.base.types import CancelRequest, PartnerStatus, PaymentRequest, Redirect
from providers.registry import get_adapter
from tests.support.paylater_orders import PageWalker, order, received_for

pytestmark = pytest.mark.django_db(transaction=True)
S = PartnerStatus


def start(sandbox_server, receiver, amount: int, tenor: str = "1"):
    o = order(amount, mitra="IDNA", base=sandbox_server.url, notify_url=receiver.url, tenor=tenor)
    adapter = get_adapter("IDNA")
    action = adapter.start_payment(PaymentRequest(order=o))
    assert isinstance(action, Redirect) and action.partner_ref
    assert action.url == f"{sandbox_server.url}/sandbox/indodana/chermes/checkout/{action.partner_ref}"
    return adapter, o, action


def walk_to_tenure(url: str) -> PageWalker:
    page = PageWalker(url)
    assert all(v in page.text for v in ("62838499610", "999999", "123654"))  # test credentials shown
    page.post(phone="+62 838-499-610")
    page.post(otp="999999")
    page.post(pin="123654")
    assert "Choose your tenure" in page.text
    return page


def offered(page: PageWalker) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', page.text)


def confirmed(adapter, receiver, o, count: int = 1):
    got = received_for(receiver, o.txid, count)
    assert len(got) == count
    event = adapter.parse_callback(headers=got[0].headers, body=got[0].body, path="/partners/IDNA/notify")
    return event, adapter.confirm_callback(event)


@pytest.mark.parametrize(
    ("amount", "tenors"),
    [
        (400_000, ["30_days"]),
        (500_000, ["30_days", "3_months"]),
        (1_000_000, ["30_days", "3_months"]),
        (1_200_000, ["30_days", "3_months", "6_months"]),
        (2_000_000, ["30_days", "3_months", "6_months", "12_months"]),
    ],
)
def test_tenure_offer_follows_the_amount(sandbox_server, receiver, amount, tenors):
    _, _, action = start(sandbox_server, receiver, amount)
    page = walk_to_tenure(action.url)
    assert offered(page) == tenors
    page.post(tenor="12_months" if "12_months" not in tenors else "24_months")
    assert "Choose one of the instalment plans offered." in page.text


def test_success_then_refunds(sandbox_server, receiver):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, 2_000_000, tenor="6")
    assert (
        adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is S.PENDING
    )
    page = walk_to_tenure(action.url)
    assert re.search(r'<option value="6_months" selected>', page.text)  # preselected from the request
    resp = page.post(tenor="6_months")
    assert resp.status_code == 302 and urlparse(resp.headers["Location"]).path == f"/pay/{o.txid}/return"
    event, result = confirmed(adapter, receiver, o)
    assert (
        result.status is S.SUCCEEDED
        and result.amount == 2_000_000
        and result.partner_ref == action.partner_ref
    )
    assert result.raw["paymentType"] == "6_months"

    now = datetime.now(UTC)
    first = CancelRequest(o.txid, action.partner_ref, 500_000, 2_000_000, 0, now, "rf-1")
    adapter.check_cancel(first, now=now)
    assert adapter.cancel(first).kind == "refund"
    assert adapter.cancel(first).partner_cancel_ref == "rf-1"  # a repeat answers the first result
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.SUCCEEDED
    with pytest.raises(PartnerDeclined):
        adapter.cancel(CancelRequest(o.txid, action.partner_ref, 1_600_000, 2_000_000, 500_000, now, "rf-2"))
    adapter.cancel(CancelRequest(o.txid, action.partner_ref, 1_500_000, 2_000_000, 500_000, now, "rf-3"))
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.REFUNDED


@pytest.mark.parametrize(
    ("amount", "expected", "count"),
    [(50_901, S.FAILED, 1), (50_902, S.EXPIRED, 1), (50_904, S.FAILED, 1), (50_907, S.SUCCEEDED, 2)],
)
def test_triggers(sandbox_server, receiver, amount, expected, count):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, amount)
    walk_to_tenure(action.url).post(tenor="30_days")
    _, result = confirmed(adapter, receiver, o, count)
    assert result.status is expected


def test_fraud_deny_is_rejected_with_fraud_status(sandbox_server, receiver):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, 50_904)
    walk_to_tenure(action.url).post(tenor="30_days")
    _, result = confirmed(adapter, receiver, o)
    assert result.raw_status == "REJECTED" and result.raw["fraudStatus"] == "REJECTED"


def test_silent_pending_and_forged(sandbox_server, receiver):
    receiver.reset()
    runs = {}
    for amount in (50_905, 50_906, 50_908):
        adapter, o, action = start(sandbox_server, receiver, amount)
        walk_to_tenure(action.url).post(tenor="30_days")
        runs[amount] = (adapter, o)
    for amount in (50_905, 50_906):
        assert received_for(receiver, runs[amount][1].txid, timeout=0.3) == []
    adapter, o = runs[50_908]
    got = received_for(receiver, o.txid)
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers=got[0].headers, body=got[0].body, path="/")
    expected = {50_905: S.PENDING, 50_906: S.SUCCEEDED, 50_908: S.SUCCEEDED}
    for amount, (adapter, o) in runs.items():
        assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is expected[amount]


def test_partner_error_user_cancel_and_bad_credentials(sandbox_server, receiver, monkeypatch):
    receiver.reset()
    with pytest.raises(PartnerUnavailable):
        start(sandbox_server, receiver, 50_909)
    adapter, o, action = start(sandbox_server, receiver, 50_000)
    resp = PageWalker(action.url).post(action="cancel")
    assert urlparse(resp.headers["Location"]).path == f"/pay/{o.txid}/cancel"
    _, result = confirmed(adapter, receiver, o)
    assert result.status is S.CANCELLED

    monkeypatch.setenv("INDODANA_API_SECRET", "wrong-secret")
    get_adapter.cache_clear()
    with pytest.raises(PartnerDeclined, match="authorization"):
        get_adapter("IDNA").fetch_status(txid=o.txid, partner_ref="", amount=o.amount)
    get_adapter.cache_clear()


def test_otp_lock_and_resend_cooldown(sandbox_server, receiver):
    adapter, o, action = start(sandbox_server, receiver, 50_000)
    page = PageWalker(action.url)
    page.post(phone="62838499610")
    assert re.search(
        r"Resend code<span id=\"cooldown-text\"> in <span id=\"cooldown\">[23][0-9]</span> s", page.text
    )
    page.post(action="resend")
    assert "Please wait" in page.text and "before asking for a new code" in page.text
    for wrong in ("000000", "111111", "222222"):
        page.post(otp=wrong)
    assert "this checkout is locked" in page.text
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.PENDING
