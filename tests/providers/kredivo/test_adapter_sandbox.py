"""Kredivo adapter against the built-in sandbox, over real HTTP (pages driven like a browser)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from providers.base.errors import InvalidSignature, PartnerDeclined, PartnerUnavailable
from providers.base.types import CancelRequest, PartnerStatus, PaymentRequest, Redirect
from providers.registry import get_adapter
from tests.support.paylater_orders import PageWalker, order, received_for

pytestmark = pytest.mark.django_db(transaction=True)
S = PartnerStatus


def start(sandbox_server, receiver, amount: int):
    o = order(amount, mitra="KDVI", base=sandbox_server.url, notify_url=receiver.url)
    adapter = get_adapter("KDVI")
    action = adapter.start_payment(PaymentRequest(order=o))
    assert isinstance(action, Redirect)
    assert action.url.startswith(f"{sandbox_server.url}/sandbox/kredivo/kredivo/v2/signin?tk=")
    return adapter, o, action


def pay(url: str, *, otp: str = "4567", tenor: str = "") -> requests.Response:
    page = PageWalker(url)
    assert "081513114262" in page.text and "663482" in page.text and "4567" in page.text  # test creds shown
    page.post(phone="0815-1311-4262")
    assert "Enter your PIN" in page.text
    page.post(pin="663482")
    page.post(otp=otp)
    if otp != "4567":
        return page.page
    assert "Choose how to pay" in page.text
    return page.post(tenor=tenor or "3_months")


def confirm_push(adapter, receiver, o, count: int = 1):
    pushes = received_for(receiver, o.txid, count)
    assert len(pushes) == count
    event = adapter.parse_callback(
        headers=pushes[0].headers, body=pushes[0].body, path="/partners/KDVI/notify"
    )
    assert event.needs_confirmation and event.txid == o.txid
    return event, adapter.confirm_callback(event)


def test_success_confirm_status_and_cancel(sandbox_server, receiver):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, 1_250_000)
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.PENDING
    resp = pay(action.url)
    assert resp.status_code == 302
    back = urlparse(resp.headers["Location"])
    assert back.path == f"/pay/{o.txid}/return"
    assert parse_qs(back.query) == {"order_id": [o.txid], "tr_status": ["settlement"]}
    event, confirmed = confirm_push(adapter, receiver, o)
    assert confirmed.status is S.SUCCEEDED and confirmed.amount == 1_250_000
    assert confirmed.partner_ref == event.partner_ref and confirmed.raw["payment_type"] == "3_months"
    status = adapter.fetch_status(txid=o.txid, partner_ref=event.partner_ref, amount=o.amount)
    assert status.status is S.SUCCEEDED

    now = datetime.now(UTC)
    partial = CancelRequest(o.txid, event.partner_ref, 250_000, 1_250_000, 0, now, "cx-1")
    adapter.check_cancel(partial, now=now)
    assert adapter.cancel(partial).kind == "refund"
    assert adapter.cancel(partial).partner_cancel_ref == "cx-1"  # a repeat is answered, not applied twice
    too_much = CancelRequest(o.txid, event.partner_ref, 1_100_000, 1_250_000, 250_000, now, "cx-2")
    with pytest.raises(PartnerDeclined) as exc:
        adapter.cancel(too_much)
    assert exc.value.code == "2415"
    # Without a stored transaction_id the adapter asks Kredivo for it first.
    rest = CancelRequest(o.txid, "", 1_000_000, 1_250_000, 250_000, now, "cx-3")
    assert adapter.cancel(rest).kind == "void"  # nothing left: Kredivo calls the order cancelled
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.CANCELLED


def test_forged_push_is_not_confirmed(sandbox_server, receiver):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, 50_000)
    forged = {
        "status": "OK",
        "amount": "50000.00",
        "payment_type": "30_days",
        "transaction_status": "settlement",
        "fraud_status": "accept",
        "order_id": o.txid,
        "transaction_id": "KRD-never-issued",
        "transaction_time": 1,
        "signature_key": "x" * 64,
    }
    event = adapter.parse_callback(headers={}, body=json.dumps(forged).encode(), path="/")
    with pytest.raises(InvalidSignature):
        adapter.confirm_callback(event)
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.PENDING


@pytest.mark.parametrize(
    ("amount", "expected", "raw", "pushes"),
    [
        (50_901, S.FAILED, "deny/accept", 1),
        (50_902, S.EXPIRED, "expire/accept", 1),
        (50_904, S.FAILED, "deny/deny", 1),
        (50_907, S.SUCCEEDED, "settlement/accept", 2),
    ],
)
def test_triggers(sandbox_server, receiver, amount, expected, raw, pushes):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, amount)
    pay(action.url)
    _, confirmed = confirm_push(adapter, receiver, o, pushes)
    assert confirmed.status is expected and confirmed.raw_status == raw


def test_pending_and_silent_triggers_use_polling(sandbox_server, receiver):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, 50_905)
    pay(action.url)
    adapter_b, o_b, action_b = start(sandbox_server, receiver, 50_906)
    pay(action_b.url)
    assert received_for(receiver, o.txid, timeout=0.5) == []
    assert received_for(receiver, o_b.txid, timeout=0.5) == []
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.PENDING
    assert adapter.fetch_status(txid=o_b.txid, partner_ref="", amount=o_b.amount).status is S.SUCCEEDED


def test_bad_signature_push_is_refused_then_status_settles(sandbox_server, receiver):
    receiver.reset()
    adapter, o, action = start(sandbox_server, receiver, 50_908)
    pay(action.url)
    pushes = received_for(receiver, o.txid)
    event = adapter.parse_callback(headers={}, body=pushes[0].body, path="/")
    with pytest.raises(InvalidSignature):
        adapter.confirm_callback(event)
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.SUCCEEDED


def test_partner_error_and_user_cancel(sandbox_server, receiver):
    receiver.reset()
    with pytest.raises(PartnerUnavailable):
        start(sandbox_server, receiver, 50_909)
    adapter, o, action = start(sandbox_server, receiver, 50_000)
    page = PageWalker(action.url)
    resp = page.post(action="cancel")
    assert urlparse(resp.headers["Location"]).path == f"/pay/{o.txid}/cancel"
    _, confirmed = confirm_push(adapter, receiver, o)
    assert confirmed.status is S.CANCELLED


def test_otp_lock_after_three_wrong_codes(sandbox_server, receiver):
    adapter, o, action = start(sandbox_server, receiver, 50_000)
    page = PageWalker(action.url)
    page.post(phone="081513114262")
    page.post(pin="663482")
    page.post(otp="0000")
    assert "Wrong code. 2 attempts left." in page.text
    page.post(otp="1111")
    assert "1 attempt left" in page.text
    page.post(otp="2222")
    assert "this checkout is locked" in page.text
    page.post(otp="4567")  # even the right code is refused now
    assert "this checkout is locked" in page.text
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.PENDING


def test_repeated_checkout_reuses_the_open_one_and_limits(sandbox_server, receiver):
    adapter, o, action = start(sandbox_server, receiver, 50_000)
    assert adapter.start_payment(PaymentRequest(order=o)).url == action.url
    with pytest.raises(PartnerDeclined):
        adapter.start_payment(PaymentRequest(order=order(9_000, mitra="KDVI", base=sandbox_server.url)))
