#!/usr/bin/env bash
# make run: install, migrate SQLite, load the demo, start web, sandbox partners, one Celery worker
# per queue, beat and Redis (see the Procfile).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
mkdir -p var
export PORT=${PORT:-8000}
# honcho gives each process its own $PORT; every process must agree on the web address.
export WEB_PORT=$PORT PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}
# The simulated partners answer from their own server, as real ones would: a push held open by a
# shopper who has not answered yet takes a sandbox thread, never one of the web's.
export SANDBOX_PORT=${SANDBOX_PORT:-$((PORT + 1))}
export SANDBOX_PARTNER_BASE_URL=${SANDBOX_PARTNER_BASE_URL:-http://127.0.0.1:$SANDBOX_PORT}
export WEB_ACCESS_LOG=${WEB_ACCESS_LOG:--}
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_demo
cat <<MSG

  Payloan is starting at http://127.0.0.1:$PORT
    demo store      http://127.0.0.1:$PORT/sandbox/shop/
    dashboard       http://127.0.0.1:$PORT/dashboard/   demo@payloan.test / demo-password
    admin           http://127.0.0.1:$PORT/admin/       admin / admin-password
    API docs        http://127.0.0.1:$PORT/api/docs/
    sandbox         http://127.0.0.1:$PORT/sandbox/
    health          http://127.0.0.1:$PORT/healthz  (/healthz/live, /healthz/ready)
  Ctrl-C stops everything.

MSG
exec .venv/bin/honcho start -f Procfile
