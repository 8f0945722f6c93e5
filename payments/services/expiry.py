"""Open payments past their validity become expired (after one last look at the partner)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from payments.models import Transaction
from payments.selectors.transactions import transactions_due_for_expiry
from payments.status import Status
from providers.base.errors import PartnerError

from .polling import transaction_sync
from .transitions import transaction_apply_status

log = logging.getLogger("payments.expiry")


def transaction_expire(*, transaction_id: int) -> Transaction:
    """Expire an open payment whose validity has ended. A payment that reached a partner is
    synced first (the customer may have paid in the last second), and one still waiting on an app
    push is left until the push's own deadline. Returns the transaction as it is afterwards.
    Raises nothing: an unreachable partner does not keep the payment open."""
    txn = Transaction.objects.get(pk=transaction_id)
    if not txn.status_enum.is_open or txn.expires_at > timezone.now():
        return txn
    if txn.payment_started_at:
        try:  # the customer may have paid in the last second
            txn = transaction_sync(transaction_id=txn.pk, source="expiry-check")
        except PartnerError as exc:
            log.info("expiry check of %s: %s", txn.txid, exc.message)
        if not txn.status_enum.is_open:
            return txn
        if _partner_still_waiting(txn):
            return txn  # the next sweep looks again, once the partner's own window has closed
    return transaction_apply_status(
        transaction_id=txn.pk, to=Status.EXPIRED, source="expiry", idempotency_key="expired"
    )


def _partner_still_waiting(txn: Transaction) -> bool:
    """An app push (OVO) can still be approved until its own deadline, which may outlast ours:
    expiring before then could leave a customer charged for an expired payment."""
    action = txn.partner_data.get("action") or {}
    if action.get("type") != "PushToApp":
        return False
    return datetime.fromisoformat(action["expires_at"]) > timezone.now()


def transactions_expire_due(*, limit: int = 200) -> list[int]:
    """Pks of open payments past their validity now, at most `limit`: the sweep's work."""
    return transactions_due_for_expiry(now=timezone.now(), limit=limit)
