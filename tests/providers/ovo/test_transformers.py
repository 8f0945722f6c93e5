"""OVO Push-to-Pay transformers: signature vector, payload shape, every response code mapped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers import registry
from providers.base.errors import CancelNotAllowed, InvalidPayload, UnknownStatus
from providers.base.types import PartnerStatus
from providers.ovo import transformers as tf
from providers.ovo.adapter import OvoAdapter, ReferenceClock

from .helpers import cancel_request, fixture


def test_hmac_matches_the_published_vector():
    # OVO Push-to-Pay technical doc v1.7.1 (providers.md §6.1)
    headers = tf.auth_headers(
        "hypermart", "a4f6bf89b2a85781b7c1cab997b7ee0c89be03f7ac6ef29b63a45d07253cc401", "1468914526"
    )
    assert headers == {
        "app-id": "hypermart",
        "random": "1468914526",
        "hmac": "8087f83ffc6a6564b8161e6dce1ee9a82dfc514c83de341587f16abd512fcfd6",
    }


def test_push_body_has_the_documented_shape():
    now = datetime(2026, 11, 22, 12, 30, 12, 345000, tzinfo=UTC)
    terminal = tf.Terminal("PAYLOAN1", "PAYLOANMID01", "110771", "PAYLOANSBX")
    body = tf.request_body(
        tf.PUSH,
        terminal=terminal,
        amount=25000,
        now=now,
        batch_no="261122",
        reference_number=702124,
        invoice="IONPAYTEST05202611221930120001",
        phone="081234567890",
    )
    assert body == fixture("push_request.json")


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (tf.PUSH, ("0200", "040000")),
        (tf.REVERSAL, ("0400", "040000")),
        (tf.VOID, ("0200", "020040")),
        (tf.CHECK, ("0100", "040000")),
    ],
)
def test_iso_operation_codes(op, expected):
    assert (op.type, op.processing_code) == expected


@pytest.mark.parametrize(
    ("rc", "status"),
    [
        ("00", PartnerStatus.SUCCEEDED),
        ("09", PartnerStatus.PENDING),
        ("25", PartnerStatus.PENDING),
        ("68", PartnerStatus.EXPIRED),
        ("17", PartnerStatus.CANCELLED),
    ]
    + [
        (rc, PartnerStatus.FAILED)
        for rc in ("08", "11", "13", "14", "16", "18", "26", "30", "40", "51", "56", "58", "61", "63", "64")
    ],
)
def test_every_response_code_is_mapped(rc, status):
    assert tf.map_status(rc) is status
    assert tf.message(rc)


def test_map_covers_exactly_the_listed_codes():
    assert len(tf.STATUS_MAP) == 20


@pytest.mark.parametrize("rc", ["", "99", "0", "ZZ"])
def test_unknown_code_is_never_guessed(rc):
    with pytest.raises(UnknownStatus):
        tf.map_status(rc)


def test_parsers_on_fixtures():
    ok = fixture("push_response_success.json")
    assert tf.response_code(ok) == "00"
    assert tf.approval_code(ok) == "004217"
    assert tf.response_amount(ok) == 25000
    declined = fixture("push_response_declined.json")
    assert tf.map_status(tf.response_code(declined)) is PartnerStatus.CANCELLED
    assert tf.response_code({"type": "0210"}) == ""  # no decision in the window


def test_decode_refuses_non_json():
    with pytest.raises(InvalidPayload):
        tf.decode(b"<html>")
    with pytest.raises(InvalidPayload):
        tf.decode(b"[1]")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("081234567890", "081234567890"),
        ("+62 812-3456-7890", "081234567890"),
        ("6281234567890", "081234567890"),
        ("81234567890", "081234567890"),
    ],
)
def test_phone_in_ovo_form(raw, expected):
    assert tf.ovo_phone(raw) == expected


def test_date_is_wib_with_milliseconds():
    assert tf.ovo_date(datetime(2026, 11, 22, 17, 0, 0, 7000, tzinfo=UTC)) == "2026-11-23 00:00:00.007"


def test_reference_numbers_increase_within_a_batch_and_reset_daily():
    clock = ReferenceClock()
    t = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    batch, first = clock.next(t)
    _, second = clock.next(t)  # same tenth of a second
    _, third = clock.next(t + timedelta(seconds=1))
    assert batch == "261122" and first < second < third <= 999_999
    last_batch, last = clock.next(datetime(2026, 11, 22, 16, 59, 59, 950000, tzinfo=UTC))
    assert last_batch == "261122" and last == 864_000
    new_batch, reset = clock.next(datetime(2026, 11, 22, 17, 0, 0, tzinfo=UTC))  # Jakarta midnight
    assert new_batch == "261123" and reset == 1


def _adapter() -> OvoAdapter:
    from providers.base.http import HttpClient
    from providers.base.types import PartnerConfig

    return OvoAdapter(
        config=PartnerConfig("OVOE", "http://ovo.test", OvoAdapter.default_credentials), http=HttpClient()
    )


def test_cancel_rules_same_day_full_void_only():
    adapter = _adapter()
    jakarta_noon = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    adapter.check_cancel(cancel_request("T", paid_at=jakarta_noon), now=jakarta_noon + timedelta(hours=11))
    with pytest.raises(CancelNotAllowed, match="day of payment"):  # 00:01 the next Jakarta day
        adapter.check_cancel(
            cancel_request("T", paid_at=jakarta_noon), now=jakarta_noon + timedelta(hours=12, minutes=1)
        )
    with pytest.raises(CancelNotAllowed, match="partial"):
        adapter.check_cancel(cancel_request("T", amount=1000, paid_at=jakarta_noon), now=jakarta_noon)
    with pytest.raises(CancelNotAllowed, match="partial"):
        adapter.check_cancel(
            cancel_request("T", amount=24000, already=1000, paid_at=jakarta_noon), now=jakarta_noon
        )


def test_start_payment_does_no_io_and_pushes_to_the_billing_phone():
    from .helpers import payment

    class NoHttp:
        def __getattr__(self, name):
            raise AssertionError("start_payment must not do I/O")

    adapter = OvoAdapter(config=_adapter().config, http=NoHttp())
    action = adapter.start_payment(payment(phone="+6281234567890"))
    assert action.phone == "081234567890"
    left = (action.expires_at - datetime.now(UTC)).total_seconds()
    assert 65 < left <= 70


def test_no_notifications():
    with pytest.raises(InvalidPayload):
        _adapter().parse_callback(headers={}, body=b"{}", path="/partners/OVOE/notify")


def test_class_attributes():
    assert (OvoAdapter.mitra_cd, OvoAdapter.slug, OvoAdapter.env_prefix) == ("OVOE", "ovo", "OVO")
    partner = registry.partner("OVOE")
    assert partner.expiry_seconds == 55 and not partner.cancel.partial and partner.cancel.same_day


def test_push_without_a_phone_fails_without_io():
    from .helpers import payment

    class NoHttp:
        def __getattr__(self, name):
            raise AssertionError("no I/O expected")

    adapter = OvoAdapter(config=_adapter().config, http=NoHttp())
    result = adapter.complete_push(payment(phone=""))
    assert (result.status, result.raw_status) == (PartnerStatus.FAILED, "14")
