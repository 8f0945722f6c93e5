"""Refunds the merchant numbers itself (SNAP's partnerRefundNo): one refund per number, per merchant.

The number is claimed first (a unique row), then the cancel service does the work under an
idempotency key made from it, so the same number asked again gets the same refund, or the same
refusal, and never a second one."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction

from payments import exceptions as err
from payments.models import Cancellation, Merchant, RefundReference, Transaction

from .audit import Actor
from .cancellation import transaction_cancel


def _fingerprint(txid: str, cancel_type: str, amount: int) -> str:
    return hashlib.sha256(f"{txid}|{cancel_type}|{amount}".encode()).hexdigest()


def transaction_refund(
    *,
    merchant: Merchant,
    txid: str,
    reference: str,
    cancel_type: str,
    amount: int,
    reason: str,
    source: str,
    actor: Actor | None = None,
) -> Cancellation:
    """Refund (or void) `amount` whole rupiah of the merchant's transaction `txid`, under the
    merchant's refund number `reference`.

    Args: `cancel_type` "1" full or "2" partial; `source` names the door for the timeline; with an
    `actor` the outcome is audited (transaction_cancel). The partner's rules apply as for any cancel.
    Returns the Cancellation. Raises RefundReferenceReused (the number was used for another
    transaction, amount or type), CancelTargetNotFound, and whatever transaction_cancel raises. A
    refusal that stored nothing gives the number back, so a corrected request may use it."""
    txn = Transaction.objects.filter(merchant=merchant, txid=txid).first()
    if txn is None:
        raise err.CancelTargetNotFound(partial=cancel_type != "1")
    fingerprint = _fingerprint(txid, cancel_type, amount)
    created = False
    try:
        with transaction.atomic():
            ref = RefundReference.objects.create(
                merchant=merchant, reference=reference, transaction=txn, fingerprint=fingerprint
            )
            created = True
    except IntegrityError:
        ref = RefundReference.objects.get(merchant=merchant, reference=reference)
    if ref.fingerprint != fingerprint or ref.transaction_id != txn.pk:
        raise err.RefundReferenceReused(reference=reference)
    key = f"refund:{reference}"
    try:
        row = transaction_cancel(
            merchant=merchant,
            txid=txid,
            cancel_type=cancel_type,
            amount=amount,
            reason=reason,
            idempotency_key=key,
            source=source,
            actor=actor,
        )
    except err.ApplicationError:
        if created and not Cancellation.objects.filter(transaction=txn, idempotency_key=key).exists():
            RefundReference.objects.filter(pk=ref.pk, cancellation__isnull=True).delete()
        raise
    if ref.cancellation_id is None:
        RefundReference.objects.filter(pk=ref.pk).update(cancellation=row)
    return row


def refund_reference_of(*, cancellation: Cancellation) -> str:
    """The merchant's refund number of a cancellation, or "" when it was asked without one."""
    return (
        RefundReference.objects.filter(cancellation=cancellation).values_list("reference", flat=True).first()
        or ""
    )
