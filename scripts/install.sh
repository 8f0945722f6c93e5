#!/usr/bin/env bash
# Installs what is missing: the Python venv always; with "test", also PostgreSQL and Chromium;
# with "bench", also wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v msgfmt >/dev/null || need+=(gettext)  # compiles the shopper pages' translations
if [ "${1:-}" = "test" ] || [ "${1:-}" = "bench" ]; then
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
  command -v chromium >/dev/null || need+=(chromium)
  # /docs/ examples are run as printed (tests/integration/test_devdocs_examples.py): PHP and curl
  command -v php >/dev/null || need+=(php-cli php-curl)
  command -v curl >/dev/null || need+=(curl)
fi
# make bench drives the servers with wrk (a load generator in C: its own cost stays small)
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null || need+=(wrk)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian starts its own services on install; ours run on their own ports.
  (service redis-server stop || true) >/dev/null 2>&1
  (service postgresql stop || true) >/dev/null 2>&1
fi
if [ ! -x .venv/bin/python ] || [ requirements.txt -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  touch .venv/.installed
fi
# Shopper pages speak Bahasa Indonesia and English: the .po files are in the repo, .mo built here.
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var -v 0
