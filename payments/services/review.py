"""Ops resolve the review queue: transactions flagged when a partner reported an impossible move."""

from __future__ import annotations

import uuid

from django.db import transaction

from payments.exceptions import ReviewNotPending
from payments.models import Transaction, TransactionEvent

from .audit import audit_record


@transaction.atomic
def transaction_resolve_review(*, transaction_id: int, user, note: str, remote_addr: str = "") -> Transaction:  # noqa: ANN001
    """Clear `needs_review` with the reviewer's note. The status is not touched here: if it was
    wrong, sync with the partner (the one status writer applies what the partner says)."""
    txn = Transaction.objects.select_for_update().select_related("merchant").get(pk=transaction_id)
    if not txn.needs_review:
        raise ReviewNotPending()
    reason = txn.review_reason
    txn.needs_review = False
    txn.review_reason = ""
    txn.save(update_fields=["needs_review", "review_reason", "updated_at"])
    by = user.get_username() if getattr(user, "pk", None) else ""
    TransactionEvent.objects.create(
        transaction=txn,
        kind=TransactionEvent.Kind.REVIEW_RESOLVED,
        source="ops",
        idempotency_key=f"review_resolved:{uuid.uuid4().hex}",
        payload={"note": note, "reason": reason, "by": by},
    )
    audit_record(
        actor_kind="staff",
        action="transaction.resolve_review",
        merchant=txn.merchant,
        user=user,
        target=f"transaction:{txn.txid}",
        detail={"note": note, "reason": reason},
        remote_addr=remote_addr,
    )
    return txn
