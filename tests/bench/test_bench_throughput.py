"""Benchmark: throughput of the V2 API and of notification delivery against the stack's own floor,
measured side by side in one run on one stack, and notification latency while shoppers sit on OVO
pushes.

Run by `make bench` (never by `make test`). One stack as in production: gunicorn with WEB_WORKERS x
WEB_THREADS (the same for both sides), PostgreSQL with connection reuse, one Celery worker per queue.
Load comes from wrk (C, -t2 -c16) replaying pre-built signed bodies, one per request:

- V2 registration (ShopeePay) vs /bench/insert: parse JSON, sha256 token in constant time, 1 INSERT;
- V2 inquiry vs /bench/read: the same, then one indexed one-row SELECT;
- notification delivery to a local receiver vs a no-op task, on the same worker and queue: N rows
  queued while the worker's consumer is paused, then timed until all are done;
- the DANA notification latency (status change -> merchant) with 30 OVO pushes pending.

The bench apps live in tests/bench (tests.bench.settings), never in production settings. Ratios
are printed, not asserted: every answer must be a success, though."""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from payloan_site.celery import app
from payments.models import Notification, Transaction
from payments.services.notifications import notification_format
from tests.support import cpu, flows
from tests.support.load import dana_notification_delay, ovo_pushes_pending
from tests.support.stack import Stack, database_url, free_port

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS, WRK_THREADS = 16, 2
WEB_WORKERS, WEB_THREADS = 2, 8
NOTIFICATIONS = int(os.environ.get("BENCH_NOTIFICATIONS", "2000"))
LINES = 30_000  # fresh bodies per run: more than the fastest side sends in SECONDS
LUA = Path(__file__).parent / "wrk" / "post_lines.lua"
REG, INQ = "/nicepay/direct/v2/registration", "/nicepay/direct/v2/inquiry"


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu: cpu.Split | None = None  # CPU per process group over this run (side_by_side sets it)


def cpu_groups(stack: Stack, server: str, client) -> dict:  # noqa: ANN001
    """Who spends CPU on a run: the stack's `server` process with its children (gunicorn "web" and
    its workers, or the notifications worker), the stack's own PostgreSQL server (its backends
    with it) and Redis, found by the ports of its URLs (other stacks on the machine run servers of
    the same names), and the `client` (cpu.children_cpu: wrk, a finished child of this process;
    cpu.self_cpu: this process, which runs the merchant's receiver)."""
    root = stack.procs[server].pid
    db, redis_ = (cpu.listener_pid(urlsplit(stack.env[url]).port) for url in ("DATABASE_URL", "REDIS_URL"))
    return {
        "server": lambda: cpu.tree_cpu(root),
        "database": lambda: cpu.tree_cpu(db),
        "Redis": lambda: cpu.tree_cpu(redis_),
        "client": client,
    }


@pytest.fixture
def bench_stack(transactional_db, receiver, demo_merchant):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("the benchmark needs PostgreSQL (DATABASE_URL)")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "CONN_MAX_AGE"},  # production default: reuse
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "SANDBOX": "true",
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        "SANDBOX_OVO_PUSH_TIMEOUT": "60",
        "NOTIFICATION_TIMEOUT": "5",
    }
    stack = Stack(
        env=env, base_url=env["PUBLIC_BASE_URL"], logs=Path(tempfile.mkdtemp(prefix="payloan-bench-"))
    )
    settings.PUBLIC_BASE_URL = stack.base_url
    settings.SANDBOX_GATEWAY_BASE_URL = stack.base_url
    app.control.purge()
    stack.start_web(workers=WEB_WORKERS, threads=WEB_THREADS)
    stack.start_worker()
    try:
        stack.wait_for_consumers()
        yield stack
    finally:
        stack.stop_all()


def write_lines(bodies) -> str:  # noqa: ANN001
    fd, path = tempfile.mkstemp(prefix="bench-", suffix=".jsonl")
    with os.fdopen(fd, "w") as f:
        for body in bodies:
            f.write(json.dumps(body, separators=(",", ":")) + "\n")
    return path


def registrations(receiver_url: str, count: int = LINES) -> str:
    run = uuid.uuid4().hex[:8].upper()
    return write_lines(
        flows.registration_body(
            mitra_cd="ESHP",
            amount=10_000 + i % 1000,
            db_process_url=receiver_url,
            reference_no=f"B{run}{i:07d}",
        )
        for i in range(count)
    )


def signed(ref: str, amt: int, txid: str = "") -> dict:
    ts = flows.stamp()
    body = {"timeStamp": ts, "iMid": flows.IMID, "referenceNo": ref, "amt": str(amt)}
    if txid:
        body["tXid"] = txid
    body["merchantToken"] = flows.sha(ts, flows.IMID, ref, amt, flows.KEY)
    return body


