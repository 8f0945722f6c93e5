"""Reads. Every merchant-facing read is scoped to one merchant here."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from payments.exceptions import TransactionNotFound
from payments.models import Merchant, Transaction
from payments.status import OPEN


def merchant_get(*, imid: str) -> Merchant | None:
    return Merchant.objects.filter(imid=imid, is_active=True).first()


def transaction_get(*, merchant: Merchant, txid: str) -> Transaction:
    """Another merchant's tXid is as unknown as a made-up one."""
    txn = Transaction.objects.filter(merchant=merchant, txid=txid).select_related("merchant").first()
    if txn is None:
        raise TransactionNotFound()
    return txn


def transaction_get_public(*, txid: str) -> Transaction | None:
    return Transaction.objects.filter(txid=txid).select_related("merchant").first()


def transactions_for_merchant(*, merchant: Merchant) -> QuerySet[Transaction]:
    return Transaction.objects.filter(merchant=merchant)


def transactions_due_for_poll(
    *, now: datetime, limit: int, lock: bool = False
) -> list[tuple[int, datetime, int]]:
    """Uses the partial index on next_poll_at (open statuses only). With lock=True (inside a DB
    transaction) the rows are locked and rows another sweep holds are skipped."""
    qs = Transaction.objects.filter(status__in=sorted(OPEN), next_poll_at__lte=now).order_by("next_poll_at")
    if lock:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("pk", "next_poll_at", "poll_count")[:limit])


def transactions_due_for_expiry(*, now: datetime, limit: int) -> list[int]:
    return list(
        Transaction.objects.filter(status__in=sorted(OPEN), expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
