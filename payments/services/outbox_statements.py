"""The outbox's two hot writes around each POST, as single round trips to PostgreSQL: recording
an attempt (its row, the count on its notification, closing an interrupted one) in one
data-modifying WITH instead of four statements, and settling a delivered one in one query of two
statements instead of four round trips (BEGIN, two statements, COMMIT). notifications.py keeps
the ORM version of each for other databases (SQLite under `make run`) and for failed attempts
(their retry depends on the count)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from payments.models import Notification, NotificationAttempt

from . import rows
from .inserts import insert_statement, inserted

_N, _A = Notification._meta.db_table, NotificationAttempt._meta.db_table
_DELIVERED = """
UPDATE {n} SET state = %s, delivered_at = %s, next_attempt_at = NULL, lease_until = NULL
WHERE id = %s RETURNING {columns}
"""  # our own table's name and the model's columns; the values are parameters
# After _DELIVERED took the row's lock, so this statement's snapshot sees a following notification
# that parked itself before that (notifications._park_if_waiting): it is released, never missed.
# The delivered row's transaction and sequence are read from the row, so both statements go in
# one query (below).
_FINISH_AND_RELEASE = f"""
WITH a AS (
    UPDATE {_A} SET finished_at = %s, duration_ms = %s, http_status = %s, response_excerpt = %s,
        error = %s, next_attempt_at = NULL
    WHERE id = %s
), f AS (
    SELECT nx.id FROM {_N} nx JOIN {_N} d ON d.id = %s
    WHERE nx.transaction_id = d.transaction_id AND nx.sequence > d.sequence AND nx.state IN (%s, %s)
    ORDER BY nx.sequence LIMIT 1
), r AS (
    UPDATE {_N} SET next_attempt_at = %s WHERE id IN (SELECT id FROM f) AND next_attempt_at IS NULL
)
SELECT id FROM f
"""  # noqa: S608 - our own tables' names; the values are parameters
_BEGIN = "WITH a AS ({}), n AS (UPDATE {} SET attempts = attempts + 1 WHERE id = %s){} SELECT id FROM a"
_CLOSE = (
    ", c AS (UPDATE {} SET finished_at = %s, error = %s WHERE notification_id = %s AND finished_at IS NULL)"
)


def attempt_record(attempt: NotificationAttempt, *, close_open_as: str | None) -> int:
    """Insert the new `attempt` and count it on its notification (attempts + 1), in one statement;
    with `close_open_as` (an error text), the notification's earlier attempts still open are closed
    with it in the same statement (it does not see the new row). Returns the attempt's id."""
    sql, params = insert_statement(attempt)
    close = ""
    params.append(attempt.notification_id)
    if close_open_as is not None:
        close = _CLOSE.format(_A)
        params += [attempt.started_at, close_open_as, attempt.notification_id]
    with connection.cursor() as cur:
        cur.execute(_BEGIN.format(sql, _N, close), params)
        (pk,) = cur.fetchone()
    inserted(attempt, pk)
    return pk


def settle_delivered(
    pk: int, attempt_id: int, now: datetime, *, answer: tuple[int, int | None, str, str]
) -> tuple[Notification, int | None]:
    """Notification `pk` delivered at `now`, its attempt finished with the merchant's `answer`
    (duration in ms, HTTP status, excerpt, error), and the next notification of its transaction
    that waits for it (parked) made due: one round trip, all or nothing. Both statements go in one
    simple-protocol query, which PostgreSQL runs as one transaction (or inside the caller's), each
    statement with its own snapshot, so the second sees a park committed while the first waited
    for the row's lock. Returns the row and that next one's id (None when there is none), which
    the caller hands to Celery once this is committed."""
    due = [Notification.State.PENDING.value, Notification.State.FAILED.value]
    sql = _DELIVERED.format(n=_N, columns=rows.shape(Notification).columns) + ";" + _FINISH_AND_RELEASE
    params = [Notification.State.DELIVERED.value, now, pk, now, *answer, attempt_id, pk, *due, now]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        note = rows.from_row(Notification, cur.fetchone())
        cur.nextset()
        row = cur.fetchone()
    return note, (row[0] if row else None)
