"""Loaded with `-p` before Django's settings: under pytest-xdist, each worker gets Redis databases
of its own (broker and, next to it, the cache), as it gets its own PostgreSQL test database, so the
stacks two workers start never take each other's tasks or counters. Outside xdist it does nothing."""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url:
    _base, _, _db = _url.rpartition("/")
    # gw0 -> 2 and 3, gw1 -> 4 and 5, ...: the controller's own 0 and 1 stay unused.
    os.environ["REDIS_URL"] = f"{_base}/{2 + 2 * int(_worker[2:])}"
