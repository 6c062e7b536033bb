"""The front end's files in ``sinks/view/static``, lean: they go to the page with every view
(the modules over the wire once per view, the stylesheet inlined in every transcript)."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["CSS", "STATIC", "STYLESHEET", "THEME", "lean_css", "lean_js"]

STATIC = Path(__file__).resolve().parent.parent / "view" / "static"


def lean_css(name: str) -> str:
    """A stylesheet in ``static/`` without comments, and its line breaks and indentation one space
    (a value may go on on the next line: ``0`` and ``var(...)`` must stay two tokens)."""
    css = re.sub(r"/\*.*?\*/", "", (STATIC / name).read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s*([{};])\s*", r"\1", re.sub(r"\s*\n\s*", " ", css)).strip()


def lean_js(path: Path) -> str:
    """A module's source without its comment lines and indentation."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


THEME = lean_css("theme.css")
"""``theme.css`` (the ``--csn-*`` colours), lean: the view's and the player's."""
STYLESHEET = THEME + lean_css("view.css")
"""``theme.css`` and ``view.css``, lean (the live view loads it, the transcript inlines it)."""
CSS = f"<style>{STYLESHEET}</style>"
"""The view's stylesheet as a ``<style>`` element (the transcript inlines it)."""
