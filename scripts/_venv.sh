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
