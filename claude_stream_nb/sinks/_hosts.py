"""Where the code runs: a Jupyter kernel, a marimo notebook, or neither (a terminal, a script)."""

from __future__ import annotations

import sys

__all__ = ["in_marimo", "in_notebook"]


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
