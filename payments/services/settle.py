"""How a partner's answer settles a payment: the one path for notifications, polls, syncs,
pushes and reconciliation. It decides the target status and hands it to the one status writer,
or flags the payment for review when the partner disagrees with money we hold."""

from __future__ import annotations

from django.db import transaction

from payments.models import Transaction, TransactionEvent
from payments.status import Status
from providers.base.types import PartnerStatus, StatusResult

from .transitions import CORRECTING_SOURCES, flag_for_review, transaction_apply_status

SETTLED = frozenset({Status.PAID, Status.VOID, Status.REFUND})


def target_status(current: str, partner: PartnerStatus) -> Status | None:
    """The status a partner status means for a transaction now in `current`; None = no change.

    A cancel reported after payment is a void; before payment it is a failure. A refund of a
    transaction that ended unpaid is the return of a late payment (late_payments.py): it stays."""
    paid_before = current in SETTLED
    if partner is PartnerStatus.REFUNDED and current in (Status.FAILED, Status.EXPIRED):
        return None
    return {
        PartnerStatus.PENDING: None,
        PartnerStatus.SUCCEEDED: Status.PAID,
        PartnerStatus.FAILED: Status.FAILED,
        PartnerStatus.EXPIRED: Status.EXPIRED,
        PartnerStatus.CANCELLED: Status.VOID if paid_before else Status.FAILED,
        PartnerStatus.REFUNDED: Status.REFUND,
    }[partner]


def apply_partner_result(
    *, txn: Transaction, result: StatusResult, source: str, idempotency_key: str
) -> Transaction:
    """Apply what the partner says about `txn`.

    Args: `source` names the path (partner_callback, poll, sync, reconcile, partner, ...);
    `idempotency_key` makes a repeat of the same answer a no-op.
    Returns the transaction as it is afterwards. An amount that differs from ours (whole rupiah)
    is never applied: it is recorded and flagged for review. Raises nothing of its own."""
    if result.partner_ref and not txn.partner_ref:  # some partners name their id only later (Kredivo)
        Transaction.objects.filter(pk=txn.pk, partner_ref="").update(partner_ref=result.partner_ref[:100])
        txn.partner_ref = result.partner_ref[:100]
    if result.amount is not None and result.amount != txn.amount:
        with transaction.atomic():
            locked = Transaction.objects.select_for_update().get(pk=txn.pk)
            TransactionEvent.objects.get_or_create(
                transaction=locked,
                idempotency_key=f"amount-mismatch:{idempotency_key}",
                defaults={
                    "kind": TransactionEvent.Kind.REJECTED,
                    "source": source,
                    "payload": {"partner_amount": result.amount, "raw_status": result.raw_status},
                },
            )
            flag_for_review(locked, f"{source}: partner amount {result.amount} differs from {txn.amount}")
        return locked
    to = target_status(txn.status, result.status)
    if to is None and source in CORRECTING_SOURCES and txn.status in SETTLED:
        # A poll/sync/reconciliation of a payment we hold as paid (or voided/refunded after
        # payment) that the partner still calls open: nothing to apply, but money may be
        # missing, so ops look at it. (Expired/failed vs partner "pending" is no money drift.)
        return _flag_disagreement(txn=txn, result=result, source=source, idempotency_key=idempotency_key)
    if to is None:
        return txn
    return transaction_apply_status(
        transaction_id=txn.pk,
        to=to,
        source=source,
        idempotency_key=idempotency_key,
        payload={
            "raw_status": result.raw_status,
            "partner_ref": result.partner_ref,
            "message": result.message,
            # The partner's payment time: a late payment's return follows the partner's refund
            # rules from it (late_payments.py).
            **({"paid_at": result.paid_at.isoformat()} if result.paid_at else {}),
        },
    )


def _flag_disagreement(
    *, txn: Transaction, result: StatusResult, source: str, idempotency_key: str
) -> Transaction:
    with transaction.atomic():
        locked = Transaction.objects.select_for_update().get(pk=txn.pk)
        if locked.status_enum.is_open:  # moved on meanwhile: nothing to flag
            return locked
        _, created = TransactionEvent.objects.get_or_create(
            transaction=locked,
            idempotency_key=f"disagree:{idempotency_key}:{locked.status}",
            defaults={
                "kind": TransactionEvent.Kind.REJECTED,
                "source": source,
                "from_status": locked.status,
                "payload": {"raw_status": result.raw_status, "partner_status": str(result.status)},
            },
        )
        if created or not locked.needs_review:
            flag_for_review(
                locked,
                f"{source}: partner reports {result.raw_status} "
                f"({result.status}) while the transaction is {locked.status_enum.word}",
            )
    return locked
