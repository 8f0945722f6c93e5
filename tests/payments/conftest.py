"""Fixtures shared by the service tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery import current_app

from payments.services import notifications


@pytest.fixture
def eager() -> Iterator[None]:
    """Celery runs a sent task in this process, as with CELERY_TASK_ALWAYS_EAGER."""
    from payments import tasks  # noqa: F401 - registers the task names

    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = before


@pytest.fixture
def fresh_cache_namespace(settings) -> None:  # noqa: ANN001
    """The outbox sweep's hand-over markers are keyed by row id, and a recreated test database hands
    out the same ids again: a run right after another must not see the first run's markers."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture
def sent(monkeypatch) -> list[int]:  # noqa: ANN001
    """The notification ids handed to Celery, in order (nothing reaches a broker)."""
    queued: list[int] = []
    monkeypatch.setattr(notifications, "_enqueue", queued.append)
    return queued
