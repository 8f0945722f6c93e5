"""The automatic return of a late payment against the simulated DANA over real HTTP: made once
however often (and however concurrently) it runs, picked up again by the sweep when its task was
lost, and left for review with the partner's reason when the partner refuses it. (The whole flows,
hosted checkout and OVO, are in tests/integration/test_late_payments.py.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from payments.models import AuditLog, Cancellation, PartnerCall, Transaction
from payments.services import late_payments, polling, queue
from payments.services.settle import apply_partner_result
from payments.services.transitions import late_return_key
from payments.status import Status
from providers.base.types import PartnerStatus
from providers.registry import get_adapter
from providers.sandbox.models import SandboxOrder
from tests.providers.dana.test_adapter_sandbox import simulate, start
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db(transaction=True)
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, tuple]]:  # noqa: ANN001
    """Tasks handed to Celery (nothing reaches a broker: the test runs the service itself)."""
    queued: list[tuple[str, tuple]] = []
    monkeypatch.setattr(queue, "send", lambda name, *args, **kw: queued.append((name, args)))
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    return queued


@pytest.fixture
def dana(sandbox_server):  # noqa: ANN001, ANN201
    return get_adapter("DANA")


def paid_late(dana, sandbox_server, receiver, merchant, amount: int = 40_000) -> Transaction:  # noqa: ANN001
    """An attempt the shopper left (failed here), then paid at DANA; DANA's answer to our poll."""
    txn = left_at_dana(dana, receiver, merchant, amount)
    simulate(sandbox_server, txn.txid, "success")
    answer = dana.fetch_status(txid=txn.txid, partner_ref=txn.partner_ref, amount=amount)
    assert answer.status is PartnerStatus.SUCCEEDED
    return apply_partner_result(txn=txn, result=answer, source="poll", idempotency_key="poll:late")


def left_at_dana(dana, receiver, merchant, amount: int = 40_000) -> Transaction:  # noqa: ANN001
    """An attempt the shopper left (failed here) while its DANA order is still payable."""
    receiver.reset()
    req, action = start(dana, receiver, amount)
    return make_txn(
        merchant,
        txid=req.order.txid,
        mitra_cd="DANA",
        amount=amount,
        partner_ref=action.partner_ref,
        payment_started_at=timezone.now(),
        status=Status.FAILED,
    )


def dana_order(txn: Transaction) -> SandboxOrder:
    return SandboxOrder.objects.get(partner="dana", merchant_ref=txn.txid)


def test_run_twice_and_concurrently_it_returns_once(dana, sandbox_server, receiver, merchant, sent):
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    assert sent == [(queue.TRANSACTION_RETURN_LATE_PAYMENT, (txn.pk,))]
    assert (txn.status, txn.needs_review) == (Status.FAILED, False)

    results: list[Cancellation | None] = []
    start_line = threading.Barrier(3)

    def run() -> None:
        try:
            start_line.wait()
            results.append(late_payments.transaction_return_late_payment(transaction_id=txn.pk))
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(3)]
    for t in runners:
        t.start()
    for t in runners:
        t.join(60)
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk) is None  # and again
    made = [r for r in results if r is not None]
    assert len(results) == 3 and len(made) == 1 and made[0].state == "succeeded", results

    row = Cancellation.objects.get(transaction=txn)
    assert (row.amount, row.cancel_type, row.idempotency_key) == (40_000, "1", "late-payment-return")
    assert row.merchant_id == txn.merchant_id  # the refunds list reads it
    assert (dana_order(txn).state, dana_order(txn).data["closed_reason"]) == ("05", "MERCHANT_CANCEL")
    txn.refresh_from_db()
    assert (txn.status, txn.cancelled_amount, txn.needs_review) == (Status.FAILED, 40_000, False)
    assert PartnerCall.objects.get(key=late_return_key(txn.pk)).done_at is not None
    assert AuditLog.objects.filter(target=f"transaction:{txn.txid}", actor_kind="system").count() == 1
    assert late_payments.late_payments_return_due() == []  # nothing left for the sweep


