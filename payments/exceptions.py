"""The errors services and selectors raise on purpose, one type per refusal.

They speak no wire format: each front door maps the type onto its own answer (the V2 result codes
are one table in payments/nicepay/errors.py; /api/v1 answers `code` and `message`). An error keeps
the facts of the refusal as attributes (`params`), so a door can word it in its own terms;
`message` is the neutral wording, safe to show to people. `http_status` is the HTTP class of the
refusal, the same for every HTTP door."""

from __future__ import annotations

import re
from typing import Any, ClassVar


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ApplicationError(Exception):
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str] = "Request failed"
    code: ClassVar[str] = "application_error"  # stable and machine-readable: the class name in snake_case
    by_code: ClassVar[dict[str, type[ApplicationError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = _snake(cls.__name__)
        ApplicationError.by_code[cls.code] = cls

    def __init__(self, message: str | None = None, **params: Any) -> None:
        """`params` are the facts of the refusal (they fill `default_message`); an explicit
        `message` replaces the default wording everywhere."""
        self.params = params
        self.explicit = message is not None
        self.message = message if message is not None else self.default_message.format(**params)
        super().__init__(self.message)


# --- general ---------------------------------------------------------------------------------
class InvalidInput(ApplicationError):
    """Input that breaks a business rule (the format of each field is the door's own check)."""


class NotAllowed(ApplicationError):
    http_status = 409
    default_message = "Transaction not allowed"


class TransactionNotFound(ApplicationError):
    http_status = 404
    default_message = "Invalid transaction number (tXid)"


class NotificationNotFound(ApplicationError):
    http_status = 404
    default_message = "Notification not found"


class PartnerFailure(ApplicationError):
    """The partner could not be reached or answered with an error we cannot resolve now."""

    http_status = 503
    default_message = "Partner is unavailable, please retry later"


# --- registration ----------------------------------------------------------------------------
class PayMethodNotOffered(InvalidInput):
    default_message = "Pay method {pay_method!r} is not offered: use 05 (e-wallet) or 06 (pay-later)"


class PartnerNotOffered(InvalidInput):
    default_message = "Partner {mitra_cd!r} is not available"


class PartnerNotForPayMethod(InvalidInput):
    default_message = "Partner {mitra_cd} does not take pay method {pay_method}"


class LinkedAccountRequired(InvalidInput):
    default_message = "{partner} payments are made from a linked account"


class CurrencyNotSupported(InvalidInput):
    default_message = "currency must be IDR"


class AmountBelowMinimum(InvalidInput):
    default_message = "Amount {amount} is below this partner's minimum of {minimum}"


class AmountAboveMaximum(InvalidInput):
    default_message = "Amount {amount} is above this partner's maximum of {maximum}"


class CartTotalMismatch(InvalidInput):
    default_message = "The cart totals {total}, not the amount {amount}"


class InstalmentTypeInvalid(InvalidInput):
    default_message = "The instalment type must be 1 (customer pays the fee) or 2 (merchant pays it)"


class TenorNotOffered(InvalidInput):
    default_message = "An instalment of {months} months is not available; allowed: {allowed}"


class DeliveryRequired(InvalidInput):
    """`field` is the Transaction field name (delivery_name, delivery_city, ...)."""

    default_message = "The delivery detail {field} is required for pay-later"


class SellersRequired(InvalidInput):
    default_message = "Sellers are required for {partner}"


class SellerMissing(InvalidInput):
    default_message = "Cart item {item!r} needs a seller ({partner})"


class SellerUnknown(InvalidInput):
    default_message = "Seller {seller_id!r} is not in the sellers"


class ValidUntilInPast(InvalidInput):
    default_message = "The payment's validity is already in the past"


class BillingEmailInvalid(InvalidInput):
    """The shopper's e-mail is not an address (rule: registration.check_billing_email)."""

    default_message = "The billing e-mail must be an e-mail address of at most 40 characters"


class CartInvalid(InvalidInput):
    """A cart's count or an item's quantity breaks the cart rule (nicepay/cart.py); `detail` says how."""

    default_message = "The cart is not valid: {detail}"


class DuplicateReference(ApplicationError):
    """The reference is held by transaction `txid`, which is open (`word`) or paid (`paid`)."""

    http_status = 409
    default_message = "Reference {reference_no} is held by transaction {txid}, which is {word}"


class TxidCollision(ApplicationError):
    default_message = "Transaction number generation error, please retry"


class TxidSpaceExhausted(TxidCollision):
    """All 10,000 tXid suffixes of this merchant, payMethod and second are taken (services/txids.py)."""

    http_status = 503
    default_message = "Transaction number generation error: too many transactions this second, please retry"


class RegistrationPartnerFailure(PartnerFailure):
    default_message = "Registration failed: {detail}"


class RegistrationInProgress(RegistrationPartnerFailure):
    """The same order (merchant, referenceNo) is being created at the partner by another request."""

    http_status = 409
    default_message = "A registration of referenceNo {reference_no} is in progress; retry in a moment"


class RegistrationDeclined(ApplicationError):
    http_status = 422
    default_message = "Registration failed: partner refused the order ({detail})"


# --- payment ---------------------------------------------------------------------------------
class PaymentNotOpen(NotAllowed):
    default_message = "This payment is already {word}"


class PaymentExpired(NotAllowed):
    http_status = 410
    default_message = "This payment has expired"


class PaymentDeclined(NotAllowed):
    http_status = 422
    default_message = "The partner declined this payment: {detail}"


class PaymentStarting(PartnerFailure):
    """Another request (a second tab, a double submit) is asking the partner for this payment's
    next step right now: ask again in a moment for the same answer. Not a failure of the payment."""

    http_status = 202
    default_message = "This payment is being started; ask again in a moment"


# --- cancellation ----------------------------------------------------------------------------
class CancelTargetNotFound(TransactionNotFound):
    """`partial`: the refused request was a partial cancel."""


class InvalidCancelType(InvalidInput):
    default_message = "The cancel type must be full or partial"


class InvalidCancelAmount(InvalidInput):
    default_message = "Cancel amount must be greater than 0"


class CancelPayMethodMismatch(InvalidInput):
    """The cancel names pay method `pay_method`, not one of the transaction's (`allowed`);
    `partial`: the refused request was a partial cancel."""

    default_message = "Pay method {pay_method} is not this transaction's ({allowed})"


class CancelAmountTooLarge(ApplicationError):
    default_message = "Cancel amount {amount} is larger than the cancellable amount {remaining}"


class FullCancelAfterPartial(ApplicationError):
    default_message = (
        "Cannot fully cancel a transaction that was already partially cancelled; "
        "cancel the remaining {remaining} as a partial cancel"
    )


class FullCancelNotWhole(ApplicationError):
    default_message = "A full cancel must be for the whole amount {amount}"


class CancelInProgress(ApplicationError):
    http_status = 409
    default_message = "Another cancel of this transaction is in progress"


class CancelNumberCollision(ApplicationError):
    default_message = "Cancel number generation error, please retry"


class CancelRefused(ApplicationError):
    http_status = 409
    default_message = "This transaction cannot be cancelled"


class PartialCancelBeforePayment(CancelRefused):
    default_message = "A partial cancel is only possible after payment"


class CancelRefusedByRules(CancelRefused):
    """The partner's rules refuse it before any call. `partial`: it was a partial cancel."""

    default_message = "Cancel refused by {mitra_cd} rules: {detail}"


class CancelPartnerUnavailable(PartnerFailure):
    """The partner's answer to the cancel was lost: it may have been made. The gateway asks the
    partner and settles it; a new cancel is refused meanwhile."""

    default_message = (
        "The partner did not answer the cancel in time; we are checking with it whether it was made. "
        "Do not send it again: ask for the transaction's status shortly"
    )


class CancelDeclined(ApplicationError):
    """`partial`: it was a partial cancel."""

    http_status = 422
    default_message = "The partner refused the cancel: {detail}"


class CancelFailedAtPartner(ApplicationError):
    """`partial`: it was a partial cancel."""

    default_message = "Cancel failed: {detail}"


class CancelNotMade(ApplicationError):
    """A cancel whose answer was lost, settled: the partner says it never made it (nothing was
    refunded; a new cancel may be sent)."""

    default_message = "The partner did not receive this cancel; nothing was refunded"


class CancelFailedEarlier(ApplicationError):
    """The same cancel request again, after it failed: `cause` is the first failure's code,
    `partial` whether it was a partial cancel; the message is the first failure's."""


# --- receipts (pay-later partners that release funds on the merchant's word) ----------------
class ReceiptNotOffered(NotAllowed):
    default_message = "Receipt confirmation is only for {partners} transactions"


class ReceiptInProgress(PartnerFailure):
    """Another request is telling the partner about this receipt right now."""

    http_status = 409
    default_message = "The receipt confirmation is in progress with {partner}; ask again in a moment"


class ReceiptNeedsPayment(NotAllowed):
    default_message = "Receipt can only be confirmed for a paid transaction; this one is {word}"


class ReceiptDeclined(NotAllowed):
    http_status = 422
    default_message = "{partner} refused the receipt confirmation: {detail}"


# --- review ----------------------------------------------------------------------------------
class ReviewNotPending(NotAllowed):
    default_message = "This transaction is not waiting for review."


# --- account links ---------------------------------------------------------------------------
class LinkNotFound(ApplicationError):
    http_status = 404
    default_message = "Account link {mandate_id} is unknown for this merchant"


class LinkNotActive(ApplicationError):
    http_status = 409
    default_message = "Account link {mandate_id} is {state}: the customer must link {partner} again"


class LinkExpired(LinkNotActive):
    default_message = "The {partner} link {mandate_id} has expired: link again"


class LinkAlreadyLinked(NotAllowed):
    default_message = "Reference {reference_no} is already linked (mandate {mandate_id})"


class LinkRevoked(NotAllowed):
    default_message = "Reference {reference_no} was unlinked; link again with a new reference"


class LinkNotLinked(NotAllowed):
    default_message = "Account link {mandate_id} is {state}, not linked"


class LinkReferenceReused(NotAllowed):
    default_message = "This reference was already used with another account link"


class LinkDeclined(ApplicationError):
    http_status = 422
    default_message = "{partner} refused the account link: {detail}"


# --- merchants and team ----------------------------------------------------------------------
class NotificationUrlMissing(ApplicationError):
    default_message = "Set a default notification URL first."


class NotificationTestsLimited(ApplicationError):
    """Each test notification is a POST we make at once: a merchant may ask for a few a minute."""

    http_status = 429
    default_message = (
        "You sent {limit} test notifications in the last {seconds} seconds. Wait a moment, then send another."
    )


class NotificationTestsPaused(ApplicationError):
    """The test-notification limit cannot count (Redis unreachable): none is sent meanwhile."""

    http_status = 503
    default_message = "Test notifications are paused for a moment. Try again in a minute."


class UnknownRole(ApplicationError):
    default_message = "Unknown role"


class UserExists(ApplicationError):
    default_message = "A user with this e-mail already exists."


class StaffAccount(ApplicationError):
    """A back-office (staff or superuser) account is never attached to a merchant as a member."""

    default_message = (
        "This e-mail belongs to a Payloan staff account, which cannot join a merchant's team. "
        "Use another e-mail address."
    )


class InvitationInvalid(ApplicationError):
    default_message = "This invitation is invalid, used or expired."


class InvitationNotFound(ApplicationError):
    default_message = "Invitation not found"


class MemberNotFound(ApplicationError):
    default_message = "Member not found"


class LastOwner(ApplicationError):
    default_message = "The last owner cannot be demoted."


class LastOwnerRemoval(LastOwner):
    default_message = "The last owner cannot be removed."


class CannotRemoveSelf(NotAllowed):
    default_message = "You cannot remove yourself; ask another owner."


# --- keys and sign-in ------------------------------------------------------------------------
class KeyOverlapOutOfRange(InvalidInput):
    default_message = "The old key's overlap must be between 0 and {maximum} hours."


class NoPreviousKey(NotAllowed):
    default_message = "No previous key is in use."


class TwoFactorAlreadyOn(NotAllowed):
    default_message = "Two-factor sign-in is already on."


class TwoFactorNotStarted(NotAllowed):
    default_message = "Start the set-up again: no authenticator is waiting for a code."


class TwoFactorCodeWrong(InvalidInput):
    default_message = "That code is not right. Check the time on your phone and try the next code."


class TwoFactorRequiredByTeam(NotAllowed):
    default_message = "Your team requires two-factor sign-in; it cannot be turned off."


class TwoFactorOwnerFirst(NotAllowed):
    default_message = "Turn on two-factor sign-in for your own account first (Account page)."


# --- API credentials, access tokens, request ids, refund references --------------------------
class PublicKeyInvalid(InvalidInput):
    default_message = "This is not an RSA public key in PEM form ({detail})"


class AccessTokenInvalid(ApplicationError):
    http_status = 401
    default_message = "The access token is unknown, expired or revoked"


class RequestIdReused(ApplicationError):
    """`value`: the request id; `scope`: the call it was spent on."""

    http_status = 409
    default_message = "Request id {value} was already used today"


class RefundReferenceReused(ApplicationError):
    http_status = 409
    default_message = "Refund number {reference} was already used for another refund"


# --- hosted checkout and payment links -------------------------------------------------------
class NoMethodFits(InvalidInput):
    http_status = 422
    default_message = "No payment method fits pay method {pay_method} and amount {amount}"


class MethodNotOffered(NotAllowed):
    default_message = "This payment method is not available for this order"


class CheckoutClosed(NotAllowed):
    default_message = "This checkout is closed"


class CheckoutExpired(CheckoutClosed):
    http_status = 410
    default_message = "This checkout has expired"


class CheckoutPaid(CheckoutClosed):
    default_message = "This order is already paid"


class AttemptStarted(NotAllowed):
    default_message = "A payment method was already chosen for this attempt"


class AttemptOpen(NotAllowed):
    default_message = "This payment attempt is still open"


class PaymentLinkClosed(NotAllowed):
    http_status = 410
    default_message = "This payment link is {state}"


class PaymentLinkBusy(NotAllowed):
    default_message = "This payment link is being paid right now"


class PaymentLinkAmountInvalid(InvalidInput):
    default_message = "No payment method you offer accepts Rp {amount}"


class PaymentLinkExpiryInPast(InvalidInput):
    default_message = "The expiry must be in the future"


class LogoInvalid(InvalidInput):
    default_message = "The logo must be a PNG, JPEG or WebP image of at most {max_kb} KB"


class NoMethodEnabled(InvalidInput):
    default_message = "Offer at least one payment method"


class LanguageNotOffered(InvalidInput):
    default_message = "Language {language!r} is not offered"


class TooManyAttempts(ApplicationError):
    http_status = 429
    default_message = "Too many attempts from your network. Please wait a few minutes."


class PaymentLinkIncomplete(NotAllowed):
    http_status = 403
    default_message = "This payment link is incomplete. Please open the payment again from the shop."


class PaymentStartedElsewhere(NotAllowed):
    http_status = 409
    default_message = (
        "This payment was opened in another browser or app: continue there, "
        "or go back to the shop to check your order."
    )
