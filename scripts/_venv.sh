# Shared by scripts/*.sh: make .venv and install the project into it, once per change of the
# project's dependencies. The set-up output goes to .venv/setup.log (shown if it fails): pip and
# setuptools print pages of progress and warnings that say nothing about this project.

# The part of pyproject.toml an install depends on: [project] (dependencies, extras, scripts,
# entry points), not the tools' settings below it.
_project_hash() {
    sed -n '/^\[project\]/,/^\[tool\./p' pyproject.toml | cksum | cut -d' ' -f1
}

# True when a stamp (.venv/.installed-EXTRAS, holding the hash it was installed for) covers
# every extra asked for: after `test.sh` installed everything, `lab.sh` installs nothing.
_installed() {
    local want hash stamp have extra ok
    want=$(echo "$1" | tr -c 'a-z0-9-' ' ')
    hash=$(_project_hash)
    for stamp in .venv/.installed-*; do
        [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] || continue
        have=" $(basename "$stamp" | sed 's/^\.installed-//' | tr '_' ' ') "
        ok=1
        for extra in $want; do
            case "$have" in *" $extra "*) ;; *) ok=0 ;; esac
        done
        [ "$ok" = 1 ] && return 0
    done
    return 1
}

_setup_failed() {
    echo "!! set-up failed: $1. The end of .venv/setup.log:" >&2
    tail -n 30 .venv/setup.log >&2
    exit 1
}

ensure_venv() {
    local extras="$1"
    local py="${PYTHON:-python3}"
    export PATH="$PWD/.venv/bin:$PATH"
    if [ -x .venv/bin/python ] && _installed "$extras"; then
        return 0
    fi
    if ! command -v "$py" >/dev/null; then
        echo "!! no '$py' here: this project needs Python >= 3.10 (PYTHON=python3.12 picks one)" >&2
        exit 1
    fi
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
        echo "!! this project needs Python >= 3.10; $py is $("$py" --version 2>&1) (PYTHON=python3.12 picks another)" >&2
        exit 1
    fi
    if compgen -G ".venv/.installed-*" >/dev/null; then
        echo "updating .venv (the project's dependencies changed; the log: .venv/setup.log)"
    else
        echo "setting up .venv (first run: ~1 min, ~70 MB from PyPI; the log: .venv/setup.log)"
    fi
    mkdir -p .venv
    : >.venv/setup.log
    if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then  # none yet, or a venv made without pip
        "$py" -m venv .venv >>.venv/setup.log 2>&1 \
            || _setup_failed "'$py -m venv' did not work (on Debian/Ubuntu: apt-get install python3-venv)"
        .venv/bin/python -m pip install --upgrade pip >>.venv/setup.log 2>&1 \
            || _setup_failed "pip could not upgrade itself (no network to PyPI?)"
    fi
    .venv/bin/python -m pip install -e "$extras" >>.venv/setup.log 2>&1 \
        || _setup_failed "pip could not install the project ('$extras')"
    _project_hash >".venv/.installed-$(echo "$extras" | tr -c 'a-z0-9-' '_')"
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