def test_a_lost_task_is_queued_again_by_the_sweep(dana, sandbox_server, receiver, merchant, sent):
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    assert late_payments.late_payments_return_due() == []  # its own task normally claims it first
    PartnerCall.objects.filter(key=late_return_key(txn.pk)).update(
        lease_until=timezone.now() - timedelta(seconds=late_payments.SWEEP_GRACE_SECONDS + 1)
    )
    assert late_payments.late_payments_return_due() == [txn.pk]
    assert sent[-1] == (queue.TRANSACTION_RETURN_LATE_PAYMENT, (txn.pk,))
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk).state == "succeeded"
    assert late_payments.late_payments_return_due() == []


def test_a_run_that_died_after_writing_the_return_never_calls_again(
    dana, sandbox_server, receiver, merchant, sent
):
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    late_payments.transaction_return_late_payment(transaction_id=txn.pk)
    row = Cancellation.objects.get(transaction=txn)
    # As if the first run had died during its partner call: the row unsettled, the claim abandoned.
    Cancellation.objects.filter(pk=row.pk).update(state="pending", finished_at=None)
    PartnerCall.objects.filter(key=late_return_key(txn.pk)).update(
        done_at=None, lease_until=timezone.now() - timedelta(minutes=5)
    )
    again = late_payments.transaction_return_late_payment(transaction_id=txn.pk)
    assert again.pk == row.pk and again.state == "pending"  # left to the cancel settle sweep
    assert Cancellation.objects.filter(transaction=txn).count() == 1


@pytest.mark.parametrize("who", ["gateway_rules", "partner"])
def test_a_refused_return_is_left_for_review_with_the_reason(
    who, dana, sandbox_server, receiver, merchant, sent, settings
):
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    hour = datetime.now(UTC).astimezone(JAKARTA).hour
    if who == "partner":  # DANA's closing hour, answered by DANA itself
        settings.SANDBOX_DANA_CLOSED_HOURS = [hour, (hour + 1) % 24]
    else:  # the adapter's own rule, for good: DANA's refund window ended long ago
        claim = PartnerCall.objects.get(key=late_return_key(txn.pk))
        long_ago = (timezone.now() - timedelta(days=400)).isoformat()
        PartnerCall.objects.filter(pk=claim.pk).update(data={**claim.data, "paid_at": long_ago})
    row = late_payments.transaction_return_late_payment(transaction_id=txn.pk)
    words = "DANA refunds only within" if who == "gateway_rules" else "Not Permitted"
    assert row.state == "failed" and words in row.result_message, row.result_message
    txn.refresh_from_db()
    assert txn.status == Status.FAILED and txn.needs_review and txn.cancelled_amount == 0
    assert txn.review_reason.startswith("paid after the order ended; automatic return failed: ")
    assert words in txn.review_reason
    assert dana_order(txn).state == "00"  # paid: the money is still at DANA: ops return it
    assert AuditLog.objects.filter(
        target=f"transaction:{txn.txid}", action=AuditLog.Action.TRANSACTION_CANCEL_REFUSED
    ).exists()
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk) is None  # never retried


def test_a_return_in_danas_closing_hour_waits_for_the_hour_to_end_then_is_made(
    dana, sandbox_server, receiver, merchant, sent, monkeypatch
):
    """Nothing is sent in DANA's closing hour: the return is postponed to the hour's end (no
    review, no failed row), and the sweep makes it then, once."""
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    now = datetime.now(UTC).astimezone(JAKARTA)
    monkeypatch.setenv("DANA_CANCEL_CLOSED_HOURS", f"{now.hour},{(now.hour + 1) % 24}")
    get_adapter.cache_clear()
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk) is None
    assert not Cancellation.objects.filter(transaction=txn).exists()
    claim = PartnerCall.objects.get(key=late_return_key(txn.pk))
    reopens = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)  # both hours closed
    assert claim.done_at is None and claim.lease_until == reopens
    assert "Jakarta time" in claim.data["postponed"] and claim.data["paid_at"]
    txn.refresh_from_db()
    assert (txn.needs_review, txn.cancelled_amount) == (False, 0)
    assert dana_order(txn).state == "00"  # nothing was asked of DANA
    assert late_payments.late_payments_return_due() == []  # not before the hour is over
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk) is None  # held

    # The hours pass: DANA accepts cancels again, and the lease has run out.
    monkeypatch.setenv("DANA_CANCEL_CLOSED_HOURS", f"{(now.hour + 5) % 24}")
    get_adapter.cache_clear()
    PartnerCall.objects.filter(pk=claim.pk).update(
        lease_until=timezone.now() - timedelta(seconds=late_payments.SWEEP_GRACE_SECONDS + 1)
    )
    assert late_payments.late_payments_return_due() == [txn.pk]
    row = late_payments.transaction_return_late_payment(transaction_id=txn.pk)
    assert row.state == "succeeded" and row.amount == 40_000
    assert dana_order(txn).state == "05"
    txn.refresh_from_db()
    assert (txn.status, txn.cancelled_amount, txn.needs_review) == (Status.FAILED, 40_000, False)
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk) is None  # done: once
    assert Cancellation.objects.filter(transaction=txn).count() == 1
    assert late_payments.late_payments_return_due() == []


