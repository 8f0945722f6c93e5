"""The real stack for integration and browser tests: gunicorn, the sandbox partners' server, one
Celery worker per queue (+ beat on request), as subprocesses on the test database and Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from payloan_site.queues import QUEUES, worker_argv

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    pw = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{pw}@" if pw else f"{user}@"
    return f"postgres://{auth}{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@dataclass
class Stack:
    """The processes of `make run`'s Procfile: web, the simulated partners' own server, one Celery
    worker per queue (payloan_site.queues, the same arguments as the Procfile) and beat."""

    env: dict[str, str]
    base_url: str
    logs: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The simulated partners answer from a server of their own, as in make run: 30 OVO pushes
        # held open by shoppers take sandbox threads, not the gateway's.
        if not self.env.get("SANDBOX_PARTNER_BASE_URL"):
            self.env = {**self.env, "SANDBOX_PARTNER_BASE_URL": f"http://127.0.0.1:{free_port()}"}

    @property
    def sandbox_url(self) -> str:
        return self.env["SANDBOX_PARTNER_BASE_URL"]

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def _gunicorn(self, name: str, url: str, *, workers: int, threads: int) -> None:
        port = url.rsplit(":", 1)[1]
        self._spawn(
            name,
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:payloan_site.gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "payloan_site.wsgi",
            ],
        )

    def start_web(self, *, workers: int = 1, threads: int = 16) -> None:
        """The gateway, and the sandbox partners' server it calls (as the Procfile's web and sandbox)."""
        self._gunicorn("web", self.base_url, workers=workers, threads=threads)
        if "sandbox" not in self.procs:
            self._gunicorn("sandbox", self.sandbox_url, workers=1, threads=64)
        for name, url in (("web", self.base_url), ("sandbox", self.sandbox_url)):
            self._wait_http(name, f"{url}/healthz/live")

    def _wait_http(self, name: str, url: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(url, timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{name} server did not start; see {self.logs / f'{name}.log'}")

    def start_worker(self, name: str = "worker", queues: tuple[str, ...] = QUEUES) -> list[subprocess.Popen]:
        """One Celery worker per queue, named `<name>-<queue>`; stop(name) stops them all."""
        return [
            self._spawn(
                f"{name}-{queue}",
                [
                    str(BIN / "celery"),
                    "-A",
                    "payloan_site",
                    *worker_argv(queue, node=f"{queue}-{name}-{os.getpid()}@%h"),
                    "--without-gossip",
                    "--without-mingle",
                ],
            )
            for queue in queues
        ]

    def wait_for_consumers(self, timeout: float = 60) -> None:
        """Until every queue has a live consumer (the readiness check says so)."""
        deadline = time.monotonic() + timeout
        answer: dict = {}
        while time.monotonic() < deadline:
            try:
                resp = requests.get(f"{self.base_url}/healthz/ready", timeout=10)
                answer = resp.json()
                if resp.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"not every queue has a consumer: {answer}")

    def start_beat(self) -> subprocess.Popen:
        return self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "payloan_site",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.logs / "beat-schedule"),
            ],
        )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stops the process `name`, or every process of the group `name` (e.g. all workers)."""
        names = [name] if name in self.procs else [n for n in self.procs if n.startswith(f"{name}-")]
        self._stop(names, sig)

    def stop_all(self) -> None:
        self._stop(list(self.procs), signal.SIGTERM)

    def _stop(self, names: list[str], sig: int) -> None:
        procs = [p for p in (self.procs.pop(n) for n in names) if p.poll() is None]
        for proc in procs:
            os.killpg(proc.pid, sig)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
