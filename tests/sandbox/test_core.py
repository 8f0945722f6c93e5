"""The helpers every simulated partner shares, the pay-later APIs refusing garbled amounts in their
own error format (never a 500), and the OVO app's stage OTP."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from providers.sandbox import triggers
from providers.sandbox.core import items_total, lapse, whole_amount, with_query
from providers.sandbox.indodana import state as indodana
from providers.sandbox.kredivo import state as kredivo
from providers.sandbox.models import SandboxOrder


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10000", 10_000),
        ("10000.00", 10_000),
        (10_000, 10_000),
        (" 5 ", 5),
        ("10000.50", None),
        ("NaN", None),
        ("sNaN", None),
        ("Infinity", None),
        ("-Infinity", None),
        ("abc", None),
        (None, None),
        ("", None),
    ],
)
def test_whole_amount(value, expected):
    assert whole_amount(value) == expected


def test_items_total():
    lines = [
        {"id": "a", "price": "1000.00", "quantity": 2},
        {"id": "b", "price": 500},
        {"id": "discount", "price": 300, "quantity": 1},
    ]
    assert items_total(lines) == 2_200
    assert items_total([*lines[:2], {"id": "discount", "price": -300}]) == 2_200  # either sign
    assert items_total([{"id": "a", "price": "0.5"}]) is None
    assert items_total([{"id": "a", "price": "Infinity"}]) is None
    assert items_total([{"id": "a", "price": "sNaN"}]) is None
    assert items_total([{"price": 1}]) is None
    assert items_total(["x"]) is None


def test_with_query():
    assert with_query("http://h/back", {"a": "1 2"}) == "http://h/back?a=1+2"
    assert with_query("http://h/back?x=1", {"a": "b"}) == "http://h/back?x=1&a=b"


def test_effective_outcome():
    assert triggers.effective(10_901) == triggers.DECLINE
    assert triggers.effective(10_000) == triggers.SUCCESS
    assert triggers.effective(10_905, triggers.EXPIRE) == triggers.EXPIRE  # explicit outcome wins


@pytest.mark.django_db
def test_lapse_only_an_unfinished_open_order():
    past = timezone.now() - timedelta(seconds=1)
    due = SandboxOrder.objects.create(partner="t", ref="1", amount=1, state="open", expires_at=past)
    done = SandboxOrder.objects.create(
        partner="t", ref="2", amount=1, state="open", expires_at=past, data={"finished": True}
    )
    later = SandboxOrder.objects.create(
        partner="t", ref="3", amount=1, state="open", expires_at=past + timedelta(hours=1)
    )
    assert lapse(due, open_state="open", lapsed="gone") == "gone"
    assert SandboxOrder.objects.get(pk=due.pk).state == "gone"
    assert lapse(done, open_state="open", lapsed="gone") == "open"
    assert lapse(later, open_state="open", lapsed="gone") == "open"


def _paid(partner: str, state: str, data: dict) -> SandboxOrder:
    return SandboxOrder.objects.create(
        partner=partner, ref=f"{partner}-ref", merchant_ref="TX1", amount=50_000, state=state, data=data
    )


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["Infinity", "NaN", "sNaN", "10.5", "-5"])
def test_kredivo_cancel_refuses_a_garbled_amount(client, amount):
    _paid(kredivo.SLUG, kredivo.SETTLEMENT, {"transaction_id": "KRD1", "cancellations": []})
    body = {
        "server_key": kredivo.SERVER_KEY,
        "order_id": "TX1",
        "transaction_id": "KRD1",
        "cancellation_id": "c1",
        "cancellation_amount": amount,
    }
    resp = client.post(
        "/sandbox/kredivo/kredivo/v2/cancel_transaction", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 200  # Kredivo answers application errors with HTTP 200
    assert resp.json()["status"] == "ERROR"
    assert SandboxOrder.objects.get(partner=kredivo.SLUG).state == kredivo.SETTLEMENT


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["Infinity", "NaN", "sNaN", "10.5"])
def test_indodana_cancel_refuses_a_garbled_amount(client, amount):
    _paid(indodana.SLUG, indodana.PAID, {"refunds": []})
    body = {"merchantOrderId": "TX1", "refundId": "r1", "cancellationAmount": amount}
    resp = client.post(
        "/sandbox/indodana/chermes/merchant/v3/order_cancellation",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=indodana.bearer(),
    )
    assert resp.status_code == 422 and resp.json()["error"]["kind"] == "VALIDATION_ERROR"
    assert SandboxOrder.objects.get(partner=indodana.SLUG).state == indodana.PAID


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity"])
def test_checkouts_refuse_a_garbled_amount(client, amount):
    items = [{"id": "a", "name": "A", "price": amount, "quantity": 1}]
    urls = {"push_uri": "http://x/n", "back_to_store_uri": "http://x/b"}
    kbody = {
        "server_key": kredivo.SERVER_KEY,
        "transaction_details": {"order_id": "K1", "amount": amount, "items": items},
        **urls,
    }
    resp = client.post(
        "/sandbox/kredivo/kredivo/v2/checkout_url", json.dumps(kbody), content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "ERROR"
    ibody = {
        "transactionDetails": {"merchantOrderId": "I1", "amount": amount, "items": items},
        "approvedNotificationUrl": "http://x/n",
        "backToStoreUrl": "http://x/b",
    }
    resp = client.post(
        "/sandbox/indodana/chermes/merchant/v2/checkout_url",
        json.dumps(ibody),
        content_type="application/json",
        HTTP_AUTHORIZATION=indodana.bearer(),
    )
    assert resp.status_code == 422
    assert not SandboxOrder.objects.exists()


@pytest.mark.django_db
def test_indodana_checkout_refuses_a_naive_expiration(client):
    items = [{"id": "a", "name": "A", "price": 50_000, "quantity": 1}]
    body = {
        "transactionDetails": {"merchantOrderId": "I2", "amount": 50_000, "items": items},
        "approvedNotificationUrl": "http://x/n",
        "backToStoreUrl": "http://x/b",
        "expirationAt": "2030-01-01T00:00:00",
    }
    resp = client.post(
        "/sandbox/indodana/chermes/merchant/v2/checkout_url",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=indodana.bearer(),
    )
    assert resp.status_code == 422 and "offset" in json.dumps(resp.json())


def _ovo_push(phone: str, ref: str = "push-1") -> SandboxOrder:
    from providers.sandbox.ovo import state as ovo

    return SandboxOrder.objects.create(
        partner=ovo.SLUG,
        ref=ref,
        merchant_ref=f"TX-{ref}",
        amount=10_000,
        state=ovo.PENDING,
        expires_at=timezone.now() + timedelta(seconds=60),
        data={"phone": phone},
    )


@pytest.mark.django_db
def test_ovo_app_approves_only_with_the_stage_otp(client):
    from providers.sandbox.ovo import state as ovo

    phone = "081234567812"
    push = _ovo_push(phone)
    url = f"/sandbox/ovo/ovo-sim/{phone}/push-1/approve"
    for wrong in ("1234", "78120"):
        resp = client.post(url, {"otp": wrong})
        assert resp.status_code == 302 and resp["Location"].endswith("?error=otp&ref=push-1")
    push.refresh_from_db()
    assert push.state == ovo.PENDING
    page = client.get(resp["Location"])
    assert "1 attempt left." in page.content.decode()
    resp = client.post(url, {"otp": "7812"})  # the last 4 digits of the phone
    assert resp.status_code == 302 and resp["Location"].endswith("?done=approved")
    push.refresh_from_db()
    assert push.state == ovo.APPROVED and push.data["rc"] == "00"


@pytest.mark.django_db
def test_ovo_app_declines_the_push_after_three_wrong_codes(client):
    from providers.sandbox.ovo import state as ovo

    phone = "081234567813"
    push = _ovo_push(phone, "push-2")
    url = f"/sandbox/ovo/ovo-sim/{phone}/push-2/approve"
    answers = [client.post(url, {"otp": wrong})["Location"] for wrong in ("1111", "2222", "3333")]
    assert answers[-1].endswith("?error=locked")
    push.refresh_from_db()
    assert push.state == ovo.DECLINED and push.data["rc"] == "17"
    assert client.post(url, {"otp": "7813"})["Location"].endswith("?error=late")  # the right one, too late
    push.refresh_from_db()
    assert push.state == ovo.DECLINED
