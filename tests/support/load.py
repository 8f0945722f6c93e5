"""Load scenarios shared by the isolation tests and `make bench`: shoppers who sit on OVO pushes while
other merchants' payments settle."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from payments.models import TransactionEvent
from providers.sandbox.models import SandboxOrder
from tests.support import flows

CALLBACK = "http://127.0.0.1:9/merchant/callback"
# "…000": no trigger; the phone never answers by itself (a shopper who does not look at the app).
OVO_AMOUNT = 10_000


@dataclass
class PendingPushes:
    regs: list[dict]
    stepped_at: dict[str, float]  # tXid -> when the browser's payment step was sent (epoch s)
    on_phone_at: dict[str, float]  # tXid -> when the push reached the simulated phone (epoch s)

    @property
    def push_delays(self) -> list[float]:
        return sorted(self.on_phone_at[t] - self.stepped_at[t] for t in self.on_phone_at)

    def still_pending(self) -> int:
        txids = [r["tXid"] for r in self.regs]
        return SandboxOrder.objects.filter(partner="ovo", merchant_ref__in=txids, state="pending").count()

    def release(self, base_url: str) -> None:
        """The shoppers' pushes lapse now (frees the waiting slots for the next test)."""
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda r: flows.simulate(base_url, r["tXid"], "expire"), self.regs))
        # The push tasks now record the lapse: let them finish before the test's tables are emptied
        # (a TRUNCATE while they write deadlocks), i.e. until their events stop changing for 1 s.
        txids = [r["tXid"] for r in self.regs]
        seen, quiet_since, deadline = -1, time.monotonic(), time.monotonic() + 30
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 1.0:
            count = TransactionEvent.objects.filter(transaction__txid__in=txids).count()
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            time.sleep(0.1)


def ovo_pushes_pending(base_url: str, db_process_url: str, count: int, timeout: float = 30) -> PendingPushes:
    """`count` OVO payments registered, then their payment steps all at once; waits until every
    push is on the phone (or the timeout) and records when each got there."""
    regs = [
        flows.register(base_url, mitra_cd="OVOE", amount=OVO_AMOUNT, db_process_url=db_process_url)
        for _ in range(count)
    ]
    assert all(r["resultCd"] == "0000" for r in regs), [r for r in regs if r["resultCd"] != "0000"][:1]
    stepped_at: dict[str, float] = {}

    def step(reg: dict) -> str:
        stepped_at[reg["tXid"]] = time.time()
        return flows.payment_started(base_url, reg, callback_url=CALLBACK)  # a 200 page that moves on

    with ThreadPoolExecutor(count) as pool:
        hops = list(pool.map(step, regs))
    assert all(hop.endswith("/wait") for hop in hops), hops  # each on to its OVO waiting page
    pending = PendingPushes(regs, stepped_at, {})
    txids = set(stepped_at)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(pending.on_phone_at) < count:
        for ref, created in SandboxOrder.objects.filter(partner="ovo", merchant_ref__in=txids).values_list(
            "merchant_ref", "created_at"
        ):
            pending.on_phone_at[ref] = created.timestamp()
        time.sleep(0.1)
    return pending


def dana_notification_delay(base_url: str, receiver, amount: int) -> float:  # noqa: ANN001
    """A DANA payment paid at the partner: seconds from the status change (paid, in the gateway)
    to its merchant notification arriving at the receiver."""
    reg = flows.register(base_url, mitra_cd="DANA", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    assert flows.payment_started(base_url, reg, callback_url=CALLBACK).startswith("http")  # on to DANA
    resp = flows.simulate(base_url, reg["tXid"], "success")
    assert resp.status_code == 200, resp.text
    [note] = receiver.wait_for(reg["tXid"], 1, timeout=120)
    paid = TransactionEvent.objects.get(transaction__txid=reg["tXid"], to_status="0")
    return note.at - paid.created_at.timestamp()
