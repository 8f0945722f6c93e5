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


Usage = dict[int, float]  # pid -> CPU seconds used so far (one key 0 for a process-wide count)


def tree_cpu(root: int) -> Usage:
    """CPU seconds used so far by `root` and each of its live descendants (gunicorn and its workers)."""
    stats = {pid: s for pid in _pids() if (s := _stat(pid))}
    members, grown = {root}, True
    while grown:
        grown = False
        for pid, (ppid, _) in stats.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grown = True
    return {pid: stats[pid][1] for pid in members if pid in stats}


def command_cpu(name: str) -> Usage:
    """CPU seconds used so far by every live process whose program is `name` (the first word of
    its command line, without directory or a trailing colon: PostgreSQL's backends show as
    "postgres: ...", Redis as ".../redis-server host:port")."""
    found: Usage = {}
    for pid in _pids():
        words = _cmdline(pid).split(maxsplit=1)
        if words and words[0].rsplit("/", 1)[-1].rstrip(":") == name and (s := _stat(pid)):
            found[pid] = s[1]
    return found


def children_cpu() -> Usage:
    """CPU seconds of this process's finished children (a load generator run to completion)."""
    t = os.times()
    return {0: t.children_user + t.children_system}


def self_cpu() -> Usage:
    """CPU seconds of this process (the benchmark itself, and the receiver it runs)."""
    t = os.times()
    return {0: t.user + t.system}


def _spent(before: Usage, after: Usage) -> float:
    """CPU seconds spent between two readings by the processes alive at the second (a process that
    started meanwhile counts from zero). One that ended meanwhile took its count with it, so it is
    left out rather than counted negative (a closed database connection, an autovacuum run)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


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


def measure(groups: dict[str, Callable[[], Usage]], run: Callable[[], int]) -> Split:
    """Run `run` (which returns how many requests or tasks it did) and the CPU each group used."""
    before = {name: read() for name, read in groups.items()}
    count = run()
    return Split({name: _spent(before[name], read()) for name, read in groups.items()}, count)
