"""Shared fixtures. Integration tests get the real stack (`stack`), browser tests a Chromium page."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.receiver import start_receiver
from tests.support.stack import Stack, database_url, free_port

# Playwright's sync API keeps an event loop in the main thread; Django's ORM calls from tests are
# still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Every simulated partner posts from 127.0.0.1, and the suite posts hundreds of forged notifications
# in minutes: storage of unverified ones is bounded per address in production, not here. The tests
# of that bound set their own limits (tests/payments/test_partner_notify_door.py).
os.environ.setdefault("PARTNER_UNVERIFIED_STORED_PER_ADDRESS", "1000000")
os.environ.setdefault("PARTNER_UNVERIFIED_STORED_TOTAL", "1000000")
# DANA closes for cancels 00:00-01:00 WIB (adapter and sandbox); a run must not depend on its hour.
# The environment reaches the stack's processes; in-process sandboxes get `_dana_never_closed` below.
# tests/providers/dana/test_adapter_sandbox.py opens and closes that hour itself.
os.environ.setdefault("SANDBOX_DANA_CLOSED_HOURS", "")
os.environ.setdefault("DANA_CANCEL_CLOSED_HOURS", "")  # the adapter's side (providers/registry.py)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on the running stack (web server, Celery workers and beat of every queue) are marked
    `stack`: make test runs them in one process after the parallel part, because the stack's
    control commands, killed workers and timings must not meet a second stack on the same CPUs."""
    for item in items:
        if "_stack_session" in getattr(item, "fixturenames", ()) or item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.stack)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session", autouse=True)
def _flush_survives_a_deadlock():
    """The stack's worker and beat keep querying while a transactional test empties the tables, and
    PostgreSQL may choose the flush's TRUNCATE as a deadlock's victim: the process that waited
    deadlock_timeout first finds the cycle and gives up, and that is usually the TRUNCATE, which
    asked first. So the flush waits longer than the workers before checking (they give up and their
    tasks retry), and a flush that still loses is run again: it is all-or-nothing. Any other error
    is raised as before."""
    from django.db import connections
    from django.db.utils import OperationalError
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def patient(self: TransactionTestCase, sql: str) -> None:
        for alias in self._databases_names(include_mirrors=False):
            with connections[alias].cursor() as cur:
                cur.execute(sql)

    def teardown(self: TransactionTestCase) -> None:
        patient(self, "SET deadlock_timeout = '5s'")
        try:
            for attempt in range(8):
                try:
                    return original(self)
                except Exception as exc:  # flush raises CommandError from the OperationalError
                    cause = exc if isinstance(exc, OperationalError) else exc.__cause__
                    deadlock = isinstance(cause, OperationalError) and "deadlock" in str(cause)
                    if not deadlock or attempt == 7:
                        raise
                    time.sleep(min(0.25 * (attempt + 1), 1.0))
        finally:
            patient(self, "RESET deadlock_timeout")

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture(autouse=True)
def _dana_never_closed(settings):
    settings.SANDBOX_DANA_CLOSED_HOURS = []


@pytest.fixture
def merchant(db):
    from tests.factories import MerchantFactory

    return MerchantFactory()


@pytest.fixture
def demo_merchant(db):
    from tests.factories import demo_merchant

    return demo_merchant()


@pytest.fixture
def ninth_partner(monkeypatch):
    """A fake ninth partner (tests/support/ninth) in the catalogue: the one line a new partner adds
    to providers/registry.py."""
    from providers import registry
    from providers.base.types import PartnerKind

    entry = registry.Partner(
        "NINE", "Ninth Pay", PartnerKind.PAYLOAN, "tests.support.ninth.adapter.NinthAdapter",
        min_amount=20_000, max_amount=2_000_000, expiry_seconds=3600, tenors=("1", "3"),
        cancel=registry.CancelRules(partial=False, window=timedelta(days=7)),
    )  # fmt: skip
    monkeypatch.setitem(registry.CATALOGUE, "NINE", entry)
    registry.get_adapter.cache_clear()
    yield entry
    registry.get_adapter.cache_clear()


@pytest.fixture(scope="session")
def receiver():
    rec = start_receiver()
    yield rec
    rec.close()


@pytest.fixture(scope="session")
def _stack_session(django_db_setup, django_db_blocker, receiver):
    from django.conf import settings
    from django.db import connection

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="payloan-stack-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",
        "PUBLIC_BASE_URL": base_url,
        "PORT": str(port),
        "SANDBOX": "true",
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        # The published schedules, compressed so tests see several rounds in seconds.
        "POLL_SCHEDULE": "2,2,3",
        "SWEEP_INTERVAL": "1",
        "NOTIFICATION_RETRY_SCHEDULE": "1,2,2,3,3,3,3,3",
        "NOTIFICATION_TIMEOUT": "3",
        # Jobs: a heartbeat each second; 4 s without one means the worker died.
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_STALE_SECONDS": "4",
        "JOB_REDISPATCH_SECONDS": "4",
        "SANDBOX_OVO_PUSH_TIMEOUT": os.environ.get("SANDBOX_OVO_PUSH_TIMEOUT", "20"),
        # E-mails the server sends (password reset, invitations) land here as files.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(logs / "mail"),
    }
    stack = Stack(env=env, base_url=base_url, logs=logs)
    from payloan_site.celery import app

    app.control.purge()
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    yield stack
    stack.stop_all()


@pytest.fixture
def stack(_stack_session, transactional_db, receiver, settings):
    """The running stack; the test's DB writes are visible to it (transactional_db)."""
    receiver.reset()
    settings.PUBLIC_BASE_URL = _stack_session.base_url
    settings.SANDBOX_GATEWAY_BASE_URL = _stack_session.base_url
    from providers.registry import get_adapter

    get_adapter.cache_clear()
    yield _stack_session
    get_adapter.cache_clear()


@pytest.fixture
def sandbox_server(live_server, settings):
    """An in-process server with the sandbox, for adapter tests that need a partner to talk to."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SANDBOX_GATEWAY_BASE_URL = live_server.url
    from providers.registry import get_adapter

    get_adapter.cache_clear()
    yield live_server
    get_adapter.cache_clear()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any console error or failed asset request.

    An error *page* is answered with its 4xx/5xx status on purpose; Chromium logs that document
    status as a console error, which is not a fault, so only those are let through."""
    context = browser.new_context(viewport={"width": 420, "height": 900})
    pg = context.new_page()
    problems: list[tuple[str, str]] = []
    documents: set[str] = set()
    pg.on(
        "console",
        lambda m: (
            problems.append((m.location.get("url", ""), f"console {m.type}: {m.text}"))
            if m.type == "error"
            else None
        ),
    )
    pg.on("pageerror", lambda e: problems.append(("", f"page error: {e}")))
    pg.on("response", lambda r: documents.add(r.url) if r.request.resource_type == "document" else None)
    pg.on(
        "requestfailed",
        lambda r: (
            problems.append(("", f"request failed: {r.url} {r.failure}"))
            if r.resource_type in {"stylesheet", "script", "image", "font"}
            else None
        ),
    )
    pg.set_default_timeout(15000)
    pg.problems = problems
    yield pg
    context.close()
    real = [
        f"{msg} at {url}"
        for url, msg in problems
        if not (url in documents and "Failed to load resource" in msg)
    ]
    assert not real, real
