"""Settlement per day and partner, the balance (pending vs available), their pages and files, and
the count and sums of a filtered transaction list."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.models import AuditLog, Cancellation, PartnerFee
from payments.selectors.settlements import balance, settlement_date, settlement_rows, transactions_totals
from payments.selectors.transactions import TransactionFilters
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def paid(merchant, day: date, amount: int, fee: int, mitra_cd: str = "DANA", hour: int = 10, **kw):
    return txn(merchant, status="0", amount=amount, fee=fee, mitra_cd=mitra_cd, paid_at=at(day, hour), **kw)


def refund(t, day: date, amount: int, hour: int = 12) -> Cancellation:
    t.cancelled_amount += amount
    t.save(update_fields=["cancelled_amount"])
    return Cancellation.objects.create(
        transaction=t,
        merchant=t.merchant,
        cancel_txid=f"C{t.pk}{amount}{hour}"[:30],
        cancel_type="2",
        amount=amount,
        state="succeeded",
        reason="damaged item",
        idempotency_key=f"k{amount}{hour}",
        finished_at=at(day, hour),
    )


def test_settlement_date_skips_weekends_and_holidays():
    friday = date(2026, 11, 27)
    assert friday.weekday() == 4
    assert settlement_date(friday, 0) == friday
    assert settlement_date(friday, 1) == date(2026, 11, 30)  # Monday
    assert settlement_date(friday, 2) == date(2026, 12, 1)
    assert settlement_date(date(2026, 11, 28), 1) == date(2026, 11, 30)  # paid on Saturday
    assert settlement_date(friday, 1, frozenset({date(2026, 11, 30)})) == date(2026, 12, 1)


def test_rows_per_day_and_partner_with_refunds_and_state():
    m, other = MerchantFactory(), MerchantFactory()
    PartnerFee.objects.create(mitra_cd="AKLP", settlement_days=2)
    mon, tue, wed = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
    a = paid(m, mon, 100_000, 1_500)
    paid(m, mon, 50_000, 750, hour=23)  # 23:00 Jakarta is still Monday
    paid(m, mon, 80_000, 2_000, mitra_cd="AKLP")
    paid(m, tue, 20_000, 300)
    refund(a, tue, 10_000)  # counted on Tuesday, when it succeeded
    paid(other, mon, 999_000, 0)  # another merchant's money never shows
    txn(m, status="9", amount=5_000, mitra_cd="DANA")  # unpaid: no money
    rows = settlement_rows(merchant=m, date_from=mon, date_to=wed, today=tue)
    got = [
        (r.day, r.mitra_cd, r.payments, r.gross, r.fees, r.refunds, r.net, r.settles_on, r.available)
        for r in rows
    ]
    assert got == [
        (mon, "AKLP", 1, 80_000, 2_000, 0, 78_000, wed, False),  # T+2
        (mon, "DANA", 2, 150_000, 2_250, 0, 147_750, tue, True),  # T+1 default
        (tue, "DANA", 1, 20_000, 300, 10_000, 9_700, wed, False),
    ]
    report = balance(merchant=m, date_from=mon, date_to=wed, today=tue)
    assert (report.gross, report.fees, report.refunds, report.net) == (250_000, 4_550, 10_000, 235_450)
    assert (report.available, report.pending) == (147_750, 87_700)
    assert report.upcoming() == [(wed, 87_700)]
    # The period bounds are whole Jakarta days.
    assert [r.day for r in settlement_rows(merchant=m, date_from=tue, date_to=tue, today=tue)] == [tue]


def test_list_totals_follow_the_filter_and_the_merchant():
    m, other = MerchantFactory(), MerchantFactory()
    today = timezone.localdate()
    p = paid(m, today, 40_000, 0, mitra_cd="ESHP")
    refund(p, today, 15_000)
    paid(m, today, 10_000, 0, mitra_cd="DANA")
    txn(m, status="9", amount=7_000, mitra_cd="ESHP")
    paid(other, today, 500_000, 0, mitra_cd="ESHP")
    totals = transactions_totals(merchant=m, filters=TransactionFilters(mitra_cd="ESHP"))
    assert (totals.count, totals.amount, totals.paid_amount, totals.refunded, totals.capped) == (
        2,
        47_000,
        40_000,
        15_000,
        False,
    )


def test_list_totals_stop_at_the_cap(monkeypatch):
    monkeypatch.setattr("payments.selectors.settlements.TOTALS_CAP", 2)
    m = MerchantFactory()
    for amount in (1_000, 2_000, 3_000):
        txn(m, status="9", amount=amount)
    totals = transactions_totals(merchant=m, filters=TransactionFilters(status="9"))
    assert totals.capped and totals.count == 2 and totals.amount == 5_000  # the newest two


def test_transaction_list_shows_count_and_sum_for_a_filter(client):
    m = MerchantFactory()
    client.force_login(member(m, "viewer").user)
    today = timezone.localdate()
    paid(m, today, 40_000, 0, mitra_cd="ESHP")
    paid(m, today, 12_500, 0, mitra_cd="ESHP")
    paid(m, today, 9_000, 0, mitra_cd="DANA")
    unfiltered = client.get("/dashboard/transactions/").content.decode()
    assert 'id="list-totals"' not in unfiltered
    body = client.get("/dashboard/transactions/?partner=ESHP").content.decode()
    assert 'data-testid="total-count">2<' in body and "Rp 52.500" in body


def test_balance_and_settlement_pages_are_scoped_and_read_by_every_role(client):
    m, other = MerchantFactory(name="Money Shop"), MerchantFactory()
    today = timezone.localdate()
    paid(m, today, 61_000, 915)
    paid(other, today, 777_000, 0)
    for role in ("viewer", "developer", "owner"):
        client.force_login(member(m, role).user)
        page = client.get("/dashboard/balance/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "Rp 61.000" in body and "Rp 915" in body and "Rp 60.085" in body and "Rp 777.000" not in body
        report = client.get("/dashboard/settlements/?period=today").content.decode()
        assert "Rp 60.085" in report and "Rp 777.000" not in report


def test_settlement_files_match_the_database(client):
    m = MerchantFactory(name="File Shop")
    client.force_login(member(m, "viewer").user)
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    a = paid(m, date(2026, 10, 5), 100_000, 1_500)
    paid(m, date(2026, 10, 5), 30_000, 0, mitra_cd="OVOE")
    refund(a, date(2026, 10, 6), 25_000)
    paid(m, date(2026, 11, 1), 5_000, 75)  # outside the month
    query = "period=custom&from=2026-10-01&to=2026-10-31"
    answer = client.get(f"/dashboard/settlements/export.csv?{query}")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert f"settlement-{m.imid}-20261001-20261031.csv" in answer["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(answer.content.decode())))
    assert lines[1][:9] == ["2026-10-05", "DANA", "DANA", "1", "100000", "1500", "0", "0", "98500"]
    assert lines[3][:9] == ["2026-10-06", "DANA", "DANA", "0", "0", "0", "1", "25000", "-25000"]
    assert lines[-1][:9] == ["Total", "", "", "2", "130000", "1500", "1", "25000", "103500"]

    answer = client.get(f"/dashboard/settlements/export.xlsx?{query}")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    expected = balance(merchant=m, date_from=first, date_to=last)
    assert [v[3:9] for v in values[:-1]] == [
        [r.payments, r.gross, r.fees, r.refund_count, r.refunds, r.net] for r in expected.rows
    ]
    assert values[-1][4] == 130_000 and values[-1][8] == 103_500
    assert AuditLog.objects.filter(action="settlement.exported", merchant=m).count() == 2

    bad = client.get("/dashboard/settlements/export.xlsx?period=custom&from=2026-10-31&to=2026-10-01")
    assert bad.status_code == 400


def test_overview_takes_any_period(client):
    m = MerchantFactory()
    client.force_login(member(m, "viewer").user)
    old = txn(m, status="0", amount=33_000, paid_at=at(date(2026, 1, 15)))
    old.created_at = at(date(2026, 1, 15))
    old.save(update_fields=["created_at"])
    call_command("rollups_rebuild", imid=m.imid)  # moved to that day with its rollup, as a rebuild counts it
    txn(m, status="0", amount=44_000, paid_at=timezone.now())
    page = client.get("/dashboard/?period=custom&from=2026-01-01&to=2026-01-31")
    stats = page.context["stats"]
    assert stats["month"]["volume"] == 33_000 and stats["days"] == 31
    assert client.get("/dashboard/?period=today").context["stats"]["month"]["volume"] == 44_000
    broken = client.get("/dashboard/?period=custom&from=2026-01-31&to=2026-01-01")
    assert broken.status_code == 200 and b"must be on or before" in broken.content
    too_long = client.get("/dashboard/?period=custom&from=2024-01-01&to=2026-01-01")
    assert b"at most 366 days" in too_long.content
