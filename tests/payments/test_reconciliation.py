"""Daily reconciliation: the day's transactions against the partner's answers; drift reported in
the Job result, open ones corrected, settled ones that disagree flagged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.models import Job, Transaction
from payments.services import reconciliation
from payments.services.jobs import job_run
from payments.status import Status
from providers.base.errors import PartnerUnavailable
from providers.base.types import PartnerStatus, StatusResult
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


class FakePartner:
    def __init__(self, answers: dict[str, StatusResult | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        self.asked.append(txid)
        answer = self.answers[txid]
        if isinstance(answer, Exception):
            raise answer
        return answer


def on_day(merchant, day: date = DAY, **kw) -> Transaction:
    txn = make_txn(merchant, payment_started_at=timezone.now(), partner_ref="P", **kw)
    created = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=10)
    Transaction.objects.filter(pk=txn.pk).update(created_at=created)
    return txn


@pytest.fixture
def day_setup(merchant, monkeypatch):
    agree = on_day(merchant, status=Status.PAID)
    open_paid = on_day(merchant)  # we missed the partner's "paid"
    paid_failed = on_day(merchant, status=Status.PAID)  # partner says it failed
    amount = on_day(merchant)
    down = on_day(merchant)
    other_day = on_day(merchant, day=DAY - timedelta(days=1))
    make_txn(merchant)  # registered only: the partner never heard of it
    ok = StatusResult(status=PartnerStatus.SUCCEEDED, raw_status="payment_status:1")
    partner = FakePartner(
        {
            agree.txid: ok,
            open_paid.txid: ok,
            paid_failed.txid: StatusResult(status=PartnerStatus.FAILED, raw_status="transaction_status:4"),
            amount.txid: StatusResult(
                status=PartnerStatus.SUCCEEDED, raw_status="payment_status:1", amount=1
            ),
            down.txid: PartnerUnavailable("timeout"),
            other_day.txid: ok,
        }
    )
    monkeypatch.setattr("providers.registry.get_adapter", lambda mitra: partner)
    return {
        "agree": agree,
        "open_paid": open_paid,
        "paid_failed": paid_failed,
        "amount": amount,
        "down": down,
        "other_day": other_day,
        "partner": partner,
    }


def test_reconcile_job_reports_drift_corrects_and_flags(day_setup):
    job = reconciliation.reconciliation_start(day=DAY)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    result = job.result
    assert job.state == "done" and job.progress == job.total == 5
    assert result["checked"] == 5 and result["agreed"] == 1 and result["unreachable_count"] == 1
    drift = {row["txid"]: row for row in result["drift"]}
    s = day_setup
    assert set(drift) == {s["open_paid"].txid, s["paid_failed"].txid, s["amount"].txid}
    assert (
        drift[s["open_paid"].txid]["action"] == "corrected" and drift[s["open_paid"].txid]["kind"] == "status"
    )
    assert drift[s["paid_failed"].txid]["action"] == "flagged"
    assert drift[s["amount"].txid]["kind"] == "amount"
    assert s["other_day"].txid not in s["partner"].asked
    corrected = Transaction.objects.get(pk=s["open_paid"].pk)
    assert (
        corrected.status == "0"
        and corrected.events.filter(kind="status_corrected", source="reconcile").exists()
    )
    assert corrected.notifications.count() == 1
    flagged = Transaction.objects.get(pk=s["paid_failed"].pk)
    assert flagged.status == "0" and flagged.needs_review
    assert Transaction.objects.get(pk=s["amount"].pk).needs_review


def test_reconcile_command_shows_progress_and_drift(day_setup, capsys):
    call_command("reconcile", "--date", DAY.isoformat())
    out = capsys.readouterr().out
    assert "5/5 checked" in out and "3 drift" in out and "1 partner unreachable" in out
    assert f"DRIFT {day_setup['paid_failed'].txid}" in out
    job = Job.objects.get(kind="reconcile")
    assert job.state == "done" and job.result["date"] == DAY.isoformat()


def test_default_day_is_yesterday():
    assert reconciliation.default_day() == timezone.localdate() - timedelta(days=1)


def test_daily_beat_entry_runs_the_reconcile_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-daily"]
    assert entry["task"] == "payments.tasks.reconcile_daily"


def test_admin_pages_list_and_show_runs(day_setup, admin_client):
    job = reconciliation.reconciliation_start(day=DAY)
    job_run(job_id=job.pk)
    listing = admin_client.get("/admin/payments/reconciliation/")
    assert listing.status_code == 200 and DAY.isoformat() in listing.content.decode()
    detail = admin_client.get(f"/admin/payments/reconciliation/{job.pk}/").content.decode()
    assert day_setup["paid_failed"].txid in detail and "flagged" in detail
    queued = admin_client.post("/admin/payments/reconciliation/run/", {"date": DAY.isoformat()})
    assert queued.status_code == 302 and Job.objects.filter(kind="reconcile").count() == 2
    from payments.models import AuditLog

    entry = AuditLog.objects.get(action="reconciliation.started")
    assert entry.actor_kind == "staff" and entry.detail == {"day": DAY.isoformat()}
