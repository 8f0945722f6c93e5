"""The one writer of Transaction.status."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.models import PartnerCall, Transaction, TransactionEvent
from payments.status import Status, can_transition, ended_unpaid

from . import queue
from .fees import transaction_fee
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
    rejected event and the transaction flagged for review, except a success reported for a
    transaction that ended unpaid: its money is returned (late_payments.py), ops see it only if
    that fails. A correcting source (poll, sync, reconcile) writes a status_corrected event.
    Returns the transaction. Raises nothing of its own."""
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
    if kind == TransactionEvent.Kind.REJECTED and to == Status.PAID and ended_unpaid(frm, txn.paid_at):
        _late_payment(txn, event)
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
        txn.fee = transaction_fee(merchant_id=txn.merchant_id, mitra_cd=txn.mitra_cd, amount=txn.amount)
        fields += ["paid_at", "fee"]
    if not to.is_open:
        txn.next_poll_at = None
        fields.append("next_poll_at")
    txn.save(update_fields=fields)
    notification_create(txn=txn, event=event)
    rollup_move(txn, before=bucket)  # last: the overview's counts, their row locked until the commit
    return txn


LATE_RETURN_PREFIX = "late-return:"


def late_return_key(transaction_id: int) -> str:
    """The PartnerCall key of the automatic return of transaction `transaction_id`'s late payment."""
    return f"{LATE_RETURN_PREFIX}{transaction_id}"


def _late_payment(txn: Transaction, event: TransactionEvent) -> None:
    """A partner took money for a transaction that had ended unpaid: it stays ended (the merchant
    was told so), and the money goes back (late_payments.py). The PartnerCall row, written with the
    event, is the durable to-do: its lease is already over, so the task or, if that task is lost,
    the sweep claims it. The partner's own payment time decides its refund rules; without one, ours."""
    log.warning("late payment for %s (%s): returning it to the payer", txn.txid, txn.status_enum.word)
    paid_at = (event.payload or {}).get("paid_at") or event.created_at.isoformat()
    PartnerCall.objects.get_or_create(
        key=late_return_key(txn.pk),
        defaults={
            "transaction": txn,
            "lease_until": event.created_at,
            "attempt": 0,
            "data": {"paid_at": paid_at, "event": event.pk, "source": event.source},
        },
    )
    queue.send_on_commit(queue.TRANSACTION_RETURN_LATE_PAYMENT, txn.pk)
