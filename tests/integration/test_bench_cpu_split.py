"""tests/support/cpu.py, the benchmark's CPU split by process: it must count a busy child process,
never count a process that ended as negative (the bench printed -1.16 ms once for the database
when a connection closed mid-run) nor drop what it spent, and count the stack's own servers only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

from tests.support import cpu

# A parent that starts a child which burns 0.3 s of CPU and then waits: the tree is both.
CHILD = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)"
PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {CHILD!r}])"


def test_a_process_tree_counts_its_busy_child() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], start_new_session=True)
    try:
        split = cpu.measure({"tree": lambda: cpu.tree_cpu(parent.pid)}, lambda: time.sleep(1.5) or 1)
        assert 0.25 <= split.seconds["tree"] <= 1.0, split
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


def test_a_process_that_ends_is_left_out_and_a_new_one_counts_from_zero() -> None:
    assert cpu._spent({1: 5.0, 2: 3.0}, {2: 3.5, 3: 0.25}) == 0.75  # 1 ended: not -5.0


def test_per_call_and_total() -> None:
    split = cpu.Split({"web": 0.5, "database": 0.25}, count=250)
    assert split.per_call_ms() == {"web": 2.0, "database": 1.0}
    assert split.total_ms == 3.0


# Start, finish its share of CPU, then wait: a child burns 0.3 s and ends, the parent waits for it.
ENDING = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
WAITS_THEN_RUNS_CHILD = (
    f"import subprocess, sys, time; time.sleep(0.5); subprocess.run([sys.executable, '-c', {ENDING!r}]);"
    " time.sleep(30)"
)


def test_a_child_that_ends_mid_run_still_counts_through_its_parent() -> None:
    """gunicorn's workers, PostgreSQL's backends (a connection past CONN_MAX_AGE is closed mid-run):
    a process of the tree that ends during the run took its CPU with it from /proc, but its parent
    waited for it, and the parent's count of waited-for children has it."""
    parent = subprocess.Popen([sys.executable, "-c", WAITS_THEN_RUNS_CHILD], start_new_session=True)
    try:
        time.sleep(0.2)  # the parent is up and sleeping; the child does not exist yet
        split = cpu.measure({"tree": lambda: cpu.tree_cpu(parent.pid)}, lambda: time.sleep(2.0) or 1)
        assert 0.25 <= split.seconds["tree"] <= 1.0, split
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


LISTEN = (
    "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
    " print(s.getsockname()[1], flush=True); time.sleep(60)"
)
BURN = (  # 0.3 s of CPU for each line read
    "import sys, time\nfor _ in sys.stdin:\n    t = time.process_time()\n"
    "    while time.process_time() - t < 0.3: pass\n    print('done', flush=True)"
)


def test_the_database_and_redis_shares_are_the_stacks_own_servers_only(tmp_path) -> None:  # noqa: ANN001
    """Several stacks share the machine, each with its own PostgreSQL and Redis: the bench's
    database and Redis columns must count the servers on the stack's own ports, not every process
    named postgres or redis-server (here: ours idle, another one busy)."""
    from tests.bench import test_bench_throughput as bench

    procs, ports = [], {}
    try:
        for name in ("postgres", "redis-server"):
            (tmp_path / name).symlink_to(sys.executable)  # a process whose program is `name`
            ours = subprocess.Popen([str(tmp_path / name), "-c", LISTEN], stdout=subprocess.PIPE, text=True)
            procs.append(ours)
            ports[name] = int(ours.stdout.readline())
            other = subprocess.Popen(
                [str(tmp_path / name), "-c", BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            procs.append(other)
        env = {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports['postgres']}/payloan",
            "REDIS_URL": f"redis://127.0.0.1:{ports['redis-server']}/0",
        }
        stack = SimpleNamespace(env=env, procs={"web": procs[0], "worker-notifications": procs[0]})
        others = procs[1::2]

        def busy_others() -> int:
            for other in others:
                other.stdin.write("go\n")
                other.stdin.flush()
            for other in others:
                assert other.stdout.readline() == "done\n"
            return 1

        for groups in (
            bench.cpu_groups(stack, "web", cpu.children_cpu),
            bench.cpu_groups(stack, "worker-notifications", cpu.self_cpu),
        ):
            split = cpu.measure({k: groups[k] for k in ("database", "Redis")}, busy_others)
            assert split.seconds["database"] < 0.1 and split.seconds["Redis"] < 0.1, split
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_the_run_is_timed_without_the_readings() -> None:
    """The bench's drain rate is count / the run's own time: reading /proc for every group before
    and after (milliseconds on a busy machine) must not be in it (300 no-op tasks drain in 0.4 s)."""
    slow_reading = lambda: time.sleep(1.0) or {0: 0.0}  # noqa: E731
    split = cpu.measure({"slow": slow_reading}, lambda: time.sleep(0.2) or 1)
    assert 0.19 <= split.elapsed < 0.9, split
