# Shared by scripts/*.sh: make .venv and install the project into it once per pyproject change.
ensure_venv() {
    local extras="$1"
    local py="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        "$py" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    local stamp=".venv/.installed-$(echo "$extras" | tr -c 'a-z0-9' '_')"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install --quiet -e "$extras"
        touch "$stamp"
    fi
    export PATH="$PWD/.venv/bin:$PATH"
}

# The browser tests drive Debian's Chromium (no browser download: there may be no internet).
ensure_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "== installing chromium (apt)"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        else
            echo "!! /usr/bin/chromium is missing: the browser tests will be skipped (apt-get install chromium)"
        fi
    fi
}
