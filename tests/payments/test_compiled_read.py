"""CompiledRead (payments/selectors/compiled.py): the ORM's SQL compiled once reads what the
queryset would, and refuses a queryset whose parameters it cannot trace."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.exceptions import TransactionNotFound
from payments.models import Transaction
from payments.nicepay.responses import INQUIRY_FIELDS
from payments.selectors.compiled import CompiledRead
from payments.selectors.transactions import transaction_get
from tests.factories import MerchantFactory
from tests.support.rest import make_txn

pytestmark = pytest.mark.django_db

FIELDS = (*INQUIRY_FIELDS, "cart_data", "billing_phone")  # a JSON column: its converter must run


def by_txid() -> CompiledRead[Transaction]:
    return CompiledRead(
        lambda merchant_id, txid: Transaction.objects.filter(merchant_id=merchant_id, txid=txid).only(
            *FIELDS
        ),
        merchant_id=-1,
        txid="\x00txid",
    )


def test_it_reads_what_the_queryset_reads(merchant):
    txn = make_txn(merchant, amount=12345, status="0")
    Transaction.objects.filter(pk=txn.pk).update(cart_data={"items": [{"goodsName": "Kopi", "count": 2}]})
    read = by_txid()
    got = read.first(Transaction, merchant_id=merchant.pk, txid=txn.txid)
    want = Transaction.objects.filter(merchant=merchant, txid=txn.txid).only(*FIELDS).first()
    assert got is not None and got.pk == want.pk
    assert got.get_deferred_fields() == want.get_deferred_fields()
    for name in (*FIELDS, "merchant_id"):
        assert getattr(got, name) == getattr(want, name), name
    assert got.cart_data == {"items": [{"goodsName": "Kopi", "count": 2}]}  # decoded, not a string
    assert got.created_at.tzinfo is not None
    # The second call runs the compiled SQL only, and a deferred column still loads on access.
    with CaptureQueriesContext(connection) as ctx:
        again = read.first(Transaction, merchant_id=merchant.pk, txid=txn.txid)
    assert len(ctx.captured_queries) == 1
    assert again.billing_email == "budi@example.com"


def test_another_merchants_or_an_unknown_txid_is_none(merchant):
    txn = make_txn(merchant)
    read = by_txid()
    assert read.first(Transaction, merchant_id=MerchantFactory().pk, txid=txn.txid) is None
    assert read.first(Transaction, merchant_id=merchant.pk, txid=txn.txid[:-1] + "X") is None
    with pytest.raises(TransactionNotFound):
        transaction_get(merchant=MerchantFactory(), txid=txn.txid, fields=INQUIRY_FIELDS)


def test_the_inquiry_read_names_its_merchant_and_its_row(merchant):
    txn = make_txn(merchant, amount=777)
    got = transaction_get(merchant=merchant, txid=txn.txid, fields=INQUIRY_FIELDS)
    assert (got.pk, got.amount, got.reference_no, got.merchant) == (txn.pk, 777, txn.reference_no, merchant)


def test_a_parameter_it_cannot_trace_or_a_join_is_refused(merchant):
    make_txn(merchant)
    rewritten = CompiledRead(
        lambda name: Transaction.objects.filter(billing_name__icontains=name), name="\x00n"
    )
    with pytest.raises(ValueError, match="cannot trace"):
        rewritten.first(Transaction, name="Budi")
    joined = CompiledRead(
        lambda txid: Transaction.objects.filter(txid=txid).select_related("merchant"), txid="\x00t"
    )
    with pytest.raises(ValueError, match="one model"):
        joined.first(Transaction, txid="x")
