"""The OVO adapter against the simulated OVO over real HTTP (in-process live server)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import requests

from providers.base.errors import PartnerDeclined
from providers.base.types import PartnerStatus
from providers.registry import get_adapter
from providers.sandbox.models import SandboxOrder

from .helpers import cancel_request, payment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ovo(sandbox_server, settings):
    settings.SANDBOX_OVO_PUSH_TIMEOUT = 2  # nothing waits long
    return get_adapter("OVOE")


def push_in_background(adapter, req):
    box: dict = {}

    def run():
        try:
            box["result"] = adapter.complete_push(req)
        except Exception as exc:  # noqa: BLE001
            box["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    return t, box


def wait_for_push(txid: str, timeout: float = 5) -> SandboxOrder:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        order = SandboxOrder.objects.filter(partner="ovo", merchant_ref=txid).first()
        if order is not None:
            return order
        time.sleep(0.05)
    raise AssertionError("the push never reached the sandbox")


def simulate(server, txid: str, outcome: str) -> dict:
    r = requests.post(f"{server.url}/sandbox/simulate", json={"tXid": txid, "outcome": outcome}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def test_push_approved_in_the_app_is_paid_then_status_and_same_day_void(ovo, sandbox_server):
    req = payment(25_000)
    t, box = push_in_background(ovo, req)
    wait_for_push(req.order.txid)
    assert simulate(sandbox_server, req.order.txid, "success")["state"] == "approved"
    t.join(10)
    result = box["result"]
    assert result.status is PartnerStatus.SUCCEEDED and result.raw_status == "00"
    assert result.amount == 25_000 and result.partner_ref and result.paid_at

    status = ovo.fetch_status(txid=req.order.txid, partner_ref=result.partner_ref, amount=25_000)
    assert status.status is PartnerStatus.SUCCEEDED

    cancel = ovo.cancel(cancel_request(req.order.txid, paid_at=result.paid_at))
    assert cancel.kind == "void"
    assert SandboxOrder.objects.get(partner="ovo", merchant_ref=req.order.txid).state == "voided"


def test_push_declined_by_the_customer(ovo, sandbox_server):
    req = payment(30_000)
    t, box = push_in_background(ovo, req)
    wait_for_push(req.order.txid)
    simulate(sandbox_server, req.order.txid, "decline")
    t.join(10)
    assert box["result"].status is PartnerStatus.CANCELLED and box["result"].raw_status == "17"


def test_no_answer_in_the_window_is_reversed_and_expired(ovo):
    req = payment(40_902)  # …902: nobody answers
    started = time.monotonic()
    result = ovo.complete_push(req)
    assert result.status is PartnerStatus.EXPIRED
    assert time.monotonic() - started < 8
    assert SandboxOrder.objects.get(partner="ovo", merchant_ref=req.order.txid).state == "reversed"
    status = ovo.fetch_status(txid=req.order.txid, partner_ref="", amount=40_902)
    assert status.status is PartnerStatus.EXPIRED


def test_adapter_timeout_sends_the_reversal(ovo, monkeypatch, settings):
    settings.SANDBOX_OVO_PUSH_TIMEOUT = 3
    monkeypatch.setenv("OVO_PUSH_TIMEOUT", "1")  # the adapter gives up before the sandbox answers
    req = payment(12_000, phone="081200000099")  # …0099: the app never answers
    result = ovo.complete_push(req)
    assert result.status is PartnerStatus.EXPIRED
    assert SandboxOrder.objects.get(partner="ovo", merchant_ref=req.order.txid).state == "reversed"


@pytest.mark.parametrize(
    ("phone", "amount", "rc", "status"),
    [
        ("081200000014", 10_000, "14", PartnerStatus.FAILED),
        ("081200000017", 10_000, "17", PartnerStatus.CANCELLED),
        ("081200000026", 10_000, "26", PartnerStatus.FAILED),
        ("081200000051", 10_000, "51", PartnerStatus.FAILED),
        ("081234567890", 10_901, "51", PartnerStatus.FAILED),
        ("081234567890", 10_903, "17", PartnerStatus.CANCELLED),
    ],
)
def test_phone_and_amount_triggers_answer_at_once(ovo, phone, amount, rc, status):
    result = ovo.complete_push(payment(amount, phone=phone))
    assert (result.raw_status, result.status) == (rc, status)
    assert result.message


def test_partner_5xx_is_reversed_and_failed(ovo):
    req = payment(10_909)
    result = ovo.complete_push(req)
    assert result.status is PartnerStatus.FAILED
    assert SandboxOrder.objects.get(partner="ovo", merchant_ref=req.order.txid).state == "reversed"


def test_status_while_waiting_is_pending(ovo, sandbox_server):
    req = payment(15_000)
    t, box = push_in_background(ovo, req)
    wait_for_push(req.order.txid)
    assert (
        ovo.fetch_status(txid=req.order.txid, partner_ref="", amount=15_000).status is PartnerStatus.PENDING
    )
    simulate(sandbox_server, req.order.txid, "expire")
    t.join(10)
    assert box["result"].status is PartnerStatus.EXPIRED


def test_status_of_an_unknown_push_is_pending(ovo):
    assert (
        ovo.fetch_status(txid=payment().order.txid, partner_ref="", amount=1000).status
        is PartnerStatus.PENDING
    )


def test_void_of_an_unpaid_push_is_refused(ovo):
    req = payment(10_000, phone="081200000014")
    ovo.complete_push(req)
    with pytest.raises(PartnerDeclined):
        ovo.cancel(cancel_request(req.order.txid, amount=10_000, total=10_000, paid_at=datetime.now(UTC)))


def test_sandbox_refuses_a_bad_hmac(sandbox_server):
    r = requests.post(
        f"{sandbox_server.url}/sandbox/ovo/pos",
        json={"type": "0100"},
        headers={"app-id": "payloan-sbx", "random": str(int(time.time())), "hmac": "0" * 64},
        timeout=5,
    )
    assert r.status_code == 401 and r.json()["responseCode"] == "63"


def test_sandbox_refuses_a_reused_reference_number(ovo, sandbox_server):
    from providers.base.signing import minify
    from providers.ovo import transformers as tf

    req = payment(10_000, phone="081200000014")
    body = ovo._body(tf.PUSH, txid=req.order.txid, amount=10_000, phone="081200000014")
    headers = tf.auth_headers(ovo.cred("app_id"), ovo.cred("app_key"), str(int(time.time())))
    url = f"{sandbox_server.url}/sandbox/ovo/pos"
    first = requests.post(
        url, data=minify(body), headers={**headers, "Content-Type": "application/json"}, timeout=5
    )
    again = requests.post(
        url, data=minify(body), headers={**headers, "Content-Type": "application/json"}, timeout=5
    )
    assert first.json()["responseCode"] == "14" and again.json()["responseCode"] == "94"


def test_a_duplicate_reference_number_is_retried_with_a_fresh_one(ovo, monkeypatch):
    taken = ovo.clock.next(datetime.now(UTC))
    ovo.complete_push(payment(10_000, phone="081200000014"))  # uses a number after `taken`
    first = SandboxOrder.objects.filter(partner="ovo").order_by("-id").first()
    batch, number = first.ref.split("-")
    answers = iter([(batch, int(number))])  # another process's number, then the clock again
    real = ovo.clock.next
    monkeypatch.setattr(ovo.clock, "next", lambda now: next(answers, None) or real(now))
    result = ovo.complete_push(payment(10_000, phone="081200000051"))
    assert result.raw_status == "51" and taken[1] < int(number)


def test_push_outcome_tells_a_push_never_received_from_one_waiting_on_the_customer(ovo, sandbox_server):
    req = payment(27_000)
    assert ovo.push_outcome(req) is None  # OVO never got it: pushing now is safe
    t, box = push_in_background(ovo, req)
    wait_for_push(req.order.txid)
    held = ovo.push_outcome(req)
    assert held is not None and held.status is PartnerStatus.PENDING and held.raw_status == "09"
    simulate(sandbox_server, req.order.txid, "success")
    t.join(10)
    done = ovo.push_outcome(req)
    assert done.status is PartnerStatus.SUCCEEDED and done.raw_status == "00"
