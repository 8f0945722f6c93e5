"""Merchant notifications on the real stack: retries leave on their schedule (Celery ETA, not the next
sweep), and a dead notification holds the later ones of its transaction back until it is replayed,
so the merchant sees them in the order they happened."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.models import Notification
from tests.integration.test_reliability import (
    MerchantEndpoint,
    all_delivered,
    attempts_of,
    paid_shopeepay,
    wait_until,
)
from tests.support import flows

pytestmark = [pytest.mark.integration, pytest.mark.serial]  # timed against a bound


@pytest.fixture
def endpoint() -> Iterator[MerchantEndpoint]:
    ep = MerchantEndpoint()
    yield ep
    ep.down()


def test_retries_leave_on_schedule_not_a_sweep_later(stack, tuned_workers, demo_merchant, endpoint):
    # A sweep every 30 s: a retry that waited for it would be up to 30 s late.
    tuned_workers(NOTIFICATION_RETRY_SCHEDULE="5,10,20,40", SWEEP_INTERVAL="30")
    endpoint.mode = "500"
    endpoint.up()
    reg = paid_shopeepay(stack.base_url, endpoint.url, 19_000)

    def four_attempts() -> bool:
        """four attempts made"""
        return len(attempts_of(reg["tXid"])) >= 4

    wait_until(four_attempts, 70, every=0.5)
    starts = [a.started_at for a in attempts_of(reg["tXid"])[:4]]
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(starts, starts[1:])]
    assert all(want <= gap <= want + 1.0 for gap, want in zip(gaps, (5, 10, 20))), gaps
    note = Notification.objects.get(transaction__txid=reg["tXid"])
    assert note.state == "failed" and note.attempts == 4


def test_a_void_never_overtakes_the_dead_paid_notification(stack, tuned_workers, demo_merchant, endpoint):
    """The chaos pass: the merchant was down, "paid" (1) went dead, then the payment was voided (2).
    The void waits with the dead "paid"; the replay delivers paid, then void."""
    tuned_workers(NOTIFICATION_RETRY_SCHEDULE="1")  # dead after the second failed attempt
    reg = paid_shopeepay(stack.base_url, endpoint.url, 27_000)  # nothing listens yet
    txid = reg["tXid"]

    def paid_is_dead() -> bool:
        """the paid notification is dead"""
        return Notification.objects.filter(transaction__txid=txid, sequence=1, state="dead").exists()

    wait_until(paid_is_dead, 30)
    endpoint.up()  # the merchant is back; then the shop voids the payment
    assert flows.cancel(stack.base_url, reg, amount=27_000)["resultCd"] == "0000"

    def void_waits() -> bool:
        """the void notification exists and waits"""
        return Notification.objects.filter(
            transaction__txid=txid, sequence=2, state="pending", next_attempt_at__isnull=True
        ).exists()

    wait_until(void_waits, 15)
    time.sleep(3)  # any worker or sweep would have had time to send it around the dead one
    assert endpoint.for_txid(txid) == [] and attempts_of(txid)[-1].notification.sequence == 1

    since = (timezone.now() - timedelta(hours=1)).isoformat()
    until = (timezone.now() + timedelta(minutes=1)).isoformat()
    call_command("notifications_replay", since=since, until=until, imid=flows.IMID)
    wait_until(all_delivered(txid, 2), 30)
    got = endpoint.for_txid(txid)
    assert [(d["sequence"], d["status"]) for d in got] == [("1", "0"), ("2", "1")]
    assert all(flows.verify_notification(d) for d in got)
