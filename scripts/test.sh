#!/usr/bin/env bash
# Fresh machine → every test: installs Linli and the test tools, Debian's Chromium for the
# browser tests (apt-get, as root), then runs pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # fonts-wqy-microhei: Chinese glyphs, so layout tests measure real text
    apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  else
    echo "Run 'sudo apt-get install chromium fonts-wqy-microhei' for the browser tests." >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
