"""The back office from ops' chair: every tool linked from the index, the product's name and a real
"View site", the ops overview's figures, the review queue's reason column, the reconciliation list
refreshing itself while a run is going, and the fee schedule (audited)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.utils import timezone

from payloan_site.queues import QUEUES
from payments.models import AuditLog, Cancellation, Job, Notification, PartnerFee
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("ops", "ops@payloan.test", "pw-ops-123"))
    return client


def test_index_links_every_ops_tool_and_carries_the_product_name(ops):
    page = ops.get("/admin/").content.decode()
    assert "Payloan back office" in page
    assert re.search(r'href="/docs/"[^>]*>\s*View site', page)
    links = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>', page)
    names = [name for _, name in links]
    for tool in (
        "Ops overview",
        "Review queue",
        "Reconciliation runs",
        "Partner configuration",
        "Jobs",
        "Audit log",
    ):
        assert tool in names, tool
    assert any(name.startswith("Fees (MDR)") for name in names)
    for href, name in links:
        answer = ops.get(href.replace("&amp;", "&"), follow=True)
        assert answer.status_code == 200, (name, href)
    assert ops.get("/docs/").status_code == 200  # "View site" goes somewhere real


def test_ops_overview_figures(ops, settings):
    # A queue of its own (routed like a real one), so no worker of the test stack consumes it.
    settings.CELERY_TASK_ROUTES = {"payments.tasks.example": {"queue": "ops-overview-test"}}
    a, b = MerchantFactory(imid="OPSMERCH01"), MerchantFactory(imid="OPSMERCH02")
    now = timezone.now()
    for status in ("0", "0", "0", "8"):
        txn(a, mitra_cd="DANA", status=status, paid_at=now if status == "0" else None)
    txn(a, mitra_cd="OVOE", status="9")
    flagged = txn(b, status="0", needs_review=True, review_reason="poll reported expired while paid")
    Notification.objects.create(merchant=b, url="http://x", payload={}, state="dead")
    Notification.objects.create(merchant=b, url="http://x", payload={}, state="failed")
    stuck = Cancellation.objects.create(
        transaction=flagged,
        merchant=b,
        cancel_txid="STUCKPENDING1",
        cancel_type="1",
        amount=10,
        idempotency_key="k",
    )
    lost = Cancellation.objects.create(  # its answer was lost: still being checked with the partner
        transaction=flagged,
        merchant=b,
        cancel_txid="STUCKUNKNOWN2",
        cancel_type="2",
        amount=5,
        idempotency_key="k2",
        state="unknown",
    )
    done = Cancellation.objects.create(
        transaction=flagged,
        merchant=b,
        cancel_txid="SETTLEDDONE3",
        cancel_type="2",
        amount=5,
        idempotency_key="k3",
        state="succeeded",
    )
    Cancellation.objects.filter(pk__in=[stuck.pk, lost.pk, done.pk]).update(
        created_at=now - timedelta(minutes=20)
    )
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("ops-overview-test")
    client.rpush("ops-overview-test", "m1", "m2", "m3")
    try:
        page = ops.get("/admin/ops/").content.decode()
    finally:
        client.delete("ops-overview-test")
    dana = re.search(r'data-partner="DANA">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", dana)[:5] == ["DANA", "4", "3", "1", "0"]
    assert "25%" in dana  # 1 failed of 4 finished
    assert "OPSMERCH02" in page and re.search(r"<strong>1</strong>", page)
    assert re.search(r'id="ops-reviews">1<', page) and "poll reported expired while paid" in page
    assert (
        re.search(r'id="ops-stuck">2<', page)
        and "STUCKPENDING1" in page
        and "STUCKUNKNOWN2" in page
        and "SETTLEDDONE3" not in page
    )
    assert re.search(r'data-queue="ops-overview-test"><td>ops-overview-test</td><td>3</td>', page)
    for queue in QUEUES:  # every pool's queue, each with its depth
        assert re.search(rf'data-queue="{queue}"><td>{queue}</td><td>\d+</td>', page), queue


def test_review_queue_has_a_reason_column(ops):
    t = txn(MerchantFactory(), status="0", needs_review=True, review_reason="amount differs at the partner")
    page = ops.get("/admin/payments/transaction/review/", follow=True).content.decode()
    assert "column-review_reason" in page and "amount differs at the partner" in page and t.txid in page


def test_reconciliation_list_refreshes_itself_while_a_run_is_going(ops):
    job = Job.objects.create(kind="reconcile", state="running", params={"date": "2026-11-29"})
    assert 'http-equiv="refresh"' in ops.get("/admin/payments/reconciliation/").content.decode()
    assert 'http-equiv="refresh"' in ops.get(f"/admin/payments/reconciliation/{job.pk}/").content.decode()
    Job.objects.filter(pk=job.pk).update(state="done")
    assert 'http-equiv="refresh"' not in ops.get("/admin/payments/reconciliation/").content.decode()


def test_fee_schedule_is_edited_in_the_admin_and_audited(ops):
    m = MerchantFactory()
    answer = ops.post(
        "/admin/payments/partnerfee/add/",
        {"mitra_cd": "DANA", "merchant": m.pk, "percent_bp": "150", "fixed": "0", "settlement_days": "2"},
    )
    assert answer.status_code == 302
    fee = PartnerFee.objects.get(merchant=m, mitra_cd="DANA")
    assert (fee.percent_bp, fee.settlement_days) == (150, 2)
    assert AuditLog.objects.get(action="fee.created").detail["percent_bp"] == 150
    too_much = ops.post(
        "/admin/payments/partnerfee/add/", {"mitra_cd": "OVOE", "percent_bp": "10001", "fixed": "0"}
    )
    assert too_much.status_code == 200 and not PartnerFee.objects.filter(mitra_cd="OVOE").exists()


def test_ops_pages_are_staff_only(client):
    client.force_login(member(MerchantFactory()).user)
    for url in ("/admin/ops/", "/admin/payments/partnerfee/"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_partner_configuration_shows_the_catalogue_and_the_fees(ops):
    PartnerFee.objects.create(mitra_cd="OVOE", percent_bp=150, fixed=500, settlement_days=2)
    page = ops.get("/admin/payments/merchant/partners/").content.decode()
    assert "OVO: full only, on the day of payment" in page
    assert "1.50 % + Rp 500, T+2" in page and "Rp 10.000.000" in page
