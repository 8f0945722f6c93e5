"""Ops resolve the review queue: transactions flagged when a partner reported an impossible move."""

from __future__ import annotations

import uuid

from django.db import transaction

from payments.exceptions import ReviewNotPending
from payments.models import AuditLog, Transaction, TransactionEvent

from .audit import Actor, audit_record


@transaction.atomic
def transaction_resolve_review(*, transaction_id: int, note: str, actor: Actor) -> Transaction:
    """Clear `needs_review` with the reviewer's note. The status is not touched here: if it was
    wrong, sync with the partner (the one status writer applies what the partner says).
    Returns the transaction. Raises ReviewNotPending when it is not flagged."""
    txn = Transaction.objects.select_for_update().select_related("merchant").get(pk=transaction_id)
    if not txn.needs_review:
        raise ReviewNotPending()
    reason = txn.review_reason
    txn.needs_review = False
    txn.review_reason = ""
    txn.save(update_fields=["needs_review", "review_reason", "updated_at"])
    by = actor.user.get_username() if getattr(actor.user, "pk", None) else ""
    TransactionEvent.objects.create(
        transaction=txn,
        kind=TransactionEvent.Kind.REVIEW_RESOLVED,
        source="ops",
        idempotency_key=f"review_resolved:{uuid.uuid4().hex}",
        payload={"note": note, "reason": reason, "by": by},
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSACTION_REVIEW_RESOLVED,
        merchant=txn.merchant,
        target=f"transaction:{txn.txid}",
        detail={"note": note, "reason": reason},
    )
    return txn
