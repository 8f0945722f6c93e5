"""A virtualenv with NICEPAY's official Python client, kept apart from the project's own packages.

python-nicepay pins its own `requests` (and pycryptodome), so it gets its own environment under the
git-ignored var/ folder, created once and reused by later sessions.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CLIENT_REQUIREMENT = "python-nicepay==1.1.1"
VENV_HOME = ROOT / "var" / "contract"
VENV = VENV_HOME / CLIENT_REQUIREMENT.replace("==", "-")
STUBS = HERE / "stubs"
SCRIPT = HERE / "client_script.py"
# The same zones in POSIX form (the sign is inverted: "<+14>-14" is UTC+14), where tzdata is missing.
POSIX_TZ = {"Asia/Jakarta": "WIB-7", "UTC": "UTC0", "Etc/GMT-14": "<+14>-14", "Etc/GMT+12": "<-12>+12"}


@dataclass(frozen=True)
class ClientEnv:
    python: Path
    needs_tk_stub: bool

    def env(self, *, force_stub: bool = False, tz: str = "Asia/Jakarta") -> dict[str, str]:
        """Environment for the client process: the merchant server's local time zone `tz` (the client
        stamps requests with local time), no proxy for the loopback server, and the tkinter
        stand-in where Tk is missing."""
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
        env["TZ"] = tz if Path("/usr/share/zoneinfo", tz).exists() else POSIX_TZ[tz]
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        if self.needs_tk_stub or force_stub:
            env["PYTHONPATH"] = str(STUBS)
        return env

    def run_scenario(
        self,
        settings: dict[str, Any],
        *,
        tz: str = "Asia/Jakarta",
        timeout: float = 120,
        script: Path = SCRIPT,
    ) -> dict[str, Any]:
        proc = subprocess.run(
            [str(self.python), str(script)],
            input=json.dumps(settings),
            capture_output=True,
            text=True,
            env=self.env(tz=tz),
            cwd=VENV,
            timeout=timeout,
        )
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            raise AssertionError(
                f"client script failed (exit {proc.returncode})\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
            )
        return json.loads(lines[-1])


def _installed_marker() -> Path:
    return VENV / ".payloan-contract-installed"


def _create_venv() -> None:
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
    pip = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            CLIENT_REQUIREMENT,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if pip.returncode != 0:
        raise RuntimeError(f"pip install {CLIENT_REQUIREMENT} failed:\n{pip.stdout}\n{pip.stderr}")
    _installed_marker().write_text(CLIENT_REQUIREMENT + "\n")


def _has_tk(python: Path) -> bool:
    probe = subprocess.run([str(python), "-c", "import tkinter.messagebox"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def nicepay_client() -> ClientEnv:
    """The client's virtualenv, created on first use (a lock keeps parallel sessions apart)."""
    VENV_HOME.mkdir(parents=True, exist_ok=True)
    with open(VENV_HOME / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = VENV / "bin" / "python"
        marker = _installed_marker()
        if not (python.exists() and marker.exists() and marker.read_text().strip() == CLIENT_REQUIREMENT):
            _create_venv()
    return ClientEnv(python=python, needs_tk_stub=not _has_tk(python))
