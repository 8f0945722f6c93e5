"""What a merchant may cancel of one payment today: full and partial, each allowed or not with the
reason in words (the partner's own rule as its adapter checks it, before any call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from payments.models import Transaction
from payments.status import Status
from providers import registry
from providers.base.errors import CancelNotAllowed

from .cancellation import FULL, PARTIAL, _request, cancel_types_allowed


@dataclass(frozen=True)
class CancelOption:
    cancel_type: str  # "1" full, "2" partial
    allowed: bool
    amount: int  # full: the whole amount; partial: at most this (whole rupiah)
    why_not: str  # "" when allowed


def _why_not_by_state(txn: Transaction, cancel_type: str) -> str:
    status = txn.status_enum
    if txn.remaining_amount <= 0:
        return "Nothing is left to cancel."
    if status == Status.PAID and cancel_type == FULL and txn.cancelled_amount:
        return "Part of it was refunded already: cancel the rest as a partial cancel."
    if status.is_open and cancel_type == PARTIAL:
        return "A partial cancel is only possible after payment."
    if status.is_open:
        return "The shopper is already at the partner: it is cancelled when it expires."
    return f"A payment that is {status.word} cannot be cancelled."


def _refusal(txn: Transaction, amount: int, now: datetime) -> str:
    """The partner's rule refusing a cancel of `amount` now, in words; "" when it allows it."""
    try:
        registry.get_adapter(txn.mitra_cd).check_cancel(_request(txn, amount, "check", ""), now=now)
    except CancelNotAllowed as exc:
        text = exc.message[:1].upper() + exc.message[1:]
        return text if text.endswith((".", ":")) else text + "."
    return ""


def cancel_options(*, txn: Transaction, now: datetime | None = None) -> list[CancelOption]:
    """The full and the partial cancel of `txn` at `now`: whether each is possible and, if not,
    why (the gateway's own rule, else the partner's as its adapter states it). Pure: no partner
    call, no write. Full comes first (the form's default).

    A partial cancel's own amount rules (Akulaku: whole cart lines) are checked when it is asked
    for; here only whether the partner takes partial cancels and its time rules."""
    now = now or timezone.now()
    possible = cancel_types_allowed(txn)
    paid = txn.status_enum == Status.PAID
    # Time rules apply to any cancel: ask them with the whole amount (or what is left).
    whole = txn.amount if not txn.cancelled_amount else txn.remaining_amount
    timing = _refusal(txn, whole, now) if paid else ""
    options = []
    for cancel_type in (FULL, PARTIAL):
        amount = txn.amount if cancel_type == FULL else txn.remaining_amount
        if cancel_type not in possible:
            options.append(CancelOption(cancel_type, False, amount, _why_not_by_state(txn, cancel_type)))
            continue
        why = timing
        if paid and cancel_type == PARTIAL and not registry.partner(txn.mitra_cd).cancel.partial:
            # The partner's own words for "no partial cancel": ask it one rupiah short of the whole.
            why = _refusal(txn, max(1, amount - 1), now) or "This partner takes no partial cancel."
        options.append(CancelOption(cancel_type, not why, amount, why))
    return options
