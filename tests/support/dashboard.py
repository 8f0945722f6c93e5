"""Helpers for the dashboard tests: members and transactions written straight to the DB."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from payments.models import Cancellation, Merchant, MerchantMember, Transaction
from payments.services.rollups import rollup_add

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def member(merchant: Merchant, role: str = "owner", email: str | None = None) -> MerchantMember:
    email = email or f"user{next(_seq)}-{role}@{merchant.imid.lower()}.test"
    user = get_user_model().objects.create_user(email, email, PASSWORD)
    return MerchantMember.objects.create(user=user, merchant=merchant, role=role)


def txn(merchant: Merchant, **kw) -> Transaction:
    n = next(_seq)
    fields = {
        "txid": f"{merchant.imid}05ESHP{n:014d}"[:30],
        "reference_no": f"ORD{n:08d}",
        "pay_method": "05",
        "mitra_cd": "ESHP",
        "amount": 10_000 + n,
        "goods_name": "Item",
        "billing_name": f"Customer {n}",
        "billing_phone": f"0812{n:08d}",
        "billing_email": f"c{n}@example.com",
        "db_process_url": "http://127.0.0.1:9/notify",
        "expires_at": timezone.now() + timedelta(hours=1),
        "request_fingerprint": "x" * 64,
    }
    fields.update(kw)
    txn = Transaction.objects.create(merchant=merchant, **fields)
    rollup_add(txn)  # as registration does: the overview counts it
    return txn


def cancel(t: Transaction, amount: int, state: str = "succeeded", **kw) -> Cancellation:
    """A partial cancel of `t` written straight to the DB (finished now unless still open)."""
    fields = {
        "cancel_txid": f"C{t.pk}-{next(_seq)}",
        "cancel_type": "2",
        "idempotency_key": f"k{next(_seq)}",
        "finished_at": timezone.now() if state in ("succeeded", "failed") else None,
    }
    fields.update(kw, transaction=t, merchant=t.merchant, amount=amount, state=state)
    return Cancellation.objects.create(**fields)
