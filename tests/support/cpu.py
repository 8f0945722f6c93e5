"""CPU time by process group, read from /proc (Linux), for the benchmark's cost split: of what a
request or a task costs the whole machine, how much each process spent (the web server, the
worker, PostgreSQL, Redis, the load generator). A rate says how fast; this says where the CPU went,
which is steadier than a rate on a shared machine."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process, or None. The seconds are its own (user +
    system) and those of its children that ended and that it waited for (cutime + cstime): a
    process gone from /proc left its count with the parent that reaped it."""
    try:
        with open(f"/proc/{pid}/stat") as f:  # noqa: PTH123
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), sum(int(v) for v in fields[11:15]) / TICK


def _pids() -> Iterator[int]:
    return (int(name) for name in os.listdir("/proc") if name.isdigit())


Usage = dict[int, float]  # key -> CPU seconds used so far (one key for a tree or a whole process)


def tree_cpu(root: int) -> Usage:
    """CPU seconds used so far by `root` and its descendants (gunicorn and its workers, a
    PostgreSQL server and its backends), one count under `root`'s pid: the live ones, and the ones
    that ended, through the member that waited for them (a backend whose connection was closed
    mid-run is counted up to its end)."""
    stats = {pid: s for pid in _pids() if (s := _stat(pid))}
    members, grown = {root}, True
    while grown:
        grown = False
        for pid, (ppid, _) in stats.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grown = True
    return {root: sum(stats[pid][1] for pid in members if pid in stats)} if root in stats else {}


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:  # noqa: PTH123
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":  # 0A: LISTEN
                inodes.add(cols[9])
    return inodes


def listener_pid(port: int) -> int:
    """The process that listens on TCP `port` on this machine (a server's main process: its
    children may share the socket). Raises LookupError when nothing we can see listens there."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    holders: dict[int, int] = {}
    for pid in _pids():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in wanted for fd in fds):
                holders[pid] = _stat(pid)[0]
        except (OSError, TypeError):
            continue
    roots = [pid for pid, ppid in holders.items() if ppid not in holders]
    if len(roots) != 1:
        raise LookupError(f"no single process listens on port {port}: {sorted(holders)}")
    return roots[0]


def children_cpu() -> Usage:
    """CPU seconds of this process's finished children (a load generator run to completion)."""
    t = os.times()
    return {0: t.children_user + t.children_system}


def self_cpu() -> Usage:
    """CPU seconds of this process (the benchmark itself, and the receiver it runs)."""
    t = os.times()
    return {0: t.user + t.system}


def _spent(before: Usage, after: Usage) -> float:
    """CPU seconds spent between two readings, key by key (a key new at the second counts from
    zero). A key gone at the second took its count with it, so it is left out rather than counted
    negative; tree_cpu's one key per tree keeps the ended members' count in the tree."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass
class Split:
    """CPU seconds per process group over one measured run, how many requests or tasks it did,
    and how long the run took (seconds, without the readings around it)."""

    seconds: dict[str, float]
    count: int
    elapsed: float = 0.0

    def per_call_ms(self) -> dict[str, float]:
        return {name: s / self.count * 1000 for name, s in self.seconds.items()}

    @property
    def total_ms(self) -> float:
        return sum(self.per_call_ms().values())


def measure(groups: dict[str, Callable[[], Usage]], run: Callable[[], int]) -> Split:
    """Run `run` (which returns how many requests or tasks it did) and the CPU each group used."""
    before = {name: read() for name, read in groups.items()}
    started = time.perf_counter()
    count = run()
    elapsed = time.perf_counter() - started
    return Split({name: _spent(before[name], read()) for name, read in groups.items()}, count, elapsed)
