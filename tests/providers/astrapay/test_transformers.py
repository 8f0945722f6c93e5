"""AstraPay transformers: pure, driven by payload fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from providers.astrapay import transformers as t
from providers.astrapay.adapter import AstraPayAdapter
from providers.base import signing
from providers.base.errors import InvalidPayload, InvalidSignature, UnknownStatus
from providers.base.types import CancelRequest, PartnerStatus

from .helpers import fixture, link_request, order

SECRET = AstraPayAdapter.default_credentials["client_secret"]
PATH = "/partners/ASTR/notify"
SENT = datetime(2026, 11, 22, 5, 31, 6, tzinfo=UTC)  # the X-TIMESTAMP of signed() below
FRESH = {"now": SENT + timedelta(seconds=40), "window": 900}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00", PartnerStatus.SUCCEEDED),
        ("01", PartnerStatus.PENDING),
        ("02", PartnerStatus.PENDING),
        ("03", PartnerStatus.PENDING),
        ("04", PartnerStatus.REFUNDED),
        ("05", PartnerStatus.CANCELLED),
        ("06", PartnerStatus.FAILED),
        ("07", PartnerStatus.PENDING),
    ],
)
def test_every_documented_status_maps(raw, expected):
    assert t.map_status(raw) is expected


def test_cancelled_by_expiry_is_expired():
    assert t.map_status("05", "Expired") is PartnerStatus.EXPIRED
    assert t.map_status("05", "Canceled") is PartnerStatus.CANCELLED


@pytest.mark.parametrize("raw", ["08", "", None, "SUCCESS", "0"])
def test_unknown_status_is_never_guessed(raw):
    with pytest.raises(UnknownStatus):
        t.map_status(raw)


def test_money_both_ways():
    assert t.money(10_000) == {"value": "10000.00", "currency": "IDR"}
    assert t.parse_money({"value": "10000.00", "currency": "IDR"}) == 10_000
    with pytest.raises(InvalidPayload):
        t.parse_money({"value": "10000.50"})
    with pytest.raises(InvalidPayload):
        t.parse_money({"value": "ten"})


def test_valid_up_to_is_clamped_to_3_15_minutes():
    now = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    assert t.valid_up_to(now + timedelta(hours=5), now) == "2026-11-22T12:15:00+07:00"
    assert t.valid_up_to(now + timedelta(minutes=1), now) == "2026-11-22T12:03:00+07:00"
    assert t.valid_up_to(now + timedelta(minutes=10), now) == "2026-11-22T12:10:00+07:00"


def test_payment_body():
    o = order(25_000)
    body = t.payment_body(o, "MCH1", datetime.now(UTC))
    assert body["partnerReferenceNo"] == o.txid
    assert body["amount"] == {"value": "25000.00", "currency": "IDR"}
    assert body["additionalInfo"]["description"] == "Helm"
    assert body["urlParams"][0] == {"url": o.return_url, "type": "PAY_RETURN", "isDeeplink": "N"}


def test_binding_and_refund_bodies():
    req = link_request()
    body = t.binding_body(req, "MCH1")
    assert body["additionalInfo"]["finishBindingUrl"] == req.finish_url
    assert body["additionalInfo"]["externalUid"] == req.external_uid and body["phoneNo"] == req.phone
    refund = t.refund_body(CancelRequest("T" * 30, "INV/1", 5_000, 25_000, 0, None, "cx1"))
    assert refund["refundAmount"] == {"value": "5000.00", "currency": "IDR"}
    assert refund["partnerRefundNo"] == "cx1" and refund["originalReferenceNo"] == "INV/1"


def signed(body: dict, secret: str = SECRET, path: str = PATH) -> tuple[dict, bytes]:
    raw = json.dumps(body).encode()  # not minified on purpose: we verify the minified form
    ts = "2026-11-22T12:31:06+07:00"
    sig = signing.snap_hmac512_signature(secret, "POST", path, "tok123", signing.minify(body), ts)
    return {"authorization": "Bearer tok123", "x-timestamp": ts, "x-signature": sig}, raw


def test_payment_notification_verifies_and_normalises():
    headers, raw = signed(fixture("notify_success.json"))
    data = t.verify_notification(headers, raw, PATH, SECRET, **FRESH)
    event = t.parse_notification(data)
    assert event.txid == "IONPAYTEST05202611221230001234" and event.kind == "payment"
    assert event.status is PartnerStatus.SUCCEEDED and event.amount == 25_000
    assert event.partner_ref == "INV/PAC/ONP/261122123000123456"
    assert event.reply[0] == 200 and json.loads(event.reply[2])["responseCode"] == "2005600"
    assert not event.needs_confirmation


def test_binding_notification_is_a_link_event():
    headers, raw = signed(fixture("notify_binding.json"))
    event = t.parse_notification(t.verify_notification(headers, raw, PATH, SECRET, **FRESH))
    assert event.kind == "link" and event.txid == "IONPAYTEST00123456789"
    assert event.status is PartnerStatus.SUCCEEDED and event.partner_ref == "BND261122123000123456"


@pytest.mark.parametrize("mutate", ["secret", "path", "body", "missing"])
def test_bad_signatures_are_refused(mutate):
    body = fixture("notify_success.json")
    headers, raw = signed(body, secret="wrong" if mutate == "secret" else SECRET)
    path = "/partners/ASTR/other" if mutate == "path" else PATH
    if mutate == "body":
        raw = raw.replace(b"25000.00", b"25.00")
    if mutate == "missing":
        headers.pop("x-signature")
    with pytest.raises(InvalidSignature):
        t.verify_notification(headers, raw, path, SECRET, **FRESH)


def test_garbled_notifications_are_invalid_payloads():
    with pytest.raises(InvalidPayload):
        t.verify_notification({}, b"not json", PATH, SECRET, **FRESH)
    headers, raw = signed({"hello": "world"})
    with pytest.raises(InvalidPayload):
        t.parse_notification(t.verify_notification(headers, raw, PATH, SECRET, **FRESH))
    bad = fixture("notify_success.json") | {"latestTransactionStatus": "42"}
    headers, raw = signed(bad)
    with pytest.raises(UnknownStatus):
        t.parse_notification(t.verify_notification(headers, raw, PATH, SECRET, **FRESH))


def test_status_parsing():
    ok = t.parse_status(fixture("status_success.json"))
    assert ok["status"] is PartnerStatus.SUCCEEDED and ok["amount"] == 25_000 and ok["paid_at"] is not None
    expired = t.parse_status(fixture("status_expired.json"))
    assert expired["status"] is PartnerStatus.EXPIRED and expired["paid_at"] is None
