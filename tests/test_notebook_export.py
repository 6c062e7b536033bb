"""Saved notebooks show the result: a real ``jupyter nbconvert --execute --to html``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sinks.render import _html as h
from claude_stream_nb.sources._fixtures import bundled_fixtures, load_fixture

NAMES = [name for name, _ in bundled_fixtures()]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees: text outside tags, scripts and styles, whitespace folded."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def notebook(cells: list[str]) -> dict[str, object]:
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
            for source in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.mark.slow
def test_nbconvert_html_export_shows_every_final_answer(tmp_path: Path) -> None:
    cells = ["from claude_stream_nb import replay"]
    cells += [f"message = replay({name!r}, instant=True)\nmessage" for name in NAMES]
    path = tmp_path / "all_fixtures.ipynb"
    path.write_text(json.dumps(notebook(cells)))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    jupyter = Path(sys.executable).with_name("jupyter")
    result = subprocess.run(
        [str(jupyter), "nbconvert", "--execute", "--to", "html", "--ExecutePreprocessor.timeout=120", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    html = (tmp_path / "all_fixtures.html").read_text()
    shown = visible_text(html)
    assert "Error displaying widget" not in html
    for name in NAMES:
        fold = StreamFold()
        fold.feed(load_fixture(name).body)
        snap = fold.close()
        citation = 1
        for segment in h.segments(snap):
            if segment.kind == "text":
                assert visible_text(h.markdown_html(h.text_source(segment.blocks, citation))) in shown, name
                citation += sum(len(b.citations) for b in segment.blocks)
        assert f"<Message {snap.message.get('id')}" in shown, name
    assert "<script>alert" not in html
    assert "<script>alert('xss')</script>" in shown  # shown as text
