"""The V2 door's errors: its own (malformed fields, tokens, timestamps) and the one table that
maps every service error onto NICEPAY's resultCd and resultMsg (nicepay-v2.md §7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from payments import exceptions as e

from .fields import DELIVERY


class V2Error(e.ApplicationError):
    """Raised by the V2 door itself, with NICEPAY's result code."""

    result_cd: ClassVar[str] = "9999"

    def __init__(
        self, message: str | None = None, *, result_cd: str | None = None, http_status: int = 0
    ) -> None:
        super().__init__(message)
        if result_cd:
            self.result_cd = result_cd
        if http_status:
            self.http_status = http_status


class InvalidField(V2Error):
    """A field is missing, too long or malformed: the field's own result code."""

    result_cd = "9003"

    def __init__(self, field: str, message: str, *, result_cd: str = "9003") -> None:
        self.field = field
        super().__init__(message, result_cd=result_cd)


class BadBody(V2Error):
    result_cd = "9003"
    default_message = "Invalid request: the body must be a JSON object"


class InvalidToken(V2Error):
    result_cd = "9010"
    http_status = 401
    default_message = "Invalid merchantToken"


class UnknownMerchant(V2Error):
    result_cd = "9011"
    http_status = 401
    default_message = "Invalid iMid: merchant is not registered"


class StaleTimestamp(V2Error):
    result_cd = "9031"
    default_message = "timeStamp is outside the allowed window"


def _partial(full: str, partial: str) -> Callable[[e.ApplicationError], str]:
    return lambda exc: partial if exc.params.get("partial") else full


def _reference_held(*, reference_no: str, txid: str, word: str, paid: bool) -> str:
    if paid:
        return f"referenceNo {reference_no} is already paid by tXid {txid}; a new order needs a new one"
    return (
        f"referenceNo {reference_no} is in use by tXid {txid}, which is still {word}; "
        "register it again only after that payment has ended unpaid"
    )


def _delivery_field(field: str) -> str:
    return {name: wire for wire, name in DELIVERY.items()}[field]


