#!/usr/bin/env bash
# Everything that needs CUDA, in one run, printing one table (scripts/gpu_check.py says what it runs).
# On a machine without CUDA it says so and exits 0: `bash scripts/gpu_check.sh` is safe anywhere.
#
#   bash scripts/gpu_check.sh [--skip-notebooks] [--max-minutes 8]
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
  echo "no CUDA, nothing to check"
  exit 0
fi
exec "$PY" scripts/gpu_check.py "$@"
