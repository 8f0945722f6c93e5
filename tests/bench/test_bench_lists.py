"""Benchmark: the dashboard's transaction list, filters, search and CSV, and the REST list, over
1,000,000 rows.

Run by `make bench` (never by `make test`). Rows are generated inside PostgreSQL with one
INSERT ... SELECT over generate_series, then ANALYZE. Prints a timing table and asserts that the
keyset pages stay fast (they walk txn_merchant_recent_idx and never count the table) and that each
REST list request runs the same fixed number of queries as on a small table."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from payments.dashboard.exports import transaction_csv_stream
from payments.models import Transaction
from payments.selectors.transactions import (
    TransactionFilters,
    transaction_page,
    transactions_overview,
    transactions_search,
)
from tests.factories import MerchantFactory
from tests.support.bulk import load
from tests.support.rest import basic

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

ROWS = 1_000_000


def timed(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return min(runs)


def test_list_and_filters_at_a_million_rows(capsys) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("the benchmark needs PostgreSQL (DATABASE_URL)")
    merchant = MerchantFactory(imid="BENCHMER01")
    other = MerchantFactory(imid="BENCHMER02")
    load_seconds = load(merchant, ROWS)
    assert Transaction.objects.filter(merchant=merchant).count() == ROWS  # once, to check the load

    today = timezone.localdate()
    first = transaction_page(merchant=merchant, filters=TransactionFilters())
    deep_cursor = ""
    page = first
    for _ in range(20):  # 20 pages in
        page = transaction_page(merchant=merchant, filters=TransactionFilters(), cursor=page.next_cursor)
        deep_cursor = page.next_cursor
    some = (
        Transaction.objects.filter(merchant=merchant)
        .order_by("-id")
        .values_list("txid", "reference_no", "billing_phone", "billing_email")[5000]
    )

    cases: dict[str, tuple[TransactionFilters, str]] = {
        "first page": (TransactionFilters(), ""),
        "page 21 (cursor)": (TransactionFilters(), deep_cursor),
        "status=paid": (TransactionFilters(status="0"), ""),
        "status=refund (rare-ish)": (TransactionFilters(status="2"), ""),
        "partner=DANA": (TransactionFilters(mitra_cd="DANA"), ""),
        "partner+status": (TransactionFilters(mitra_cd="KDVI", status="8"), ""),
        "amount range": (TransactionFilters(amount_min=500_000, amount_max=600_000), ""),
        "date range (3 days ago)": (
            TransactionFilters(date_from=today - timedelta(days=3), date_to=today - timedelta(days=3)),
            "",
        ),
        "date range (old, 25 days ago)": (
            TransactionFilters(date_from=today - timedelta(days=25), date_to=today - timedelta(days=24)),
            "",
        ),
        "search tXid": (TransactionFilters(q=some[0]), ""),
        "search referenceNo": (TransactionFilters(q=some[1]), ""),
        "search phone": (TransactionFilters(q=some[2]), ""),
        "search e-mail": (TransactionFilters(q=some[3]), ""),
        "search name (substring)": (TransactionFilters(q="Customer 99999"), ""),
        "other merchant (empty)": (TransactionFilters(), ""),
    }
    results: dict[str, float] = {}
    for name, (filters, cursor) in cases.items():
        target = other if name.startswith("other merchant") else merchant
        results[name] = timed(
            lambda f=filters, c=cursor, m=target: transaction_page(merchant=m, filters=f, cursor=c)
        )

    def csv_first_10k() -> None:
        stream = transaction_csv_stream(merchant=merchant, filters=TransactionFilters(status="0"))
        for _, _line in zip(range(10_001), stream, strict=False):
            pass

    # The REST list, through HTTP Basic auth, the view, cursor pagination and the serializer.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic(merchant.imid, merchant.merchant_key))
    rest_next = api.get("/api/v1/transactions").json()["next"]
    rest_cases = {
        "REST first page": ("/api/v1/transactions", 2),
        "REST next page (cursor)": (rest_next, 2),
        "REST status+partner": ("/api/v1/transactions?status=8&mitraCd=KDVI", 2),
        "REST amount range": ("/api/v1/transactions?amountMin=500000&amountMax=600000", 2),
        "REST search tXid": (f"/api/v1/transactions?q={some[0]}", 3),
        # The same search as the dashboard: an exact phone or e-mail goes through its index.
        "REST search phone": (f"/api/v1/transactions?q={some[2]}", 4),
        "REST search e-mail": (f"/api/v1/transactions?q={some[3]}", 4),
    }
    rest_queries: dict[str, int] = {}
    for name, (url, _) in rest_cases.items():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200, name
        rest_queries[name] = len(ctx.captured_queries)
        results[name] = timed(lambda u=url: api.get(u))

    results["CSV: first 10,000 lines (streamed)"] = timed(csv_first_10k, repeat=1)
    results["overview (30 days, 3 grouped queries)"] = timed(
        lambda: transactions_overview(merchant=merchant), repeat=1
    )

    with connection.cursor() as cur:
        sql, params = transactions_search(
            merchant=merchant, filters=TransactionFilters(status="0")
        ).query.sql_with_params()
        cur.execute(f"EXPLAIN {sql} LIMIT 51", params)  # noqa: S608
        plan = "\n".join(r[0] for r in cur.fetchall())

    with capsys.disabled():
        print(f"\n\nloaded {ROWS:,} transactions in {load_seconds:.1f}s (generate_series INSERT ... SELECT)")
        print(f"{'case':<40} {'best of 3':>10}")
        for name, secs in results.items():
            print(f"{name:<40} {secs * 1000:>8.1f}ms")
        print("plan for status=paid, first page:\n" + plan + "\n")

    assert rest_queries == {name: queries for name, (_, queries) in rest_cases.items()}, rest_queries
    assert "txn_merchant_recent_idx" in plan, plan
    for name in (
        "first page",
        "page 21 (cursor)",
        "status=paid",
        "partner=DANA",
        "partner+status",
        "amount range",
        "date range (3 days ago)",
        "date range (old, 25 days ago)",
        "search tXid",
        "search referenceNo",
        "search phone",
        "search e-mail",
        "other merchant (empty)",
    ):
        assert results[name] < 0.1, (name, results[name])
    for name in rest_cases:  # + auth, throttle counter and JSON of 50 rows
        assert results[name] < 0.3, (name, results[name])
    # Phone, e-mail and name have no index of their own: a rare match walks the merchant's rows.
    for name in ("search phone", "search name (substring)"):
        assert results[name] < 3.0, (name, results[name])
