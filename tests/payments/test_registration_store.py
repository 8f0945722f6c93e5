"""Registration's store (payments/services/registration_store.py): on PostgreSQL the transaction, its
REGISTERED event and its rollup go in one statement. It must write what the ORM's save() writes,
column for column, all or nothing, in autocommit and inside a caller's DB transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from payments.models import Transaction, TransactionEvent, TransactionRollup
from payments.services.registration_store import registration_store
from payments.services.rollups import rollup_key
from providers.base.types import CartItem, Seller

SKIP = ("id", "txid", "reference_no", "request_fingerprint", "created_at", "updated_at")


EXPIRES = timezone.now() + timedelta(days=1)


def new(merchant, n: int, *, sellers: bool = True) -> tuple[Transaction, TransactionEvent]:  # noqa: ANN001
    """A transaction with every kind of column registration fills (text, money, JSON, null JSON)."""
    item = CartItem(id="SKU1", name="Sepatu \u00e9", unit_price=70_000, quantity=1, seller_id="S1")
    txn = Transaction(
        txid=f"{merchant.imid}0520261130120000{n:04d}",
        merchant=merchant,
        reference_no=f"STORE-{n}",
        pay_method="05",
        mitra_cd="ESHP",
        amount=70_000,
        vat=700,
        notax_amount=100,
        goods_name="Sepatu",
        description='it\'s "quoted" and 100%',
        billing_name="Budi",
        billing_phone="0812",
        billing_email="b@example.com",
        delivery_city="Jakarta",
        cart_data={"items": [asdict(item)]},
        sellers=[asdict(Seller(id="S1", name="Toko"))] if sellers else None,
        instalment_type="1",
        user_ip="127.0.0.1",
        db_process_url="http://127.0.0.1:9/n",
        expires_at=EXPIRES,
        request_fingerprint=f"fp-{n}",
        door_data={"k": ["v", 1]},
    )
    event = TransactionEvent(
        kind="registered", to_status=txn.status, source="merchant", idempotency_key="registered"
    )
    return txn, event


def stored(txn: Transaction) -> dict:
    row = model_to_dict(Transaction.objects.get(pk=txn.pk))
    return {k: v for k, v in row.items() if k not in SKIP}


def check_same_as_save(merchant) -> None:  # noqa: ANN001
    for n, sellers in ((1, True), (3, False)):  # a JSON value and a null JSON column
        ours, event = new(merchant, n, sellers=sellers)
        registration_store(ours, event)
        theirs, their_event = new(merchant, n + 1, sellers=sellers)
        theirs.save()
        their_event.transaction = theirs
        their_event.save()

        assert stored(ours) == stored(theirs)
        assert abs(ours.created_at - timezone.now()) < timedelta(seconds=30)
        again = Transaction.objects.get(pk=ours.pk)
        assert (again.created_at, again.txid) == (ours.created_at, ours.txid)  # the object is the row
        assert not ours._state.adding
        [e] = TransactionEvent.objects.filter(transaction=ours)
        assert e.pk == event.pk and event.transaction_id == ours.pk
        fields = ("kind", "from_status", "to_status", "source", "idempotency_key", "payload")
        assert model_to_dict(e, fields=fields) == model_to_dict(their_event, fields=fields)
    key = rollup_key(ours)
    bucket = TransactionRollup.objects.get(
        merchant_id=key.merchant_id, day=key.day, mitra_cd=key.mitra_cd, status=key.status, paid=key.paid
    )
    assert (bucket.count, bucket.amount) == (2, 140_000)  # the two ORM-saved ones were not counted


def check_refused_stores_nothing(merchant) -> None:  # noqa: ANN001
    first, event = new(merchant, 5)
    registration_store(first, event)
    copy, copy_event = new(merchant, 6)
    copy.txid = first.txid  # a tXid taken: the unique constraint refuses the whole statement
    with pytest.raises(IntegrityError):
        registration_store(copy, copy_event)
    assert Transaction.objects.filter(reference_no="STORE-6").count() == 0
    assert TransactionEvent.objects.filter(transaction=first).count() == 1
    assert TransactionRollup.objects.get().count == 1


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_it_writes_what_save_writes_in_one_statement(merchant) -> None:
    from django.test.utils import CaptureQueriesContext

    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as ctx:
        txn, event = new(merchant, 9)
        registration_store(txn, event)
    if connection.vendor == "postgresql":
        assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["WITH"]
    TransactionEvent.objects.all().delete()
    TransactionRollup.objects.all().delete()
    Transaction.objects.all().delete()
    check_same_as_save(merchant)


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_a_refusal_stores_nothing(merchant) -> None:
    check_refused_stores_nothing(merchant)


@pytest.mark.django_db
def test_inside_a_db_transaction_it_writes_the_same_and_a_refusal_leaves_it_usable(merchant) -> None:
    with transaction.atomic():
        check_same_as_save(merchant)
    TransactionEvent.objects.all().delete()
    TransactionRollup.objects.all().delete()
    Transaction.objects.all().delete()
    with transaction.atomic():
        check_refused_stores_nothing(merchant)
        assert Transaction.objects.count() == 1  # the caller's transaction still answers
