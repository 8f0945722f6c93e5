"""Kredivo: pure builders, status map, and the adapter's parsing with canned partner answers."""

from __future__ import annotations

import json
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
from providers.base.types import CancelRequest, CartItem, PartnerStatus, PaymentRequest
from providers.kredivo import transformers as t
from providers.kredivo.adapter import KredivoAdapter
from tests.support.paylater_orders import adapter_with, fixture, order

S = PartnerStatus


@pytest.mark.parametrize(
    ("ts", "fraud", "expected"),
    [
        ("settlement", "accept", S.SUCCEEDED),
        ("settlement", "deny", S.FAILED),
        ("pending", "accept", S.PENDING),
        ("pending", None, S.PENDING),
        ("pending", "deny", S.FAILED),
        ("deny", "accept", S.FAILED),
        ("deny", "deny", S.FAILED),
        ("deny", None, S.FAILED),
        ("cancel", "accept", S.CANCELLED),
        ("cancel", None, S.CANCELLED),
        ("expire", "accept", S.EXPIRED),
        ("expire", None, S.EXPIRED),
        ("SETTLEMENT", "ACCEPT", S.SUCCEEDED),
    ],
)
def test_status_map(ts, fraud, expected):
    assert t.map_status(ts, fraud) is expected


@pytest.mark.parametrize(
    ("ts", "fraud"),
    [("paid", "accept"), ("", None), ("settlement", None), ("settlement", "challenge"), (None, None)],
)
def test_unknown_or_unfulfillable_status_raises(ts, fraud):
    with pytest.raises(UnknownStatus):
        t.map_status(ts, fraud)


def test_every_documented_status_is_mapped():
    assert set(t.STATUS_MAP) == {"settlement", "pending", "deny", "cancel", "expire"}


@pytest.mark.parametrize(("raw", "value"), [("1500100.00", 1_500_100), ("10000", 10_000), (25000, 25_000)])
def test_amount_parsing(raw, value):
    assert t.parse_amount(raw) == value


@pytest.mark.parametrize("raw", ["10000.50", "abc", "-5"])
def test_bad_amounts(raw):
    with pytest.raises(InvalidPayload):
        t.parse_amount(raw)


def test_checkout_body():
    o = order(1_000_000, mitra="KDVI", tenor="6")
    body = t.checkout_body(o, server_key="sk")
    assert body["server_key"] == "sk"
    assert body["payment_type"] == "6_months"
    assert body["transaction_details"]["order_id"] == o.txid
    assert body["transaction_details"]["amount"] == 1_000_000
    assert t.items_total(body["transaction_details"]["items"]) == 1_000_000
    assert body["push_uri"] == o.notify_url
    assert body["back_to_store_uri"] == o.return_url
    assert body["user_cancel_uri"] == o.cancel_url
    assert body["expiration_time"] == int(o.expires_at.timestamp())
    assert body["customer_details"] == {
        "first_name": "Budi",
        "last_name": "Santoso",
        "email": "budi@example.com",
        "phone": "081234567890",
    }
    assert body["shipping_address"]["country_code"] == "IDN"
    assert body["sellers"][0]["id"] == "SEL1"
    first = body["transaction_details"]["items"][0]
    assert first["parent_type"] == "SELLER" and first["parent_id"] == "SEL1"


def test_reserved_ids_and_gap_lines():
    items = (
        CartItem(id="SKU", name="Lamp", unit_price=50_000, quantity=1),
        CartItem(id="ShippingFee", name="Shipping", unit_price=10_000, quantity=1),
    )
    lines = t.items(order(65_000, mitra="KDVI", items=items))
    assert [line["id"] for line in lines] == ["SKU", "shippingfee", "additionalfee"]
    assert lines[-1]["price"] == 5_000
    lines = t.items(order(55_000, mitra="KDVI", items=items))
    assert lines[-1] == {"id": "discount", "name": "Discount", "price": 5_000, "quantity": 1}
    assert t.items_total(lines) == 55_000


def test_error_bodies():
    with pytest.raises(PartnerDeclined) as exc:
        t.ok_body(fixture("kredivo", "cancel_amount_too_large.json"))
    assert exc.value.code == "2415"
    with pytest.raises(PartnerUnavailable):
        t.ok_body({"status": "ERROR", "error": {"code": None, "message": "Internal", "kind": "system"}})
    with pytest.raises(PartnerUnavailable):
        t.ok_body("<html>")
    assert t.ok_body(fixture("kredivo", "checkout_ok.json"))["redirect_url"].startswith("https://")


def test_start_payment_posts_checkout_and_redirects():
    adapter, http = adapter_with(KredivoAdapter, (200, fixture("kredivo", "checkout_ok.json")))
    o = order(50_000, mitra="KDVI")
    action = adapter.start_payment(PaymentRequest(order=o))
    assert action.url == "https://sandbox.kredivo.com/kredivo/v2/signin?tk=XXX"
    assert http.calls[0]["url"] == "https://partner.test/kredivo/v2/checkout_url"
    sent = json.loads(http.calls[0]["data"])
    assert sent["server_key"] == KredivoAdapter.default_credentials["server_key"]
    assert sent["transaction_details"]["order_id"] == o.txid


