"""Simulated partner notifications carry what the real ones do: every copy signed as it leaves, with
a fresh timestamp (DANA, AstraPay) and, for Indodana, a nonce that never repeats."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import pytest
from django.utils import timezone

from providers.sandbox import snap
from providers.sandbox.astrapay import snap as astrapay_snap
from providers.sandbox.astrapay import state as astrapay
from providers.sandbox.dana import snap as dana_snap
from providers.sandbox.dana import state as dana
from providers.sandbox.indodana import state as indodana
from providers.sandbox.models import SandboxOrder
from providers.sandbox.triggers import SUCCESS
from tests.sandbox.partners import order as partner_order

TWICE = 10_907  # the trigger that sends a notification twice
WINDOW = 60  # seconds: "fresh"


def _row(partner: str, ref: str, state: str, **data: object) -> SandboxOrder:
    return partner_order(partner, ref, state, TWICE, **data)


def _fresh(stamp: str) -> bool:
    return abs((datetime.fromisoformat(stamp) - timezone.now()).total_seconds()) < WINDOW


def _arrived(receiver, marker: str, count: int = 2) -> list:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = [r for r in receiver.received if marker.encode() in r.body]
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{count} notifications for {marker} did not arrive")


@pytest.mark.django_db
def test_dana_signs_each_copy_with_a_fresh_timestamp(receiver) -> None:
    receiver.reset()
    order = _row(
        "dana", f"2026{uuid.uuid4().int % 10**20:020d}", dana.INIT, return_url="x", notify_url=receiver.url
    )
    dana.customer_outcome(order, SUCCESS)
    copies = _arrived(receiver, order.merchant_ref)
    dana_public = (dana_snap.KEYS / "dana_public.pem").read_bytes()
    for copy in copies:
        ts = copy.headers["X-TIMESTAMP"]
        assert _fresh(ts), ts
        message = snap.asymmetric_string("POST", "/notify", copy.body, ts)
        assert snap.rsa_verify(dana_public, message, copy.headers["X-SIGNATURE"])
        assert json.loads(copy.body)["latestTransactionStatus"] == "00"


@pytest.mark.django_db
def test_astrapay_signs_each_copy_with_its_own_timestamp_token_and_external_id(receiver, settings) -> None:
    receiver.reset()
    settings.SANDBOX_GATEWAY_BASE_URL = receiver.url.rsplit("/", 1)[0]
    order = _row(
        "astrapay",
        str(uuid.uuid4()),
        astrapay.INITIATED,
        kind="payment",
        referenceNo="INV/PAC/ONP/1",
        refunds=[],
        refunded=0,
        returnUrl="x",
        binding="",
    )
    astrapay.settle(order, astrapay.SUCCESS)
    copies = _arrived(receiver, order.merchant_ref)
    assert len({c.headers["X-EXTERNAL-ID"] for c in copies}) == 2  # unique per request, as SNAP asks
    assert len({c.headers["Authorization"] for c in copies}) == 2
    for copy in copies:
        ts, token = copy.headers["X-TIMESTAMP"], snap.bearer(copy.headers["Authorization"])
        assert _fresh(ts), ts
        expected = snap.symmetric_signature(
            astrapay_snap.CLIENT_SECRET, "POST", astrapay.NOTIFY_PATH, token, copy.body, ts
        )
        assert copy.headers["X-SIGNATURE"] == expected


@pytest.mark.django_db
def test_indodana_nonces_are_fresh_and_never_repeat(receiver) -> None:
    receiver.reset()
    orders = [
        _row(
            "indodana",
            str(uuid.uuid4()),
            indodana.INITIATED,
            paymentType="30_days",
            approvedNotificationUrl=receiver.url,
            backToStoreUrl="x",
            refunds=[],
        )
        for _ in range(2)
    ]
    for order in orders:  # two orders in the same second, each notified twice
        indodana.ORDERS.finish(order, SUCCESS)
    nonces = []
    for order in orders:
        for copy in _arrived(receiver, order.merchant_ref):
            scheme, _, token = copy.headers["Authorization"].partition(" ")
            key, nonce, signature = token.split(":")
            assert scheme == "Bearer" and key == indodana.API_KEY
            assert signature == indodana.bearer(nonce=int(nonce)).rsplit(":", 1)[1]  # signed with the secret
            assert abs(int(nonce) - time.time()) < WINDOW
            nonces.append(int(nonce))
    assert len(set(nonces)) == 4 and nonces == sorted(nonces)
