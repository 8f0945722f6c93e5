"""The one table from typed service errors to SNAP answers: HTTP status + service + case."""

from __future__ import annotations

import re

import pytest

from payments import exceptions as e
from payments.snap.errors import CASES, answer, field_format

ALL_ERRORS = sorted(
    {cls for cls in e.ApplicationError.by_code.values() if cls.__module__ == "payments.exceptions"},
    key=lambda c: c.__name__,
)
PARAMS = {
    "amount": 10,
    "minimum": 1,
    "maximum": 2,
    "total": 3,
    "remaining": 4,
    "mitra_cd": "DANA",
    "pay_method": "05",
    "partner": "AstraPay",
    "partners": "Akulaku",
    "detail": "no",
    "word": "paid",
    "reference_no": "R1",
    "reference": "F1",
    "value": "X1",
    "scope": "snap-54",
    "mandate_id": "M1",
    "state": "revoked",
    "currency": "USD",
    "months": "5",
    "allowed": "1, 3",
    "field": "delivery_name",
    "item": "shoe",
    "seller_id": "S9",
    "instalment_type": "3",
    "cancel_type": "7",
    "cause": "cancel_declined",
    "partial": False,
    "max_kb": 200,
    "language": "fr",
    "txid": "IONPAYTEST05202612010000001234",
    "limit": 5,
    "seconds": 60,
}


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_every_service_error_has_a_snap_answer(cls):
    try:
        exc = cls(**PARAMS)
    except (KeyError, IndexError):  # pragma: no cover - every default message fits PARAMS
        pytest.fail(f"{cls.__name__} needs another parameter")
    a = answer(exc, "54")
    assert re.fullmatch(r"\d{3}54\d{2}", a.response_code), a
    assert a.http_status == int(a.response_code[:3]) and 0 < len(a.message) <= 150
    assert "{" not in a.message


@pytest.mark.parametrize(
    ("exc", "service", "code", "text"),
    [
        (
            e.DuplicateReference(reference_no="OrdNo1", txid="IONPAYTEST0520261201", word="open", paid=False),
            "54",
            "4095401",
            "Duplicate partnerReferenceNo [OrdNo1",
        ),
        (e.RequestIdReused(value="ordNo1", scope="snap-55"), "55", "4095500", "X-EXTERNAL-ID ordNo1"),
        (e.AccessTokenInvalid(), "58", "4015801", "Invalid Token (B2B)"),
        (e.CancelAmountTooLarge(amount=9, remaining=5), "58", "4045813", "Invalid Amount [9 is more than"),
        (e.CancelRefusedByRules(mitra_cd="LINK", detail="no partial"), "58", "4055801", "no partial"),
        (e.RefundReferenceReused(reference="R9"), "58", "4095801", "Duplicate partnerRefundNo [R9"),
        (e.PaymentDeclined(detail="insufficient"), "54", "4035405", "Do Not Honor [insufficient]"),
        (e.PartnerFailure(), "54", "5005402", "External Server Error"),
        (e.CancelRefused("it is init"), "58", "4045800", "Invalid Transaction Status [it is init]"),
        (field_format("amount.value", "bad"), "54", "4005401", "Invalid Field Format amount.value: bad"),
    ],
)
def test_chosen_cases(exc, service, code, text):
    a = answer(exc, service)
    assert a.response_code == code and text in a.message, a


def test_a_replayed_refund_failure_answers_its_first_cause():
    a = answer(e.CancelFailedEarlier("DANA said no", cause="cancel_declined", partial=False), "58")
    assert a.response_code == "4035815" and "DANA said no" in a.message


def test_long_messages_are_cut_to_bis_limit():
    a = answer(e.CancelRefused("x" * 400), "58")
    assert len(a.message) == 150 and a.message.endswith("…")


def test_table_keys_are_service_errors():
    assert all(issubclass(k, e.ApplicationError) for k in CASES)
