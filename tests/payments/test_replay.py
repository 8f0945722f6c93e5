"""Replaying failed and dead notifications of a time window as a Job: scoped to its merchant,
delivered ones left alone, recorded like any Job, and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import AuditLog, Job, Notification
from payments.services.audit import SYSTEM
from payments.services.jobs import job_run
from payments.services.replay import replay_run_inline, replay_start
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/n"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


def window() -> dict:
    now = timezone.now()
    return {"since": now - timedelta(hours=1), "until": now + timedelta(hours=1)}


def test_replay_job_stays_scoped_when_its_imid_no_longer_resolves():
    """The Job's merchant, not a lookup of the iMid in its params, scopes the replay."""
    a, b = MerchantFactory(), MerchantFactory()
    mine = Notification.objects.create(merchant=a, url=URL, payload={}, state="dead")
    theirs = Notification.objects.create(merchant=b, url=URL, payload={}, state="dead")
    job = replay_start(**window(), merchant=a, actor=SYSTEM)
    Job.objects.filter(pk=job.pk).update(params={**job.params, "imid": "RENAMED01"})
    job_run(job_id=job.pk)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == "pending" and theirs.state == "dead"


def test_only_failed_and_dead_ones_are_replayed_and_the_job_reports_them(merchant):
    failed = Notification.objects.create(merchant=merchant, url=URL, payload={}, state="failed")
    Notification.objects.create(merchant=merchant, url=URL, payload={}, state="delivered")
    progress: list[tuple[int, int]] = []
    job = replay_run_inline(
        **window(), merchant=merchant, progress=lambda done, total: progress.append((done, total))
    )
    assert job.state == Job.State.DONE and job.result["replayed"] == 1
    assert job.result["notification_ids"] == [failed.pk] and progress == [(1, 1)]
    assert Notification.objects.get(pk=failed.pk).state == "pending"


def test_start_is_audited_and_a_window_must_be_one(merchant):
    job = replay_start(**window(), merchant=merchant, actor=SYSTEM)
    log = AuditLog.objects.get(action="notification.replayed")
    assert (log.actor_kind, log.target, log.merchant) == ("system", f"job:{job.pk}", merchant)
    now = timezone.now()
    with pytest.raises(ValueError):
        replay_start(since=now, until=now, merchant=merchant, actor=SYSTEM)
