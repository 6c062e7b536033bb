"""Sinks: what reads ``(event, snapshot)`` and shows it -- the terminal renderer, the HTML
renderer and the notebook view. :func:`default_sink` picks the one for where the code runs.
"""

from __future__ import annotations

import sys

from ..core._stream import Sink
from ._hosts import in_marimo, in_notebook

__all__ = ["default_sink", "in_marimo", "in_notebook"]


def default_sink(title: str | None = None) -> Sink:
    """The live view in a notebook (Jupyter or marimo), the terminal renderer anywhere else."""
    if in_notebook() or in_marimo():
        from ._timeline_view import TimelineExtra
        from .view import StreamView

        return StreamView(title, extras=[TimelineExtra()]).display()
    from ._terminal import TerminalRenderer

    return TerminalRenderer(sys.stdout)
