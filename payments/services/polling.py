"""Asking partners for the status of payments they have not told us about (yet)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from payments.models import Transaction
from payments.selectors import transactions_due_for_poll
from providers import registry
from providers.base.errors import PartnerError, PartnerUnavailable

from .callbacks import apply_partner_result

log = logging.getLogger("payments.polling")


def poll_delay(poll_count: int) -> timedelta:
    schedule = settings.POLL_SCHEDULE
    return timedelta(seconds=schedule[min(poll_count, len(schedule) - 1)])


def transactions_claim_polls(*, limit: int = 200) -> list[int]:
    """Pick the due rows and push each one's next_poll_at forward with a conditional update, so a
    row is claimed (and enqueued) by one sweep only."""
    now = timezone.now()
    claimed = []
    for pk, due, count in transactions_due_for_poll(now=now, limit=limit):
        won = Transaction.objects.filter(pk=pk, next_poll_at=due).update(
            next_poll_at=now + poll_delay(count + 1), poll_count=F("poll_count") + 1)
        if won:
            claimed.append(pk)
    return claimed


def transaction_sync(*, transaction_id: int, source: str = "poll") -> Transaction:
    """Fetch the partner's status now and apply it. Raises PartnerUnavailable if unreachable."""
    txn = Transaction.objects.get(pk=transaction_id)
    if not txn.payment_started_at and not txn.partner_ref:
        return txn  # the partner has never heard of it
    adapter = registry.get_adapter(txn.mitra_cd)
    result = adapter.fetch_status(txid=txn.txid, partner_ref=txn.partner_ref, amount=txn.amount)
    key = f"{source}:{result.raw_status}:{result.status}"
    return apply_partner_result(txn=txn, result=result, source=source, idempotency_key=key)


def transaction_poll(*, transaction_id: int) -> None:
    try:
        transaction_sync(transaction_id=transaction_id, source="poll")
    except PartnerUnavailable as exc:
        log.info("poll of %s: partner unavailable (%s); next round retries", transaction_id, exc.message)
    except PartnerError as exc:
        log.warning("poll of %s failed: %s", transaction_id, exc.message)