def inserts(count: int = LINES) -> str:
    run = uuid.uuid4().hex[:8].upper()
    return write_lines(signed(f"B{run}{i:07d}", 10_000 + i % 1000) for i in range(count))


def inquiries() -> str:
    rows = list(Transaction.objects.values_list("txid", "reference_no", "amount")[:5000])
    assert rows, "no registered transaction to ask about"
    return write_lines(
        signed(ref, amt, txid) for i in range(LINES) for txid, ref, amt in [rows[i % len(rows)]]
    )


def reads() -> str:
    from tests.bench.baseline.models import BenchRow  # installed by tests.bench.settings only

    rows = list(BenchRow.objects.values_list("reference_no", "amount")[:5000])
    assert rows, "no inserted row to read"
    return write_lines(signed(ref, amt) for i in range(LINES) for ref, amt in [rows[i % len(rows)]])


def wrk(base_url: str, path: str, lines: str, seconds: int = SECONDS) -> Run:
    argv = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    argv += ["-s", str(LUA)]
    out = subprocess.run(
        [*argv, base_url, "--", path, lines, str(WRK_THREADS)],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    ).stdout
    bad = int(re.search(r"^BAD (\d+)", out, re.M).group(1))
    wrapped = int(re.search(r"^WRAPPED (\d+)", out, re.M).group(1))
    assert bad == 0 and "Socket errors" not in out, f"{path}: {bad} answers were not 0000\n{out}"
    assert wrapped == 0, f"{path}: ran out of fresh bodies; raise LINES"
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
    )


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def side_by_side(stack: Stack, ours: tuple[str, callable], floor: tuple[str, callable]) -> tuple[Run, Run]:
    """Best of ROUNDS for each side, the sides alternating so both see the same machine load; each
    run also records the CPU each process group spent on it (Run.cpu)."""
    for path, make in (floor, ours):  # warm-up: connections, caches, the JIT of nothing
        wrk(stack.base_url, path, make(), seconds=2)
    best: dict[str, Run] = {}
    for _ in range(ROUNDS):
        for path, make in (floor, ours):
            lines, runs = make(), []

            def one(path: str = path, lines: str = lines, runs: list = runs) -> int:
                runs.append(wrk(stack.base_url, path, lines))
                return runs[0].requests

            split = cpu.measure(cpu_groups(stack, "web", cpu.children_cpu), one)
            run = runs[0]
            run.cpu = split
            if path not in best or run.rps > best[path].rps:
                best[path] = run
    return best[ours[0]], best[floor[0]]


def _consumers(stack: Stack, queue: str) -> list[str]:
    import requests

    return requests.get(f"{stack.base_url}/healthz", timeout=10).json()["queues"][queue]


def drain_rate(node: str, enqueue, done, count: int, groups: dict) -> tuple[float, cpu.Split]:  # noqa: ANN001
    """Messages queued while the worker's consumer is paused, then timed until `done() >= count`;
    returns the rate and the CPU each of `groups` spent from the consumer's start to the end."""
    assert app.control.cancel_consumer("notifications", destination=[node], reply=True)
    enqueue()

    def drain() -> int:
        deadline = time.perf_counter() + 300
        assert app.control.add_consumer("notifications", destination=[node], reply=True)
        while done() < count:
            assert time.perf_counter() < deadline, f"only {done()} of {count} done"
            time.sleep(0.02)
        return count

    split = cpu.measure(groups, drain)
    return count / split.elapsed, split  # the drain's own time: the /proc readings are not in it


def paid_transactions(merchant, count: int, url: str) -> list[Transaction]:  # noqa: ANN001
    run = uuid.uuid4().hex[:6].upper()
    now, stamp = timezone.now(), int(time.time()) % 10**8
    return Transaction.objects.bulk_create(
        Transaction(
            txid=f"{merchant.imid}99{stamp:08d}{i:010d}",  # 30 characters, not a V2 shape: never asked
            merchant=merchant,
            reference_no=f"N{run}{i:06d}",
            pay_method="05",
            mitra_cd="ESHP",
            amount=10_000 + i,
            goods_name="Item",
            billing_name="Budi",
            billing_phone="081234567890",
            billing_email="b@example.com",
            db_process_url=url,
            expires_at=now + timedelta(hours=1),
            request_fingerprint=hashlib.sha256(f"{run}{i}".encode()).hexdigest(),
            status="0",
            paid_at=now,
        )
        for i in range(count)
    )


