"""mkdocs hooks: the docs read the project where it is, so they cannot drift from it.

- The tutorials are ``notebooks/*.ipynb`` read in place (with their saved outputs; nothing is
  executed) and published as the pages ``notebooks/NAME/``, which mkdocs-jupyter renders.
- A line ``<!-- help: claude-stream-nb SUBCOMMAND -->`` in a page becomes that command's
  ``--help`` text, taken from the parser itself; ``<!-- bundled-fixtures -->`` becomes the
  table of bundled recordings, read from their headers; ``<!-- package-tree -->`` the table of
  the package's modules, each with the first line of its docstring.
- A tutorial page's table of contents is read from its rendered headings: mkdocs-jupyter's
  loses a heading's `code` (``## 2. `thinking_delta` `` became "2." linking to ``#2``); its links
  to other notebooks (``02_text.ipynb``, ``solutions/...``) lead to their pages. The solutions
  are pages too, outside the nav.
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import os
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ROLE = re.compile(r":[a-z]+:`~?(?:[\w.]*\.)?([^`.]+)`")  # :func:`~.sinks.default_sink` -> `default_sink`
NOTEBOOK_LINK = re.compile(r'href="(?![a-z]+:)([^"#?]+\.ipynb)"')
HEADING = re.compile(r'<h([1-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
TAG = re.compile(r"<[^>]+>")
HELP = re.compile(r"^<!-- help: claude-stream-nb ?([a-z ]*?) ?-->$", re.MULTILINE)


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns .ipynb files into pages
def on_files(files: Files, config: Any) -> Files:
    for notebook in sorted([*NOTEBOOKS.glob("*.ipynb"), *NOTEBOOKS.glob("solutions/*.ipynb")]):
        # src_dir is the checkout, so the file's path is notebooks/NAME.ipynb there and on the site
        # (mkdocs-jupyter's page wrapper needs a real src_dir, not File.generated's abs_src_path).
        path = notebook.relative_to(ROOT).as_posix()
        files.append(File(path, str(ROOT), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    markdown = HELP.sub(lambda match: _help(match.group(1).split()), markdown)
    markdown = markdown.replace("<!-- bundled-fixtures -->", _fixtures_table())
    return markdown.replace("<!-- package-tree -->", _package_table())


def on_page_content(html_text: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        page.toc = get_toc(_heading_tokens(html_text))
        html_text = NOTEBOOK_LINK.sub(lambda match: _page_link(match, page, files), html_text)
    return html_text


def _page_link(match: re.Match[str], page: Any, files: Files) -> str:
    """``href="02_text.ipynb"`` on a notebook's page -> the URL of that notebook's page."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), match.group(1)))
    file = files.get_file_from_path(target)
    return f'href="{file.url_relative_to(page.file)}"' if file is not None else match.group(0)


def _heading_tokens(html_text: str) -> list[dict[str, Any]]:
    """The page's headings with ids (the notebook's markdown cells, not its outputs), nested."""
    roots: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for level, anchor, inner in HEADING.findall(html_text):
        name = html.unescape(TAG.sub("", inner.replace("¶", ""))).strip()
        token = {"level": int(level), "id": anchor, "name": name, "children": []}
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(token)
        stack.append(token)
    return roots


def _package_table() -> str:
    """Every module of the package, folder by folder, with what its docstring says it is."""
    package = ROOT / "claude_stream_nb"
    rows = []
    for path in sorted(package.rglob("*.py"), key=lambda p: (p.parent.relative_to(package).parts, p.name)):
        if "__pycache__" in path.parts:
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = ROLE.sub(r"`\1`", " ".join(docstring.split("\n\n", 1)[0].split()))
        rows.append(f"| `{path.relative_to(package).as_posix()}` | {html.escape(first).replace('|', '&#124;')} |")
    return "\n".join(["| module | what it is |", "|---|---|", *rows])


def _fixtures_table() -> str:
    from claude_stream_nb import bundled_fixtures

    # html.escape: a description may quote the markup a fixture carries (xss); it stays text
    rows = [f"| `{name}` | {html.escape(text).replace('|', '&#124;')} |" for name, text in bundled_fixtures()]
    return "\n".join(["| name | what it holds |", "|---|---|", *rows])


def _help(args: list[str]) -> str:
    from claude_stream_nb.cli import main

    out = io.StringIO()
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "96"  # argparse wraps at the terminal's width: the same text on every machine
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([*args, "--help"])
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return "```text\n$ claude-stream-nb " + " ".join([*args, "--help"]) + "\n" + out.getvalue().rstrip() + "\n```"
