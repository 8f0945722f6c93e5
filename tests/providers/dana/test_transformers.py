"""DANA transformers and the pure adapter parts: money, statuses, SNAP signatures, cancel rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from providers import registry
from providers.base import signing
from providers.base.errors import CancelNotAllowed, InvalidPayload, InvalidSignature, UnknownStatus
from providers.base.http import HttpClient
from providers.base.types import PartnerConfig, PartnerStatus
from providers.dana import sandbox_keys
from providers.dana import transformers as tf
from providers.dana.adapter import DanaAdapter
from providers.sandbox.dana import snap as dana_side

from .helpers import NOTIFY_PATH, cancel_request, fixture, fixture_bytes, payment


def adapter() -> DanaAdapter:
    config = PartnerConfig("DANA", "http://dana.test", DanaAdapter.default_credentials)
    return DanaAdapter(config=config, http=HttpClient())


def signed_headers(body: bytes, path: str = NOTIFY_PATH) -> dict[str, str]:
    ts = signing.snap_timestamp_wib()  # now: a notification's time is checked (freshness)
    return {
        "X-TIMESTAMP": ts,
        "X-SIGNATURE": dana_side.sign_as_dana(path, body, ts),
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize(
    ("amount", "value"), [(1, "1.00"), (25_000, "25000.00"), (20_000_000, "20000000.00")]
)
def test_money_round_trip_in_integers(amount, value):
    assert tf.money(amount) == {"value": value, "currency": "IDR"}
    assert tf.parse_money(tf.money(amount)) == amount


@pytest.mark.parametrize(
    "bad",
    [
        {"value": "10000.5", "currency": "IDR"},
        {"value": "10000.50", "currency": "IDR"},
        {"value": 10000, "currency": "IDR"},
        {"value": "1e4", "currency": "IDR"},
        None,
    ],
)
def test_bad_money_is_refused(bad):
    with pytest.raises(InvalidPayload):
        tf.parse_money(bad)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("00", PartnerStatus.SUCCEEDED),
        ("01", PartnerStatus.PENDING),
        ("02", PartnerStatus.PENDING),
        ("05", PartnerStatus.CANCELLED),
        ("07", PartnerStatus.PENDING),
    ],
)
def test_every_documented_status_is_mapped(raw, status):
    assert tf.map_status(raw) is status


def test_map_has_exactly_the_documented_codes():
    assert set(tf.STATUS_MAP) == {"00", "01", "02", "05", "07"}


@pytest.mark.parametrize("raw", ["03", "06", "", "SUCCESS"])
def test_unknown_status_is_never_guessed(raw):
    with pytest.raises(UnknownStatus):
        tf.map_status(raw)


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("EXPIRED", PartnerStatus.EXPIRED),
        ("USER_CANCEL", PartnerStatus.CANCELLED),
        ("RISK_REJECT", PartnerStatus.CANCELLED),
        ("", PartnerStatus.CANCELLED),
    ],
)
def test_closed_reason_tells_expiry_apart(reason, status):
    assert tf.map_closed("05", reason) is status
    assert tf.map_closed("00", reason) is PartnerStatus.SUCCEEDED


def test_create_body():
    req = payment(25_000, hours=24 * 10)  # asks for 10 days; DANA allows 7
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    body = tf.create_order_body(req.order, merchant_id="M1", now=now)
    assert body["partnerReferenceNo"] == req.order.txid
    assert body["amount"] == {"value": "25000.00", "currency": "IDR"}
    assert body["validUpTo"] == "2026-11-29T19:00:00+07:00"
    assert body["urlParams"] == [
        {"url": req.order.return_url, "type": "PAY_RETURN", "isDeeplink": "N"},
        {"url": req.order.notify_url, "type": "NOTIFICATION", "isDeeplink": "N"},
    ]
    assert body["additionalInfo"]["order"]["scenario"] == "REDIRECT"


def test_snap_signature_round_trip_between_adapter_and_sandbox():
    body = signing.minify({"partnerReferenceNo": "X", "amount": tf.money(10)})
    path, ts = "/payment-gateway/v1.0/debit/payment-host-to-host.htm", "2026-11-22T19:30:12+07:00"
    sig = signing.snap_rsa_signature(sandbox_keys.MERCHANT_PRIVATE_KEY, "POST", path, body, ts)
    assert dana_side.verify_merchant(path, body, ts, sig)
    assert not dana_side.verify_merchant(path, body + b" ", ts, sig)
    assert not dana_side.verify_merchant(path, body, "2026-11-22T19:30:13+07:00", sig)
    dana_sig = dana_side.sign_as_dana(path, body, ts)
    assert signing.snap_rsa_verify(sandbox_keys.DANA_PUBLIC_KEY, "POST", path, body, ts, dana_sig)
    assert not signing.snap_rsa_verify(sandbox_keys.DANA_PUBLIC_KEY, "POST", path, body, ts, sig)


def test_snap_headers():
    h = signing.snap_headers(
        partner_id="P", external_id="E", timestamp="T", signature="S", channel_id="95221", origin="https://o"
    )
    assert h == {
        "Content-Type": "application/json",
        "X-TIMESTAMP": "T",
        "X-SIGNATURE": "S",
        "X-PARTNER-ID": "P",
        "X-EXTERNAL-ID": "E",
        "CHANNEL-ID": "95221",
        "ORIGIN": "https://o",
    }


def test_paid_notification_is_verified_and_normalised():
    body = fixture_bytes("finish_notify_paid.json")
    event = adapter().parse_callback(headers=signed_headers(body), body=body, path=NOTIFY_PATH)
    assert event.txid == "IONPAYTEST05202611221930120001"
    assert event.partner_ref == "2026112211121234567890123456"
    assert (event.status, event.raw_status, event.amount) == (PartnerStatus.SUCCEEDED, "00", 25_000)
    assert event.reply == (
        200,
        "application/json",
        '{"responseCode":"2005600","responseMessage":"Successful"}',
    )
    assert not event.needs_confirmation


def test_expired_notification_and_wsgi_style_headers():
    body = fixture_bytes("finish_notify_expired.json")
    meta = {f"HTTP_{k.replace('-', '_').upper()}": v for k, v in signed_headers(body).items()}
    event = adapter().parse_callback(headers=meta, body=body, path=NOTIFY_PATH)
    assert event.status is PartnerStatus.EXPIRED and event.amount == 40_902


def test_idempotency_key_is_stable_per_event():
    body = fixture_bytes("finish_notify_paid.json")
    a = adapter().parse_callback(headers=signed_headers(body), body=body, path=NOTIFY_PATH)
    b = adapter().parse_callback(headers=signed_headers(body), body=body, path=NOTIFY_PATH)
    assert a.idempotency_key == b.idempotency_key


@pytest.mark.parametrize("tamper", ["body", "path", "signature", "missing"])
def test_bad_signature_is_refused(tamper):
    body = fixture_bytes("finish_notify_paid.json")
    headers = signed_headers(body)
    path = NOTIFY_PATH
    if tamper == "body":
        body = body.replace(b"25000.00", b"2500.00")
    elif tamper == "path":
        path = "/partners/OVOE/notify"
    elif tamper == "signature":
        headers["X-SIGNATURE"] = signed_headers(b"{}")["X-SIGNATURE"]
    else:
        del headers["X-SIGNATURE"]
    with pytest.raises(InvalidSignature):
        adapter().parse_callback(headers=headers, body=body, path=path)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"latestTransactionStatus":"00"}',
        b'{"originalPartnerReferenceNo":"T","latestTransactionStatus":"99","amount":{"value":"1.00","currency":"IDR"}}',
    ],
)
def test_garbled_notification_is_invalid_payload(body):
    with pytest.raises(InvalidPayload):
        adapter().parse_callback(headers=signed_headers(body), body=body, path=NOTIFY_PATH)


def test_status_fixture_parses():
    data = fixture("status_response_paying.json")
    assert tf.map_closed(data["latestTransactionStatus"], tf.closed_reason(data)) is PartnerStatus.PENDING
    assert tf.parse_money(data["amount"]) == 205_502


JKT_NOON = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta


def test_cancel_rules():
    a = adapter()
    paid = JKT_NOON - timedelta(hours=2)
    a.check_cancel(cancel_request("T", paid_at=paid), now=JKT_NOON)
    assert a.is_void(cancel_request("T", paid_at=paid), JKT_NOON)
    assert a.is_void(cancel_request("T", paid_at=None), JKT_NOON)  # before payment: close the order
    late = JKT_NOON - timedelta(hours=25)
    a.check_cancel(cancel_request("T", paid_at=late), now=JKT_NOON)
    assert not a.is_void(cancel_request("T", paid_at=late), JKT_NOON)  # > 24 h: online refund
    partial = cancel_request("T", amount=5_000, paid_at=paid)
    a.check_cancel(partial, now=JKT_NOON)
    assert not a.is_void(partial, JKT_NOON)  # partial: always a refund
    with pytest.raises(CancelNotAllowed, match="30 days"):
        a.check_cancel(cancel_request("T", paid_at=JKT_NOON - timedelta(days=31)), now=JKT_NOON)
    for minute in (0, 30, 59):  # 00:00-01:00 Jakarta = 17:00-18:00 UTC
        with pytest.raises(CancelNotAllowed, match="00:00"):
            a.check_cancel(
                cancel_request("T", paid_at=paid), now=datetime(2026, 11, 22, 17, minute, tzinfo=UTC)
            )
    a.check_cancel(cancel_request("T", paid_at=paid), now=datetime(2026, 11, 22, 18, 0, tzinfo=UTC))


def test_class_attributes():
    assert (DanaAdapter.mitra_cd, DanaAdapter.slug, DanaAdapter.env_prefix) == ("DANA", "dana", "DANA")
    partner = registry.partner("DANA")
    assert partner.expiry_seconds == 24 * 3600 and partner.cancel.partial


def test_cancel_closed_hours_follow_the_configuration():
    """DANA's published closing hour is the default; an operator can move it when DANA does."""
    at_half_past_midnight = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # 00:30 WIB
    at_two = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # 02:00 WIB
    paid = at_half_past_midnight - timedelta(hours=1)
    moved = DanaAdapter(config=replace(adapter().config, cancel_closed_hours=(2,)), http=HttpClient())
    moved.check_cancel(cancel_request("T", paid_at=paid), now=at_half_past_midnight)
    with pytest.raises(CancelNotAllowed, match="02:00 and 03:00"):
        moved.check_cancel(cancel_request("T", paid_at=paid), now=at_two)
    with pytest.raises(CancelNotAllowed, match="00:00 and 01:00"):
        adapter().check_cancel(cancel_request("T", paid_at=paid), now=at_half_past_midnight)
