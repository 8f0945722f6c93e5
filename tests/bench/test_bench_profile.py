"""Where a V2 registration, a V2 inquiry and a notification delivery spend their time, in-process.

Run by `make bench`. Each request goes through Django's full handler and middleware (the test
client), on PostgreSQL; the baseline endpoints of tests/bench/baseline run the same way. Prints:
the wall time per request without a profiler (quickest of 5 batches), then cProfile's cumulative
time per area (the profiler inflates Python-heavy parts such as the ORM, so read the areas as
shares), the source files whose own code takes the most time, the CPU a request costs in this
process and in the database backend, the SQL statements each request runs, and what the parts a
follow-up could remove cost when timed on their own."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.models import Notification, Transaction
from payments.services.notifications import notification_deliver, notification_format
from tests.support import flows

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
N = 400
REG, INQ = "/nicepay/direct/v2/registration", "/nicepay/direct/v2/inquiry"

# area -> functions (path suffix, name) whose cumulative time it is; "-" = subtract
AREAS_V2 = {
    "middleware + URL routing": [
        ("django/core/handlers/base.py", "get_response"),
        ("-", "django/views/decorators/csrf.py", "_view_wrapper"),
    ],
    "JSON body parse": [("payments/nicepay/wire.py", "parse_json_body")],
    "merchant: from the cache (SELECT on a miss)": [("payments/nicepay/auth.py", "merchant_for")],
    "merchant key decrypt (Fernet)": [("payments/models.py", "merchant_key")],
    "token sha256 + constant-time compare": [
        ("payments/tokens.py", "registration_token"),
        ("payments/tokens.py", "inquiry_token"),
        ("payments/tokens.py", "matches"),
    ],
    "field validation (wire)": [("payments/nicepay/requests.py", "registration_data")],
    "partner rules (amounts, cart)": [
        ("payments/services/registration.py", "_adapter_for"),
        ("payments/services/registration.py", "_check_rules"),
    ],
    "referenceNo SELECT before the INSERT": [("payments/services/registration.py", "_existing")],
    "tXid counter + referenceNo seen? (one upsert)": [
        ("payments/services/txids.py", "txid_allocate"),
        ("payments/services/txids.py", "txid_allocate_seeing"),
    ],
    "overview rollup (one upsert)": [("payments/services/rollups.py", "rollup_add")],
    "store: transaction, event, rollup (one WITH)": [
        ("payments/services/registration_store.py", "registration_store")
    ],
    "rest of transaction_register": [
        ("payments/services/registration.py", "transaction_register"),
        ("-", "payments/services/registration_store.py", "registration_store"),
        ("-", "payments/services/registration.py", "_adapter_for"),
        ("-", "payments/services/registration.py", "_check_rules"),
        ("-", "payments/services/registration.py", "_existing"),
        ("-", "payments/services/registration.py", "new_txid"),
        ("-", "payments/services/rollups.py", "rollup_add"),
        ("-", "payments/services/txids.py", "txid_allocate_seeing"),
    ],
    "transaction SELECT (inquiry)": [("payments/selectors/transactions.py", "transaction_get")],
    "response JSON": [
        ("payments/nicepay/responses.py", "registration"),
        ("payments/nicepay/responses.py", "inquiry"),
    ],
    "all SQL (execute, incl. round trips)": [("django/db/backends/utils.py", "_execute")],
}
AREAS_NOTIFY = {
    "claim (conditional UPDATE)": [("payments/services/notifications.py", "_claim")],
    "order check (park if earlier waits)": [("payments/services/notifications.py", "_park_if_waiting")],
    "destination check (resolve, ranges)": [("payments/services/notifications.py", "destination_allowed")],
    "merchantToken + signature (key decrypt)": [
        ("payments/nicepay/notifications.py", "with_current_token"),
        ("payments/services/notifications.py", "signature_header"),
        ("payments/models.py", "merchant_key"),
    ],
    "attempt recorded before the POST": [("payments/services/notifications.py", "_attempt_begin")],
    "HTTP POST to the merchant (urllib3)": [("payments/outbound.py", "post")],
    "attempt settled (UPDATE, finish + release)": [("payments/services/notifications.py", "_attempt_settle")],
    "all SQL (execute, incl. round trips)": [("django/db/backends/utils.py", "_execute")],
}


def area_ms(stats: pstats.Stats, spec: list[tuple], calls: int) -> float | None:
    total, found = 0.0, False
    for entry in spec:
        sign, (suffix, name) = (-1, entry[1:]) if entry[0] == "-" else (1, entry)
        for (path, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if func == name and path.endswith(suffix):
                total += sign * ct
                found = found or sign > 0
    return total / calls * 1000 if found else None


def profiled(run: Callable[[], None]) -> pstats.Stats:
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    return pstats.Stats(prof)


CPU: dict[str, tuple[float, float]] = {}  # title -> (this process, the database backend) ms per call


def _backend_cpu_s() -> float:
    """CPU seconds the PostgreSQL backend of this connection has used (its /proc entry)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        (pid,) = cur.fetchone()
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: PTH123, SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wall_ms(each: Callable[[object], object], items: list, batches: int = 5, cpu: str = "") -> float:
    """ms per call: the quickest of `batches` batches (the machine may be busy with other work).
    With `cpu`, also records the CPU time per call of that batch: this process's (Python: Django,
    the ORM, psycopg; the in-process receiver too) and the database backend's, under CPU[cpu]."""
    size = max(1, -(-len(items) // batches))
    best = float("inf")
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        db0 = _backend_cpu_s() if cpu else 0.0
        started, cpu0 = time.perf_counter(), time.process_time()
        for item in batch:
            each(item)
        wall = (time.perf_counter() - started) / len(batch) * 1000
        if wall < best:
            best = wall
            if cpu:
                own = (time.process_time() - cpu0) / len(batch) * 1000
                CPU[cpu] = (own, (_backend_cpu_s() - db0) / len(batch) * 1000)
    return best


def follow_up_costs(merchant, answers: list[dict], receiver_url: str) -> list[tuple[str, float]]:  # noqa: ANN001
    """What the parts a follow-up could remove cost on their own (ms per call, quickest batch)."""
    import requests

    from payments import outbound
    from payments.nicepay.responses import INQUIRY_FIELDS
    from payments.selectors.merchants import merchant_get, merchant_get_cached
    from payments.selectors.transactions import transaction_get
    from payments.services.notifications import _park_if_waiting

    refs = [a["referenceNo"] for a in answers[:500]]
    txids = [a["tXid"] for a in answers[:500]]
    note = Notification.objects.filter(merchant=merchant).first()
    session = requests.Session()

    def outbound_post() -> None:
        with outbound.post(receiver_url, data=b"x=1", headers={}, timeout=5) as answer:
            answer.read()

    return [
        (
            "merchant SELECT by iMid (the cache replaced it)",
            wall_ms(lambda _: merchant_get(imid=merchant.imid), refs),
        ),
        (
            "merchant from the cache (per V2 call)",
            wall_ms(lambda _: merchant_get_cached(imid=merchant.imid), refs),
        ),
        ("merchant key decrypt, Fernet (per V2 call)", wall_ms(lambda _: merchant.merchant_key, refs)),
        (
            "referenceNo SELECT (registration; now only when seen)",
            wall_ms(lambda r: Transaction.objects.filter(merchant=merchant, reference_no=r).first(), refs),
        ),
        (
            "transaction SELECT, all 60 columns + merchant (was inquiry)",
            wall_ms(lambda t: transaction_get(merchant=merchant, txid=t), txids),
        ),
        (
            "transaction SELECT, 17 columns (inquiry now)",
            wall_ms(lambda t: transaction_get(merchant=merchant, txid=t, fields=INQUIRY_FIELDS), txids),
        ),
        ("order check, first notification (per delivery)", wall_ms(lambda _: _park_if_waiting(note), refs)),
        (
            "POST on a new connection",
            wall_ms(lambda _: requests.post(receiver_url, data=b"x=1", timeout=5), refs[:200]),
        ),
        (
            "POST on a kept-alive requests session (before)",
            wall_ms(lambda _: session.post(receiver_url, data=b"x=1", timeout=5), refs[:200]),
        ),
        ("POST through outbound.post (as deliveries now do)", wall_ms(lambda _: outbound_post(), refs[:200])),
    ]


def queries(call: Callable[[], None]) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [" ".join(q["sql"].split())[:90] for q in ctx.captured_queries]


def post(client: Client, path: str, body: dict) -> dict:
    answer = client.post(path, json.dumps(body), content_type="application/json").json()
    assert answer["resultCd"] == "0000", answer
    return answer


def registrations(count: int) -> list[dict]:
    return [
        flows.registration_body(mitra_cd="ESHP", amount=10_000 + i, db_process_url="http://127.0.0.1:9/n")
        for i in range(count)
    ]


def inquiry_bodies(answers: list[dict]) -> list[dict]:
    out = []
    for a in answers:
        ts, ref, amt = flows.stamp(), a["referenceNo"], a["amt"]
        token = flows.sha(ts, flows.IMID, ref, amt, flows.KEY)
        out.append({"timeStamp": ts, "tXid": a["tXid"], "iMid": flows.IMID, "referenceNo": ref, "amt": amt})
        out[-1]["merchantToken"] = token
    return out


def baseline_bodies(count: int, tag: str) -> list[dict]:
    out = []
    for i in range(count):
        ts, ref, amt = flows.stamp(), f"P{tag}{i:07d}", 10_000 + i
        token = flows.sha(ts, flows.IMID, ref, amt, flows.KEY)
        out.append(
            {"timeStamp": ts, "iMid": flows.IMID, "referenceNo": ref, "amt": str(amt), "merchantToken": token}
        )
    return out


def hottest(stats: pstats.Stats, calls: int, top: int = 10) -> str:
    """The source files whose own code (cProfile tottime) takes the most time, per request."""
    files: dict[str, float] = {}
    for (path, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        where = "/".join(path.split("site-packages/")[-1].split("/")[-3:])
        files[where] = files.get(where, 0.0) + tt
    rows = sorted(files.items(), key=lambda kv: kv[1], reverse=True)[:top]
    out = ["  own time by file (cProfile tottime per request):"]
    out += [f"    {tt / calls * 1000:>6.3f} ms  {where}" for where, tt in rows]
    return "\n".join(out)


def table(title: str, wall: float, floor: float | None, stats: pstats.Stats, areas: dict, calls: int) -> str:
    lines = [f"{title}: {wall:.2f} ms per request" + (f" (baseline {floor:.2f} ms)" if floor else "")]
    profiled_total = area_ms(stats, [("django/core/handlers/base.py", "get_response")], calls)
    if profiled_total:
        lines.append(f"  {'under cProfile, whole request':<44}{profiled_total:>8.2f} ms")
    for name, spec in areas.items():
        value = area_ms(stats, spec, calls)
        if value is not None and value > 0.005:
            lines.append(f"  {name:<44}{value:>8.2f} ms")
    return "\n".join(lines)


def test_where_the_time_goes(demo_merchant, receiver, capsys) -> None:
    client = Client()
    # Warm-up: connections, caches, first-use imports.
    answers = [post(client, REG, b) for b in registrations(50)]
    for b in baseline_bodies(50, "W"):
        post(client, "/bench/insert", b)

    reg_sql = queries(lambda: answers.append(post(client, REG, registrations(1)[0])))
    bodies = registrations(2 * N)
    reg_wall = wall_ms(lambda b: answers.append(post(client, REG, b)), bodies[:N], cpu="V2 registration")
    reg_stats = profiled(lambda: [answers.append(post(client, REG, b)) for b in bodies[N:]])
    base = baseline_bodies(N, "B")
    ins_wall = wall_ms(lambda b: post(client, "/bench/insert", b), base, cpu="minimal insert")

    inq = inquiry_bodies(answers[: 2 * N])
    inq_sql = queries(lambda: post(client, INQ, inq[0]))
    inq_wall = wall_ms(lambda b: post(client, INQ, b), inq[:N], cpu="V2 inquiry")
    inq_stats = profiled(lambda: [post(client, INQ, b) for b in inq[N:]])
    read_wall = wall_ms(lambda b: post(client, "/bench/read", b), base, cpu="one-row read")

    txns = list(Transaction.objects.filter(merchant=demo_merchant).order_by("id")[: 2 * N])
    Transaction.objects.filter(pk__in=[t.pk for t in txns]).update(db_process_url=receiver.url)
    now = timezone.now() - timedelta(seconds=1)
    notes = Notification.objects.bulk_create(
        Notification(
            merchant=demo_merchant,
            transaction=t,
            sequence=1,
            url=receiver.url,
            payload=notification_format().payment(t, 1),
            next_attempt_at=now,
        )
        for t in txns
    )
    note_sql = queries(lambda: notification_deliver(notification_id=notes[0].pk))
    rest = notes[1:]
    half = len(rest) // 2
    note_wall = wall_ms(lambda n: notification_deliver(notification_id=n.pk), rest[:half], cpu="delivery")
    note_stats = profiled(lambda: [notification_deliver(notification_id=n.pk) for n in rest[half:]])
    assert Notification.objects.filter(pk__in=[n.pk for n in notes], state="delivered").count() == len(notes)
    costs = follow_up_costs(demo_merchant, answers, receiver.url)

    with capsys.disabled():
        print(
            "\n\nin-process, through Django's handler and middleware; PostgreSQL;"
            " cProfile cumulative per area\n"
        )
        print(table("V2 registration", reg_wall, ins_wall, reg_stats, AREAS_V2, N))
        print(hottest(reg_stats, N))
        print("  SQL: " + "\n       ".join(reg_sql) + "\n")
        print(table("V2 inquiry", inq_wall, read_wall, inq_stats, AREAS_V2, N))
        print(hottest(inq_stats, N))
        print("  SQL: " + "\n       ".join(inq_sql) + "\n")
        print(
            table(
                "notification delivery (one attempt, to a local receiver)",
                note_wall,
                None,
                note_stats,
                AREAS_NOTIFY,
                len(rest) - half,
            )
        )
        print(hottest(note_stats, len(rest) - half))
        print("  SQL: " + "\n       ".join(note_sql) + "\n")
        print("CPU per call in the quickest batch (ms): this process (Python) and the database backend")
        for name, (own, db) in CPU.items():
            print(f"  {name:<40}{own:>8.2f} Python{db:>8.2f} database")
        print()
        print("measured on their own (ms per call, no profiler):")
        for name, ms in costs:
            print(f"  {name:<56}{ms:>7.3f} ms")
