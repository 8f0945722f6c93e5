"""Many transactions written inside PostgreSQL with one INSERT ... SELECT over generate_series
(then ANALYZE), for the benchmark and the query-plan tests: a million rows load in about a minute,
where the ORM would take an hour."""

from __future__ import annotations

import time

from django.db import connection

from payments.models import Transaction
from providers import registry

PARTNERS = list(registry.known_mitra_codes())
STATUSES = ["0", "0", "0", "0", "8", "5", "9", "1", "2", "0"]

# Column expressions for the generated rows; `g` is the series number, {spread} the seconds
# between two rows (the newest is now, the oldest rows * spread seconds ago).
OVERRIDES = {
    "txid": "'{imid}05' || lpad(g::text, 18, '0')",
    "reference_no": "'REF' || g",
    "pay_method": "CASE WHEN g %% 8 >= 5 THEN '06' ELSE '05' END",
    "mitra_cd": "(ARRAY{partners})[(g %% 8) + 1]",
    "amount": "10000 + (g::bigint * 7919) %% 2000000",
    "status": "(ARRAY{statuses})[(g %% 10) + 1]",
    "billing_name": "'Customer ' || g",
    "billing_phone": "'0812' || lpad(g::text, 8, '0')",
    "billing_email": "'c' || g || '@example.com'",
    "goods_name": "'Item'",
    "db_process_url": "'http://127.0.0.1:9/notify'",
    "request_fingerprint": "md5(g::text)",
    "created_at": "now() - (g * interval '{spread} seconds')",
    "updated_at": "now() - (g * interval '{spread} seconds')",
    "expires_at": "now() - (g * interval '{spread} seconds') + interval '1 hour'",
    # Paid, and refunded after payment, have paid_at; the void ones were cancelled before it.
    "paid_at": "CASE WHEN g %% 10 IN (0,1,2,3,8,9) THEN now() - (g * interval '{spread} seconds') END",
}


def _expr(field, params: dict[str, str]) -> str:
    if field.column in OVERRIDES:
        return OVERRIDES[field.column].format(**params)
    kind = field.get_internal_type()
    if field.null:
        return "NULL"
    if kind == "JSONField":
        return "'{}'::jsonb"
    if kind in ("CharField", "TextField"):
        return "''"
    if kind == "BooleanField":
        return "false"
    if "Integer" in kind:
        return "0"
    if kind == "DateTimeField":
        return "now()"
    raise AssertionError(f"no generator for {field.column} ({kind})")


def _array(values: list[str]) -> str:
    return "[" + ",".join(f"'{v}'" for v in values) + "]"


def load(merchant, rows: int, *, spread_seconds: float = 2.592) -> float:
    """Insert `rows` transactions of `merchant` (tXids from its iMid; default: one every 2.6 s
    over the last 30 days at a million rows), fold the GIN pending lists and ANALYZE, as autovacuum
    would. Returns the seconds it took."""
    params = {
        "imid": f"{merchant.imid[:10]:<10}".replace(" ", "0"),
        "partners": _array(PARTNERS),
        "statuses": _array(STATUSES),
        "spread": f"{spread_seconds:.6f}",
    }
    fields = [f for f in Transaction._meta.concrete_fields if f.column not in ("id", "merchant_id")]
    columns = ", ".join(["merchant_id", *(f.column for f in fields)])
    exprs = ", ".join([str(merchant.pk), *(_expr(f, params) for f in fields)])
    table = Transaction._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({columns}) SELECT {exprs} FROM generate_series(1, %s) AS g",  # noqa: S608
            [rows],
        )
        # A live table's autovacuum folds GIN pending lists into the index; a fresh bulk load has
        # them full, and the planner prices a trigram search as walking them all (seven times the
        # cost, enough to prefer a sequential scan).
        cur.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            " WHERE a.amname = 'gin' AND i.indrelid = %s::regclass",
            [table],
        )
        cur.execute(f"ANALYZE {table}")
    return time.perf_counter() - started
