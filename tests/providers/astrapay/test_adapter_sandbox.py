"""AstraPay adapter against the built-in sandbox over real HTTP; notifications land in `receiver`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from providers.base.errors import CancelNotAllowed, InvalidSignature, PartnerDeclined, PartnerUnavailable
from providers.base.types import CancelRequest, PartnerStatus, PaymentRequest, Redirect
from providers.registry import get_adapter

from .helpers import link_request, order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gw(sandbox_server, receiver, settings):
    """Partner notifications go to the test receiver instead of the gateway."""
    receiver.reset()
    host, port = receiver.server.server_address[:2]
    settings.SANDBOX_GATEWAY_BASE_URL = f"http://{host}:{port}"
    return sandbox_server


def notices(receiver, key: str, value: str) -> list:
    return [r for r in receiver.received if json.loads(r.body).get(key) == value]


def submit(session: requests.Session, url: str, fields: dict) -> requests.Response:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(url, data={"csrfmiddlewaretoken": csrf, **fields}, allow_redirects=False, timeout=10)


def link(adapter, base: str) -> tuple[str, dict]:
    req = link_request(base)
    res = adapter.link_start(req)
    assert res.partner_ref.startswith("BND") and "/payment-channel/account-binding/" in res.redirect_url
    s = requests.Session()
    page = s.get(res.redirect_url, timeout=10)
    assert "111111" in page.text and "123456" in page.text  # test OTP and PIN shown
    assert submit(s, res.redirect_url, {"action": "otp", "otp": "000000"}).text.count("Wrong OTP code.") == 1
    assert submit(s, res.redirect_url, {"action": "otp", "otp": "111111"}).status_code == 200
    done = submit(s, res.redirect_url, {"action": "pin", "pin": "123456"})
    assert done.status_code == 302
    target = urlparse(done.headers["Location"])
    assert target.path == urlparse(req.finish_url).path
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["status"] == "SUCCESS" and query["referenceNo"] == res.partner_ref
    token = adapter.link_finish(auth_code=query["authCode"])
    assert token.token and token.expires_at > datetime.now(UTC)
    assert "refreshToken" not in token.raw
    return token.token, {"req": req, "res": res}


def pay_page(url: str, pin: str = "123456", action: str = "pay") -> requests.Response:
    return submit(requests.Session(), url, {"action": action, "pin": pin})


def test_link_pay_refund_unlink(gw, receiver):
    adapter = get_adapter("ASTR")
    token, info = link(adapter, gw.url)
    # The binding completion reached the merchant's server, signed.
    got = receiver.received[-1]
    event = adapter.parse_callback(headers=got.headers, body=got.body, path=got.path)
    assert event.kind == "link" and event.txid == info["req"].external_uid
    assert event.status is PartnerStatus.SUCCEEDED

    o = order(25_000, base=gw.url)
    action = adapter.start_payment(PaymentRequest(order=o, account_token=token))
    assert isinstance(action, Redirect) and action.partner_ref.startswith("INV/PAC/ONP/")
    assert adapter.start_payment(PaymentRequest(order=o, account_token=token)) == action  # idempotent
    st = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert (st.status, st.raw_status) == (PartnerStatus.PENDING, "01")

    assert "Wrong PIN" in pay_page(action.url, pin="999999").text
    resp = pay_page(action.url)
    assert resp.status_code == 302 and resp.headers["Location"] == o.return_url
    [note] = notices(receiver, "originalPartnerReferenceNo", o.txid)
    event = adapter.parse_callback(headers=note.headers, body=note.body, path=note.path)
    assert (event.txid, event.status, event.amount) == (o.txid, PartnerStatus.SUCCEEDED, 25_000)
    st = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert st.status is PartnerStatus.SUCCEEDED and st.paid_at is not None and st.amount == 25_000

    partial = CancelRequest(o.txid, action.partner_ref, 10_000, 25_000, 0, st.paid_at, "r1")
    adapter.check_cancel(partial, now=datetime.now(UTC))
    first = adapter.cancel(partial)
    assert first.kind == "refund" and first.partner_cancel_ref
    assert adapter.cancel(partial) == first  # the same refund number is idempotent
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is (
        PartnerStatus.SUCCEEDED
    )
    too_much = CancelRequest(o.txid, action.partner_ref, 20_000, 25_000, 10_000, st.paid_at, "r2")
    with pytest.raises(CancelNotAllowed):
        adapter.check_cancel(too_much, now=datetime.now(UTC))
    with pytest.raises(PartnerDeclined):
        adapter.cancel(too_much)
    adapter.cancel(CancelRequest(o.txid, action.partner_ref, 15_000, 25_000, 10_000, st.paid_at, "r3"))
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is (
        PartnerStatus.REFUNDED
    )

    adapter.link_revoke(token=token)
    adapter.link_revoke(token=token)  # a repeat is harmless
    with pytest.raises(PartnerDeclined) as exc:
        adapter.start_payment(PaymentRequest(order=order(25_000, base=gw.url), account_token=token))
    assert exc.value.code == "4015402"


@pytest.fixture
def linked(gw):
    adapter = get_adapter("ASTR")
    token, _ = link(adapter, gw.url)
    return adapter, token


def start(gw, adapter, token, amount):
    o = order(amount, base=gw.url)
    return o, adapter.start_payment(PaymentRequest(order=o, account_token=token))


def simulate(gw, txid: str, outcome: str) -> dict:
    r = requests.post(f"{gw.url}/sandbox/simulate", json={"tXid": txid, "outcome": outcome}, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("amount", "outcome", "expected", "raw"),
    [
        (25_000, "success", PartnerStatus.SUCCEEDED, "00"),
        (25_901, "success", PartnerStatus.FAILED, "06"),
        (25_902, "success", PartnerStatus.EXPIRED, "05"),
        (25_903, "success", PartnerStatus.CANCELLED, "05"),
        (25_000, "decline", PartnerStatus.FAILED, "06"),
        (25_000, "expire", PartnerStatus.EXPIRED, "05"),
        (25_000, "cancel", PartnerStatus.CANCELLED, "05"),
    ],
)
def test_outcomes_notify_once(gw, receiver, linked, amount, outcome, expected, raw):
    adapter, token = linked
    o, action = start(gw, adapter, token, amount)
    assert simulate(gw, o.txid, outcome)["state"] == raw
    [note] = notices(receiver, "originalPartnerReferenceNo", o.txid)
    event = adapter.parse_callback(headers=note.headers, body=note.body, path=note.path)
    assert event.status is expected
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=amount).status is expected


def test_pending_never_notifies(gw, receiver, linked):
    adapter, token = linked
    o, action = start(gw, adapter, token, 25_905)
    assert simulate(gw, o.txid, "success")["state"] == "02"
    assert notices(receiver, "originalPartnerReferenceNo", o.txid) == []
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=25_905).status is (
        PartnerStatus.PENDING
    )


@pytest.mark.parametrize(("amount", "copies"), [(25_906, 0), (25_907, 2)])
def test_notification_count_triggers(gw, receiver, linked, amount, copies):
    adapter, token = linked
    o, action = start(gw, adapter, token, amount)
    simulate(gw, o.txid, "success")
    got = notices(receiver, "originalPartnerReferenceNo", o.txid)
    assert len(got) == copies
    keys = {adapter.parse_callback(headers=n.headers, body=n.body, path=n.path).idempotency_key for n in got}
    assert len(keys) == min(copies, 1)  # a repeat carries the same idempotency key
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=amount).status is (
        PartnerStatus.SUCCEEDED
    )


def test_bad_signature_trigger(gw, receiver, linked):
    adapter, token = linked
    o, _ = start(gw, adapter, token, 25_908)
    simulate(gw, o.txid, "success")
    [note] = notices(receiver, "originalPartnerReferenceNo", o.txid)
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers=note.headers, body=note.body, path=note.path)


def test_partner_5xx_on_create(gw, linked):
    adapter, token = linked
    o = order(25_909, base=gw.url)
    with pytest.raises(PartnerUnavailable):
        adapter.start_payment(PaymentRequest(order=o, account_token=token))
    # AstraPay has no record: the payment stays open at our side.
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=25_909).status is PartnerStatus.PENDING


def test_cancel_on_payment_page(gw, receiver, linked):
    adapter, token = linked
    o, action = start(gw, adapter, token, 25_000)
    resp = pay_page(action.url, action="cancel")
    assert resp.status_code == 302
    assert adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=25_000).status is (
        PartnerStatus.CANCELLED
    )


def test_b2b_token_is_cached(linked):
    adapter, token = linked
    first = adapter._b2b_token()
    assert adapter._b2b_token() == first
    assert adapter._b2b_token(renew=True) != first


def test_refused_without_link_or_with_bad_credentials(gw, monkeypatch):
    adapter = get_adapter("ASTR")
    with pytest.raises(PartnerDeclined):
        adapter.start_payment(PaymentRequest(order=order(25_000, base=gw.url)))
    with pytest.raises(PartnerDeclined):
        adapter.link_finish(auth_code="nope")
    monkeypatch.setitem(adapter.config.credentials, "client_secret", "wrong-secret")
    with pytest.raises(PartnerDeclined) as exc:
        adapter.link_start(link_request(gw.url))
    assert exc.value.code == "4010700" and "wrong-secret" not in str(exc.value)


def test_unpaid_cannot_be_cancelled(linked):
    adapter, _ = linked
    with pytest.raises(CancelNotAllowed):
        adapter.check_cancel(CancelRequest("T" * 30, "INV/1", 100, 100, 0, None, "c"), now=datetime.now(UTC))


def test_binding_cancel(gw, receiver):
    adapter = get_adapter("ASTR")
    req = link_request(gw.url)
    res = adapter.link_start(req)
    resp = submit(requests.Session(), res.redirect_url, {"action": "cancel"})
    assert resp.status_code == 302 and "status=CANCELLED" in resp.headers["Location"]
    assert "authCode" not in resp.headers["Location"]
    [note] = notices(receiver, "externalUid", req.external_uid)
    event = adapter.parse_callback(headers=note.headers, body=note.body, path=note.path)
    assert event.kind == "link" and event.status is PartnerStatus.CANCELLED
