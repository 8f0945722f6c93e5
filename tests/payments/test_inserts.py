"""inserts.py: an INSERT compiled from a model instance writes what save() writes, returns the new
row's id, and takes an expression as a value (how one statement names an earlier WITH's row). The
statement is compiled once per model; later calls prepare the values as a fresh compile does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.forms.models import model_to_dict
from django.utils import timezone

from payments.models import NotificationAttempt
from payments.services import inserts
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


def test_the_statement_is_compiled_once_and_the_values_prepared_as_the_compiler_does(merchant) -> None:
    note_id = notification(merchant)
    first, second = attempt(merchant, note_id), attempt(merchant, note_id)
    second.started_at, second.request_fields = first.started_at, {"amt": "20000", "tXid": "T2"}
    insert_statement(first)
    assert (NotificationAttempt, connection.vendor) in inserts._compiled
    cached = insert_statement(second)
    inserts._compiled.clear()
    fresh = insert_statement(second)
    assert cached[0] == fresh[0]
    assert [getattr(p, "obj", p) for p in cached[1]] == [getattr(p, "obj", p) for p in fresh[1]]
    assert {"amt": "20000", "tXid": "T2"} in [getattr(p, "obj", p) for p in cached[1]]
    assert [type(p) for p in cached[1]] == [type(p) for p in fresh[1]]  # JSON adapted alike
    with connection.cursor() as cur:
        cur.execute(*cached)
        (pk,) = cur.fetchone()
    assert NotificationAttempt.objects.get(pk=pk).request_fields == {"amt": "20000", "tXid": "T2"}


def test_an_expression_is_compiled_each_time_and_never_kept(merchant) -> None:
    note_id = notification(merchant)
    insert_statement(attempt(merchant, note_id))  # the plain statement is kept
    row = attempt(merchant, 0)
    row.notification_id = RawSQL("(SELECT %s)", [note_id])
    sql, params = insert_statement(row)
    assert "(SELECT %s)" in sql and sql != inserts._compiled[(NotificationAttempt, connection.vendor)]


def full_compile(obj) -> tuple[str, list]:  # noqa: ANN001
    """Django's own compile of the same INSERT, every time (what insert_statement keeps)."""
    from django.db.models.sql.subqueries import InsertQuery

    meta = obj._meta
    query = InsertQuery(type(obj))
    query.insert_values([f for f in meta.local_concrete_fields if f is not meta.auto_field], [obj])
    query.raw = True  # the values insert_statement's pre_save already set
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def test_the_kept_text_is_djangos_and_each_statement_stores_its_own_values(merchant) -> None:
    note_id = notification(merchant)
    inserts._compiled.clear()
    first, second = attempt(merchant, note_id), attempt(merchant, note_id)
    second.url = "http://127.0.0.1:9/other"
    sql1, params1 = insert_statement(first)
    sql2, params2 = insert_statement(second)
    assert sql2 is sql1  # the kept text, not a rebuild
    want_sql, want_params = full_compile(second)
    assert sql2 == want_sql and len(params2) == len(want_params)
    assert "http://127.0.0.1:9/other" in params2 and "http://127.0.0.1:9/n" in params1
    third = attempt(merchant, 0)  # an expression: its own text, its parameters in place
    third.notification_id = RawSQL("(SELECT %s)", [note_id])
    sql3, params3 = insert_statement(third)
    assert sql3 != sql1 and "(SELECT %s)" in sql3 and note_id in params3
    for obj, sql, params in ((second, sql2, params2), (third, sql3, params3)):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            (pk,) = cur.fetchone()
        stored = NotificationAttempt.objects.get(pk=pk)
        assert (stored.notification_id, stored.url) == (note_id, obj.url)
        assert stored.started_at == obj.started_at
