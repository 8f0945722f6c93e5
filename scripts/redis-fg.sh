#!/usr/bin/env bash
# Runs Redis in the foreground for honcho, unless one already answers on the port.
PORT=$(echo "${REDIS_URL:-redis://127.0.0.1:6379/0}" | sed -E 's#.*:([0-9]+)(/.*)?$#\1#')
if redis-cli -p "$PORT" ping >/dev/null 2>&1; then
  echo "Redis already running on $PORT; using it"
  exec sleep infinity
fi
exec redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no
