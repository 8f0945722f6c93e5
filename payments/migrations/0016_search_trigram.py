"""Trigram indexes (pg_trgm) for the transaction search's substring match, on PostgreSQL only.

The search (selectors/transactions.py, _search) asks for `billing_name__icontains |
billing_email__icontains | billing_phone__contains`, which Django compiles on PostgreSQL to
`UPPER("billing_name"::text) LIKE UPPER('%term%')`, the same for the e-mail, and
`"billing_phone"::text LIKE '%term%'`. A GIN index with gin_trgm_ops on exactly those expressions
answers each LIKE, and the planner ORs the three (BitmapOr); one arm without an index would make
it walk every row of the merchant again.

The indexes are database-only (not in the model's state): SQLite (`make run`) has neither GIN nor
pg_trgm, and a model index would be re-created by every later SQLite table rebuild. There, the same
query runs as LIKE over the rows. The vendor check below is the only branch, so no SQLite run of
this migration is needed to trust it: on SQLite both functions return before touching anything.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper

INDEXES = [
    GinIndex(OpClass(Upper("billing_name"), name="gin_trgm_ops"), name="txn_name_trgm_idx"),
    GinIndex(OpClass(Upper("billing_email"), name="gin_trgm_ops"), name="txn_email_trgm_idx"),
    GinIndex(OpClass("billing_phone", name="gin_trgm_ops"), name="txn_phone_trgm_idx"),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("payments", "Transaction")
    for index in INDEXES:
        schema_editor.add_index(model, index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("payments", "Transaction")
    for index in INDEXES:
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0015_transaction_rollup"),
    ]

    operations = [
        TrigramExtension(),  # itself a no-op on any other database than PostgreSQL
        migrations.RunPython(add_indexes, remove_indexes),
    ]
