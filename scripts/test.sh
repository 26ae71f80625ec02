#!/usr/bin/env bash
# Fresh machine → every test: installs Linli and the test tools, the Debian packages the tests
# drive for real (Chromium for browser tests, a Chinese font, PostgreSQL, OpenSSH, rsync, git;
# apt-get, as root), then runs pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# fonts-wqy-microhei: Chinese glyphs, so layout tests measure real text; nodejs: runs the search
# client's own code (tests/test_search_parity.py, tests/test_search_relevance.py)
PACKAGES="chromium fonts-wqy-microhei nodejs postgresql openssh-server openssh-client rsync git"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
  else
    echo "Run 'sudo apt-get install $missing' for the tests that drive them." >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
