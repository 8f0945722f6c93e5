"""The one writer of Transaction.status."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.models import Transaction, TransactionEvent
from payments.status import Status, can_transition

from .notifications import notification_create
from .rollups import rollup_key, rollup_move

log = logging.getLogger("payments.transitions")
CORRECTING_SOURCES = frozenset({"poll", "sync", "reconcile"})


def flag_for_review(txn: Transaction, reason: str) -> None:
    """Caller holds the row lock. Ops see it in the review queue; never applied silently."""
    txn.needs_review = True
    txn.review_reason = reason[:255]
    txn.save(update_fields=["needs_review", "review_reason", "updated_at"])


@transaction.atomic
def transaction_apply_status(
    *,
    transaction_id: int,
    to: Status | str,
    source: str,
    idempotency_key: str,
    payload: dict[str, Any] | None = None,
) -> Transaction:
    """The one writer of Transaction.status: move the transaction to `to`, write its outbox
    notification and move it to its new rollup bucket (the dashboard overview's counts), in one
    DB transaction under the row lock.

    Args: `source` names the path (partner_callback, poll, sync, expiry, merchant, ...);
    `idempotency_key` makes the same input again a no-op (unique per transaction); `payload` is
    kept on the event. A move the transition table forbids is never applied: it is recorded as a
    rejected event and the transaction flagged for review. A correcting source (poll, sync,
    reconcile) writes a status_corrected event. Returns the transaction. Raises nothing of its own."""
    to = Status(to)
    txn = Transaction.objects.select_for_update().get(pk=transaction_id)
    frm = Status(txn.status)
    if TransactionEvent.objects.filter(transaction=txn, idempotency_key=idempotency_key).exists():
        return txn  # the same input again (duplicate callback, re-run poll): no-op
    if frm == to:
        return txn
    kind = TransactionEvent.Kind.STATUS_CHANGED
    if not can_transition(frm, to):
        kind = TransactionEvent.Kind.REJECTED
    elif source in CORRECTING_SOURCES:
        kind = TransactionEvent.Kind.STATUS_CORRECTED  # the partner moved on without telling us
    try:
        with transaction.atomic():
            event = TransactionEvent.objects.create(
                transaction=txn,
                kind=kind,
                from_status=frm,
                to_status=to,
                source=source,
                idempotency_key=idempotency_key,
                payload=payload or {},
            )
    except IntegrityError:
        return txn
    if kind == TransactionEvent.Kind.REJECTED:
        log.warning("rejected %s -> %s for %s from %s", frm, to, txn.txid, source)
        flag_for_review(txn, f"{source} reported {to.word} while the transaction is {frm.word}")
        return txn
    bucket = rollup_key(txn)
    txn.status = to
    fields = ["status", "updated_at"]
    now = timezone.now()
    if to == Status.PAID:
        txn.paid_at = now
        fields.append("paid_at")
    if not to.is_open:
        txn.next_poll_at = None
        fields.append("next_poll_at")
    txn.save(update_fields=fields)
    notification_create(txn=txn, event=event)
    rollup_move(txn, before=bucket)  # last: the overview's counts, their row locked until the commit
    return txn
