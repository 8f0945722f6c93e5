"""Dates at the calendar's edge (and any date outside the window people may type, 2000-01-01 to a
year ahead) get a field message on a page, a 400 on a download, and store nothing: no 500 from a
query that overflows, no Job that can only fail. The selectors cannot overflow whatever they get."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from payments import clock
from payments.models import AuditLog, Job, PaymentLink
from payments.selectors import cancellations, notifications, settlements, transactions
from payments.services.jobs import HANDLERS, job_create, job_run
from tests.factories import MerchantFactory
from tests.payments.test_admin_permissions import staff_client
from tests.support.dashboard import member, txn

pytestmark = pytest.mark.django_db

EDGES = ["9999-12-31", "0001-01-01", "1999-12-31"]
MESSAGE = "Give a date from"


@pytest.fixture
def shop():
    cache.clear()
    merchant = MerchantFactory()
    txn(merchant, status="0", paid_at=timezone.now())
    yield merchant
    cache.clear()


@pytest.fixture
def owner(shop) -> Client:
    client = Client()
    client.force_login(member(shop, "owner").user)
    return client


def stored() -> tuple[int, int, int]:
    return Job.objects.count(), PaymentLink.objects.count(), AuditLog.objects.count()


PAGES = [
    "/dashboard/transactions/?date_from={d}&date_to={d}",
    "/dashboard/transactions/?date_to={d}",
    "/dashboard/refunds/?date_to={d}",
    "/dashboard/refunds/?date_from={d}&date_to={d}",
    "/dashboard/notifications/?date_from={d}&date_to={d}",
    "/dashboard/?period=custom&from={d}&to={d}",
    "/dashboard/balance/?period=custom&from={d}&to={d}",
    "/dashboard/settlements/?period=custom&from={d}&to={d}",
    "/dashboard/settlements/?from={d}&to=2026-01-01",
]
DOWNLOADS = [
    "/dashboard/transactions/export.csv?date_from={d}&date_to={d}",
    "/dashboard/refunds/export.csv?date_to={d}",
    "/dashboard/settlements/export.csv?period=custom&from={d}&to={d}",
    "/dashboard/settlements/export.xlsx?period=custom&from={d}&to={d}",
]


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("url", PAGES)
def test_a_page_answers_a_field_message(owner, url, day):
    before = stored()
    page = owner.get(url.format(d=day))
    assert page.status_code == 200
    assert MESSAGE in page.content.decode()
    assert stored() == before


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_download_answers_400(owner, url, day):
    before = stored()
    assert owner.get(url.format(d=day)).status_code == 400
    assert stored() == before


@pytest.mark.parametrize("day", EDGES)
def test_forms_that_store_refuse_the_date_before_storing(owner, day):
    before = stored()
    assert owner.post("/dashboard/transactions/export-job", {"date_from": day}).status_code == 400
    replay = owner.post(
        "/dashboard/notifications/replay", {"since": f"{day}T00:00", "until": "2026-01-01T00:00"}, follow=True
    )
    assert replay.status_code == 200 and MESSAGE in replay.content.decode()
    until = owner.post(
        "/dashboard/notifications/replay", {"since": "2026-01-01T00:00", "until": f"{day}T23:59"}, follow=True
    )
    assert until.status_code == 200 and MESSAGE in until.content.decode()
    link = owner.post(
        "/dashboard/links/new", {"amount": "30000", "description": "Tiket", "expires_at": f"{day}T10:00"}
    )
    assert link.status_code == 400 and MESSAGE in link.content.decode()
    assert stored() == before


def test_the_window_is_2000_to_a_year_ahead(owner):
    first, last = clock.day_window()
    assert first == date(2000, 1, 1) and last == clock.jakarta_day() + timedelta(days=366)
    for day in (first, last):
        page = owner.get(f"/dashboard/transactions/?date_from={day}&date_to={day}")
        assert page.status_code == 200 and MESSAGE not in page.content.decode()
    beyond = owner.get(f"/dashboard/transactions/?date_to={last + timedelta(days=1)}")
    assert MESSAGE in beyond.content.decode()


@pytest.mark.parametrize("day", EDGES)
def test_the_back_office_refuses_a_reconciliation_date_before_storing_a_job(django_user_model, day):
    root = staff_client(django_user_model, "root", superuser=True)
    answer = root.post("/admin/payments/reconciliation/run/", {"date": day}, follow=True)
    assert answer.status_code == 200 and MESSAGE in answer.content.decode()
    assert not Job.objects.exists()
    assert not AuditLog.objects.filter(action="reconciliation.started").exists()


@pytest.mark.parametrize("day", [date.min, date.max])
def test_selectors_never_overflow(shop, day):
    assert (
        list(
            transactions.transactions_search(
                merchant=shop, filters=transactions.TransactionFilters(date_from=day, date_to=day)
            )
        )
        == []
    )
    early, late = date.min, date.max
    assert (
        len(
            transactions.transactions_search(
                merchant=shop, filters=transactions.TransactionFilters(date_from=early, date_to=late)
            )
        )
        == 1
    )
    refunds = cancellations.CancellationFilters(date_from=day, date_to=day)
    assert list(cancellations.cancellations_search(merchant=shop, filters=refunds)) == []
    attempts = notifications.AttemptFilters(date_from=day, date_to=day)
    assert list(notifications.attempts_filtered(merchant=shop, filters=attempts)) == []
    assert settlements.balance(merchant=shop, date_from=day, date_to=day).rows == []


def test_a_failed_job_always_names_its_reason(monkeypatch):
    class Nameless(Exception):
        pass

    Nameless.__name__ = ""

    def fail(job):
        raise Nameless()

    monkeypatch.setitem(HANDLERS, "export", fail)
    job = job_create(kind="export", params={})
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.error
