"""Indodana: the published auth vector, status map, builders, and parsing with canned answers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from providers import registry
from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    InvalidSignature,
    PartnerDeclined,
    PartnerUnavailable,
    UnknownStatus,
)
from providers.base.types import CancelRequest, PartnerStatus, PaymentRequest
from providers.indodana import transformers as t
from providers.indodana.adapter import IndodanaAdapter
from tests.support.paylater_orders import adapter_with, fixture, order

S = PartnerStatus
KEY = IndodanaAdapter.default_credentials["api_key"]
SECRET = IndodanaAdapter.default_credentials["api_secret"]


def test_published_vector():
    # providers.md §2.2, from the official PHP SDK's tests.
    assert t.signature("test", "test", "1585504035") == (
        "68bd864cbad49e039d1d32e23377c002b200f13662f35d88ae2e5edafd76d61a"
    )
    assert t.bearer("test", "test", 1585504035) == (
        "Bearer test:1585504035:68bd864cbad49e039d1d32e23377c002b200f13662f35d88ae2e5edafd76d61a"
    )


def test_verify_bearer():
    good = t.bearer(KEY, SECRET, int(time.time()))
    assert t.verify_bearer(good, KEY, SECRET)
    assert not t.verify_bearer(t.bearer(KEY, "other-secret", 1), KEY, SECRET)
    assert not t.verify_bearer(t.bearer("other-key", SECRET, 1), KEY, SECRET)
    for bad in ("", "Bearer", "Basic abc", f"Bearer {KEY}:notanumber:abc", f"Bearer {KEY}:1"):
        assert not t.verify_bearer(bad, KEY, SECRET)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("INITIATED", S.PENDING),
        ("PENDING", S.PENDING),
        ("PAID", S.SUCCEEDED),
        ("EXPIRED", S.EXPIRED),
        ("REJECTED", S.FAILED),
        ("FAILED", S.FAILED),
        ("CANCELLED", S.CANCELLED),
        ("REFUNDED", S.REFUNDED),
        ("paid", S.SUCCEEDED),
    ],
)
def test_status_map(raw, expected):
    assert t.map_status(raw) is expected


def test_status_map_is_exhaustive_and_strict():
    assert set(t.STATUS_MAP) == {
        "INITIATED",
        "PENDING",
        "PAID",
        "EXPIRED",
        "REJECTED",
        "FAILED",
        "CANCELLED",
        "REFUNDED",
    }
    for raw in ("SETTLED", "", "None"):
        with pytest.raises(UnknownStatus):
            t.map_status(raw)


def test_checkout_body():
    o = order(2_000_000, mitra="IDNA", tenor="12")
    body = t.checkout_body(o)
    assert body["transactionDetails"]["merchantOrderId"] == o.txid and len(o.txid) <= 32
    assert body["transactionDetails"]["amount"] == 2_000_000
    assert t.items_total(body["transactionDetails"]["items"]) == 2_000_000
    assert body["paymentType"] == "12_months"
    assert body["approvedNotificationUrl"] == o.notify_url
    assert body["backToStoreUrl"] == o.return_url
    assert body["cancellationRedirectUrl"] == o.cancel_url
    assert body["expirationAt"].endswith("+07:00")
    assert body["billingAddress"]["postalCode"] == "10210"
    assert body["sellers"][0]["id"] == "SEL1"


def test_start_payment_sends_a_valid_bearer():
    adapter, http = adapter_with(IndodanaAdapter, (200, fixture("indodana", "checkout_ok.json")))
    action = adapter.start_payment(PaymentRequest(order=order(600_000, mitra="IDNA")))
    assert action.partner_ref == "7c1f9a4e-5b7d-4b70-9f6e-3a2d1c0b9e8f"
    call = http.calls[0]
    assert call["url"] == "https://partner.test/chermes/merchant/v2/checkout_url"
    assert t.verify_bearer(call["headers"]["Authorization"], KEY, SECRET)


def test_errors():
    adapter, _ = adapter_with(IndodanaAdapter, (422, fixture("indodana", "error_validation.json")))
    with pytest.raises(PartnerDeclined, match="sum of the items"):
        adapter.start_payment(PaymentRequest(order=order(600_000, mitra="IDNA")))
    adapter, _ = adapter_with(
        IndodanaAdapter, (429, {"status": "ERROR", "error": {"kind": "RATE", "message": "slow"}})
    )
    with pytest.raises(PartnerUnavailable):
        adapter.start_payment(PaymentRequest(order=order(600_000, mitra="IDNA")))
    adapter, _ = adapter_with(IndodanaAdapter, (200, b"<html>"))
    with pytest.raises(PartnerUnavailable):
        adapter.fetch_status(txid="T", partner_ref="", amount=1)


def _notification(secret: str = SECRET) -> tuple[dict, bytes]:
    body = json.dumps(fixture("indodana", "notification_paid.json")).encode()
    return {"Authorization": t.bearer(KEY, secret, int(time.time()))}, body


def test_notification_verified_then_confirmed():
    adapter, http = adapter_with(IndodanaAdapter, (200, fixture("indodana", "check_status_paid.json")))
    headers, body = _notification()
    event = adapter.parse_callback(headers=headers, body=body, path="/partners/IDNA/notify")
    assert event.needs_confirmation and event.status is S.SUCCEEDED and event.amount == 1_500_000
    assert event.txid == "IONPAYTEST06202611221230010002"
    assert event.idempotency_key == "indodana:7c1f9a4e-5b7d-4b70-9f6e-3a2d1c0b9e8f:PAID"
    result = adapter.confirm_callback(event)
    assert result.status is S.SUCCEEDED and result.amount == 1_500_000
    assert http.calls[0]["params"] == {"merchantOrderId": event.txid}
    assert t.verify_bearer(http.calls[0]["headers"]["Authorization"], KEY, SECRET)


def test_confirmation_decides_not_the_push():
    answer = {**fixture("indodana", "check_status_paid.json"), "transactionStatus": "INITIATED"}
    adapter, _ = adapter_with(IndodanaAdapter, (200, answer))
    event = adapter.parse_callback(headers=_notification()[0], body=_notification()[1], path="/")
    assert adapter.confirm_callback(event).status is S.PENDING


def test_bad_notifications():
    adapter, _ = adapter_with(IndodanaAdapter)
    headers, body = _notification(secret="forged")
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers=headers, body=body, path="/")
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers={}, body=body, path="/")
    with pytest.raises(InvalidPayload):
        adapter.parse_callback(headers=_notification()[0], body=b"{}", path="/")
    with pytest.raises(InvalidPayload):
        adapter.parse_callback(headers=_notification()[0], body=b"nope", path="/")


def test_cancel_rules():
    adapter, http = adapter_with(
        IndodanaAdapter,
        (200, {"status": "OK", "merchantOrderId": "T", "refundId": "r1", "cancellationAmount": 100_000}),
    )
    now = datetime.now(UTC)
    with pytest.raises(CancelNotAllowed):
        adapter.check_cancel(CancelRequest("T", "p", 1, 1, 0, None, "r1"), now=now)
    with pytest.raises(CancelNotAllowed, match="30 days"):
        adapter.check_cancel(CancelRequest("T", "p", 1, 1, 0, now - timedelta(days=31), "r1"), now=now)
    req = CancelRequest("T", "p", 100_000, 600_000, 0, now - timedelta(days=29), "r1")
    adapter.check_cancel(req, now=now)
    result = adapter.cancel(req)
    assert result.kind == "refund" and result.partner_cancel_ref == "r1"
    sent = json.loads(http.calls[0]["data"])
    assert (
        sent["refundId"] == "r1" and sent["cancellationAmount"] == 100_000 and sent["merchantOrderId"] == "T"
    )


def test_every_tenor_the_catalogue_offers_has_an_indodana_payment_type():
    assert set(registry.partner("IDNA").tenors) == set(t.PAYMENT_TYPES)
