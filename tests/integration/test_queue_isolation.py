"""Shoppers who sit on OVO pushes never delay anyone else (issue: waiting work on its own queue).

30 OVO pushes are held open at the sandbox at once, nobody approves them; meanwhile DANA payments
are paid and their merchant notifications must still arrive within 3 s, and every push must have
reached the simulated phone within 3 s of its payment step. Before queues were split, three pending
pushes delayed a notification by about a minute."""

from __future__ import annotations

import pytest

from payments.models import Transaction
from tests.support.load import dana_notification_delay, ovo_pushes_pending

pytestmark = [pytest.mark.integration, pytest.mark.serial]  # timed against a bound
PUSHES = 30


def test_thirty_pending_ovo_pushes_delay_no_notification_and_no_push(stack, demo_merchant, receiver) -> None:
    stack.wait_for_consumers()
    pending = ovo_pushes_pending(stack.base_url, receiver.url, PUSHES)
    try:
        assert len(pending.on_phone_at) == PUSHES, f"only {len(pending.on_phone_at)} pushes reached the phone"
        assert max(pending.push_delays) <= 3.0, pending.push_delays

        delays = [dana_notification_delay(stack.base_url, receiver, amount) for amount in (20_000, 21_000)]
        # The pushes were still held open by the sandbox while the notifications went out.
        assert pending.still_pending() == PUSHES
        txids = [r["tXid"] for r in pending.regs]
        assert set(Transaction.objects.filter(txid__in=txids).values_list("status", flat=True)) == {"9"}
        assert max(delays) <= 3.0, delays
    finally:
        pending.release(stack.base_url)
