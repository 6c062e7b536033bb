"""The shape of the package: folders that show the flow, a pure core, a short public API.

The layering itself is import-linter's contracts in pyproject.toml (``lint-imports``, run by
scripts/test.sh); these tests check what a contract cannot say.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import claude_stream_nb

PACKAGE = Path(claude_stream_nb.__file__).parent
ROOT = PACKAGE.parent


def test_the_top_level_holds_only_the_entry_points() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "_api.py", "cli.py", "live.py", "pytest_plugin.py"]
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert folders == ["agent", "core", "exercises", "fake_api", "fixtures", "sinks", "sources"]


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_module_imports_one_that_imports_it_back() -> None:
    """No import cycles between files, lazy and type-checking imports included (grimp: the graph
    import-linter checks its contracts on)."""
    import grimp

    graph = grimp.build_graph("claude_stream_nb")
    cycles = [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported != module and graph.chain_exists(importer=imported, imported=module)
    ]
    assert not cycles


def test_the_core_imports_nothing_outside_itself() -> None:
    for path in (PACKAGE / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, f"{path.name} reaches outside core: {'.' * node.level}{node.module}"


def test_modules_stay_readable_in_one_sitting() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long, f"modules past 400 lines: {long}"


def test_the_public_api_is_sorted_and_every_name_resolves() -> None:
    public = claude_stream_nb.__all__
    assert public == sorted(public, key=lambda name: (not name[0].isupper(), name))
    missing = []
    for name in public:
        try:
            value = getattr(claude_stream_nb, name)
        except AttributeError:
            missing.append(name)
            continue
        assert getattr(value, "__name__", name) == name, f"{name} resolves to {value!r}"
    assert not missing
    assert {"replay", "show", "stream", "StreamView", "Claude", "StreamFold", "APIError"} <= set(public)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = claude_stream_nb.no_such_name  # type: ignore[attr-defined]


def test_error_classes_are_importable_from_the_top_level() -> None:
    from claude_stream_nb import APIError, ClaudeError, ConnectionFailed, OverloadedError

    assert issubclass(OverloadedError, APIError)
    assert issubclass(APIError, ClaudeError)
    assert issubclass(ConnectionFailed, ClaudeError)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("claude_stream_nb.server", "claude_stream_nb.fake_api"),
        ("claude_stream_nb.view", "claude_stream_nb.sinks.view"),
        ("claude_stream_nb.render", "claude_stream_nb.sinks.render"),
        ("claude_stream_nb.render._html", "claude_stream_nb.sinks.render._html"),
    ],
)
def test_import_paths_from_before_the_folders_still_work(old: str, new: str) -> None:
    code = (
        f"import importlib, sys; old = importlib.import_module({old!r}); "
        f"print(old is sys.modules[{new!r}], old.__spec__.name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", new]


def test_importing_the_package_does_not_import_widgets_or_http() -> None:
    heavy = "('ipywidgets', 'anywidget', 'httpx', 'anthropic')"
    code = f"import sys, claude_stream_nb; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
