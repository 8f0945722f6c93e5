"""The name, e-mail and phone substring search uses PostgreSQL's pg_trgm indexes (migration 0016):
the indexes exist on the very expressions Django compiles `icontains` / `contains` to, and on a
seeded table the planner answers the search with them instead of walking the merchant's rows."""

from __future__ import annotations

import pytest
from django.db import connection

from payments.selectors.transactions import ROW_FIELDS, TransactionFilters, transactions_search
from tests.factories import MerchantFactory
from tests.support.bulk import load

pytestmark = pytest.mark.django_db

TRGM = {
    "txn_name_trgm_idx": "billing_name",
    "txn_email_trgm_idx": "billing_email",
    "txn_phone_trgm_idx": "billing_phone",
}


def plan_and_rows(merchant, term: str) -> tuple[str, list[str]]:
    qs = transactions_search(merchant=merchant, filters=TransactionFilters(q=term)).only(*ROW_FIELDS)[:51]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    return plan, list(qs.values_list("billing_name", flat=True))


def test_the_trigram_indexes_match_the_compiled_lookups() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cur.fetchone() == ("pg_trgm",)
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'txn_%%_trgm_idx'")
        defs = dict(cur.fetchall())
    assert set(defs) == set(TRGM)
    assert "gin (upper((billing_name)::text) gin_trgm_ops)" in defs["txn_name_trgm_idx"]
    assert "gin (upper((billing_email)::text) gin_trgm_ops)" in defs["txn_email_trgm_idx"]
    assert "gin (billing_phone gin_trgm_ops)" in defs["txn_phone_trgm_idx"]
    merchant = MerchantFactory()
    sql = str(transactions_search(merchant=merchant, filters=TransactionFilters(q="wijaya")).query)
    assert 'UPPER("payments_transaction"."billing_name"::text) LIKE UPPER(' in sql
    assert 'UPPER("payments_transaction"."billing_email"::text) LIKE UPPER(' in sql
    assert '"payments_transaction"."billing_phone"::text LIKE ' in sql


def test_a_name_substring_is_found_through_the_indexes() -> None:
    merchant, other = MerchantFactory(), MerchantFactory()
    load(merchant, 60_000, spread_seconds=40)
    load(other, 1_000, spread_seconds=40)
    for term in ("Customer 4321", "customer 4321"):  # either case: UPPER on both sides
        plan, names = plan_and_rows(merchant, term)
        for index in TRGM:
            assert index in plan, plan  # the three arms of the OR, each through its index
        assert "BitmapOr" in plan, plan
        assert sorted(names) == ["Customer 4321", *(f"Customer 4321{i}" for i in range(10))]
    # Scoped to the merchant: the other one's "Customer 432" rows are not in its answer.
    assert plan_and_rows(other, "Customer 432")[1] == ["Customer 432"]
