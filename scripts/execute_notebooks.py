"""Execute the tutorial notebooks in place, so the committed copies carry fresh outputs.

    python scripts/execute_notebooks.py [notebooks/NAME.ipynb ...]

Outputs are what GitHub and nbviewer show. Live views end as static transcripts, and a player
carries one as its ``text/html`` fallback, so the notebooks keep no widget state: the widget
views and ``metadata.widgets`` are dropped (a saved view without its state would only say
"model not found").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources)
    client.store_widget_state = False
    client.execute()
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                data.pop("application/vnd.jupyter.widget-view+json", None)
        if cell.cell_type == "code":
            cell["outputs"] = _merge_streams(cell["outputs"])
        else:
            cell.pop("outputs", None)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(ROOT)}")


def _merge_streams(outputs: list[Any]) -> list[Any]:
    """One output per run of prints to the same stream (a typewriter prints piece by piece;
    nbviewer and GitHub would show each piece on a line of its own). Text is kept as is."""
    merged: list[Any] = []
    for output in outputs:
        last = merged[-1] if merged else {}
        if output.get("output_type") == last.get("output_type") == "stream" and last.get("name") == output.get("name"):
            last["text"] = last["text"] + output["text"]
            continue
        merged.append(output)
    return merged


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "notebooks").rglob("*.ipynb"))
    for path in paths:
        execute(path)