# Service error -> resultCd, and the V2 wording where NICEPAY's names its fields. The nearest
# class in the error's MRO decides; an explicit message given at the raise is kept as it is.
Code = str | Callable[[e.ApplicationError], str]
RESULT_CODES: dict[type[e.ApplicationError], tuple[Code, str | Callable[[dict[str, Any]], str] | None]] = {
    e.ApplicationError: ("9999", None),
    e.InvalidInput: ("9003", None),
    e.NotAllowed: ("9502", None),
    e.TransactionNotFound: ("9501", None),
    e.NotificationNotFound: ("9501", None),
    e.PartnerFailure: ("9002", None),
    # registration
    e.PayMethodNotOffered: ("9012", "payMethod must be 05 (E-Wallet) or 06 (Payloan)"),
    e.PartnerNotOffered: ("9012", "mitraCd {mitra_cd!r} is not available"),
    e.PartnerNotForPayMethod: ("9012", "mitraCd {mitra_cd} is not valid for payMethod {pay_method}"),
    e.LinkedAccountRequired: ("9012", "{partner} payments are made through linkInitiate on a linked account"),
    e.CurrencyNotSupported: ("9003", None),
    e.AmountBelowMinimum: ("9003", "amt {amount} is below this partner's minimum of {minimum}"),
    e.AmountAboveMaximum: ("9003", "amt {amount} is above this partner's maximum of {maximum}"),
    e.CartTotalMismatch: (
        "9023",
        "Amount is different with Cart Data total amount: amt {amount} but the cart totals {total}",
    ),
    e.InstalmentTypeInvalid: ("9029", "instmntType must be 1 (customer charge) or 2 (merchant charge)"),
    e.TenorNotOffered: (
        "9029",
        lambda p: f"instmntMon {p['months'] or '(empty)'} is not available; allowed: {p['allowed']}",
    ),
    e.DeliveryRequired: ("9003", lambda p: f"{_delivery_field(p['field'])} is required for Payloan"),
    e.SellersRequired: ("9003", "sellers is required for {partner}"),
    e.SellerMissing: ("9003", "cartData item {item!r} needs goods_sellers_id ({partner})"),
    e.SellerUnknown: ("9003", "goods_sellers_id {seller_id!r} is not in sellers"),
    e.ValidUntilInPast: ("9031", "payValidDt/payValidTm is already in the past"),
    e.BillingEmailInvalid: ("9018", "billingEmail must be an e-mail address of at most 40 characters"),
    e.CartInvalid: ("9022", "Invalid cartData: {detail}"),
    e.DuplicateReference: ("9009", lambda p: _reference_held(**p)),
    e.NoMethodFits: ("9012", "No payment method fits payMethod {pay_method} and amt {amount}"),
    e.TxidCollision: ("9006", None),
    e.RegistrationPartnerFailure: ("9001", None),
    e.RegistrationDeclined: ("9001", None),
    # payment
    e.PaymentExpired: ("9031", None),
    e.PaymentDeclined: ("9752", None),
    # cancel
    e.CancelTargetNotFound: (_partial("8064", "8066"), None),
    e.InvalidCancelType: ("9301", "cancelType must be 1 (full) or 2 (partial)"),
    # [inferred] NICEPAY documents no code for a payMethod that is not the tXid's. Its tXid carries
    # the payMethod and its cancel is routed by it, so the tXid is not found there: the tXid error of
    # a full (8064) or partial (8066) cancel, as for an unknown tXid.
    e.CancelPayMethodMismatch: (
        _partial("8064", "8066"),
        "payMethod {pay_method} does not match this tXid: send its payMethod ({allowed})",
    ),
    e.InvalidCancelAmount: ("9321", None),
    e.CancelAmountTooLarge: ("9319", None),
    e.FullCancelNotWhole: ("9319", None),
    e.FullCancelAfterPartial: (
        "9320",
        "Cannot fully cancel a transaction that was already partially cancelled; "
        "cancel the remaining {remaining} with cancelType 2",
    ),
    e.CancelInProgress: ("9315", None),
    e.CancelNumberCollision: ("9311", None),
    e.CancelRefused: ("9314", None),
    e.PartialCancelBeforePayment: ("9326", None),
    e.CancelRefusedByRules: (_partial("9314", "9332"), None),
    e.CancelPartnerUnavailable: ("8090", None),
    e.CancelDeclined: (_partial("8061", "8062"), None),
    e.CancelFailedAtPartner: (_partial("8061", "8062"), None),
    # account links
    e.LinkNotFound: ("9501", "mandateID {mandate_id} is unknown for this merchant"),
    e.LinkNotActive: (
        "9502",
        "mandateID {mandate_id} is {state}: the customer must link {partner} again (linkEnable)",
    ),
    e.LinkExpired: ("9502", "The {partner} link {mandate_id} has expired: link again (linkEnable)"),
    e.LinkAlreadyLinked: ("9502", "referenceNo {reference_no} is already linked (mandateID {mandate_id})"),
    e.LinkRevoked: ("9502", "referenceNo {reference_no} was unlinked; link again with a new referenceNo"),
    e.LinkNotLinked: ("9502", "mandateID {mandate_id} is {state}, not linked"),
    e.LinkReferenceReused: ("9502", "referenceNo was already used with another mandateID"),
    e.LinkDeclined: ("9752", None),
}


@dataclass(frozen=True)
class Answer:
    """What the V2 door answers for an error: resultCd, resultMsg and the HTTP status."""

    result_cd: str
    message: str
    http_status: int


def _entry(cls: type[e.ApplicationError]) -> tuple[Code, Any]:
    return next(RESULT_CODES[k] for k in cls.__mro__ if k in RESULT_CODES)


def answer(exc: e.ApplicationError) -> Answer:
    """The V2 answer for any application error."""
    if isinstance(exc, V2Error):
        return Answer(exc.result_cd, exc.message, exc.http_status)
    if isinstance(exc, e.CancelFailedEarlier):  # the stored first failure, answered again
        cause = exc.params.get("cause", "")
        code, _ = _entry(e.ApplicationError.by_code.get(cause, e.CancelFailedAtPartner))
        result_cd = (
            cause if cause.isdigit() else code(exc) if callable(code) else code
        )  # digits: a legacy row
        return Answer(result_cd, exc.message, exc.http_status)
    code, wording = _entry(type(exc))
    result_cd = code(exc) if callable(code) else code
    if exc.explicit or wording is None:
        message = exc.message
    else:
        message = wording(exc.params) if callable(wording) else wording.format(**exc.params)
    return Answer(result_cd, message, exc.http_status)
