#!/usr/bin/env bash
# Set up .venv (idempotent) and open the tutorials in JupyterLab on the quickstart. They replay
# bundled recordings: no API key, no network. JupyterLab listens on 127.0.0.1 only, with a token.
# Usage: bash scripts/lab.sh [jupyter lab options]; PORT=9000 picks the port (default: the first
# free one from 8888), JUPYTER_TOKEN=... the token (default: a new random one), LOG_LEVEL=INFO
# Jupyter's log (default: warnings and errors only).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ".[notebook,serve,sdk]"

if [ -n "${PORT:-}" ]; then
    port="$PORT"
else
    port=$(python -c '
import socket
for port in range(8888, 8988):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
')
fi
# The token travels in the environment, not on the command line, where `ps` would show it.
export JUPYTER_TOKEN="${JUPYTER_TOKEN:-$(python -c 'import secrets; print(secrets.token_hex(24))')}"
url="http://127.0.0.1:$port/lab/tree/00_quickstart.ipynb?token=$JUPYTER_TOKEN"

args=(
    --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" --ServerApp.port_retries=0
    --ServerApp.root_dir=notebooks --LabApp.default_url=/lab/tree/00_quickstart.ipynb
    --ServerApp.log_level="${LOG_LEVEL:-WARN}" --LabApp.log_level="${LOG_LEVEL:-WARN}"
)
if [ "$(id -u)" = 0 ]; then
    # Containers, CI images and cloud notebooks run as root; Jupyter refuses root without this.
    echo "running as root: passing --allow-root to Jupyter (still loopback only, with a token)"
    args+=(--allow-root)
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" != Darwin ]; then
    args+=(--no-browser)  # no display: nothing to open a browser on; the URL below is the way in
fi

echo "starting JupyterLab on 127.0.0.1:$port (Ctrl-C twice stops it)"
# Print the URL once the server answers (a URL printed earlier would be refused for a second).
# Started twice removed, so that it is nobody's zombie when it is done.
( (
    lab=$$  # after `exec` below, this is JupyterLab's process id
    for _ in $(seq 600); do
        kill -0 "$lab" 2>/dev/null || exit 0
        if python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
            "http://127.0.0.1:$port/api/status?token=$JUPYTER_TOKEN" 2>/dev/null; then
            echo "open the quickstart: $url"
            exit 0
        fi
        sleep 0.2
    done
) & )
exec jupyter lab "${args[@]}" "$@"
