"""The one table from service errors to NICEPAY's resultCd and resultMsg (payments/nicepay/errors.py)."""

from __future__ import annotations

import string

import pytest

from payments import exceptions as e
from payments.nicepay.errors import RESULT_CODES, InvalidField, V2Error, answer


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def service_errors() -> list[type[e.ApplicationError]]:
    return [c for c in vars(e).values() if isinstance(c, type) and issubclass(c, e.ApplicationError)]


def test_every_v2_wording_uses_only_facts_the_error_carries():
    """A V2 message names only params the neutral message names too (or the documented ones)."""
    documented = {e.InstalmentTypeInvalid: {"instalment_type"}, e.CurrencyNotSupported: {"currency"}}
    for cls, (_, wording) in RESULT_CODES.items():
        if isinstance(wording, str):
            assert fields(wording) <= fields(cls.default_message) | documented.get(cls, set()), cls


def test_every_service_error_has_a_code_and_a_stable_name():
    for cls in service_errors():
        exc = cls.__new__(cls)
        exc.params, exc.explicit, exc.message, exc.http_status = {}, True, "x", cls.http_status
        assert answer(exc).result_cd.isdigit() and len(answer(exc).result_cd) == 4, cls
        assert (
            e.ApplicationError.by_code.get(cls.code, e.ApplicationError) is cls or cls is e.ApplicationError
        )


@pytest.mark.parametrize(
    ("exc", "code", "message", "status"),
    [
        (
            e.AmountBelowMinimum(amount=5, minimum=10),
            "9003",
            "amt 5 is below this partner's minimum of 10",
            400,
        ),
        (e.PartnerNotOffered(mitra_cd="XX"), "9012", "mitraCd 'XX' is not available", 400),
        (e.DeliveryRequired(field="delivery_city"), "9003", "deliveryCity is required for Payloan", 400),
        (
            e.TenorNotOffered(months="", allowed="1, 3"),
            "9029",
            "instmntMon (empty) is not available; allowed: 1, 3",
            400,
        ),
        (
            e.CancelRefusedByRules(mitra_cd="OVOE", detail="no", partial=True),
            "9332",
            "Cancel refused by OVOE rules: no",
            409,
        ),
        (
            e.CancelRefusedByRules(mitra_cd="OVOE", detail="no", partial=False),
            "9314",
            "Cancel refused by OVOE rules: no",
            409,
        ),
        (e.CancelTargetNotFound(partial=False), "8064", "Invalid transaction number (tXid)", 404),
        (e.CancelTargetNotFound(partial=True), "8066", "Invalid transaction number (tXid)", 404),
        (e.CancelDeclined(detail="d", partial=True), "8062", "The partner refused the cancel: d", 422),
        (e.PaymentExpired(), "9031", "This payment has expired", 410),
        (e.TransactionNotFound("We could not find it."), "9501", "We could not find it.", 404),
        (V2Error("tXid error", result_cd="8004", http_status=404), "8004", "tXid error", 404),
        (
            InvalidField("cartData", "cartData is not valid JSON", result_cd="9022"),
            "9022",
            "cartData is not valid JSON",
            400,
        ),
    ],
)
def test_answers(exc, code, message, status):
    assert (answer(exc).result_cd, answer(exc).message, answer(exc).http_status) == (code, message, status)


def test_an_explicit_message_is_kept_over_the_v2_wording():
    exc = e.LinkNotFound("We could not find this account link.")
    assert answer(exc).message == "We could not find this account link." and answer(exc).result_cd == "9501"


def test_a_failed_cancel_asked_again_answers_the_first_failures_code_with_http_400():
    again = e.CancelFailedEarlier(
        "The partner did not answer", cause="cancel_partner_unavailable", partial=True
    )
    assert (answer(again).result_cd, answer(again).http_status) == ("8090", 400)
    assert (
        answer(e.CancelFailedEarlier("m", cause="cancel_failed_at_partner", partial=True)).result_cd == "8062"
    )
    assert answer(e.CancelFailedEarlier("m", cause="cancel_refused", partial=False)).result_cd == "9314"
    assert answer(e.CancelFailedEarlier("m", cause="9314", partial=True)).result_cd == "9314"  # a legacy row
