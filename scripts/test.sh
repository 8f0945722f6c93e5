#!/usr/bin/env bash
# make test: install, start PostgreSQL + Redis, run the whole suite, stop what we started.
# With arguments, one pytest run of just those (scripts/test.sh tests/payments -x).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test || exit 1
echo "ruff: lint and format check"
.venv/bin/ruff check . && .venv/bin/ruff format --check . >/dev/null || { echo "ruff found problems (make fmt)"; exit 1; }
export TEST_PG_PORT=${TEST_PG_PORT:-54329} TEST_REDIS_PORT=${TEST_REDIS_PORT:-63799}
# Stop afterwards only what this run started (a developer's own services stay up).
state=$(scripts/services.sh status)
started=0
case "$state" in *"pg down"*|*"redis down"*) started=1 ;; esac
scripts/services.sh start || exit 1
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$TEST_PG_PORT/payloan}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$TEST_REDIS_PORT/0}
export SANDBOX=true
if [ $# -gt 0 ]; then
  .venv/bin/python -m pytest "$@"
  rc=$?
else
  # The whole suite: first two pytest-xdist workers (each with its own test database and Redis
  # databases) take the tests that need no running stack; then one process runs the stack's tests
  # and those timed against a bound, so no second stack or neighbour's load can move them.
  .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" -m "not bench and not serial and not stack"
  rc=$?
  .venv/bin/python -m pytest -m "(serial or stack) and not bench"
  rc2=$?
  [ "$rc" = 0 ] && rc=$rc2
fi
[ "$started" = 1 ] && [ -z "${KEEP_SERVICES:-}" ] && scripts/services.sh stop
exit $rc
