"""Akulaku receipt confirmation (flows.md step 7): the merchant says the goods arrived, we tell
Akulaku, and Akulaku releases the funds. At most once per transaction; a repeat answers the
stored result. The partner call happens outside any DB transaction (architecture rule 4)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from payments import exceptions as err
from payments.models import Merchant, Transaction, TransactionEvent
from payments.selectors.transactions import transaction_get
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import StatusResult

log = logging.getLogger("payments.receipts")
AKULAKU = "AKLP"
CLAIM = timedelta(seconds=60)  # well past the partner client's timeout


def _check(txn: Transaction) -> None:
    if txn.mitra_cd != AKULAKU:
        raise err.ReceiptNotOffered(partners="Akulaku (AKLP)")
    if txn.status != Status.PAID:
        raise err.ReceiptNeedsPayment(word=txn.status_enum.word)


def _claim(txn_id: int) -> datetime | None:
    """One request at a time asks Akulaku: the claim is a conditional update, released on failure
    and considered abandoned after CLAIM (a crashed worker must not block the receipt forever)."""
    now = timezone.now()
    free = Q(receipt_requested_at__isnull=True) | Q(receipt_requested_at__lt=now - CLAIM)
    claimed = Transaction.objects.filter(free, pk=txn_id, receipt_confirmed_at__isnull=True).update(
        receipt_requested_at=now
    )
    return now if claimed else None


def _ask_akulaku(txn: Transaction) -> StatusResult:
    adapter = registry.get_adapter(AKULAKU)
    try:
        return adapter.confirm_receipt(txid=txn.txid, partner_ref=txn.partner_ref)
    except PartnerUnavailable:
        raise err.PartnerFailure("Akulaku did not answer the receipt confirmation; please retry")
    except PartnerDeclined as exc:
        raise err.ReceiptDeclined(partner="Akulaku", detail=exc.message)
    except PartnerError as exc:
        raise err.PartnerFailure(f"Receipt confirmation failed: {exc.message}")


def transaction_confirm_receipt(*, txid: str, merchant: Merchant) -> Transaction:
    """Tell Akulaku the goods arrived, at most once per transaction.

    Returns the transaction with receipt_confirmed_at/receipt_response set; a repeat (or a replay of
    the same request) returns the stored result without asking Akulaku again, and a copy that arrives
    while the first is with Akulaku is refused (ReceiptInProgress) rather than sent twice.
    Raises ReceiptNotOffered, ReceiptNeedsPayment, ReceiptInProgress, ReceiptDeclined,
    PartnerFailure, TransactionNotFound."""
    txn = transaction_get(merchant=merchant, txid=txid)
    if txn.receipt_confirmed_at:
        return txn  # the stored answer: Akulaku is not asked twice
    _check(txn)
    claimed_at = _claim(txn.pk)
    if claimed_at is None:
        txn.refresh_from_db()
        if txn.receipt_confirmed_at:
            return txn
        raise err.ReceiptInProgress(partner="Akulaku")
    try:
        result = _ask_akulaku(txn)
    except BaseException:  # released, so the merchant can try again at once
        Transaction.objects.filter(pk=txn.pk, receipt_requested_at=claimed_at).update(
            receipt_requested_at=None
        )
        raise
    with transaction.atomic():
        locked = Transaction.objects.select_for_update().get(pk=txn.pk)
        if locked.receipt_confirmed_at:  # a concurrent request recorded it first
            return locked
        now = timezone.now()
        locked.receipt_confirmed_at = now
        locked.receipt_response = {"partnerStatus": result.raw_status, "confirmedAt": now.isoformat()}
        locked.save(update_fields=["receipt_confirmed_at", "receipt_response", "updated_at"])
        TransactionEvent.objects.get_or_create(
            transaction=locked,
            idempotency_key=f"receipt:{locked.txid}",
            defaults={
                "kind": TransactionEvent.Kind.RECEIPT,
                "source": "merchant",
                "payload": {"partner_status": result.raw_status, "partner_ref": result.partner_ref},
            },
        )
    log.info("receipt confirmed for %s", locked.txid)
    return locked
