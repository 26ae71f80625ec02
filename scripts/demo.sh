#!/usr/bin/env bash
# Fresh machine → demo community: installs Linli, fills the repo root (the demo home) with a
# demo community, builds site/, then serves the preview and the admin on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/linli demo
exec .venv/bin/linli serve --port "${PORT:-8000}"
