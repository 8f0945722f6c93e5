"""Fixtures of the integration tests that change how the stack's own processes run."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.stack import Stack


@pytest.fixture
def tuned_workers(stack) -> Iterator[Callable[..., Stack]]:  # noqa: ANN001
    """Replaces the stack's Celery workers and beat by ones started with other settings (the
    environment of those processes, e.g. a partner's base URL); the usual ones come back afterwards.
    Returns the new processes' Stack (stop/start its "worker" to kill or restart them)."""
    started: list[Stack] = []

    def start(**env: str) -> Stack:
        stack.stop("beat")
        stack.stop("worker")
        own = Stack(env={**stack.env, **env}, base_url=stack.base_url, logs=stack.logs)
        own.start_worker()
        own.start_beat()
        started.append(own)
        return own

    yield start
    for own in started:
        own.stop_all()
    if started:
        stack.start_worker()
        stack.start_beat()
