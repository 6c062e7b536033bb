"""The docs site builds with ``mkdocs build --strict``, offline, and says what the code does.

One build (into a temporary folder) per run; the checks read what it wrote: the API reference's
inventory covers every public name, the tutorials are there with their saved outputs, the CLI
page shows the parser's own help, and untrusted model output stays inert on the published pages.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

import claude_stream_nb

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

slow = pytest.mark.slow  # the tests that read the site: one build, ~10-20 s


class Build:
    def __init__(self, site: Path, output: str, seconds: float) -> None:
        self.site = site
        self.output = output
        self.seconds = seconds

    def page(self, path: str) -> str:
        return (self.site / path / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    pytest.importorskip("mkdocs_jupyter", reason="the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra: pip install -e '.[docs]'")
    site = tmp_path_factory.mktemp("site")
    dead = "http://127.0.0.1:9"  # a proxy that refuses: any fetch during the build fails it
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "NO_PROXY": ""}
    env.update(http_proxy=dead, https_proxy=dead, no_proxy="")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{output}"
    return Build(site, output, time.monotonic() - start)


def _inventory(site: Path) -> dict[str, int]:
    """``objects.inv``'s entries: name -> priority (1: where the object is documented)."""
    head, _, body = (site / "objects.inv").read_bytes().partition(b"zlib.\n")
    assert head.startswith(b"# Sphinx inventory version 2")
    entries = {}
    for line in zlib.decompress(body).decode().splitlines():
        name, _domain, priority, _rest = line.split(" ", 3)
        entries[name] = int(priority)
    return entries


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


@slow
def test_the_reference_documents_every_public_name(build: Build) -> None:
    documented = [name for name, priority in _inventory(build.site).items() if priority == 1]
    missing = []
    for public in claude_stream_nb.__all__:
        target = getattr(claude_stream_nb, public)
        candidates = [name for name in documented if name.rsplit(".", 1)[-1] == public]
        if not any(_resolve(name) is target for name in candidates):
            missing.append(public)
    assert not missing, f"in claude_stream_nb.__all__ but not in the API reference: {missing}"


@slow
def test_every_tutorial_is_a_page_with_its_saved_outputs(build: Build) -> None:
    for notebook in NOTEBOOKS:
        page = build.page(f"notebooks/{notebook.stem}")
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        streams = [
            "".join(output["text"])
            for cell in cells
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream"
        ]
        title = next(
            line.lstrip("# ").strip()
            for cell in cells
            if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines()
            if line.startswith("# ")
        )
        assert title.split("`")[0].strip() in page, f"{notebook.name}: its title is not on the page"
        for text in streams[:3]:
            words = re.findall(r"[A-Za-z_]{4,}", text)
            assert all(word in page for word in words[:5]), f"{notebook.name}: a saved output is missing"
        assert "jp-OutputArea" in page, f"{notebook.name}: no outputs rendered"
        toc = page[page.index("md-nav--secondary") :].split("</nav>", 1)[0]
        anchors = re.findall(r'href="#([^"]+)"', toc)
        sections = [c for c in cells if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("## ")]
        assert len(anchors) >= len(sections), f"{notebook.name}: sections missing from the table of contents"
        assert [a for a in anchors if f'id="{a}"' not in page] == [], f"{notebook.name}: contents link nowhere"


@slow
def test_the_cli_page_is_the_parsers_own_help(build: Build) -> None:
    page = build.page("cli")
    for command in ("replay", "list", "serve", "record"):
        assert f"usage: claude-stream-nb {command}" in page
    assert "--instant" in page
    assert "--fault" in page


@slow
def test_model_output_stays_inert_on_the_published_pages(build: Build) -> None:
    page = build.page("notebooks/fixture_gallery")
    assert "document.title" in page, "the xss fixture's transcript is not on the page"
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.DOTALL)
    assert not [s for s in scripts if "document.title" in s], "model output became a script"
    assert not re.search(r"<[a-z]+[^>]*\son(?:error|load|click)\s*=", page, flags=re.IGNORECASE)


@slow
def test_the_site_fetches_no_fonts(build: Build) -> None:
    assert "fonts.googleapis.com" not in build.page("")
    assert "fonts.gstatic.com" not in build.page("")


@slow
def test_the_generated_tables_list_every_fixture_and_module(build: Build) -> None:
    fixtures = build.page("fixture-format")
    assert all(f"<code>{name}</code>" in fixtures for name, _ in claude_stream_nb.bundled_fixtures())
    modules = build.page("architecture")
    package = ROOT / "claude_stream_nb"
    paths = [p.relative_to(package).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts]
    assert [path for path in paths if f"<code>{path}</code>" not in modules] == []


def test_the_readme_is_short_and_its_links_lead_somewhere() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) < 8 * 1024, "the depth belongs in docs/"
    targets = re.findall(r"\]\(((?!https?:)[^)#]+)", readme)
    assert "docs/getting-started.md" in targets
    assert [t for t in targets if not (ROOT / t).exists()] == []


@slow
def test_the_tutorials_links_lead_to_pages(build: Build) -> None:
    """mkdocs checks the links of markdown pages; the notebooks' pages are HTML, so here."""
    broken = []
    for notebook in NOTEBOOKS:
        folder = build.site / "notebooks" / notebook.stem
        page = (folder / "index.html").read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#]+)"', page):
            if re.match(r"[a-z]+:", href) or href.startswith("/"):
                continue
            target = (folder / href).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"{notebook.name}: {href}")
    assert broken == []
