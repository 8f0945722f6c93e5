"""rows.py: a row that our own statement returns (the model's columns from shape()) becomes the
same instance the ORM loads: every field's value, converted alike (JSON, dates), stored state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payments.models import Notification, NotificationAttempt, Transaction
from payments.services import rows
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


def read(model, pk: int) -> tuple[tuple, object]:  # noqa: ANN001
    sql = f"SELECT {rows.shape(model).columns} FROM {model._meta.db_table} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, [pk])
        row = cur.fetchone()
    return row, rows.from_row(model, row)


def same_as_orm(model, pk: int) -> tuple:  # noqa: ANN001
    row, ours = read(model, pk)
    theirs = model.objects.get(pk=pk)
    for field in model._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.attname
    assert (ours._state.adding, ours._state.db) == (False, theirs._state.db)
    return row, ours


def test_a_notification_reads_as_the_orm_reads_it(merchant) -> None:
    txn = make_txn(merchant)
    now = timezone.now()
    note = Notification.objects.create(
        merchant=merchant,
        transaction=txn,
        sequence=3,
        url="http://127.0.0.1:9/n",
        payload={"tXid": txn.txid, "goodsNm": "Kopi \u00e9", "amt": "10000", "nested": {"a": [1, 2]}},
        next_attempt_at=now,
        lease_until=now + timedelta(seconds=30),
    )
    row, ours = same_as_orm(Notification, note.pk)
    assert ours.payload["nested"] == {"a": [1, 2]} and ours.lease_until.tzinfo is not None
    position = [f.attname for f in Notification._meta.concrete_fields].index("payload")
    if connection.vendor == "postgresql":  # the driver hands JSON over as text: the converter decodes it
        assert row[position] != ours.payload


def test_an_attempt_and_a_transaction_read_as_the_orm_reads_them(merchant) -> None:
    txn = make_txn(merchant)
    note = Notification.objects.create(merchant=merchant, transaction=txn, url="http://x/n", payload={})
    attempt = NotificationAttempt.objects.create(
        notification=note,
        merchant=merchant,
        started_at=timezone.now(),
        request_headers={"X-Payloan-Sequence": "1"},
        request_fields={"amt": "10000"},
    )
    same_as_orm(NotificationAttempt, attempt.pk)
    same_as_orm(Transaction, txn.pk)


def test_the_columns_follow_the_models_fields() -> None:
    quoted = [connection.ops.quote_name(f.column) for f in Notification._meta.concrete_fields]
    assert rows.shape(Notification).columns == ", ".join(quoted)
    assert rows.shape(Notification) is rows.shape(Notification)  # worked out once
