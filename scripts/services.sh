#!/usr/bin/env bash
# Test services on loopback: PostgreSQL and Redis, with their data under var/.
# usage: scripts/services.sh start|stop|status
# Ports: TEST_PG_PORT (default 54329), TEST_REDIS_PORT (default 63799).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_PORT=${TEST_PG_PORT:-54329}
REDIS_PORT=${TEST_REDIS_PORT:-63799}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
VAR=$PWD/var
# PostgreSQL runs as its own user, which may not reach into the checkout: keep its files in /tmp.
PGROOT=${TMPDIR:-/tmp}/payloan-pg-$PG_PORT
PGDATA=$PGROOT/data
SOCK=$PGROOT/sock

pg_up() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
redis_up() { redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; }

start() {
  mkdir -p "$VAR" "$SOCK"
  chmod 755 "$PGROOT"
  chown postgres "$SOCK"
  if ! pg_up; then
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      mkdir -p "$PGDATA"; chown postgres "$PGDATA"; chmod 700 "$PGDATA"
      runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
    fi
    # Throwaway test data: durability off for speed.
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o \
      "-p $PG_PORT -k $SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null
    echo "started PostgreSQL on 127.0.0.1:$PG_PORT"
  fi
  if ! redis_up; then
    mkdir -p "$VAR/redis-$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
      --dir "$VAR/redis-$REDIS_PORT" --pidfile "$VAR/redis-$REDIS_PORT/redis.pid" \
      --logfile "$VAR/redis-$REDIS_PORT/redis.log"
    for _ in $(seq 50); do redis_up && break; sleep 0.1; done
    echo "started Redis on 127.0.0.1:$REDIS_PORT"
  fi
}

stop() {
  if [ -f "$PGDATA/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
  fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) pg_up && echo "pg up" || echo "pg down"; redis_up && echo "redis up" || echo "redis down" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
