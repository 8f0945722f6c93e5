"""The merchant REST API from the client's side: HTTP Basic credentials, merchants with known keys,
and rows as the API lists them (a status set through the one status writer)."""

from __future__ import annotations

import base64
import itertools
from datetime import timedelta

from django.utils import timezone

from payments import secrets as key_store
from payments.models import Merchant, Notification, NotificationAttempt, Transaction
from payments.services.transitions import transaction_apply_status

_seq = itertools.count(1)


def basic(imid: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{imid}:{key}".encode()).decode()


def make_merchant(imid: str) -> tuple[Merchant, str]:
    key = key_store.generate_merchant_key()
    merchant = Merchant.objects.create(
        imid=imid, name=f"Shop {imid}", merchant_key_encrypted=key_store.encrypt(key)
    )
    return merchant, key


def make_txn(
    merchant: Merchant,
    *,
    amount: int = 10000,
    mitra_cd: str = "ESHP",
    name: str = "Budi Santoso",
    phone: str = "081234567890",
    email: str = "budi@example.com",
    status: str | None = None,
    created_at=None,
) -> Transaction:
    n = next(_seq)
    txn = Transaction.objects.create(
        txid=f"{merchant.imid}05{n:018d}"[:30],
        merchant=merchant,
        reference_no=f"ORD{n:06d}",
        pay_method="05",
        mitra_cd=mitra_cd,
        amount=amount,
        goods_name="Kopi",
        billing_name=name,
        billing_phone=phone,
        billing_email=email,
        db_process_url="http://127.0.0.1:9/notify",
        expires_at=timezone.now() + timedelta(hours=1),
        request_fingerprint="x",
    )
    if status is not None:
        transaction_apply_status(
            transaction_id=txn.pk, to=status, source="test", idempotency_key=f"test:{status}"
        )
    if created_at is not None:
        Transaction.objects.filter(pk=txn.pk).update(created_at=created_at)
    txn.refresh_from_db()
    return txn


def make_notification(
    txn: Transaction, *, state: str = Notification.State.FAILED, created_at=None, attempts: int = 1
) -> Notification:
    note = Notification.objects.create(
        merchant=txn.merchant,
        transaction=txn,
        kind="payment",
        sequence=1,
        url=txn.db_process_url,
        payload={"tXid": txn.txid},
        state=state,
        attempts=attempts,
    )
    for _ in range(attempts):
        NotificationAttempt.objects.create(
            notification=note,
            started_at=timezone.now(),
            duration_ms=12,
            http_status=500,
            response_excerpt="oops",
            error="",
        )
    if created_at is not None:
        Notification.objects.filter(pk=note.pk).update(created_at=created_at)
        note.refresh_from_db()
    return note
