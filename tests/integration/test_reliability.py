"""Nothing lost: merchant notifications, polling, expiry and replay on the real stack (gunicorn,
a Celery worker and beat on Redis, compressed schedules: retries 1,2,2,3.. s, polls 2,2,3 s,
sweeps every second, a 3 s merchant timeout)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from payments.models import (
    Job,
    Notification,
    NotificationAttempt,
    PartnerCallback,
    Transaction,
    TransactionEvent,
)
from tests.support import flows
from tests.support.stack import free_port

pytestmark = pytest.mark.integration


class MerchantEndpoint:
    """A merchant's dbProcessUrl we control: `down` (nothing listens: connection refused), then
    answering `mode` = "ok" | "500" | "hang" (answers only after the gateway's timeout, with an
    error, so a late answer never counts as a delivery). Records every 2xx delivery."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.first_delay = 0.0  # seconds the first request is held (to catch a worker mid-post)
        self.delivered: list[dict[str, str]] = []
        self.requests = 0
        self.in_flight = threading.Event()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/notify"

    def up(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with endpoint.lock:
                    endpoint.requests += 1
                    first = endpoint.requests == 1
                endpoint.in_flight.set()
                if first and endpoint.first_delay:
                    time.sleep(endpoint.first_delay)
                mode = endpoint.mode
                if mode == "hang":
                    time.sleep(4.5)  # past the 3 s timeout
                status = 200 if mode == "ok" else 503 if mode == "hang" else 500
                if status == 200:
                    with endpoint.lock:
                        endpoint.delivered.append(dict(parse_qsl(body.decode())))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK" if status == 200 else b"no")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def for_txid(self, txid: str) -> list[dict[str, str]]:
        with self.lock:
            return [d for d in self.delivered if d.get("tXid") == txid]


@pytest.fixture
def endpoint():
    ep = MerchantEndpoint()
    yield ep
    ep.down()


def wait_until(check: Callable[[], object], timeout: float = 30.0, every: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met in {timeout}s: {check.__doc__ or check}")


def paid_shopeepay(base_url: str, url: str, amount: int = 15000) -> dict:
    """Register, open the partner page, pay (the sandbox notifies the gateway)."""
    reg = flows.register(base_url, mitra_cd="ESHP", amount=amount, db_process_url=url)
    assert reg["resultCd"] == "0000", reg
    flows.payment_started(base_url, reg)
    assert flows.simulate(base_url, reg["tXid"], "success").status_code == 200
    return reg


def attempts_of(txid: str) -> list[NotificationAttempt]:
    return list(NotificationAttempt.objects.filter(notification__transaction__txid=txid).order_by("id"))


def all_delivered(txid: str, count: int) -> Callable[[], bool]:
    def check() -> bool:
        """every notification of the transaction delivered"""
        states = list(Notification.objects.filter(transaction__txid=txid).values_list("state", flat=True))
        return len(states) == count and set(states) == {"delivered"}

    return check


def test_endpoint_refused_then_500_then_timeouts_then_recovers(stack, demo_merchant, endpoint):
    # Two payments, each with two notifications (paid, then void): seq 1 and 2 per transaction.
    regs = [paid_shopeepay(stack.base_url, endpoint.url, amount) for amount in (15000, 16000)]
    for reg in regs:
        flows.wait_for_status(stack.base_url, reg, "0")
        assert flows.cancel(stack.base_url, reg, amount=int(reg["_body"]["amt"]))["resultCd"] == "0000"
    txids = [r["tXid"] for r in regs]

    def errors(kind: str) -> Callable[[], bool]:
        def check() -> bool:
            return all(any(kind in (a.error or str(a.http_status)) for a in attempts_of(t)) for t in txids)

        check.__doc__ = f"an attempt ending in {kind} for each transaction"
        return check

    wait_until(errors("ConnectionError"), 20)  # nothing listens
    endpoint.mode = "500"
    endpoint.up()
    wait_until(errors("500"), 20)
    endpoint.mode = "hang"
    wait_until(errors("Timeout"), 30)
    assert endpoint.delivered == []
    endpoint.mode = "ok"

    for txid in txids:
        wait_until(all_delivered(txid, 2), 40)
        got = endpoint.for_txid(txid)
        # In sequence order, each exactly once while the endpoint answered 2xx.
        assert [d["sequence"] for d in got] == ["1", "2"], got
        assert [d["status"] for d in got] == ["0", "1"]
        assert all(flows.verify_notification(d) for d in got)
        logged = attempts_of(txid)
        assert logged[-1].http_status == 200 and logged[-1].response_excerpt == "OK"
        assert all(a.duration_ms >= 0 and a.started_at for a in logged)
    # The later notification never overtook the earlier one: seq 2 was first tried after seq 1 landed.
    for txid in txids:
        first_ok = NotificationAttempt.objects.get(
            notification__transaction__txid=txid, notification__sequence=1, http_status=200
        )
        seq2 = (
            NotificationAttempt.objects.filter(notification__transaction__txid=txid, notification__sequence=2)
            .order_by("id")
            .first()
        )
        assert seq2.started_at >= first_ok.started_at


def test_worker_killed_mid_delivery_then_restarted_still_delivers(stack, demo_merchant, endpoint):
    endpoint.first_delay = 2.5  # under the 3 s timeout: the worker is waiting on us when killed
    endpoint.up()
    try:
        reg = paid_shopeepay(stack.base_url, endpoint.url, 17000)
        assert endpoint.in_flight.wait(20), "the worker never posted"
        stack.stop("worker", signal.SIGKILL)
        note = Notification.objects.get(transaction__txid=reg["tXid"])
        assert note.state == "pending" and note.lease_until is not None  # held by the dead worker
        time.sleep(3)  # the held request ends; its 200 reaches a dead socket
    finally:
        stack.start_worker()
    wait_until(all_delivered(reg["tXid"], 1), 40)
    note.refresh_from_db()
    assert endpoint.requests >= 2  # posted again by the new worker: at least once, never lost
    assert {d["sequence"] for d in endpoint.for_txid(reg["tXid"])} == {"1"}
    # The killed attempt left its trace (recorded before the request left), closed as interrupted
    # by the next one: the history shows every request the merchant got, in REST and the dashboard.
    cut, ok = note.attempt_log.order_by("id")
    assert cut.error.startswith("interrupted") and cut.http_status is None and cut.finished_at
    assert ok.http_status == 200 and note.attempts == 2
    detail = requests.get(
        f"{stack.base_url}/api/v1/transactions/{reg['tXid']}", auth=(flows.IMID, flows.KEY), timeout=10
    ).json()
    (logged,) = detail["notifications"]
    assert [(a["httpStatus"], a["error"][:11]) for a in logged["attemptLog"]] == [
        (None, "interrupted"),
        (200, ""),
    ]


def test_fifty_identical_partner_notifications_change_status_once(stack, demo_merchant, receiver):
    from providers.sandbox.shopeepay import state as shopee

    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=18000, db_process_url=receiver.url)
    flows.payment_started(stack.base_url, reg)
    body = shopee.dumps(
        {
            "amount": 18000 * 100,
            "transaction_sn": "123456789012345678",
            "payment_method": 1,
            "user_id_hash": "ab" * 16,
            "merchant_ext_id": shopee.MERCHANT_EXT_ID,
            "store_ext_id": shopee.STORE_EXT_ID,
            "terminal_id": "",
            "payment_channel": 1,
            "payment_reference_id": reg["tXid"],
            "payment_status": 1,
        }
    )
    headers = {
        "Content-Type": "application/json",
        "X-Airpay-Req-H": shopee.sign(body),
        "X-Airpay-ClientId": shopee.CLIENT_ID,
    }
    url = f"{stack.base_url}/partners/ESHP/notify"
    start = threading.Barrier(50)

    def post(_: int) -> int:
        start.wait()
        return requests.post(url, data=body, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(post, range(50)))
    assert codes == [200] * 50
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.status == "0"
    outcomes = list(PartnerCallback.objects.filter(transaction=txn).values_list("outcome", flat=True))
    assert sorted(outcomes) == ["applied"] + ["duplicate"] * 49
    changes = TransactionEvent.objects.filter(
        transaction=txn, kind__in=["status_changed", "status_corrected"]
    )
    assert changes.count() == 1
    assert Notification.objects.filter(transaction=txn).count() == 1
    receiver.wait_for(reg["tXid"], 1)
    time.sleep(2)  # any second notification would have had time to arrive
    assert [n.form["status"] for n in receiver.for_txid(reg["tXid"])] == ["0"]


def test_partner_that_never_notifies_is_settled_by_polling(stack, demo_merchant, receiver):
    reg = paid_shopeepay(stack.base_url, receiver.url, 20906)  # 906: paid, never notified
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert not txn.partner_callbacks.exists()
    notes = receiver.wait_for(reg["tXid"], 1, timeout=30)
    assert [n.form["status"] for n in notes] == ["0"]
    txn.refresh_from_db()
    assert txn.status == "0" and txn.poll_count >= 1 and txn.next_poll_at is None
    assert txn.events.filter(source="poll", kind="status_corrected", to_status="0").count() == 1
    assert not txn.partner_callbacks.exists()


def test_expired_then_late_paid_is_not_applied_but_returned(stack, demo_merchant, receiver):
    from payments.models import Cancellation
    from providers.sandbox.models import SandboxOrder

    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=21000, db_process_url=receiver.url)
    flows.payment_started(stack.base_url, reg)
    Transaction.objects.filter(txid=reg["tXid"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    notes = receiver.wait_for(reg["tXid"], 1, timeout=20)
    assert [n.form["status"] for n in notes] == ["5"]
    assert flows.inquiry(stack.base_url, reg)["status"] == "5"

    # The customer pays at the partner after all: the partner says "paid", and the money goes back.
    assert flows.simulate(stack.base_url, reg["tXid"], "success").status_code == 200
    txn = Transaction.objects.get(txid=reg["tXid"])
    wait_until(lambda: Cancellation.objects.filter(transaction=txn, state="succeeded").exists(), 30)
    txn.refresh_from_db()
    assert txn.status == "5" and txn.paid_at is None and not txn.needs_review
    assert txn.cancelled_amount == 21000
    assert txn.events.filter(kind="rejected", to_status="0").count() == 1
    assert txn.partner_callbacks.get().outcome == "rejected"
    row = Cancellation.objects.get(transaction=txn)
    order = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=reg["tXid"])
    assert order.data["void"]["ref"] == row.cancel_txid  # voided at ShopeePay, once
    time.sleep(2)
    assert [n.form["status"] for n in receiver.for_txid(reg["tXid"])] == ["5"]  # no "paid" to the merchant


def test_replay_of_a_window_redelivers_exactly_the_failed_ones(stack, demo_merchant, receiver, endpoint):
    ok = paid_shopeepay(stack.base_url, receiver.url, 22000)
    receiver.wait_for(ok["tXid"], 1)
    endpoint.mode = "500"
    endpoint.up()
    failing = [paid_shopeepay(stack.base_url, endpoint.url, amount) for amount in (23000, 24000, 25000)]
    for reg in failing:
        wait_until(lambda reg=reg: any(a.http_status == 500 for a in attempts_of(reg["tXid"])), 20)
    # Exhausted schedules (as after 24 h): dead. The third one is from before the window.
    # Only rows no worker holds, so an attempt in flight cannot overwrite the state afterwards.
    failing_ids = [r["tXid"] for r in failing]

    def all_dead() -> bool:
        """the three failing notifications made dead"""
        Notification.objects.filter(transaction__txid__in=failing_ids, lease_until__isnull=True).update(
            state="dead", next_attempt_at=None
        )
        return Notification.objects.filter(transaction__txid__in=failing_ids, state="dead").count() == 3

    wait_until(all_dead, 15, every=0.05)
    old = Notification.objects.get(transaction__txid=failing[2]["tXid"])
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=3))
    wait_until(all_delivered(ok["tXid"], 1), 10)
    endpoint.mode = "ok"
    before = {r["tXid"]: len(attempts_of(r["tXid"])) for r in failing}

    since = (timezone.now() - timedelta(hours=1)).isoformat()
    until = (timezone.now() + timedelta(minutes=1)).isoformat()
    call_command("notifications_replay", since=since, until=until, imid=flows.IMID)

    job = Job.objects.filter(kind="replay").latest("id")
    assert job.state == "done" and job.result["replayed"] == 2 and job.progress == job.total == 2
    for reg in failing[:2]:
        wait_until(all_delivered(reg["tXid"], 1), 20)
        assert len(endpoint.for_txid(reg["tXid"])) == 1
    time.sleep(2)
    assert endpoint.for_txid(failing[2]["tXid"]) == []
    assert Notification.objects.get(pk=old.pk).state == "dead"
    assert len(attempts_of(failing[2]["tXid"])) == before[failing[2]["tXid"]]
    assert len(receiver.for_txid(ok["tXid"])) == 1  # the delivered one is not sent again
