#!/usr/bin/env bash
# Fresh machine → every test: installs Linli and the test tools, the Debian packages the tests
# drive for real (Chromium for browser tests, a Chinese font, PostgreSQL, OpenSSH, rsync, git,
# nginx, Caddy, openssl, systemd-analyze; apt-get, as root), then runs pytest twice: on SQLite
# (the default), then again with DATABASE_URL pointing at a throwaway PostgreSQL cluster on
# loopback (scripts/postgres.sh), in which every test home gets a fresh schema
# (tests/conftest.py). Extra arguments go to pytest.
# LINLI_SKIP_POSTGRES=1 skips the second run.
#
# The PostgreSQL run leaves out the browser and search-client tests (Chromium and Node over
# built files: the same database queries as tests/test_build.py, which does run) and the timing
# check of the demo generator; everything that reads or writes the database runs on both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# fonts-wqy-microhei: Chinese glyphs, so layout tests measure real text
# nginx, caddy, openssl, systemd: the production server behind docs/nginx-admin.conf and
# docs/Caddyfile with a self-signed certificate, and systemd-analyze for docs/linli.service
PACKAGES="chromium fonts-wqy-microhei postgresql openssh-server openssh-client rsync git nginx caddy openssl systemd"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
# Node.js and npm run the search client's own code and fetch axe-core; the machine's Node.js
# (often NodeSource's, which carries npm) is used when present.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing="$missing nodejs npm"; fi
missing=$(echo $missing)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
  else
    echo "Run 'sudo apt-get install $missing' for the tests that drive them." >&2
  fi
fi
unset DATABASE_URL
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ -z "${LINLI_SKIP_POSTGRES:-}" ]; then
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/linli-pg.XXXXXX")
  trap 'bash scripts/postgres.sh stop "$pgdir"' EXIT
  url=$(bash scripts/postgres.sh start "$pgdir")
  echo "Again on PostgreSQL ($url):"
  # Left out on PostgreSQL: the browser and JS-client modules (they read built files; the same
  # queries run in test_build.py), and the modules that copy the SQLite file itself
  # (test_incremental.py compares with a clean build in a copy of the home; the search bench's
  # generator writes a SQLite home).
  DATABASE_URL="$url" .venv/bin/python -m pytest "$@" \
    --ignore=tests/test_browser.py --ignore=tests/test_admin_browser.py --ignore=tests/test_search_browser.py \
    --ignore=tests/test_search_parity.py --ignore=tests/test_search_relevance.py \
    --ignore=tests/security/test_xss.py --ignore=tests/test_incremental.py --ignore=tests/test_search_bench_data.py || status=$?
fi
exit $status
