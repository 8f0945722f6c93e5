"""Storing a registration: the transaction, its REGISTERED event and its overview rollup, all or none.

On PostgreSQL one statement does it (a data-modifying WITH), atomic on its own: one round trip
where the ORM takes five (BEGIN, three INSERTs, COMMIT), on the API's busiest write. Both INSERTs
are Django's own, compiled from the model instances (inserts.py). Other databases (SQLite under
`make run`) take the ORM path."""

from __future__ import annotations

import contextlib

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from payments.models import Transaction, TransactionEvent

from .inserts import insert_statement, inserted
from .rollups import rollup_add, rollup_add_statement

_STATEMENT = "WITH t AS ({}), e AS ({}), r AS ({}) SELECT (SELECT id FROM t), (SELECT id FROM e)"


def registration_store(txn: Transaction, event: TransactionEvent) -> None:
    """Insert the new transaction `txn` and its REGISTERED `event` (whose transaction is set here),
    and count `txn` in its rollup bucket (rollups.rollup_add), in one DB transaction.

    Inside a caller's DB transaction it runs under a savepoint, so a refusal leaves the caller's
    transaction usable, as a nested atomic block does. Returns nothing; sets both primary keys.
    Raises IntegrityError when a unique constraint refuses the transaction (its tXid, or its
    referenceNo held by another open or paid transaction); then nothing is stored."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            txn.save()
            event.transaction = txn
            event.save()
            rollup_add(txn)  # last: the bucket's row stays locked only until the commit
        return
    txn_sql, txn_params = insert_statement(txn)  # sets txn.created_at, which chooses the rollup's day
    event.transaction_id = RawSQL("(SELECT id FROM t)", [])  # the id the first INSERT returns
    event_sql, event_params = insert_statement(event)
    rollup_sql, rollup_params = rollup_add_statement(txn)
    sql = _STATEMENT.format(txn_sql, event_sql, rollup_sql)  # compiled from our models; values are parameters
    nested = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with nested, connection.cursor() as cur:
        cur.execute(sql, [*txn_params, *event_params, *rollup_params])
        txn_id, event_id = cur.fetchone()
    inserted(txn, txn_id)
    event.transaction = txn
    inserted(event, event_id)
