#!/usr/bin/env bash
# Fresh machine → demo community: installs Linli, fills the repo root (the demo home) with a
# demo community, builds site/, then serves the preview and the admin on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/linli demo
# The command line: Linli lives in .venv/, which this script cannot put on the caller's PATH.
cat <<EOF
命令行：Linli 装在 $PWD/.venv 里。要直接输入 linli，请在每个新打开的终端里先运行一次：
  source $PWD/.venv/bin/activate
或者写全路径，例如：$PWD/.venv/bin/linli status
EOF
exec .venv/bin/linli serve --port "${PORT:-8000}"
