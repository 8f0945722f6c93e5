"""tests/support/cpu.py, the benchmark's CPU split by process: it must count a busy child process
and never count a process that ended as negative (the bench printed -1.16 ms once for the database
when a connection closed mid-run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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
