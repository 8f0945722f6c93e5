"""Receipt confirmation (flows.md step 7), for partners that release funds on the merchant's word
(Akulaku): the merchant says the goods arrived, we tell the partner, and it releases the funds.
At most once per transaction; a repeat answers the stored result. The partner call happens
outside any DB transaction (architecture rule 4)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments import exceptions as err
from payments.models import AuditLog, Merchant, PartnerCall, Transaction, TransactionEvent
from payments.selectors.transactions import transaction_get
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable

from . import claims
from .audit import Actor, audit_record

log = logging.getLogger("payments.receipts")
# A copy of a confirmation that is with the partner waits this long (seconds) for its answer.
RECEIPT_WAIT_SECONDS = 3.0


def _check(txn: Transaction) -> registry.Partner:
    partner = registry.find(txn.mitra_cd)
    if partner is None or not partner.receipt_confirmation:
        offered = [f"{p.name} ({p.mitra_cd})" for p in registry.partners() if p.receipt_confirmation]
        raise err.ReceiptNotOffered(partners=", ".join(offered))
    if txn.status != Status.PAID:
        raise err.ReceiptNeedsPayment(word=txn.status_enum.word)
    return partner


def transaction_confirm_receipt(*, txid: str, merchant: Merchant, actor: Actor | None = None) -> Transaction:
    """Tell the partner the merchant's customer received the goods, once.

    Returns the transaction with receipt_confirmed_at set (the stored one when already confirmed:
    the partner is not asked twice). Raises TransactionNotFound, ReceiptNotOffered (a partner
    without receipt confirmation), ReceiptNeedsPayment (not paid), ReceiptDeclined (the partner
    refused), PartnerFailure (unreachable or failed: retry). With an `actor` the confirmation is
    audited (once, when the partner is told)."""
    txn = transaction_get(merchant=merchant, txid=txid)
    if txn.receipt_confirmed_at:
        return txn  # the stored answer: the partner is not asked twice
    partner = _check(txn)
    claim = _claim(txn, partner)
    if isinstance(claim, Transaction):
        return claim
    adapter = registry.get_adapter(partner.mitra_cd)
    try:
        result = adapter.confirm_receipt(txid=txn.txid, partner_ref=txn.partner_ref)
    except PartnerUnavailable:
        claims.claim_release(claim)  # confirming twice is harmless at the partner; asking in parallel is not
        raise err.PartnerFailure(f"{partner.name} did not answer the receipt confirmation; please retry")
    except PartnerDeclined as exc:
        claims.claim_release(claim)
        raise err.ReceiptDeclined(partner=partner.name, detail=exc.message)
    except PartnerError as exc:
        claims.claim_release(claim)
        raise err.PartnerFailure(f"Receipt confirmation failed: {exc.message}")
    claims.claim_done(claim, outcome=result.raw_status)
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
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSACTION_RECEIPT_CONFIRMED,
            merchant=merchant,
            target=f"transaction:{locked.txid}",
        )
    return locked


def _claim(txn: Transaction, partner: registry.Partner) -> PartnerCall | Transaction:
    """One request at a time tells the partner (a PartnerCall claim, no lock across the call). A
    concurrent copy waits up to RECEIPT_WAIT_SECONDS for its answer and returns the confirmed
    transaction, else raises ReceiptInProgress."""
    deadline = time.monotonic() + RECEIPT_WAIT_SECONDS
    key = f"receipt:{txn.pk}"
    while (
        claim := claims.claim_take(key=key, seconds=settings.PARTNER_HTTP_TIMEOUT + 30, transaction_id=txn.pk)
    ) is None:
        txn.refresh_from_db(fields=["receipt_confirmed_at", "receipt_response"])
        if txn.receipt_confirmed_at:
            return txn
        if time.monotonic() >= deadline:
            raise err.ReceiptInProgress(partner=partner.name)
        time.sleep(0.1)
    return claim
