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
    expression (e.g. RawSQL naming an earlier WITH's row).

    The values are prepared by Django's compiler on every call (pre_save, get_db_prep_save); the
    SQL text, which depends only on the model and on which values are expressions, is built by it
    once per shape and reused: building it was most of the ~0.25 ms of CPU an INSERT of a
    60-column transaction took to compile."""
    meta = obj._meta
    query = InsertQuery(type(obj))
    fields = _insert_fields(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    placeholders: list[str] = []
    params: list[object] = []
    for field in fields:
        value = compiler.prepare_value(field, compiler.pre_save_val(field, obj))
        if hasattr(value, "as_sql"):
            sql, value_params = compiler.compile(value)
            placeholders.append(sql)
            params.extend(value_params)
        else:
            placeholders.append("%s")
            params.append(value)
    shape = (meta.label, connection.vendor, tuple(placeholders))
    sql = _SQL_BY_SHAPE.get(shape)
    if sql is None:
        query.raw = True  # pre_save ran above: compile the values it set, not a second timestamp
        compiler.returning_fields = [meta.pk]
        [(sql, compiled_params)] = compiler.as_sql()
        if f"VALUES ({', '.join(placeholders)})" not in sql or len(compiled_params) != len(params):
            return sql, list(compiled_params)  # a field with a placeholder of its own: not cached
        _SQL_BY_SHAPE[shape] = sql
    return sql, params


_SQL_BY_SHAPE: dict[tuple[str, str, tuple[str, ...]], str] = {}
_FIELDS: dict[type[Model], list] = {}


def _insert_fields(model: type[Model]) -> list:
    fields = _FIELDS.get(model)
    if fields is None:
        meta = model._meta
        fields = _FIELDS[model] = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    return fields


def inserted(obj: Model, pk: int) -> None:
    """Mark `obj` as the stored row `pk` (what save() does after its INSERT)."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
