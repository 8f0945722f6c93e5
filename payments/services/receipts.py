"""Akulaku receipt confirmation (flows.md step 7): the merchant says the goods arrived, we tell
Akulaku, and Akulaku releases the funds. At most once per transaction; a repeat answers the
stored result. The partner call happens outside any DB transaction (architecture rule 4)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from payments import exceptions as err
from payments.models import Merchant, Transaction, TransactionEvent
from payments.selectors.transactions import transaction_get
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable

log = logging.getLogger("payments.receipts")
AKULAKU = "AKLP"


def _check(txn: Transaction) -> None:
    if txn.mitra_cd != AKULAKU:
        raise err.ReceiptNotOffered(partners="Akulaku (AKLP)")
    if txn.status != Status.PAID:
        raise err.ReceiptNeedsPayment(word=txn.status_enum.word)


def transaction_confirm_receipt(*, txid: str, merchant: Merchant) -> Transaction:
    txn = transaction_get(merchant=merchant, txid=txid)
    if txn.receipt_confirmed_at:
        return txn  # the stored answer: Akulaku is not asked twice
    _check(txn)
    adapter = registry.get_adapter(AKULAKU)
    try:
        result = adapter.confirm_receipt(txid=txn.txid, partner_ref=txn.partner_ref)
    except PartnerUnavailable:
        raise err.PartnerFailure("Akulaku did not answer the receipt confirmation; please retry")
    except PartnerDeclined as exc:
        raise err.ReceiptDeclined(partner="Akulaku", detail=exc.message)
    except PartnerError as exc:
        raise err.PartnerFailure(f"Receipt confirmation failed: {exc.message}")
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