def notification_rates(stack: Stack, receiver, merchant) -> tuple[tuple, tuple]:  # noqa: ANN001
    """(rate, CPU split) of the deliveries, then of the no-op tasks, on the same worker and queue."""
    from payments.tasks import notification_send
    from tests.bench.baseline.tasks import noop

    node = _consumers(stack, "notifications")[0]
    txns = paid_transactions(merchant, NOTIFICATIONS, receiver.url)
    now = timezone.now()
    notes = Notification.objects.bulk_create(
        Notification(
            merchant=merchant,
            transaction=t,
            kind="payment",
            sequence=1,
            url=receiver.url,
            payload=notification_format().payment(t, 1),
            next_attempt_at=now,
        )
        for t in txns
    )
    receiver.reset()
    delivered = drain_rate(
        node,
        lambda: [notification_send.apply_async((n.pk,)) for n in notes],
        lambda: len(receiver.received),
        len(notes),
        cpu_groups(stack, "worker-notifications", cpu.self_cpu),
    )
    # The receiver has every post; each worker records its attempt just after the answer.
    deadline = time.monotonic() + 60
    delivered_rows = Notification.objects.filter(pk__in=[n.pk for n in notes], state="delivered")
    while delivered_rows.count() < len(notes) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert delivered_rows.count() == len(notes) == len(receiver.received)

    counter = f"bench-noop-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    noops = drain_rate(
        node,
        lambda: [noop.apply_async((counter,), queue="notifications") for _ in range(len(notes))],
        lambda: int(client.get(counter) or 0),
        len(notes),
        cpu_groups(stack, "worker-notifications", cpu.self_cpu),
    )
    client.delete(counter)
    return delivered, noops


def test_throughput_side_by_side(bench_stack, receiver, demo_merchant, capsys) -> None:
    base = bench_stack.base_url
    load_before = os.getloadavg()[0]
    stack = bench_stack
    reg, insert = side_by_side(stack, (REG, lambda: registrations(receiver.url)), ("/bench/insert", inserts))
    inq, read = side_by_side(stack, (INQ, inquiries), ("/bench/read", reads))
    (delivered, delivery_cpu), (noops, noop_cpu) = notification_rates(stack, receiver, demo_merchant)

    receiver.reset()
    pending = ovo_pushes_pending(base, receiver.url, 30)
    try:
        delays = [dana_notification_delay(base, receiver, 20_000 + i * 1000) for i in range(5)]
        still = pending.still_pending()
    finally:
        pending.release(base)

    rows = [
        ("V2 registration (ESHP)", reg, "minimal insert", insert),
        ("V2 inquiry", inq, "one-row read", read),
    ]
    with capsys.disabled():
        print(
            f"\n\nthroughput, side by side: wrk -t{WRK_THREADS} -c{CONNECTIONS}, {SECONDS} s,"
            f" best of {ROUNDS}; gunicorn {WEB_WORKERS} workers x {WEB_THREADS} threads for both; PostgreSQL;"
            f" {os.cpu_count()} CPUs, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
        )
        print(
            f"{'':<24}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}   {'baseline':<16}"
            f"{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>8}"
        )
        for name, ours, floor_name, floor in rows:
            print(
                f"{name:<24}{ours.rps:>8.0f}{ours.p50_ms:>8.1f}{ours.p99_ms:>8.1f}   {floor_name:<16}"
                f"{floor.rps:>8.0f}{floor.p50_ms:>8.1f}{floor.p99_ms:>8.1f}{ours.rps / floor.rps:>7.2f}x"
            )
        print(
            f"{'notification delivery':<24}{delivered:>8.0f}{'':>16}   "
            f"{'no-op task':<16}{noops:>8.0f}{'':>16}"
            f"{delivered / noops:>7.2f}x   ({NOTIFICATIONS} each, /s, same worker and queue)"
        )
        print(
            f"notification latency with 30 OVO pushes pending ({still} still pending at the end):"
            f" DANA paid -> merchant p50 {statistics.median(delays):.2f} s, max {max(delays):.2f} s;"
            f" pushes on the phone within {max(pending.push_delays):.2f} s of the payment step\n"
        )
        splits = [
            ("V2 registration (ESHP)", reg.cpu),
            ("minimal insert", insert.cpu),
            ("V2 inquiry", inq.cpu),
            ("one-row read", read.cpu),
            ("notification delivery", delivery_cpu),
            ("no-op task", noop_cpu),
        ]
        print(cpu_table(splits))
    assert len(pending.on_phone_at) == 30


def cpu_table(splits: list[tuple[str, cpu.Split]]) -> str:
    """CPU per request (per task for the worker's rows), ms, by process group, in the runs above."""
    lines = [
        "CPU per request or task (ms), by process, in the runs above (web = gunicorn for requests, the"
        " notifications worker for tasks; client = wrk, or the receiver in this process):",
        f"{'':<24}{'web':>9}{'database':>9}{'Redis':>9}{'client':>9}{'total':>9}",
    ]
    for name, split in splits:
        ms = list(split.per_call_ms().values())  # web or worker, database, Redis, client
        lines.append(f"{name:<24}" + "".join(f"{v:>9.2f}" for v in ms) + f"{split.total_ms:>9.2f}")
    return "\n".join(lines) + "\n"
