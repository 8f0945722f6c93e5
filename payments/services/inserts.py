"""INSERTs compiled from model instances, for the few hot writes that put several rows into one
statement (a PostgreSQL data-modifying WITH): one round trip instead of one per row, BEGIN and
COMMIT. Django's own INSERT compiler writes them, so each writes exactly the columns and values
save() would (defaults, auto_now_add, JSON adaptation) and follows the model without a column list
of its own (tests/payments/test_registration_store.py compares them with save()).

The statement's text depends only on the model and the database, unless a value is an
expression: it is compiled once per model and database, and each call only prepares the values
as the compiler does (pre_save, get_db_prep_save). Compiling it costs more CPU than the rest of
a delivery attempt's INSERT."""

from __future__ import annotations

from django.db import connection
from django.db.models import Field, Model
from django.db.models.sql.subqueries import InsertQuery

_compiled: dict[tuple[type[Model], str], str] = {}  # (model, database vendor) -> INSERT ... RETURNING


def _fields(model: type[Model]) -> list[Field]:
    meta = model._meta
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field]


def insert_statement(obj: Model) -> tuple[str, list[object]]:
    """The INSERT that obj.save() would run for a new row, with RETURNING of its primary key, and
    its parameters. Sets on `obj` what pre_save sets (auto_now_add). A field may hold an
    expression (e.g. RawSQL naming an earlier WITH's row); such a statement is compiled anew."""
    fields = _fields(type(obj))
    key = (type(obj), connection.vendor)
    plain = not any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields)
    if plain and key in _compiled:
        values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection=connection) for f in fields]
        return _compiled[key], values
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [obj._meta.pk]
    [(sql, params)] = compiler.as_sql()
    # Kept when every value is one %s parameter (no field placeholder of its own, none in RETURNING).
    if plain and len(params) == len(fields) and not any(hasattr(f, "get_placeholder") for f in fields):
        _compiled[key] = sql
    return sql, list(params)


def inserted(obj: Model, pk: int) -> None:
    """Mark `obj` as the stored row `pk` (what save() does after its INSERT)."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
