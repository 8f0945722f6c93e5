"""Money a partner took for a transaction that had already ended unpaid (the shopper left the
attempt, it expired, it failed) goes back to the payer, without waiting for ops.

The transaction stays as it ended: the merchant was told so and may have sold the order through
another attempt. transaction_apply_status records the partner's success as a rejected move and
writes a PartnerCall row (late_return_key) in the same DB transaction: the durable to-do, claimed
by the task it queues or, when that task is lost, by the sweep. The return is the partner's full
cancel (void or refund, under its own rules from its payment time), recorded as the transaction's
one Cancellation with the key LATE_RETURN, so it is never made twice. A closing hour postpones the
return until the partner accepts cancels again; any other refusal, or a cancel the partner never
made, leaves the transaction in the review queue with the reason."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from payments import exceptions as err
from payments.models import AuditLog, Cancellation, PartnerCall, Transaction
from payments.status import ended_unpaid
from providers import registry
from providers.base.errors import CancelNotAllowed, PartnerDeclined, PartnerError
from providers.base.types import CancelRequest

from . import claims, queue
from .audit import SYSTEM, audit_record
from .cancellation import (
    FULL,
    LATE_RETURN,
    cancel_request,
    cancellation_close,
    cancellation_mark_unknown,
    check_after_seconds,
)
from .registration import new_txid
from .transitions import LATE_RETURN_PREFIX, late_return_key

log = logging.getLogger("payments.late_payments")
SOURCE = "late_payment"
REASON = "paid after the order ended: returned automatically"
LATE_RETURN_SOURCE = "late_payment"  # who asked: nobody, the gateway (the dashboard's words)
SWEEP_GRACE_SECONDS = 30  # the task queued with the event normally claims it first


def transaction_return_late_payment(*, transaction_id: int) -> Cancellation | None:
    """Return to the payer the money a partner took for transaction `transaction_id` after it
    ended unpaid: its full amount (whole rupiah), through the partner's cancel with the partner's
    payment time, outside any DB transaction.

    Single flight: the PartnerCall late_return_key(transaction_id) is claimed first (a run that
    finds it held or done does nothing), and the Cancellation keyed LATE_RETURN is unique per
    transaction (a run that finds it leaves it as it is: an unsettled one is the settle sweep's,
    cancel_checks.py). Returns the Cancellation (succeeded, failed, or unknown while the partner
    is asked), or None when nothing is to be returned, another run has it, or the return waits
    for the partner to accept cancels again. Raises nothing: a refusal by the partner's rules only
    for a while (DANA's closing hour, known before anything is sent) postpones the return until
    then; any other refusal (its refund window) or a decline fails the row and flags the
    transaction for review with the reason."""
    claim = claims.claim_take(key=late_return_key(transaction_id), seconds=check_after_seconds())
    if claim is None:
        return None
    row, created = _open(transaction_id)
    if row is None or not created:
        claims.claim_done(claim, cancellation=row.cancel_txid if row else "")
        return row
    txn = row.transaction
    adapter = registry.get_adapter(txn.mitra_cd)
    req = _request(txn, row, _paid_at(claim))
    try:
        adapter.check_cancel(req, now=timezone.now())
        result = adapter.cancel(req)
    except (CancelNotAllowed, PartnerDeclined) as exc:
        # retry_at comes only from a rule checked before anything is sent (CancelNotAllowed), also
        # when the adapter's cancel() checks it again and the hour closed in between.
        retry_at = getattr(exc, "retry_at", None)
        if retry_at is not None:
            _postpone(claim, row, retry_at, exc.message)
            return None
        row = cancellation_close(row.pk, None, err.CancelRefused(exc.message), SOURCE)
    except PartnerError as exc:  # outcome unknown: the settle sweep asks the partner, never re-sends
        cancellation_mark_unknown(row.pk, exc)
        row.refresh_from_db()
    else:
        row = cancellation_close(row.pk, result, None, SOURCE)
    claims.claim_done(claim, cancellation=row.cancel_txid, state=row.state)
    _audit(txn, row)
    return row


@transaction.atomic
def _postpone(claim: PartnerCall, row: Cancellation, retry_at: datetime, reason: str) -> None:
    """The partner's rules refused the return only for a while (DANA's closing hour) and nothing
    was sent: the pending return is dropped and the to-do kept, leased until `retry_at`, when the
    sweep queues it again (late_payments_return_due)."""
    Cancellation.objects.filter(pk=row.pk, state=Cancellation.State.PENDING).delete()
    claims.claim_postpone(claim, until=retry_at, postponed=reason[:200], retry_at=retry_at.isoformat())
    log.info(
        "late payment of transaction %s: return postponed until %s (%s)", row.transaction_id, retry_at, reason
    )


def late_payments_return_due(*, limit: int = 100) -> list[int]:
    """The sweep (beat): ids of transactions whose late payment has no return yet (the task queued
    with it was lost, or its worker died: its claim's lease ran out); each is queued again."""
    cutoff = timezone.now() - timedelta(seconds=SWEEP_GRACE_SECONDS)
    due = list(
        PartnerCall.objects.filter(
            key__startswith=LATE_RETURN_PREFIX, done_at__isnull=True, lease_until__lt=cutoff
        ).values_list("transaction_id", flat=True)[:limit]
    )
    for pk in due:
        queue.send(queue.TRANSACTION_RETURN_LATE_PAYMENT, pk)
    return due


@transaction.atomic
def _open(transaction_id: int) -> tuple[Cancellation | None, bool]:
    """Lock, check, write the pending return. Returns (row, created); (None, False) when nothing
    is to be returned (the transaction did not end unpaid, or something was cancelled already)."""
    txn = Transaction.objects.select_for_update().select_related("merchant").get(pk=transaction_id)
    prior = Cancellation.objects.filter(transaction=txn, idempotency_key=LATE_RETURN).first()
    if prior is not None:
        return prior, False
    if not ended_unpaid(txn.status, txn.paid_at) or txn.cancelled_amount:
        log.warning("late payment of %s: nothing to return (%s)", txn.txid, txn.status_enum.word)
        return None, False
    row = Cancellation.objects.create(
        transaction=txn,
        merchant_id=txn.merchant_id,  # the merchant's refunds list reads its own index
        source=LATE_RETURN_SOURCE,
        cancel_txid=new_txid(txn.merchant.imid, txn.pay_method),
        cancel_type=FULL,
        amount=txn.amount,
        reason=REASON,
        idempotency_key=LATE_RETURN,
        # If this run dies during the partner call, the settle sweep asks the partner (cancel_checks).
        next_check_at=timezone.now() + timedelta(seconds=check_after_seconds()),
    )
    return row, True


def _paid_at(claim: PartnerCall) -> datetime:
    """The partner's payment time recorded with the late success (ours when it named none)."""
    raw = claim.data.get("paid_at")
    return datetime.fromisoformat(raw) if raw else claim.created_at


def _request(txn: Transaction, row: Cancellation, paid_at: datetime) -> CancelRequest:
    """The partner's cancel of the whole late payment, dated by the partner's payment time."""
    return replace(cancel_request(txn, row), paid_at=paid_at)


def _audit(txn: Transaction, row: Cancellation) -> None:
    if row.state not in (Cancellation.State.SUCCEEDED, Cancellation.State.FAILED):
        return  # unknown yet: the settle sweep settles it (and a failure lands in the review queue)
    done = row.state == Cancellation.State.SUCCEEDED
    action = AuditLog.Action.TRANSACTION_CANCELLED if done else AuditLog.Action.TRANSACTION_CANCEL_REFUSED
    detail = {"type": FULL, "amount": row.amount, "cancel_txid": row.cancel_txid, "reason": REASON}
    if not done:
        detail["outcome"] = f"{row.state}: {row.result_message}"[:200]
    audit_record(
        actor=SYSTEM, action=action, merchant=txn.merchant, target=f"transaction:{txn.txid}", detail=detail
    )
