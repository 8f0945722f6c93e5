"""Atomic counters for the simulated partners: attempt limits on PIN/OTP pages and nonces.

Every change is one UPDATE whose WHERE clause decides (`value < limit`), so a burst of concurrent
requests can never count past a limit: the database serialises the increments, and a request that
finds the limit reached changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import SandboxCounter


def _row(key: str) -> None:
    if not SandboxCounter.objects.filter(key=key).exists():
        try:
            with transaction.atomic():
                SandboxCounter.objects.create(key=key)
        except IntegrityError:  # created by a concurrent request: fine, it starts at 0 too
            pass


def take(key: str, limit: int) -> bool:
    """Counts one attempt against `limit`. True when the attempt may go ahead (it was one of the
    first `limit`), False when the limit was already reached."""
    _row(key)
    return bool(
        SandboxCounter.objects.filter(key=key, value__lt=limit).update(
            value=F("value") + 1, updated_at=timezone.now()
        )
    )


def used(key: str) -> int:
    return SandboxCounter.objects.filter(key=key).values_list("value", flat=True).first() or 0


def next_after(key: str, at_least: int) -> int:
    """The next value of a strictly increasing sequence that is never below `at_least` (for
    example a nonce that is a Unix time but must never repeat)."""
    _row(key)
    with transaction.atomic():
        row = SandboxCounter.objects.select_for_update().get(key=key)
        row.value = max(row.value + 1, at_least)
        row.save(update_fields=["value", "updated_at"])
        return row.value


@dataclass(frozen=True)
class Attempts:
    """The tries a customer has at one secret (a PIN, an OTP) on one partner page."""

    key: str
    limit: int

    @classmethod
    def of(cls, partner: str, ref: str, what: str, limit: int) -> Attempts:
        return cls(f"attempts:{partner}:{ref}:{what}", limit)

    def take(self) -> bool:
        return take(self.key, self.limit)

    @property
    def left(self) -> int:
        return max(0, self.limit - used(self.key))

    @property
    def exhausted(self) -> bool:
        return used(self.key) >= self.limit
