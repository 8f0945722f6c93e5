"""Rows written straight to the database, for tests that need a transaction in a given state."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from payments.models import Transaction
from payments.services.rollups import rollup_add

_seq = itertools.count(1)


def make_txn(merchant, **kw) -> Transaction:
    n = next(_seq)
    fields = {
        "txid": f"{merchant.imid}05{n:018d}"[:30],
        "merchant": merchant,
        "reference_no": f"REF{n}",
        "pay_method": "05",
        "mitra_cd": "ESHP",
        "amount": 10000,
        "goods_name": "Item",
        "billing_name": "Budi",
        "billing_phone": "0812",
        "billing_email": "b@example.com",
        "db_process_url": "http://127.0.0.1:9/n",
        "expires_at": timezone.now() + timedelta(minutes=5),
        "request_fingerprint": "x" * 64,
    }
    fields.update(kw)
    txn = Transaction.objects.create(**fields)
    rollup_add(txn)  # as registration does: the overview counts it
    return txn
