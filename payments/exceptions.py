"""Application errors. Each carries NICEPAY's resultCd; payments/nicepay maps them to HTTP once."""

from __future__ import annotations


class ApplicationError(Exception):
    result_cd = "9999"
    http_status = 400
    default_message = "Request failed"

    def __init__(
        self, message: str | None = None, *, result_cd: str | None = None, http_status: int | None = None
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        if result_cd:
            self.result_cd = result_cd
        if http_status:
            self.http_status = http_status


class InvalidField(ApplicationError):
    """A field is missing, too long or malformed. result_cd is the field's own code."""

    def __init__(self, field: str, message: str, *, result_cd: str = "9003") -> None:
        self.field = field
        super().__init__(message, result_cd=result_cd)


class InvalidToken(ApplicationError):
    result_cd = "9010"
    http_status = 401
    default_message = "Invalid merchantToken"


class UnknownMerchant(ApplicationError):
    result_cd = "9011"
    http_status = 401
    default_message = "Invalid iMid: merchant is not registered"


class StaleTimestamp(ApplicationError):
    result_cd = "9031"
    default_message = "timeStamp is outside the allowed window"


class DuplicateReference(ApplicationError):
    result_cd = "9009"
    http_status = 409
    default_message = "referenceNo has already been used"


class TransactionNotFound(ApplicationError):
    result_cd = "9501"
    http_status = 404
    default_message = "Invalid transaction number (tXid)"


class NotAllowed(ApplicationError):
    result_cd = "9502"
    http_status = 409
    default_message = "Transaction not allowed"


class CancelRefused(ApplicationError):
    result_cd = "9314"
    http_status = 409
    default_message = "This transaction cannot be cancelled"


class PartnerFailure(ApplicationError):
    """The partner could not be reached or answered with an error we cannot resolve now."""

    result_cd = "9002"
    http_status = 503
    default_message = "Partner is unavailable, please retry later"


class TxidSpaceExhausted(ApplicationError):
    """Every one of the 10,000 tXid suffixes of this merchant, payMethod and second is taken."""

    result_cd = "9006"
    http_status = 503
    default_message = "Transaction number generation error: too many transactions this second, please retry"
