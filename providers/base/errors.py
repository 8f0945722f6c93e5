"""Partner errors. The gateway maps each one to a NICEPAY resultCd in one place."""

from __future__ import annotations

from datetime import datetime


class PartnerError(Exception):
    """Base class. `code`/`message` are the partner's own, safe to log (never secrets)."""

    def __init__(self, message: str = "", *, code: str = "", raw: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.raw = raw


class PartnerUnavailable(PartnerError):
    """Timeout, connection error or 5xx: ambiguous, retryable. Never fails a payment."""


class PartnerDeclined(PartnerError):
    """A business refusal (insufficient funds, invalid account, order refused...)."""


class InvalidSignature(PartnerError):
    """An inbound notification whose signature or credentials do not verify."""


class InvalidPayload(PartnerError):
    """An inbound notification that cannot be parsed or has unknown values."""


class NotSupported(PartnerError):
    """The partner does not offer this operation."""


class CancelNotAllowed(PartnerError):
    """The partner's rules forbid this cancel (window, partial, blackout hour...). `retry_at` (an
    aware datetime) is set when the refusal is only for a while (a closing hour): the same cancel
    is allowed from then on."""

    def __init__(self, message: str = "", *, retry_at: datetime | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_at = retry_at


class UnknownStatus(InvalidPayload):
    """A partner status value missing from the adapter's STATUS_MAP: we never guess."""


class StaleNotification(InvalidSignature):
    """A notification whose signed timestamp is outside the accepted window, or whose nonce was
    already used: a replay, refused like a bad signature."""
