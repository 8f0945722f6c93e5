"""tXid allocation: NICEPAY's 30-character shape, iMid(10) + payMethod(2) + yyyyMMddHHmmss + 4 digits,
where the 4 digits count up per (merchant, payMethod, second) so that two tXids never collide.

Why a counter row in PostgreSQL and not Redis: the V2 API must keep registering while Redis is down,
and a Redis counter would then need a fallback that is itself collision-free, which is this row. One
row per (iMid, payMethod), moved forward by a single `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
in autocommit: atomic, one round trip, the row lock held for that statement only, every web process
and machine sees it, and it never grows (no per-second rows to clean up). The counter keeps the
latest second it has seen, so a node whose clock lags by a moment continues that second's count
instead of restarting an earlier second's. PostgreSQL and SQLite (3.35+) both run the statement.
"""

from __future__ import annotations

from django.db import connection

from payments import clock
from payments.exceptions import TxidSpaceExhausted
from payments.models import Transaction, TxidCounter

SUFFIXES = 10_000  # 4 digits

_TABLE = TxidCounter._meta.db_table
_ALLOCATE = f"""
INSERT INTO {_TABLE} (imid, pay_method, second, last) VALUES (%s, %s, %s, 0)
ON CONFLICT (imid, pay_method) DO UPDATE SET
    last = CASE WHEN {_TABLE}.second >= excluded.second THEN {_TABLE}.last + 1 ELSE 0 END,
    second = CASE WHEN {_TABLE}.second >= excluded.second THEN {_TABLE}.second ELSE excluded.second END
RETURNING second, last
"""  # noqa: S608 - the table name is our own model's, the values are parameters
# The same, and in the same round trip whether the merchant has a transaction with this referenceNo
# (index txn_merchant_reference_idx). Evaluated while the counter row is locked: a lookup of one
# index entry, so the lock is held for microseconds longer.
_SEEN = f"EXISTS (SELECT 1 FROM {Transaction._meta.db_table} WHERE merchant_id = %s AND reference_no = %s)"  # noqa: S608
_ALLOCATE_SEEING = _ALLOCATE.replace("RETURNING second, last", f"RETURNING second, last, {_SEEN}")


def _padded(imid: str) -> str:
    return f"{imid[:10]:<10}".replace(" ", "0")


def txid_allocate(*, imid: str, pay_method: str) -> str:
    """The next tXid of this merchant and payMethod.

    Args: imid (the merchant's iMid, at most 10 characters, padded with 0), pay_method (NICEPAY's
    2-digit payMethod). Returns the 30-character tXid; its time part is the current second in
    Asia/Jakarta (or the latest second another process has already counted, if later).
    Raises TxidSpaceExhausted when 10,000 tXids were already given out in that second.
    Source of the shape: NICEPAY V2 (reference nicepay-v2.md, tXid)."""
    padded = _padded(imid)
    now = clock.compact()  # Jakarta time, as NICEPAY's tXid
    with connection.cursor() as cur:
        cur.execute(_ALLOCATE, [padded, pay_method, now])
        second, last = cur.fetchone()
    if last >= SUFFIXES:
        raise TxidSpaceExhausted()
    return f"{padded}{pay_method}{second}{last:04d}"


def txid_allocate_seeing(
    *, imid: str, pay_method: str, merchant_id: int, reference_no: str
) -> tuple[str, bool]:
    """txid_allocate, and whether merchant `merchant_id` already has a transaction (in any status)
    with `reference_no`, in one round trip: registration's first question, asked without a query
    of its own. Returns (tXid, seen); the tXid is "" when the second's 10,000 are given out (the
    caller answers a seen referenceNo first, then raises TxidSpaceExhausted, as without this)."""
    padded = _padded(imid)
    with connection.cursor() as cur:
        cur.execute(_ALLOCATE_SEEING, [padded, pay_method, clock.compact(), merchant_id, reference_no])
        second, last, seen = cur.fetchone()
    return ("" if last >= SUFFIXES else f"{padded}{pay_method}{second}{last:04d}"), bool(seen)
