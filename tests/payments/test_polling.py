"""Polling: only due open payments are claimed, by the partial index, in batches, never twice;
the claim's query count does not grow with the table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payments.models import Transaction
from payments.services import polling
from payments.status import Status
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


def bulk_txns(merchant, count: int, **kw) -> None:
    template = make_txn(merchant, **kw)
    rows = []
    for i in range(count - 1):
        row = Transaction.objects.get(pk=template.pk)
        row.pk = None
        row.txid = f"B{template.pk:09d}{i:020d}"
        row.reference_no = f"{template.reference_no}-{i}"
        rows.append(row)
    Transaction.objects.bulk_create(rows, batch_size=500)


def test_claims_only_due_open_rows_and_pushes_them_to_the_next_round(merchant, settings):
    settings.POLL_SCHEDULE = [15, 30, 60]
    now = timezone.now()
    due = make_txn(merchant, next_poll_at=now - timedelta(seconds=1))
    later = make_txn(merchant, next_poll_at=now + timedelta(minutes=1))
    paid = make_txn(merchant, status=Status.PAID, next_poll_at=now - timedelta(seconds=1))
    never = make_txn(merchant)
    assert polling.transactions_claim_polls() == [due.pk]
    due.refresh_from_db()
    assert due.poll_count == 1 and 25 <= (due.next_poll_at - timezone.now()).total_seconds() <= 30
    assert polling.transactions_claim_polls() == []  # never enqueued twice
    assert {t.pk for t in (later, paid, never)}.isdisjoint(polling.transactions_claim_polls())


def test_batches_respect_the_limit(merchant):
    bulk_txns(merchant, 7, next_poll_at=timezone.now() - timedelta(seconds=1))
    first = polling.transactions_claim_polls(limit=5)
    second = polling.transactions_claim_polls(limit=5)
    assert len(first) == 5 and len(second) == 2 and not set(first) & set(second)


def test_backoff_grows_then_stays_at_the_last_step(settings):
    settings.POLL_SCHEDULE = [15, 30, 60]
    assert [polling.poll_delay(n).total_seconds() for n in range(5)] == [15, 30, 60, 60, 60]


@pytest.mark.parametrize("rows", [10, 1000])
def test_claim_query_count_does_not_grow_with_the_table(merchant, django_assert_num_queries, rows):
    bulk_txns(merchant, rows, status=Status.PAID)  # settled: not pollable
    bulk_txns(merchant, rows, next_poll_at=timezone.now() - timedelta(seconds=1))  # all due, same round
    # savepoint + locked select + one update per schedule step in use + release
    with django_assert_num_queries(4):
        claimed = polling.transactions_claim_polls(limit=200)
    assert len(claimed) == min(rows, 200)


def test_sweep_query_plan_uses_the_partial_poll_index(merchant):
    bulk_txns(merchant, 2000, status=Status.PAID)
    bulk_txns(merchant, 20, next_poll_at=timezone.now() - timedelta(seconds=1))
    with connection.cursor() as cur:
        cur.execute("ANALYZE payments_transaction")
    from payments.selectors.transactions import transactions_due_for_poll
    from payments.status import OPEN

    qs = (
        Transaction.objects.filter(status__in=sorted(OPEN), next_poll_at__lte=timezone.now())
        .order_by("next_poll_at")
        .values_list("pk", "next_poll_at", "poll_count")[:200]
    )
    plan = qs.explain()
    assert "txn_poll_due_idx" in plan, plan
    assert len(transactions_due_for_poll(now=timezone.now(), limit=200)) == 20


def test_outbox_sweep_query_plan_uses_the_partial_due_index(merchant):
    from payments.models import Notification

    txn = make_txn(merchant)
    Notification.objects.bulk_create(
        Notification(
            merchant=merchant, transaction=txn, sequence=i, url="http://x", payload={}, state="delivered"
        )
        for i in range(3000)
    )
    Notification.objects.bulk_create(
        Notification(
            merchant=merchant,
            transaction=txn,
            sequence=5000 + i,
            url="http://x",
            payload={},
            next_attempt_at=timezone.now(),
        )
        for i in range(10)
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE payments_notification")
    from django.db.models import Q

    now = timezone.now()
    plan = (
        Notification.objects.filter(state__in=["pending", "failed"], next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:500]
        .explain()
    )
    assert "notif_due_idx" in plan, plan


def test_poll_of_an_unreachable_partner_is_retried_next_round(merchant, monkeypatch):
    from providers.base.errors import PartnerUnavailable

    txn = make_txn(merchant, payment_started_at=timezone.now(), partner_ref="P1")

    def down(**kw):
        raise PartnerUnavailable("timeout")

    monkeypatch.setattr(polling, "transaction_sync", down)
    polling.transaction_poll(transaction_id=txn.pk)  # logged, not raised
    txn.refresh_from_db()
    assert txn.status == "9"
