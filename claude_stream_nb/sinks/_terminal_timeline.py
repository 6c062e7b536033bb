"""The timeline as text for a terminal: one labelled line per block, bars of block characters.

::

    timeline (seconds from the request; axis 0 to 2.5 s)
      #0 thinking       0.64 → 1.69  │       ▐████████████▌              │
      #1 text           1.69 → 1.84  │                     ██             │
      #2 get_weather    2.28 → 2.37  │                            ▐█      │
      first token 0.94 s · total 2.40 s · 48 events

Drawn from the same model as the SVG (:class:`~._timeline.Timeline`), on the same axis.
Labels come from the model's output (tool names), so control characters are shown escaped.
"""

from __future__ import annotations

from typing import Any

from ._terminal import _safe
from .render._timeline_svg import _sec, extent, rows_of, summary_text

__all__ = ["bar", "render_text"]

_LABEL = 20


def bar(start: float, stop: float, tend: float, width: int) -> str:
    """``width`` cells, the span ``[start, stop]`` of ``[0, tend]`` drawn in half-cell steps."""
    s, e = start / tend * width, max(stop, start) / tend * width
    cells = []
    for i in range(width):
        covered = max(0.0, min(e, i + 1) - max(s, i))
        if covered >= 0.75:
            cells.append("█")
        elif covered >= 0.25:
            cells.append("▌" if e < i + 1 else "▐")
        else:
            cells.append(" ")
    if not any(c != " " for c in cells):  # shorter than half a cell: still show where it is
        cells[min(int(s), width - 1)] = "▏"
    return "".join(cells)


def render_text(model: dict[str, Any], *, width: int = 40) -> str:
    """The model as lines: blocks (and tool runs), gaps, then first-token and total times."""
    tend = extent(model)[0]
    lines = [f"timeline (seconds from the request; axis 0 to {tend:g} s)"]
    for what, p in rows_of(model):
        if what == "lane":
            lane = model["lanes"][p]
            name = f"#{lane['i']} {_safe(lane['label'])}"
            start, stop = lane["start"], lane["stop"]
            note = " (cut)" if lane["cut"] else ""
        else:
            run = model["runs"][p]
            name = f"  ↳ run {_safe(run['name'])}"
            start, stop = run["start"], run["end"]
            note = f" ({run['status']})" if run["status"] != "done" else ""
        lines.append(_row(name, start, stop, model["now"], tend, width, note))
    for gap in model["gaps"]:
        end = gap["end"] if gap["end"] is not None else model["now"]
        lines.append(_row(f"⟳ {_safe(gap['label'])}" if gap["kind"] != "pause" else "… pause", gap["start"], end,
                          end, tend, width, ""))
    marks = [f"{m['label']} {_sec(m['t'])}" for m in model["marks"] if m["kind"] != "request"]
    if marks:
        lines.append("  marks: " + " · ".join(_safe(m) for m in marks))
    lines.append("  " + summary_text(model))
    return "\n".join(lines) + "\n"


def _row(name: str, start: float, stop: float | None, now: float, tend: float, width: int, note: str) -> str:
    label = name if len(name) <= _LABEL else name[: _LABEL - 1] + "…"
    times = f"{_sec(start)} → {_sec(stop) if stop is not None else '…':>5}"
    drawn = bar(start, stop if stop is not None else now, tend, width)
    return f"  {label:<{_LABEL}} {times:>13}  │{drawn}│{note}"
