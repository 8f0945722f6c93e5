"""The SNAP door's errors and the one table mapping every service error onto SNAP's answer.

A SNAP responseCode is the HTTP status (3 digits) + the service code (2) + the case (2), with BI's
wording in responseMessage (the BI/ASPI SNAP response code table; docs/snap.md lists ours)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from payments import exceptions as e

MESSAGE_MAX = 150  # BI: responseMessage is at most 150 characters

# (HTTP status, case) -> BI's wording
BAD_REQUEST = (400, "00", "Bad Request")
INVALID_FORMAT = (400, "01", "Invalid Field Format")
MISSING_FIELD = (400, "02", "Invalid Mandatory Field")
UNAUTHORIZED = (401, "00", "Unauthorized.")
INVALID_TOKEN = (401, "01", "Invalid Token (B2B)")
EXPIRED = (403, "00", "Transaction Expired")
NOT_ALLOWED = (403, "01", "Feature Not Allowed")
OVER_LIMIT = (403, "02", "Exceeds Transaction Amount Limit")
DO_NOT_HONOR = (403, "05", "Do Not Honor")
NOT_PERMITTED = (403, "15", "Transaction Not Permitted.")
BAD_STATUS = (404, "00", "Invalid Transaction Status")
NOT_FOUND = (404, "01", "Transaction Not Found")
INVALID_ACCOUNT = (404, "11", "Invalid Account")
INVALID_AMOUNT = (404, "13", "Invalid Amount")
INACTIVE_ACCOUNT = (404, "18", "Inactive Account")
UNSUPPORTED = (405, "00", "Requested Function Is Not Supported")
OPERATION_NOT_ALLOWED = (405, "01", "Requested Operation Is Not Allowed")
CONFLICT = (409, "00", "Conflict")
DUPLICATE = (409, "01", "Duplicate partnerReferenceNo")
GENERAL_ERROR = (500, "00", "General Error")
EXTERNAL_ERROR = (500, "02", "External Server Error")
TIMEOUT = (504, "00", "Timeout")

Case = tuple[int, str, str]


class SnapError(e.ApplicationError):
    """Raised by the SNAP door itself: a case of the BI table and the detail for the merchant."""

    def __init__(self, case: Case, detail: str = "") -> None:
        self.case = case
        super().__init__(f"{case[2]} {detail}".strip() if detail else case[2])
        self.http_status = case[0]


def field_format(field: str, why: str = "") -> SnapError:
    """400xx01 Invalid Field Format <field>[: why]."""
    return SnapError(INVALID_FORMAT, f"{field}: {why}" if why else field)


def field_missing(field: str) -> SnapError:
    """400xx02 Invalid Mandatory Field <field>."""
    return SnapError(MISSING_FIELD, field)


def unauthorized(reason: str) -> SnapError:
    """401xx00 Unauthorized. [reason]."""
    return SnapError(UNAUTHORIZED, f"[{reason}]")


Wording = str | Callable[[dict[str, Any]], str] | None
# Service error -> (case, detail). The nearest class in the error's MRO decides. A detail of None
# keeps the service's own message; an explicit message given at the raise is kept as it is.
CASES: dict[type[e.ApplicationError], tuple[Case, Wording]] = {
    e.ApplicationError: (BAD_REQUEST, None),
    e.InvalidInput: (INVALID_FORMAT, None),
    e.NotAllowed: (NOT_PERMITTED, None),
    e.TransactionNotFound: (NOT_FOUND, ""),
    e.PartnerFailure: (EXTERNAL_ERROR, None),
    # payment (54)
    e.PayMethodNotOffered: (NOT_ALLOWED, "[e-wallets only]"),
    e.PartnerNotOffered: (INVALID_FORMAT, "additionalInfo.mitraCd: {mitra_cd!r} is not available"),
    e.PartnerNotForPayMethod: (NOT_ALLOWED, "[{mitra_cd} is pay-later: SNAP here is for e-wallets, use V2]"),
    e.LinkedAccountRequired: (
        MISSING_FIELD,
        "additionalInfo.mandateId: {partner} pays from a linked account (link it first with linkEnable)",
    ),
    e.CurrencyNotSupported: (INVALID_FORMAT, "amount.currency: must be IDR"),
    e.AmountBelowMinimum: (INVALID_AMOUNT, "[{amount} is below the partner's minimum of {minimum}]"),
    e.AmountAboveMaximum: (OVER_LIMIT, "[{amount} is above the partner's maximum of {maximum}]"),
    e.CartTotalMismatch: (
        INVALID_FORMAT,
        "additionalInfo.cartData: the items total {total}, not the amount {amount}",
    ),
    e.ValidUntilInPast: (INVALID_FORMAT, "validUpTo: it is already in the past"),
    e.BillingEmailInvalid: (
        INVALID_FORMAT,
        "additionalInfo.billingEmail: must be an e-mail address of at most 40 characters",
    ),
    e.CartInvalid: (INVALID_FORMAT, "additionalInfo.cartData: {detail}"),
    e.DuplicateReference: (DUPLICATE, "[{reference_no} has already been used]"),
    e.TxidCollision: (GENERAL_ERROR, "[please retry]"),
    e.RegistrationDeclined: (DO_NOT_HONOR, None),
    e.PaymentNotOpen: (DUPLICATE, "[this payment is already {word}]"),
    e.PaymentExpired: (EXPIRED, ""),
    e.PaymentDeclined: (DO_NOT_HONOR, "[{detail}]"),
    e.LinkNotFound: (INVALID_ACCOUNT, "[mandateId {mandate_id} is unknown]"),
    e.LinkNotActive: (INACTIVE_ACCOUNT, "[mandateId {mandate_id} is {state}: link {partner} again]"),
    e.LinkExpired: (INACTIVE_ACCOUNT, "[the {partner} link {mandate_id} has expired: link again]"),
    e.LinkReferenceReused: (DUPLICATE, "[partnerReferenceNo was used with another mandateId]"),
    # refund (58)
    e.CancelTargetNotFound: (NOT_FOUND, ""),
    e.InvalidCancelType: (INVALID_FORMAT, "additionalInfo.refundType: 1 (full) or 2 (partial)"),
    e.InvalidCancelAmount: (INVALID_FORMAT, "refundAmount.value: must be greater than 0"),
    e.CancelAmountTooLarge: (INVALID_AMOUNT, "[{amount} is more than the {remaining} left to refund]"),
    e.FullCancelNotWhole: (INVALID_AMOUNT, "[a full refund (refundType 1) is for the whole {amount}]"),
    e.FullCancelAfterPartial: (
        INVALID_FORMAT,
        "additionalInfo.refundType: already partly refunded; refund the {remaining} left with refundType 2",
    ),
    e.CancelInProgress: (CONFLICT, "[another refund of this payment is in progress]"),
    e.CancelNumberCollision: (GENERAL_ERROR, "[please retry]"),
    e.CancelRefused: (BAD_STATUS, None),
    e.PartialCancelBeforePayment: (BAD_STATUS, "[only a paid payment can be refunded in part]"),
    e.CancelRefusedByRules: (OPERATION_NOT_ALLOWED, "[{detail}]"),
    e.CancelPartnerUnavailable: (TIMEOUT, "[the partner did not answer: check the status before retrying]"),
    e.CancelDeclined: (NOT_PERMITTED, "[{detail}]"),
    e.CancelFailedAtPartner: (EXTERNAL_ERROR, "[{detail}]"),
    e.RefundReferenceReused: (
        (409, "01", "Duplicate partnerRefundNo"),
        "[{reference} was used for another refund]",
    ),
    # credentials and request ids
    e.AccessTokenInvalid: (INVALID_TOKEN, ""),
    e.RequestIdReused: (CONFLICT, "[X-EXTERNAL-ID {value} was already used today]"),
}


@dataclass(frozen=True)
class Answer:
    """SNAP's answer for an error: HTTP status, responseCode and responseMessage."""

    http_status: int
    response_code: str
    message: str

    def body(self) -> dict[str, str]:
        return {"responseCode": self.response_code, "responseMessage": self.message}


def _entry(cls: type[e.ApplicationError]) -> tuple[Case, Wording]:
    return next(CASES[k] for k in cls.__mro__ if k in CASES)


def _case_of(exc: e.ApplicationError) -> tuple[Case, str]:
    if isinstance(exc, SnapError):
        return exc.case, exc.message
    if isinstance(exc, e.CancelFailedEarlier):  # the stored first failure, answered again
        cause = e.ApplicationError.by_code.get(exc.params.get("cause", ""), e.CancelFailedAtPartner)
        case, _ = _entry(cause)
        return case, f"{case[2]} [{exc.message}]"
    case, wording = _entry(type(exc))
    if exc.explicit or wording is None:
        detail = f"[{exc.message}]"
    else:
        detail = wording(exc.params) if callable(wording) else wording.format(**exc.params)
    return case, f"{case[2]} {detail}".strip()


def answer(exc: e.ApplicationError, service: str) -> Answer:
    """The SNAP answer to `exc` on service `service` ("73", "54", "55", "58"; "00" for none)."""
    (http_status, case, _), message = _case_of(exc)
    if len(message) > MESSAGE_MAX:
        message = message[: MESSAGE_MAX - 1] + "…"
    return Answer(http_status, f"{http_status}{service}{case}", message)
