"""inserts.py: an INSERT compiled from a model instance writes what save() writes, returns the new
row's id, and takes an expression as a value (how one statement names an earlier WITH's row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.forms.models import model_to_dict
from django.utils import timezone

from payments.models import NotificationAttempt
from payments.services.inserts import insert_statement, inserted
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


def attempt(merchant, note_id: int) -> NotificationAttempt:  # noqa: ANN001
    return NotificationAttempt(
        notification_id=note_id,
        merchant_id=merchant.pk,
        started_at=timezone.now(),
        url="http://127.0.0.1:9/n",
        request_headers={"X-Payloan-Signature": "***"},
        request_fields={"tXid": "T\u00e9", "amt": "10000"},
    )


def notification(merchant) -> int:  # noqa: ANN001
    from payments.models import Notification

    txn = make_txn(merchant)
    return Notification.objects.create(
        merchant=merchant, transaction=txn, url="http://127.0.0.1:9/n", payload={}
    ).pk


def test_the_statement_writes_what_save_writes_and_returns_the_id(merchant) -> None:
    note_id = notification(merchant)
    ours, theirs = attempt(merchant, note_id), attempt(merchant, note_id)
    sql, params = insert_statement(ours)
    assert sql.startswith("INSERT INTO") and "RETURNING" in sql and "%s" in sql
    with connection.cursor() as cur:
        cur.execute(sql, params)
        (pk,) = cur.fetchone()
    inserted(ours, pk)
    theirs.save()
    assert not ours._state.adding and ours.pk == pk
    fields = [f.name for f in NotificationAttempt._meta.concrete_fields if f.name not in ("id", "started_at")]
    stored = NotificationAttempt.objects.get(pk=pk)
    assert model_to_dict(stored, fields=fields) == model_to_dict(
        NotificationAttempt.objects.get(pk=theirs.pk), fields=fields
    )
    assert stored.request_fields == {"tXid": "T\u00e9", "amt": "10000"}


def test_a_value_may_be_an_expression(merchant) -> None:
    note_id = notification(merchant)
    row = attempt(merchant, 0)
    row.notification_id = RawSQL("(SELECT %s)", [note_id])
    sql, params = insert_statement(row)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        (pk,) = cur.fetchone()
    assert NotificationAttempt.objects.get(pk=pk).notification_id == note_id


def full_compile(obj) -> tuple[str, list]:  # noqa: ANN001
    """Django's own compile of the same INSERT, every time (what insert_statement reuses)."""
    from django.db.models.sql.subqueries import InsertQuery

    meta = obj._meta
    query = InsertQuery(type(obj))
    query.insert_values([f for f in meta.local_concrete_fields if f is not meta.auto_field], [obj])
    query.raw = True  # the values insert_statement's pre_save already set
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def test_the_sql_is_built_once_per_shape_and_is_djangos(merchant) -> None:
    from payments.services import inserts

    note_id = notification(merchant)
    inserts._SQL_BY_SHAPE.clear()
    first, second = attempt(merchant, note_id), attempt(merchant, note_id)
    second.url = "http://127.0.0.1:9/other"
    sql1, params1 = insert_statement(first)
    sql2, params2 = insert_statement(second)
    assert sql2 is sql1  # the cached text, not a rebuild
    assert len(inserts._SQL_BY_SHAPE) == 1
    want_sql, want_params = full_compile(second)
    assert sql2 == want_sql and len(params2) == len(want_params)
    assert "http://127.0.0.1:9/other" in params2 and "http://127.0.0.1:9/n" in params1
    # An expression in a value is another shape, with its own text and its parameters in place.
    third = attempt(merchant, 0)
    third.notification_id = RawSQL("(SELECT %s)", [note_id])
    sql3, params3 = insert_statement(third)
    assert sql3 != sql1 and "(SELECT %s)" in sql3 and note_id in params3
    assert len(inserts._SQL_BY_SHAPE) == 2
    for obj, sql, params in ((second, sql2, params2), (third, sql3, params3)):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            (pk,) = cur.fetchone()
        stored = NotificationAttempt.objects.get(pk=pk)
        assert (stored.notification_id, stored.url) == (note_id, obj.url)
        assert stored.started_at == obj.started_at
