"""Benchmark: the dashboard's overview, transaction list, filters, search and CSV, and the REST
list, over 1,000,000 rows.

Run by `make bench` (never by `make test`). Rows are generated inside PostgreSQL with one
INSERT ... SELECT over generate_series, then ANALYZE: one merchant's million over the last 30 days
(the lists), another's million over the last 365 days (the overview over a year); the overview's
rollups are then built by rollups_rebuild, timed. Prints the selectors' timings, and beside them
whole HTTP requests through the real middleware (a signed-in member's session, the REST API's
Basic auth and throttle): p50 and p95 of 30 requests each. Asserts that the keyset pages stay fast
(they walk txn_merchant_recent_idx and never count the table), that each REST list request runs the
same fixed number of queries as on a small table, and that the name search and the overview
answer from their indexes and rollups."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from payments.dashboard.exports import transaction_csv_stream
from payments.models import Transaction, TransactionRollup
from payments.selectors.overview import transactions_overview
from payments.selectors.transactions import TransactionFilters, transaction_page, transactions_search
from payments.services.rollups import rollups_rebuild
from tests.factories import MerchantFactory
from tests.support.bulk import load
from tests.support.dashboard import member
from tests.support.overview import overview_from_transactions
from tests.support.rest import basic

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

ROWS = 1_000_000
YEAR_SECONDS = 365 * 86_400
HTTP_REQUESTS = 30


def timed(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return min(runs)


def http_times(client: Client, url: str, **headers: str) -> tuple[float, float]:
    """(p50, p95) seconds of HTTP_REQUESTS GETs of `url` after one warm-up; each must answer 200."""
    assert client.get(url, headers=headers).status_code == 200, url
    runs = []
    for _ in range(HTTP_REQUESTS):
        t0 = time.perf_counter()
        answer = client.get(url, headers=headers)
        runs.append(time.perf_counter() - t0)
        assert answer.status_code == 200, url
    runs.sort()
    return runs[len(runs) // 2], runs[-(-len(runs) * 95 // 100) - 1]


def test_list_and_filters_at_a_million_rows(capsys) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("the benchmark needs PostgreSQL (DATABASE_URL)")
    merchant = MerchantFactory(imid="BENCHMER01")
    other = MerchantFactory(imid="BENCHMER02")
    year = MerchantFactory(imid="BENCHMER03")
    load_before = os.getloadavg()[0]
    load_seconds = load(merchant, ROWS)
    load_year_seconds = load(year, ROWS, spread_seconds=YEAR_SECONDS / ROWS)
    assert Transaction.objects.filter(merchant=merchant).count() == ROWS  # once, to check the load
    t0 = time.perf_counter()
    rebuilt = rollups_rebuild(merchant_id=merchant.pk)
    rebuild_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    rebuilt_year = rollups_rebuild(merchant_id=year.pk)
    rebuild_year_seconds = time.perf_counter() - t0
    assert rebuilt.transactions == rebuilt_year.transactions == ROWS

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
    results["overview 30 days (former: 3 grouped queries)"] = timed(
        lambda: overview_from_transactions(merchant=merchant, now=timezone.now(), days=30), repeat=1
    )
    results["overview 30 days (rollups)"] = timed(lambda: transactions_overview(merchant=merchant, days=30))
    results["overview 1 year (rollups; 1M rows over 365 days)"] = timed(
        lambda: transactions_overview(merchant=year, days=365)
    )
    assert transactions_overview(merchant=merchant, days=30) == overview_from_transactions(
        merchant=merchant, now=timezone.now(), days=30
    )

    # Whole HTTP requests through the middleware: a signed-in member of each merchant, and the
    # REST API with the merchant's Basic credentials.
    browser, year_browser, api_client = Client(), Client(), Client()
    browser.force_login(member(merchant, "viewer").user)
    year_browser.force_login(member(year, "viewer").user)
    rest_auth = {"authorization": basic(merchant.imid, merchant.merchant_key)}
    http_cases = {
        "dashboard overview, 30 days": (browser, "/dashboard/?days=30", {}, "overview 30 days (rollups)"),
        "dashboard overview, 1 year": (
            year_browser,
            "/dashboard/?days=365",
            {},
            "overview 1 year (rollups; 1M rows over 365 days)",
        ),
        "dashboard transactions, first page": (browser, "/dashboard/transactions/", {}, "first page"),
        "dashboard search name (substring)": (
            browser,
            "/dashboard/transactions/?q=Customer+99999",
            {},
            "search name (substring)",
        ),
        "REST list, first page": (api_client, "/api/v1/transactions", rest_auth, "REST first page"),
        "REST search name (substring)": (
            api_client,
            "/api/v1/transactions?q=Customer+99999",
            rest_auth,
            "",
        ),
    }
    http: dict[str, tuple[float, float]] = {}
    for name, (client, url, headers, _) in http_cases.items():
        http[name] = http_times(client, url, **headers)
    rollup_rows = TransactionRollup.objects.filter(merchant__in=[merchant, year]).count()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class "
            "WHERE relname IN ('payments_transaction', 'payments_transactionrollup') "
            "OR relname LIKE 'txn_%%trgm_idx' ORDER BY relname"
        )
        sizes = ", ".join(f"{name} {size}" for name, size in cur.fetchall())

    with connection.cursor() as cur:
        sql, params = transactions_search(
            merchant=merchant, filters=TransactionFilters(status="0")
        ).query.sql_with_params()
        cur.execute(f"EXPLAIN {sql} LIMIT 51", params)  # noqa: S608
        plan = "\n".join(r[0] for r in cur.fetchall())

    with capsys.disabled():
        print(
            f"\n\nloaded {ROWS:,} transactions over 30 days in {load_seconds:.1f}s and {ROWS:,} over "
            f"365 days in {load_year_seconds:.1f}s (INSERT ... SELECT generate_series, all indexes kept)"
        )
        print(
            f"rollups_rebuild: {rebuild_seconds:.1f}s for the 30-day million ({rebuilt.days} merchant-days), "
            f"{rebuild_year_seconds:.1f}s for the 365-day million ({rebuilt_year.days}); "
            f"{rollup_rows:,} rollup rows for the two"
        )
        print(f"sizes (2,000,000 transactions): {sizes}")
        print(f"{'case':<50} {'best of 3':>10}")
        for name, secs in results.items():
            print(f"{name:<50} {secs * 1000:>8.1f}ms")
        print(
            f"\nwhole HTTP requests through the middleware, {HTTP_REQUESTS} each "
            f"(the selector's best of 3 beside it; load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} now)"
        )
        print(f"{'request':<40} {'p50':>9} {'p95':>9}   {'selector':>9}")
        for name, (p50, p95) in http.items():
            selector = results.get(http_cases[name][3])
            beside = f"{selector * 1000:>7.1f}ms" if selector is not None else f"{'-':>9}"
            print(f"{name:<40} {p50 * 1000:>7.1f}ms {p95 * 1000:>7.1f}ms   {beside}")
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
    # A part of a name goes through the trigram indexes; the overview reads the rollups.
    assert results["search name (substring)"] < 0.3, results["search name (substring)"]
    for name in ("dashboard overview, 30 days", "dashboard overview, 1 year"):
        assert http[name][0] < 0.3, (name, http[name])
