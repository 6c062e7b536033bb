#!/usr/bin/env bash
# Set up (idempotent) and open the tutorials in JupyterLab; they replay bundled fixtures, no API key needed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ".[notebook,serve,sdk]"
exec jupyter lab notebooks/00_quickstart.ipynb "$@"
