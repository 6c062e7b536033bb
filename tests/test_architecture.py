"""The shape of the package: a pure core, a short public API."""

from __future__ import annotations

import ast
from pathlib import Path

import claude_stream_nb

PACKAGE = Path(claude_stream_nb.__file__).parent
CORE = [
    "_sse",
    "_events",
    "_blocks",
    "_snapshot",
    "_accumulate",
    "_partial_json",
    "_fixtures",
    "_replay",
    "_stream",
    "_summary",
    "_plan",
    "_scenario",
    "_prefill",
    "_record",
]
EDGE_LIBRARIES = {"httpx", "httpx2", "ipywidgets", "IPython", "anthropic", "starlette", "uvicorn", "comm"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_does_no_io_and_knows_no_jupyter() -> None:
    for name in CORE:
        found = imported_modules(PACKAGE / f"{name}.py") & EDGE_LIBRARIES
        assert not found, f"{name} imports {found}"


def test_render_is_pure_too() -> None:
    for path in (PACKAGE / "render").glob("*.py"):
        assert not imported_modules(path) & EDGE_LIBRARIES, path.name


def test_modules_stay_readable_in_one_sitting() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_the_public_api_is_short_and_sorted() -> None:
    public = claude_stream_nb.__all__
    assert public == sorted(public, key=lambda name: (not name[0].isupper(), name))
    assert set(public) == {
        "BlockState",
        "Claude",
        "Event",
        "Fixture",
        "FixtureWriter",
        "Message",
        "Pacer",
        "PartialJSON",
        "ReplayTransport",
        "SSEDecoder",
        "ServerSentEvent",
        "Snapshot",
        "StreamFold",
        "StreamView",
        "accumulate",
        "aconsume",
        "areplay_chunks",
        "arun_agent",
        "ashow",
        "astream",
        "bundled_fixtures",
        "consume",
        "encode_event",
        "finish",
        "load_fixture",
        "parse_event",
        "parse_partial",
        "play",
        "read_fixture",
        "replay",
        "replay_chunks",
        "run_agent",
        "show",
        "stream",
    }
    for name in public:
        assert getattr(claude_stream_nb, name) is not None


def test_importing_the_package_does_not_import_widgets_or_http() -> None:
    import subprocess
    import sys

    heavy = "('ipywidgets', 'httpx', 'anthropic')"
    code = f"import sys, claude_stream_nb; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
