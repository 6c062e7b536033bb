#!/usr/bin/env bash
# Set up (idempotent) and run every check: ruff, mypy, import contracts, pytest (unit,
# end-to-end, the docs build, lab.sh, notebooks, browser). Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ".[test,serve,notebook,sdk,docs]"
ensure_chromium
echo "== ruff"; ruff check .
echo "== mypy"; mypy
echo "== import contracts"; lint-imports
echo "== pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg tests notebooks $*"
exec pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg tests notebooks "$@"
