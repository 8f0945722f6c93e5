"""LinkAja transformers: pure, driven by payload fixtures."""

from __future__ import annotations

import json

import pytest

from providers.base.errors import InvalidPayload, UnknownStatus
from providers.base.types import CartItem, PartnerStatus
from providers.linkaja import transformers as t
from providers.linkaja.adapter import LinkAjaAdapter

from .helpers import fixture, order

CREDS = LinkAjaAdapter.default_credentials


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00", PartnerStatus.SUCCEEDED),
        ("01", PartnerStatus.FAILED),
        ("02", PartnerStatus.PENDING),
        ("03", PartnerStatus.EXPIRED),
        ("04", PartnerStatus.REFUNDED),
        ("05", PartnerStatus.CANCELLED),
    ],
)
def test_every_documented_status_maps(raw, expected):
    assert t.map_status(raw) is expected


@pytest.mark.parametrize("raw", ["99", "", None, "0", "SUCCESS"])
def test_unknown_status_is_never_guessed(raw):
    with pytest.raises(UnknownStatus):
        t.map_status(raw)


def test_token_request_fields():
    o = order(25_000)
    form = t.token_request(o, CREDS)
    assert form["trxId"] == o.txid and len(form["trxId"]) == 30
    assert form["total"] == "25000"
    assert form["successUrl"] == form["failedUrl"] == o.return_url
    assert form["terminalId"] == CREDS["terminal_id"] and form["password"] == CREDS["password"]
    assert json.loads(form["items"]) == [["Kopi susu", "25000", "1"]]
    assert form["msisdn"] == "081234567890"


def test_items_that_add_up_are_sent_line_by_line():
    items = (CartItem("1", "Tea", 5_000, 2), CartItem("2", "Cake", 15_000, 1))
    assert json.loads(t.items_field(order(25_000, items=items))) == [
        ["Tea", "5000", "2"],
        ["Cake", "15000", "1"],
    ]


def test_items_that_do_not_add_up_collapse_to_one_line():
    items = (CartItem("1", "Tea", 5_000, 1),)
    assert json.loads(t.items_field(order(25_000, items=items))) == [["Kopi susu", "25000", "1"]]


def test_parse_token_response():
    assert t.parse_token_response(fixture("token_response.json")) == (
        "6c2a5f0a3b9d4e7f8a1b2c3d4e5f6a7b",
        "LA2611221230000012345",
    )
    with pytest.raises(InvalidPayload):
        t.parse_token_response({"refNum": "x"})
    with pytest.raises(InvalidPayload):
        t.parse_token_response(["x"])


def test_parse_status_success_and_pending():
    ok = t.parse_status_response(fixture("check_status_success.json"))
    assert ok["status"] is PartnerStatus.SUCCEEDED and ok["amount"] == 25_000 and ok["at"].hour == 12
    pending = t.parse_status_response(fixture("check_status_pending.json"))
    assert pending["status"] is PartnerStatus.PENDING and pending["amount"] == 25_000


def test_amount_must_be_whole_rupiah():
    with pytest.raises(InvalidPayload):
        t.parse_amount("25000.50")
    with pytest.raises(InvalidPayload):
        t.parse_amount("abc")
    assert t.parse_amount("25000.00") == 25_000


def test_error_message():
    assert t.error_message(fixture("error.json"), "x") == ("401", "Invalid merchant credentials")
    assert t.error_message("oops", "default") == ("", "default")
