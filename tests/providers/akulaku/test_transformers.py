"""Akulaku: the sign known answer, the new.do content order, status map, callbacks, SKU cancels."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from providers.akulaku import transformers as t
from providers.akulaku.adapter import AkulakuAdapter
from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    InvalidSignature,
    PartnerDeclined,
    PartnerUnavailable,
    UnknownStatus,
)
from providers.base.types import CancelRequest, CartItem, PartnerStatus, PaymentRequest
from tests.support.paylater_orders import adapter_with, fixture, order

S = PartnerStatus
APP = AkulakuAdapter.default_credentials["app_id"]
SECRET = AkulakuAdapter.default_credentials["secret_key"]


def by_hand(content: str) -> str:
    raw = hashlib.sha512(("APP1" + "s3cret" + content).encode()).digest()
    return base64.b64encode(raw).decode().replace("+", "-").replace("/", "_").replace("=", "")


def test_sign_known_answer():
    # b64url(SHA-512(appId + secretKey + content)), '=' stripped (providers.md §3.2).
    assert t.sign("APP1", "s3cret", "REF123") == by_hand("REF123")
    assert t.sign("APP1", "s3cret", "REF123100") == by_hand("REF123" + "100")
    assert len(t.sign("APP1", "s3cret", "x")) == 86 and "=" not in t.sign("APP1", "s3cret", "x")


def test_order_form_and_sign_content():
    o = order(1_500_000, mitra="AKLP")
    form = t.signed_order(o, app_id="APP1", secret="s3cret")
    assert form["refNo"] == o.txid and form["totalPrice"] == "1500000"
    assert form["callbackPageUrl"] == o.return_url
    details = json.loads(form["details"])
    assert details[0] == {
        "skuId": "SKU-1",
        "skuName": "Rice cooker",
        "unitPrice": 1_498_000,
        "qty": 1,
        "img": "",
        "vendorId": "SEL1",
        "vendorName": "Toko Satu",
    }
    assert sum(d["unitPrice"] * d["qty"] for d in details) == 1_500_000
    # Non-empty values in the documented order; virtualDetails is empty so it is skipped.
    content = (
        o.txid
        + "1500000"
        + "budi@example.com"
        + "Budi Santoso"
        + "081234567890"
        + "DKI Jakarta"
        + "Jakarta"
        + "Jl. Sudirman 1"
        + "10210"
        + o.return_url
        + form["details"]
        + "{}"
    )
    assert form["sign"] == by_hand(content)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", S.PENDING),
        ("90", S.FAILED),
        ("91", S.REFUNDED),
        ("92", S.CANCELLED),
        ("100", S.SUCCEEDED),
        ("101", S.SUCCEEDED),
        (100, S.SUCCEEDED),
    ],
)
def test_status_map(raw, expected):
    assert t.map_status(raw) is expected


def test_status_map_exhaustive_and_strict():
    assert set(t.STATUS_MAP) == {"1", "90", "91", "92", "100", "101"}
    for raw in ("0", "", "paid", "99"):
        with pytest.raises(UnknownStatus):
            t.map_status(raw)


def test_register_and_adopt_existing_order():
    adapter, http = adapter_with(AkulakuAdapter, (200, fixture("akulaku", "new_ok.json")))
    o = order(1_500_000, mitra="AKLP")
    result = adapter.register(o)
    assert result.partner_ref == "261122193001123456"
    assert result.data == {"orderId": "261122193001123456", "refNo": o.txid, "appId": APP}
    assert http.calls[0]["url"] == "https://partner.test/api/json/public/openpay/new.do"
    assert http.calls[0]["data"]["sign"] == t.sign(APP, SECRET, t.order_sign_content(http.calls[0]["data"]))

    adapter, http = adapter_with(
        AkulakuAdapter,
        (200, fixture("akulaku", "new_order_exists.json")),
        (200, fixture("akulaku", "status_paid.json")),
    )
    assert adapter.register(o).partner_ref == "261122193001123456"
    assert http.calls[1]["params"]["sign"] == t.sign(APP, SECRET, o.txid)


def test_register_errors():
    adapter, _ = adapter_with(AkulakuAdapter, (200, {"success": False, "errCode": "openpay.0001"}))
    with pytest.raises(PartnerDeclined) as exc:
        adapter.register(order(10_000, mitra="AKLP"))
    assert exc.value.code == "openpay.0001"
    adapter, _ = adapter_with(AkulakuAdapter, (200, b"<html>busy</html>"))
    with pytest.raises(PartnerUnavailable):
        adapter.register(order(10_000, mitra="AKLP"))


def test_start_payment_redirects_to_open_pay():
    adapter, http = adapter_with(AkulakuAdapter)
    o = order(10_000, mitra="AKLP")
    action = adapter.start_payment(PaymentRequest(order=o, partner_ref="261122"))
    url = urlparse(action.url)
    assert url.path == "/v2/openPay.html" and action.partner_ref == "261122"
    assert parse_qs(url.query) == {
        "appId": [APP],
        "refNo": [o.txid],
        "sign": [t.sign(APP, SECRET, o.txid)],
        "lang": ["id"],
    }
    assert http.calls == []


def test_status():
    adapter, _ = adapter_with(AkulakuAdapter, (200, fixture("akulaku", "status_paid.json")))
    result = adapter.fetch_status(txid="IONPAYTEST06202611221230010003", partner_ref="", amount=1_500_000)
    assert result.status is S.SUCCEEDED and result.raw_status == "100" and result.amount == 1_500_000
    assert result.partner_ref == "261122193001123456"


@pytest.mark.parametrize(
    ("total", "amount"), [("1500000", 1_500_000), ("1500000.00", 1_500_000), (None, None)]
)
def test_status_amount_as_text_is_still_checked(total, amount):
    data = {**fixture("akulaku", "status_paid.json")["data"], "totalPrice": total}
    adapter, _ = adapter_with(AkulakuAdapter, (200, {"success": True, "data": data}))
    assert adapter.fetch_status(txid=data["refNo"], partner_ref="", amount=1_500_000).amount == amount


def test_status_with_a_fractional_amount_is_refused():
    data = {**fixture("akulaku", "status_paid.json")["data"], "totalPrice": "1500000.50"}
    adapter, _ = adapter_with(AkulakuAdapter, (200, {"success": True, "data": data}))
    with pytest.raises(InvalidPayload):
        adapter.fetch_status(txid=data["refNo"], partner_ref="", amount=1_500_000)


def test_callback_verified():
    adapter, _ = adapter_with(AkulakuAdapter)
    form = fixture("akulaku", "callback.json")
    signed = {**form, "sign": t.sign(APP, SECRET, form["refNo"] + form["status"])}
    event = adapter.parse_callback(headers={}, body=urlencode(signed).encode(), path="/partners/AKLP/notify")
    assert event.txid == form["refNo"] and event.status is S.SUCCEEDED and not event.needs_confirmation
    assert event.idempotency_key == f"akulaku:{form['refNo']}:100"
    assert event.reply == (200, "application/json", '{"success":true}')
    assert "sign" not in event.raw


def test_callback_refused():
    adapter, _ = adapter_with(AkulakuAdapter)
    form = fixture("akulaku", "callback.json")
    wrong = {**form, "sign": t.sign(APP, SECRET, form["refNo"])}  # the browser sign, not the server one
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers={}, body=urlencode(wrong).encode(), path="/")
    with pytest.raises(InvalidPayload):
        adapter.parse_callback(headers={}, body=b"refNo=x", path="/")
    bad_status = {"refNo": "x", "status": "7", "sign": t.sign(APP, SECRET, "x7")}
    with pytest.raises(UnknownStatus):
        adapter.parse_callback(headers={}, body=urlencode(bad_status).encode(), path="/")


ITEMS = (
    CartItem(id="A", name="a", unit_price=10_000, quantity=2),
    CartItem(id="B", name="b", unit_price=5_000, quantity=1),
    CartItem(id="C", name="c", unit_price=7_000, quantity=1),
)


@pytest.mark.parametrize(
    ("amount", "ids"), [(20_000, ["A"]), (5_000, ["B"]), (12_000, ["B", "C"]), (27_000, ["A", "C"])]
)
def test_partial_cancel_picks_whole_lines(amount, ids):
    assert [i.id for i in t.whole_lines_for(ITEMS, amount)] == ids


def test_partial_cancel_refuses_part_of_a_line():
    with pytest.raises(CancelNotAllowed, match="whole items only"):
        t.whole_lines_for(ITEMS, 10_000)
    adapter, _ = adapter_with(AkulakuAdapter)
    now = datetime.now(UTC)
    with pytest.raises(CancelNotAllowed, match="whole items only"):
        adapter.check_cancel(CancelRequest("T", "p", 1_000, 32_000, 0, now, "c", items=ITEMS), now=now)
    with pytest.raises(CancelNotAllowed, match="365 days"):
        adapter.check_cancel(
            CancelRequest("T", "p", 32_000, 32_000, 0, now - timedelta(days=366), "c"), now=now
        )
    adapter.check_cancel(CancelRequest("T", "p", 5_000, 32_000, 0, now, "c", items=ITEMS), now=now)


def test_partial_cancel_calls_one_sku_at_a_time():
    ok = {"success": True, "data": {}}
    adapter, http = adapter_with(AkulakuAdapter, (200, ok), (200, ok))
    now = datetime.now(UTC)
    result = adapter.cancel(CancelRequest("TX1", "p", 12_000, 32_000, 0, now, "c", items=ITEMS))
    assert result.kind == "refund" and result.raw == {"skuIds": ["B", "C"]}
    assert [c["data"]["skuId"] for c in http.calls] == ["B", "C"]
    assert http.calls[0]["data"]["sign"] == t.sign(APP, SECRET, "TX1" + "B" + "1")


def test_receipt_confirmation():
    adapter, http = adapter_with(
        AkulakuAdapter,
        (200, {"success": True, "data": {"status": 101}}),
        (200, fixture("akulaku", "not_paid.json")),
    )
    result = adapter.confirm_receipt(txid="TX1", partner_ref="p")
    assert result.status is S.SUCCEEDED and result.raw_status == "101"
    assert http.calls[0]["url"].endswith("/api/json/public/openpay/order/receipt.do")
    assert http.calls[0]["data"] == {"appId": APP, "refNo": "TX1", "sign": t.sign(APP, SECRET, "TX1")}
    with pytest.raises(PartnerDeclined) as exc:
        adapter.confirm_receipt(txid="TX1", partner_ref="p")
    assert exc.value.code == "openpay.0009"


def test_payment_page_may_live_on_its_own_host():
    creds = {**AkulakuAdapter.default_credentials, "page_url": "https://mall.partner.test/"}
    adapter, _ = adapter_with(AkulakuAdapter, credentials=creds)
    action = adapter.start_payment(PaymentRequest(order=order(10_000, mitra="AKLP")))
    assert action.url.startswith("https://mall.partner.test/v2/openPay.html?appId=")
