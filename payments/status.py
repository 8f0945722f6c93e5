"""NICEPAY's public status vocabulary and the legal moves between statuses. Pure Python."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    PAID = "0"
    VOID = "1"
    REFUND = "2"
    UNPAID = "3"
    PROCESSING = "4"
    EXPIRED = "5"
    FAILED = "8"
    INIT = "9"

    @property
    def word(self) -> str:
        """NICEPAY's inquiry resultMsg word."""
        return WORDS[self]

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self] - {Status.REFUND, Status.VOID}

    @property
    def is_open(self) -> bool:
        return self in OPEN


WORDS = {
    Status.PAID: "paid",
    Status.VOID: "void",
    Status.REFUND: "refund",
    Status.UNPAID: "unpaid",
    Status.PROCESSING: "processing",
    Status.EXPIRED: "expired",
    Status.FAILED: "failed",
    Status.INIT: "init",
}
CHOICES = [(s.value, f"{s.value} {s.word}") for s in Status]
OPEN = frozenset({Status.INIT, Status.UNPAID, Status.PROCESSING})
# Ended without payment: failed, expired, or voided before payment (paid_at unset). Such an attempt
# frees its referenceNo, and money a partner takes for it later is returned (late_payments.py).
ENDED_UNPAID = frozenset({Status.FAILED, Status.EXPIRED, Status.VOID})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.INIT: frozenset(
        {Status.PROCESSING, Status.UNPAID, Status.PAID, Status.FAILED, Status.EXPIRED, Status.VOID}
    ),
    Status.UNPAID: frozenset({Status.PROCESSING, Status.PAID, Status.FAILED, Status.EXPIRED, Status.VOID}),
    Status.PROCESSING: frozenset({Status.PAID, Status.FAILED, Status.EXPIRED, Status.VOID}),
    Status.PAID: frozenset({Status.VOID, Status.REFUND}),
    Status.VOID: frozenset(),
    Status.REFUND: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.FAILED: frozenset(),
}


def can_transition(frm: Status | str, to: Status | str) -> bool:
    return Status(to) in TRANSITIONS[Status(frm)]


def ended_unpaid(status: Status | str, paid_at: object) -> bool:
    """Whether a transaction in `status` with `paid_at` (None when never paid) ended unpaid."""
    return Status(status) in ENDED_UNPAID and paid_at is None