def test_a_closing_hour_that_begins_between_the_check_and_the_call_still_postpones(
    dana, sandbox_server, receiver, merchant, sent, monkeypatch
):
    """The run checks DANA's hours at 23:59:59.999 and the adapter, before sending, at 00:00:00.001:
    its refusal carries retry_at and nothing was sent, so the return waits for the hour to end. It
    was treated as a refusal for good (review, failed row) because the call had 'started'."""
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    now = datetime.now(UTC).astimezone(JAKARTA)
    monkeypatch.setenv("DANA_CANCEL_CLOSED_HOURS", f"{now.hour}")
    get_adapter.cache_clear()
    # The run's own clock still reads the hour before (the adapter reads the real one).
    earlier = type("Clock", (), {"now": staticmethod(lambda: timezone.now() - timedelta(hours=1))})
    monkeypatch.setattr(late_payments, "timezone", earlier)
    assert late_payments.transaction_return_late_payment(transaction_id=txn.pk) is None
    assert not Cancellation.objects.filter(transaction=txn).exists()
    claim = PartnerCall.objects.get(key=late_return_key(txn.pk))
    assert claim.done_at is None
    assert claim.lease_until == now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    txn.refresh_from_db()
    assert (txn.needs_review, txn.cancelled_amount) == (False, 0)
    assert dana_order(txn).state == "00"  # nothing was asked of DANA


def test_danas_closing_hour_names_when_cancels_reopen():
    from providers.dana.adapter import _reopens

    at = datetime(2026, 11, 30, 23, 40, tzinfo=JAKARTA)
    assert _reopens(at, (23, 0)) == datetime(2026, 12, 1, 1, 0, tzinfo=JAKARTA)
    assert _reopens(at, (23,)) == datetime(2026, 12, 1, 0, 0, tzinfo=JAKARTA)
    assert _reopens(at, tuple(range(24))) is None


def test_the_shoppers_return_asks_the_partner_about_a_left_attempt_and_returns_its_money(
    dana, sandbox_server, receiver, merchant, sent
):
    """Back from the partner's page of an attempt that ended here: only the partner's success
    counts (a partner without notifications tells of it only when asked); an order still open or
    lapsed at the partner is nothing new, and never sends the attempt to review."""
    txn = left_at_dana(dana, receiver, merchant)
    assert polling.return_worth_asking(txn)
    assert polling.transaction_sync_on_return(transaction_id=txn.pk).status == Status.FAILED  # still open
    simulate(sandbox_server, txn.txid, "expire")
    after = polling.transaction_sync_on_return(transaction_id=txn.pk)
    assert (after.status, after.needs_review, sent) == (Status.FAILED, False, [])  # lapsed at DANA too

    paid = left_at_dana(dana, receiver, merchant, 41_000)
    simulate(sandbox_server, paid.txid, "success")
    after = polling.transaction_sync_on_return(transaction_id=paid.pk)
    assert (after.status, after.needs_review, after.paid_at) == (Status.FAILED, False, None)
    assert sent == [(queue.TRANSACTION_RETURN_LATE_PAYMENT, (paid.pk,))]
    assert PartnerCall.objects.get(key=late_return_key(paid.pk)).data["source"] == "return"
    assert late_payments.transaction_return_late_payment(transaction_id=paid.pk).state == "succeeded"
    assert dana_order(paid).state == "05"


def test_a_return_is_no_reason_to_ask_about_an_attempt_never_started_or_already_paid(merchant):
    assert not polling.return_worth_asking(make_txn(merchant, status=Status.FAILED))
    started = timezone.now()
    assert not polling.return_worth_asking(
        make_txn(merchant, status=Status.PAID, paid_at=started, payment_started_at=started)
    )
    assert polling.return_worth_asking(
        make_txn(merchant, status=Status.PROCESSING, payment_started_at=started)
    )
