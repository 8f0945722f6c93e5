"""Fixtures of the integration tests that change how the stack's own processes run."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.stack import Stack, free_port


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


@pytest.fixture
def extra_web(stack) -> Iterator[Callable[..., Stack]]:  # noqa: ANN001
    """Starts another gateway web process on the same database and Redis, with other settings (its
    environment, e.g. a partner's base URL pointing at a recording proxy). Its public URL stays the
    stack's, so partners still send browsers and notifications to the stack's web."""
    started: list[Stack] = []

    def start(**env: str) -> Stack:
        port = free_port()
        web = Stack(env={**stack.env, **env}, base_url=f"http://127.0.0.1:{port}", logs=stack.logs)
        web.procs.update({name: proc for name, proc in stack.procs.items() if name == "sandbox"})
        web.start_web()
        web.procs.pop("sandbox", None)  # the stack's own, never stopped here
        started.append(web)
        return web

    yield start
    for web in started:
        web.stop_all()
