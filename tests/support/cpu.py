"""CPU time by process group, read from /proc (Linux), for the benchmark's cost split: of what a
request or a task costs the whole machine, how much each process spent (the web server, the
worker, PostgreSQL, Redis, the load generator). A rate says how fast; this says where the CPU went,
which is steadier than a rate on a shared machine."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds: user + system) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:  # noqa: PTH123
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:  # noqa: PTH123
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _pids() -> Iterator[int]:
    return (int(name) for name in os.listdir("/proc") if name.isdigit())


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by `root` and its live descendants (e.g. gunicorn and its workers)."""
    stats = {pid: s for pid in _pids() if (s := _stat(pid))}
    members, total, grown = {root}, 0.0, True
    while grown:
        grown = False
        for pid, (ppid, _) in stats.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grown = True
    for pid in members:
        total += stats.get(pid, (0, 0.0))[1]
    return total


def command_cpu(name: str) -> float:
    """CPU seconds used so far by every live process whose program is `name` (the first word of
    its command line, without directory or a trailing colon: PostgreSQL's backends show as
    "postgres: ...", Redis as ".../redis-server host:port")."""
    total = 0.0
    for pid in _pids():
        words = _cmdline(pid).split(maxsplit=1)
        if words and words[0].rsplit("/", 1)[-1].rstrip(":") == name and (s := _stat(pid)):
            total += s[1]
    return total


def children_cpu() -> float:
    """CPU seconds of this process's finished children (a load generator run to completion)."""
    t = os.times()
    return t.children_user + t.children_system


def self_cpu() -> float:
    """CPU seconds of this process (the benchmark itself, and the receiver it runs)."""
    t = os.times()
    return t.user + t.system


@dataclass
class Split:
    """CPU seconds per process group over one measured run, and how many requests or tasks it did."""

    seconds: dict[str, float]
    count: int

    def per_call_ms(self) -> dict[str, float]:
        return {name: s / self.count * 1000 for name, s in self.seconds.items()}

    @property
    def total_ms(self) -> float:
        return sum(self.per_call_ms().values())


def measure(groups: dict[str, Callable[[], float]], run: Callable[[], int]) -> Split:
    """Run `run` (which returns how many requests or tasks it did) and the CPU each group used."""
    before = {name: read() for name, read in groups.items()}
    count = run()
    return Split({name: read() - before[name] for name, read in groups.items()}, count)
