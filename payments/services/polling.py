"""Asking partners for the status of payments they have not told us about (yet)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from payments.models import AuditLog, Transaction
from payments.selectors.transactions import transactions_due_for_poll
from payments.status import ended_unpaid
from providers import registry
from providers.base.errors import PartnerError, PartnerUnavailable
from providers.base.types import PartnerStatus

from .audit import Actor, audit_record
from .settle import apply_partner_result

log = logging.getLogger("payments.polling")


def poll_delay(poll_count: int) -> timedelta:
    """How long after the `poll_count`-th poll to ask again (POLL_SCHEDULE, seconds; the last
    value repeats)."""
    schedule = settings.POLL_SCHEDULE
    return timedelta(seconds=schedule[min(poll_count, len(schedule) - 1)])


def transactions_claim_polls(*, limit: int = 200) -> list[int]:
    """Claim the due rows: lock them (SKIP LOCKED, so two sweeps never take the same row) and push
    each one's next_poll_at forward in the same DB transaction, so a claimed row is not due again
    until its next round. One select plus one update per schedule step: the query count depends
    on neither the table size nor the number of due rows."""
    now = timezone.now()
    with transaction.atomic():
        rows = transactions_due_for_poll(now=now, limit=limit, lock=True)
        by_delay: dict[timedelta, list[int]] = defaultdict(list)
        for pk, _due, count in rows:
            by_delay[poll_delay(count + 1)].append(pk)
        for delay, pks in by_delay.items():
            Transaction.objects.filter(pk__in=pks).update(
                next_poll_at=now + delay, poll_count=F("poll_count") + 1
            )
    return [pk for pk, _due, _count in rows]


def transaction_sync(*, transaction_id: int, source: str = "poll", actor: Actor | None = None) -> Transaction:
    """Fetch the partner's status now and apply it (source names the path: poll, sync, return,
    expiry-check). Returns the transaction as it is afterwards. Raises PartnerError (e.g.
    PartnerUnavailable when unreachable). With an `actor` (a person or an API client asked for
    it) the sync is audited, its failure too."""
    txn = Transaction.objects.get(pk=transaction_id)
    before = txn.status
    try:
        after = _sync(txn, source)
    except PartnerError as exc:
        _audit_sync(actor, txn, {"outcome": type(exc).__name__})
        raise
    _audit_sync(actor, txn, {"outcome": "ok", "from": before, "to": after.status})
    return after


def return_worth_asking(txn: Transaction) -> bool:
    """Whether the shopper's browser, back from the partner's page, is a reason to ask the partner
    now: the payment reached the partner and is open, or it ended unpaid here (left, expired) while
    the partner's order could still be paid. A partner that sends no notification (LinkAja) tells
    of such late money only when asked."""
    if not txn.payment_started_at:
        return False
    return txn.status_enum.is_open or ended_unpaid(txn.status, txn.paid_at)


def transaction_sync_on_return(*, transaction_id: int) -> Transaction:
    """The shopper is back from the partner's page of transaction `transaction_id`: an open payment
    is synced (source "return"); for one that ended unpaid only the partner's success is applied,
    which returns the late payment (late_payments.py); any other answer about an ended payment
    is nothing new. Returns the transaction as it is afterwards. Raises PartnerError."""
    txn = Transaction.objects.get(pk=transaction_id)
    if txn.status_enum.is_open:
        return transaction_sync(transaction_id=transaction_id, source="return")
    if not return_worth_asking(txn):
        return txn
    result = registry.get_adapter(txn.mitra_cd).fetch_status(
        txid=txn.txid, partner_ref=txn.partner_ref, amount=txn.amount
    )
    if result.status is not PartnerStatus.SUCCEEDED:
        return txn
    key = f"return:{result.raw_status}:{result.status}"
    return apply_partner_result(txn=txn, result=result, source="return", idempotency_key=key)


def _sync(txn: Transaction, source: str) -> Transaction:
    if not txn.payment_started_at and not txn.partner_ref:
        return txn  # the partner has never heard of it
    adapter = registry.get_adapter(txn.mitra_cd)
    result = adapter.fetch_status(txid=txn.txid, partner_ref=txn.partner_ref, amount=txn.amount)
    key = f"{source}:{result.raw_status}:{result.status}"
    return apply_partner_result(txn=txn, result=result, source=source, idempotency_key=key)


def _audit_sync(actor: Actor | None, txn: Transaction, detail: dict[str, str]) -> None:
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSACTION_SYNCED,
            merchant=txn.merchant,
            target=f"transaction:{txn.txid}",
            detail=detail,
        )


def transaction_poll(*, transaction_id: int) -> None:
    """One poll round of a payment (the task): an unreachable or failing partner is logged and the
    next round retries. Raises nothing."""
    try:
        transaction_sync(transaction_id=transaction_id, source="poll")
    except PartnerUnavailable as exc:
        log.info("poll of %s: partner unavailable (%s); next round retries", transaction_id, exc.message)
    except PartnerError as exc:
        log.warning("poll of %s failed: %s", transaction_id, exc.message)