def test_application_error_with_http_200_is_a_decline():
    adapter, _ = adapter_with(
        KredivoAdapter,
        (
            200,
            {
                "status": "ERROR",
                "error": {"code": None, "message": "This order is already PROCESSED.", "kind": "deprecated"},
            },
        ),
    )
    with pytest.raises(PartnerDeclined, match="already PROCESSED"):
        adapter.start_payment(PaymentRequest(order=order(50_000, mitra="KDVI")))


def test_push_needs_confirmation_and_keeps_the_key_out_of_logs():
    adapter, _ = adapter_with(KredivoAdapter)
    raw = fixture("kredivo", "push_settlement.json")
    event = adapter.parse_callback(headers={}, body=json.dumps(raw).encode(), path="/partners/KDVI/notify")
    assert event.needs_confirmation is True
    assert event.txid == raw["order_id"] and event.partner_ref == raw["transaction_id"]
    assert event.amount == 1_500_100
    assert event.status is S.SUCCEEDED
    assert event.idempotency_key == f"kredivo:{raw['transaction_id']}:settlement/accept"
    assert json.loads(event.reply[2])["status"] == "OK"
    assert t.redact(raw)["signature_key"] == "***"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"order_id": "x"}',
        json.dumps(
            {"order_id": "x", "transaction_id": "y", "signature_key": "z", "transaction_status": "paid"}
        ).encode(),
    ],
)
def test_garbled_push_is_refused(body):
    adapter, _ = adapter_with(KredivoAdapter)
    with pytest.raises(InvalidPayload):
        adapter.parse_callback(headers={}, body=body, path="/")


def _event(adapter):
    raw = fixture("kredivo", "push_settlement.json")
    return adapter.parse_callback(headers={}, body=json.dumps(raw).encode(), path="/")


def test_confirm_maps_only_kredivo_answer():
    answer = {**fixture("kredivo", "update_settlement.json"), "fraud_status": "deny"}
    adapter, http = adapter_with(KredivoAdapter, (200, answer))
    result = adapter.confirm_callback(_event(adapter))
    assert result.status is S.FAILED  # the push said settlement/accept; Kredivo says fraud deny
    assert http.calls[0]["url"] == "https://partner.test/kredivo/v2/update"
    assert (
        http.calls[0]["params"]["signature_key"]
        == fixture("kredivo", "push_settlement.json")["signature_key"]
    )


def test_confirm_success():
    adapter, _ = adapter_with(KredivoAdapter, (200, fixture("kredivo", "update_settlement.json")))
    result = adapter.confirm_callback(_event(adapter))
    assert (
        result.status is S.SUCCEEDED
        and result.amount == 1_500_100
        and result.raw_status == "settlement/accept"
    )


def test_confirm_refused_means_forged():
    adapter, _ = adapter_with(KredivoAdapter, (200, fixture("kredivo", "update_incorrect_key.json")))
    with pytest.raises(InvalidSignature):
        adapter.confirm_callback(_event(adapter))


def test_confirm_for_another_order_is_refused():
    answer = {**fixture("kredivo", "update_settlement.json"), "order_id": "SOMEONE-ELSE"}
    adapter, _ = adapter_with(KredivoAdapter, (200, answer))
    with pytest.raises(InvalidSignature):
        adapter.confirm_callback(_event(adapter))


def test_cancel_rules_and_idempotent_repeat():
    adapter, http = adapter_with(
        KredivoAdapter,
        (
            200,
            {
                "status": "ERROR",
                "error": {"code": None, "message": "This cancellation_id is already PROCESSED."},
            },
        ),
    )
    now = datetime.now(UTC)
    unpaid = CancelRequest("T", "tr", 10_000, 10_000, 0, None, "c1")
    with pytest.raises(CancelNotAllowed):
        adapter.check_cancel(unpaid, now=now)
    late = CancelRequest("T", "tr", 10_000, 10_000, 0, now - timedelta(days=15), "c1")
    with pytest.raises(CancelNotAllowed, match="14 days"):
        adapter.check_cancel(late, now=now)
    partial = CancelRequest("T", "tr", 4_000, 10_000, 0, now - timedelta(days=1), "c1")
    adapter.check_cancel(partial, now=now)
    result = adapter.cancel(partial)
    assert result.kind == "refund" and result.partner_cancel_ref == "c1"
    assert json.loads(http.calls[0]["data"])["cancellation_amount"] == 4_000


def test_every_tenor_the_catalogue_offers_has_a_kredivo_payment_type():
    assert set(registry.partner(KredivoAdapter.mitra_cd).tenors) == set(t.PAYMENT_TYPES)
