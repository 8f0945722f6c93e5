"""INSERTs compiled from model instances, for the few hot writes that put several rows into one
statement (a PostgreSQL data-modifying WITH): one round trip instead of one per row, BEGIN and
COMMIT. Django's own INSERT compiler writes them, so each writes exactly the columns and values
save() would (defaults, auto_now_add, JSON adaptation) and follows the model without a column list
of its own (tests/payments/test_registration_store.py compares them with save())."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model
from django.db.models.sql.subqueries import InsertQuery


def insert_statement(obj: Model) -> tuple[str, list[object]]:
    """The INSERT that obj.save() would run for a new row, with RETURNING of its primary key, and
    its parameters. Sets on `obj` what pre_save sets (auto_now_add). A field may hold an
    expression (e.g. RawSQL naming an earlier WITH's row)."""
    meta = obj._meta
    query = InsertQuery(type(obj))
    query.insert_values([f for f in meta.local_concrete_fields if f is not meta.auto_field], [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def inserted(obj: Model, pk: int) -> None:
    """Mark `obj` as the stored row `pk` (what save() does after its INSERT)."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
