"""The DANA adapter against the simulated DANA over real HTTP: create, cashier page, finish notify,
status, void and refund, and every amount trigger."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from providers.base.errors import InvalidSignature, PartnerDeclined, PartnerUnavailable
from providers.base.types import PartnerStatus
from providers.dana.adapter import DanaAdapter
from providers.registry import get_adapter

from .helpers import cancel_request, payment

JAKARTA = ZoneInfo("Asia/Jakarta")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dana(sandbox_server):
    return get_adapter("DANA")


@pytest.fixture
def notify(receiver):
    receiver.reset()
    return receiver


def start(dana, receiver, amount: int):
    req = payment(amount)
    req = replace(req, order=replace(req.order, notify_url=receiver.url))
    return req, dana.start_payment(req)


def notifications(receiver, txid: str, count: int, wait: float = 5) -> list:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        got = [r for r in receiver.received if json.loads(r.body).get("originalPartnerReferenceNo") == txid]
        if len(got) >= count:
            return got
        time.sleep(0.05)
    return [r for r in receiver.received if json.loads(r.body).get("originalPartnerReferenceNo") == txid]


def parse(dana, received):
    return dana.parse_callback(
        headers=received.headers, body=received.body, path=urlsplit(received.path).path
    )


def simulate(server, txid: str, outcome: str) -> dict:
    r = requests.post(f"{server.url}/sandbox/simulate", json={"tXid": txid, "outcome": outcome}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def pay_on_page(action, *, phone="083811223355", pin="181818", cancel=False) -> requests.Response:
    s = requests.Session()
    page = s.get(action.url, timeout=5)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    if cancel:
        url = action.url.split("/checkout")[0] + "/cancel"
        return s.post(
            url,
            data={"csrfmiddlewaretoken": token, "bizNo": action.partner_ref},
            allow_redirects=False,
            headers={"Referer": action.url},
            timeout=10,
        )
    return s.post(
        action.url,
        data={"csrfmiddlewaretoken": token, "bizNo": action.partner_ref, "phone": phone, "pin": pin},
        allow_redirects=False,
        headers={"Referer": action.url},
        timeout=10,
    )


def test_pay_on_the_cashier_page_notify_status_then_void(dana, notify):
    req, action = start(dana, notify, 25_000)
    assert "/sandbox/dana/m/portal/cashier/checkout?bizNo=" in action.url and action.partner_ref
    page = requests.get(action.url, timeout=5)
    assert "083811223355" in page.text and "181818" in page.text and "Rp 25.000" in page.text

    wrong = pay_on_page(action, pin="000000")
    assert wrong.status_code == 200 and "incorrect" in wrong.text
    assert dana.fetch_status(txid=req.order.txid, partner_ref=action.partner_ref, amount=25_000).status is (
        PartnerStatus.PENDING
    )

    done = pay_on_page(action)
    assert done.status_code == 302 and done.headers["Location"] == req.order.return_url
    (received,) = notifications(notify, req.order.txid, 1)
    event = parse(dana, received)
    assert (event.txid, event.status, event.amount, event.partner_ref) == (
        req.order.txid,
        PartnerStatus.SUCCEEDED,
        25_000,
        action.partner_ref,
    )

    status = dana.fetch_status(txid=req.order.txid, partner_ref=action.partner_ref, amount=25_000)
    assert status.status is PartnerStatus.SUCCEEDED and status.amount == 25_000 and status.paid_at

    result = dana.cancel(cancel_request(req.order.txid, action.partner_ref, paid_at=status.paid_at))
    assert result.kind == "void"
    after = dana.fetch_status(txid=req.order.txid, partner_ref=action.partner_ref, amount=25_000)
    assert after.status is PartnerStatus.CANCELLED


def test_cancel_link_on_the_page(dana, notify):
    req, action = start(dana, notify, 31_000)
    resp = pay_on_page(action, cancel=True)
    assert resp.status_code == 302 and resp.headers["Location"] == req.order.return_url
    (received,) = notifications(notify, req.order.txid, 1)
    assert parse(dana, received).status is PartnerStatus.CANCELLED


def test_partial_and_late_cancels_are_online_refunds(dana, notify, sandbox_server):
    req, action = start(dana, notify, 50_000)
    simulate(sandbox_server, req.order.txid, "success")
    paid_at = datetime.now(UTC)
    partial = cancel_request(req.order.txid, action.partner_ref, amount=20_000, total=50_000, paid_at=paid_at)
    first = dana.cancel(partial)
    assert first.kind == "refund" and first.partner_cancel_ref
    assert dana.cancel(partial).partner_cancel_ref == first.partner_cancel_ref  # idempotent repeat
    with pytest.raises(PartnerDeclined) as exc:
        dana.cancel(
            cancel_request(
                req.order.txid,
                action.partner_ref,
                amount=40_000,
                total=50_000,
                already=20_000,
                paid_at=paid_at,
            )
        )
    assert exc.value.code == "4035802"
    # a full cancel more than 24 h after payment is a refund too (the sandbox paid just now, so the
    # adapter's choice is what is checked here)
    late = cancel_request(
        req.order.txid,
        action.partner_ref,
        amount=30_000,
        total=50_000,
        already=20_000,
        paid_at=paid_at - timedelta(hours=25),
    )
    assert dana.cancel(late).kind == "refund"


@pytest.mark.parametrize(
    ("amount", "outcome", "status", "copies"),
    [
        (10_000, "success", PartnerStatus.SUCCEEDED, 1),
        (10_000, "decline", PartnerStatus.CANCELLED, 1),
        (10_000, "expire", PartnerStatus.EXPIRED, 1),
        (10_000, "cancel", PartnerStatus.CANCELLED, 1),
        (10_901, "success", PartnerStatus.CANCELLED, 1),  # DANA's decline is a "05"
        (10_902, "success", PartnerStatus.EXPIRED, 1),
        (10_903, "success", PartnerStatus.CANCELLED, 1),
        (10_905, "success", PartnerStatus.PENDING, 0),
        (205_502, "success", PartnerStatus.PENDING, 0),  # DANA UAT: stays "paying"
        (10_906, "success", PartnerStatus.SUCCEEDED, 0),
        (10_907, "success", PartnerStatus.SUCCEEDED, 2),
    ],
)
def test_outcomes_and_triggers(dana, notify, sandbox_server, amount, outcome, status, copies):
    req, action = start(dana, notify, amount)
    simulate(sandbox_server, req.order.txid, outcome)
    got = notifications(notify, req.order.txid, max(copies, 1), wait=2 if copies else 0.5)
    assert len(got) == copies
    for received in got:
        event = parse(dana, received)
        assert event.status is status and event.amount == amount
    polled = dana.fetch_status(txid=req.order.txid, partner_ref=action.partner_ref, amount=amount)
    assert polled.status is status
    # a second action changes nothing once final
    if status is not PartnerStatus.PENDING:
        simulate(sandbox_server, req.order.txid, "success")
        assert len(notifications(notify, req.order.txid, copies + 1, wait=0.5)) == copies


def test_908_notification_has_a_bad_signature(dana, notify, sandbox_server):
    req, _ = start(dana, notify, 10_908)
    simulate(sandbox_server, req.order.txid, "success")
    (received,) = notifications(notify, req.order.txid, 1)
    with pytest.raises(InvalidSignature):
        parse(dana, received)


def test_909_create_call_is_a_partner_error(dana, notify):
    with pytest.raises(PartnerUnavailable):
        start(dana, notify, 10_909)


@pytest.mark.parametrize(
    ("amount", "code"), [(435_415, "4035415"), (445_408, "4045408"), (21_000_000, "4035402")]
)
def test_dana_uat_amounts(dana, notify, amount, code):
    with pytest.raises(PartnerDeclined) as exc:
        start(dana, notify, amount)
    assert exc.value.code == code


def test_repeated_create_is_idempotent(dana, notify):
    req, first = start(dana, notify, 12_000)
    again = dana.start_payment(replace(req, order=replace(req.order, notify_url=notify.url)))
    assert again.partner_ref == first.partner_ref
    with pytest.raises(PartnerDeclined) as exc:
        dana.start_payment(replace(req, order=replace(req.order, amount=13_000)))
    assert exc.value.code == "4045418"


def test_status_of_an_order_dana_never_saw_stays_pending(dana):
    result = dana.fetch_status(txid=payment().order.txid, partner_ref="", amount=1_000)
    assert result.status is PartnerStatus.PENDING and result.raw_status == "07"


def test_sandbox_refuses_a_wrong_merchant_key(dana, notify):
    other = DanaAdapter(
        config=replace(
            dana.config, credentials={**dana.config.credentials, "private_key": _other_private_key()}
        ),
        http=dana.http,
    )
    with pytest.raises(PartnerDeclined) as exc:
        start(other, notify, 10_000)
    assert exc.value.code == "4015400"


def test_cashier_for_an_unknown_order(sandbox_server):
    r = requests.get(f"{sandbox_server.url}/sandbox/dana/m/portal/cashier/checkout?bizNo=nope", timeout=5)
    assert r.status_code == 404 and "not found" in r.text


def _other_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_dana_closing_hour_refuses_cancel_and_refund(dana, notify, sandbox_server, settings):
    """DANA refuses cancels and refunds 00:00-01:00 WIB; its answer reaches the gateway as a refusal
    with DANA's words, and nothing at DANA changes. The hour is made "now" so the test runs any time
    (the adapter's own check of the hour, which would refuse first, is off here: the suite's
    DANA_CANCEL_CLOSED_HOURS is empty; tests/providers/dana/test_transformers.py pins it)."""
    req, action = start(dana, notify, 40_000)
    simulate(sandbox_server, req.order.txid, "success")
    paid_at = datetime.now(UTC)
    hour = datetime.now(UTC).astimezone(JAKARTA).hour
    settings.SANDBOX_DANA_CLOSED_HOURS = [hour, (hour + 1) % 24]  # a run at hh:59:59 still lands inside
    full = cancel_request(req.order.txid, action.partner_ref, amount=40_000, total=40_000, paid_at=paid_at)
    partial = cancel_request(req.order.txid, action.partner_ref, amount=1_000, total=40_000, paid_at=paid_at)
    for attempt in (full, partial):
        with pytest.raises(PartnerDeclined) as exc:
            dana.cancel(attempt)
        assert exc.value.code in ("4035715", "4035815")
        assert "00:00 and 01:00" in str(exc.value)
    assert dana.fetch_status(txid=req.order.txid, partner_ref=action.partner_ref, amount=40_000).status is (
        PartnerStatus.SUCCEEDED
    )
    settings.SANDBOX_DANA_CLOSED_HOURS = []
    assert dana.cancel(full).kind == "void"
