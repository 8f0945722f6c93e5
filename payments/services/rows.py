"""Model rows that a fixed statement of ours returns (UPDATE ... RETURNING), turned into model
instances the way the ORM does: the column list and each column's converters (JSON, dates on
SQLite) come from the model's fields, worked out once per model and database instead of on every
call as raw() does. tests/payments/test_rows.py compares the instances with the ORM's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

from payments.selectors.compiled import model_from_row

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Shape:
    """How one model's rows read: `columns` (quoted, comma-separated, in the model's field order,
    for a RETURNING or SELECT list), the fields' attribute names, and per field its converters."""

    columns: str
    attnames: list[str]
    converters: list[tuple[int, list[Callable], Any]]  # (position, converters, column expression)


# Per database connection (one per thread): the backend's converters are bound to its own.
_shapes: WeakKeyDictionary[Any, dict[type[Model], Shape]] = WeakKeyDictionary()


def shape(model: type[Model]) -> Shape:
    """The Shape of `model` on this thread's database connection (computed on first use)."""
    known = _shapes.setdefault(connections[DEFAULT_DB_ALIAS], {})
    if model not in known:
        fields = model._meta.concrete_fields
        qn = connection.ops.quote_name
        converters = []
        for i, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((i, found, col))
        known[model] = Shape(", ".join(qn(f.column) for f in fields), [f.attname for f in fields], converters)
    return known[model]


def from_row(model: type[M], values: Sequence[Any]) -> M:
    """An instance of `model` (as loaded from the database) from a row of shape(model).columns,
    its values converted as a query through the ORM converts them."""
    found = shape(model)
    return model_from_row(model, found.attnames, values, found.converters)
