"""Sinks: what reads ``(event, snapshot)`` and shows it -- the terminal renderer, the HTML
renderer and the notebook view. :func:`default_sink` picks the one for where the code runs.
"""

from __future__ import annotations

import sys

from ..core._stream import Sink

__all__ = ["default_sink", "in_marimo", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook 7, VS Code, Colab)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def in_marimo() -> bool:
    """True in a cell of a running marimo notebook or app (``marimo edit``, ``marimo run``),
    which has no IPython kernel but renders anywidget widgets. Looked up in ``sys.modules``,
    never imported: code that runs outside marimo does not pay for loading it."""
    marimo = sys.modules.get("marimo")
    if marimo is None:
        return False
    try:
        return bool(marimo.running_in_notebook())
    except Exception:  # pragma: no cover - an older or half-imported marimo: not a marimo cell
        return False


def default_sink(title: str | None = None) -> Sink:
    """The live view in a notebook (Jupyter or marimo), the terminal renderer anywhere else."""
    if in_notebook() or in_marimo():
        from ._timeline_view import TimelineExtra
        from .view import StreamView

        return StreamView(title, extras=[TimelineExtra()]).display()
    from ._terminal import TerminalRenderer

    return TerminalRenderer(sys.stdout)
