#!/usr/bin/env bash
# Fresh machine → every test: installs Linli and the test tools, the Debian packages the tests
# drive for real (Chromium for browser tests, a Chinese font, PostgreSQL, OpenSSH, rsync, git,
# nginx, Caddy, openssl, systemd-analyze; apt-get, as root), then runs pytest twice: on SQLite
# (the default), and again with DATABASE_URL pointing at a throwaway PostgreSQL cluster on
# loopback (scripts/postgres.sh), in which every test home gets a schema of its own
# (tests/postgres.py). Extra arguments go to pytest.
# LINLI_SKIP_POSTGRES=1 skips the second run.
#
# The two runs share nothing (their own temporary folders, ports, databases) and run side by
# side, a core each where there are two: the SQLite run's output shows as it comes, the
# PostgreSQL run's (kept in a file meanwhile) after it.
#
# The PostgreSQL run leaves out what its modules mark (tests/conftest.py deselects them when
# DATABASE_URL is PostgreSQL; `grep -rn "database_free\|sqlite_only" tests` lists them):
# `database_free` modules never open a database, so they would run there exactly as on SQLite
# (the SQLite run fails any of their tests that does open one); `sqlite_only` modules say why,
# e.g. the browser and search-client modules (Chromium and Node over built files: the same
# database queries as tests/test_build.py, which does run) and tests/test_incremental.py
# (SQLite's change log, copies of the SQLite file). A new module runs in both unless marked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# fonts-wqy-microhei: Chinese glyphs, so layout tests measure real text and share posters are drawn
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
if [ -z "${LINLI_SKIP_POSTGRES:-}" ]; then
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/linli-pg.XXXXXX")
  pglog="$pgdir.log"
  trap '[ -n "${pgpid:-}" ] && kill "$pgpid" 2>/dev/null; bash scripts/postgres.sh stop "$pgdir"; rm -f "$pglog"' EXIT
  url=$(bash scripts/postgres.sh start "$pgdir")
  DATABASE_URL="$url" .venv/bin/python -m pytest "$@" >"$pglog" 2>&1 &
  pgpid=$!
fi
.venv/bin/python -m pytest "$@" || status=$?
if [ -n "${pgpid:-}" ]; then
  pgstatus=0
  wait "$pgpid" || pgstatus=$?
  pgpid=
  echo "Again on PostgreSQL ($url):"
  cat "$pglog"
  [ "$pgstatus" = 0 ] || status=$pgstatus
fi
exit $status
