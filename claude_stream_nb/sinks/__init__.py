"""Sinks: what reads ``(event, snapshot)`` and shows it -- the terminal renderer, the HTML
renderer and the notebook view. :func:`default_sink` picks the one for where the code runs.
"""

from __future__ import annotations

import sys

from ..core._stream import Sink

__all__ = ["default_sink", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook 7, VS Code, Colab)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def default_sink(title: str | None = None) -> Sink:
    """The live view in a notebook, the terminal renderer anywhere else."""
    if in_notebook():
        from ._timeline_view import TimelineExtra
        from .view import StreamView

        return StreamView(title, extras=[TimelineExtra()]).display()
    from ._terminal import TerminalRenderer

    return TerminalRenderer(sys.stdout)
