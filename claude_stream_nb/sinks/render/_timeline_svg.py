"""The timeline as inline SVG: no script, so it renders on GitHub, nbviewer and nbconvert.

Drawn from the JSON model of :class:`~claude_stream_nb.sinks._timeline.Timeline`. The live front
end (``view/static/timeline.js``) draws the same elements, with the same geometry and class names,
from the same model: every number below has its twin there, and a browser test compares the two.
So every coordinate is rounded the same way in both languages (``_num``: one decimal, half up)
and every label is built from the same pieces.

Readable in light and dark: text is ``currentColor`` (the page's text colour) unless JupyterLab's
``--jp-content-font-color*`` variables say otherwise; bars and ticks use mid-tone colours that
stand out on white and on near-black alike. The size is bounded for any stream: ticks are summed
into pixel buckets (coarser when there are many), and at most ``MAX_ROWS`` rows are drawn.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

__all__ = ["COLORS", "MAX_ROWS", "render_svg"]

W, X0, PAD_R = 720, 172, 16
PW = W - X0 - PAD_R
ROW, MROW, CH, LABEL_ROWS = 18, 13, 6, 5
MAX_ROWS = 60
TICK_BUDGET = 1500
STEPS = (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)
COLORS = {
    "text": "#3b82f6",
    "thinking": "#a855f7",
    "tool": "#d97706",
    "server": "#0d9488",
    "other": "#8b949e",
    "done": "#16a34a",
    "fail": "#dc2626",
    "mark": "#8b949e",
}
STYLE = (
    ".csn-tl{font-family:var(--jp-ui-font-family,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);"
    "font-size:11px;max-width:100%;height:auto;overflow:visible}"
    ".csn-tl text{fill:var(--jp-content-font-color1,currentColor)}"
    ".csn-tl .csn-tl-span,.csn-tl .csn-tl-tick,.csn-tl .csn-tl-summary{fill:var(--jp-content-font-color2,currentColor)}"
)


def _num(v: float) -> str:
    """A coordinate: one decimal, rounded half up, no trailing ``.0`` (as ``timeline.js``)."""
    n = math.floor(v * 10 + 0.5)
    return str(n // 10) if n % 10 == 0 else f"{n // 10}.{n % 10}"


def _sec(t: float) -> str:
    n = math.floor(t * 100 + 0.5)
    return f"{n // 100}.{n % 100:02d}"


def _cls(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in text)[:40]


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def kind_color(kind: str) -> str:
    if kind == "text":
        return COLORS["text"]
    if kind in ("thinking", "redacted_thinking"):
        return COLORS["thinking"]
    if kind == "tool_use":
        return COLORS["tool"]
    if kind.endswith(("_tool_use", "_tool_result", "_result", "_upload")):
        return COLORS["server"]
    return COLORS["other"]


def run_color(status: str) -> str:
    if status == "done":
        return COLORS["done"]
    if status in ("error", "timeout", "invalid", "cut_off", "unknown"):
        return COLORS["fail"]
    return COLORS["tool"]


class _Out:
    """Element text in document order (``timeline.js`` builds the same tree with the DOM)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def open(self, tag: str, attrs: dict[str, str]) -> None:
        self.parts.append(f"<{tag}{_attrs(attrs)}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def leaf(self, tag: str, attrs: dict[str, str], text: str | None = None) -> None:
        if text is None:
            self.parts.append(f"<{tag}{_attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{_attrs(attrs)}>{_text(text)}</{tag}>")


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{_text(v, quote=True)}"' for k, v in attrs.items())


def _text(text: str, *, quote: bool = False) -> str:
    """Escaped, and on one line (a newline in a tool's name becomes ``&#10;``): the SVG is one
    line, so a notebook test can mask it with one regular expression."""
    return escape(text, quote=quote).replace("\r", "&#13;").replace("\n", "&#10;")


def extent(model: dict[str, Any]) -> tuple[float, float, int]:
    """The axis: its end (a round number of seconds), its step, and the number of steps."""
    t = max(float(model["now"]), 0.1, float(model.get("axis") or 0.0))  # "axis": a longer axis, to compare
    for lane in model["lanes"]:
        t = max(t, lane["stop"] or 0.0)
    for item in (*model["marks"], *model["gaps"], *model["runs"]):
        t = max(t, item.get("t") or item.get("end") or 0.0)
    for step in STEPS:
        n = math.ceil(t / step - 1e-9)
        if n <= 8:
            return n * step, step, n
    n = math.ceil(t / 3600 - 1e-9)
    return n * 3600, 3600, n


def rows_of(model: dict[str, Any]) -> list[tuple[str, int]]:
    """What each row shows, top to bottom: ``("lane", p)`` then its runs ``("run", q)``."""
    rows: list[tuple[str, int]] = []
    for p in range(len(model["lanes"])):
        rows.append(("lane", p))
        rows.extend(("run", q) for q, run in enumerate(model["runs"]) if run["lane"] == p)
    rows.extend(("run", q) for q, run in enumerate(model["runs"]) if run["lane"] is None)
    return rows


def tick_paths(model: dict[str, Any], tend: float) -> dict[int, str]:
    """Each lane's ticks as one path: counts summed per pixel bucket, height by density."""
    hz = model["hz"]
    step = 2.0
    while True:
        cells: dict[tuple[int, int], int] = {}
        for lane, bucket, count in model["ticks"]:
            k = math.floor((bucket + 0.5) / hz / tend * PW / step)
            cells[(lane, k)] = cells.get((lane, k), 0) + count
        if len(cells) <= TICK_BUDGET or step >= 64:
            break
        step *= 2
    top = max(cells.values(), default=1)
    paths: dict[int, str] = {}
    for (lane, k), count in sorted(cells.items()):
        h = max(2, math.floor(8 * count / top + 0.5))
        paths[lane] = paths.get(lane, "") + f"M{_num(X0 + (k + 0.5) * step)} {{y}}v-{h}"
    return paths


def labels_of(model: dict[str, Any], x: Any) -> list[dict[str, Any]]:
    """Mark and gap labels, placed in up to ``LABEL_ROWS`` rows above the lanes so none overlap."""
    items = [
        {"kind": m["kind"], "t": m["t"], "text": f"{m['label']} {_sec(m['t'])} s", "gap": False} for m in model["marks"]
    ]
    items += [{"kind": g["kind"], "t": g["start"], "text": _short(g["label"], 32), "gap": True} for g in model["gaps"]]
    items.sort(key=lambda item: item["t"])
    ends: list[float] = []
    for item in items:
        at, width = x(item["t"]), len(item["text"]) * CH
        end_anchor = at + 3 + width > W - 2
        a = at - 3 - width if end_anchor else at + 3
        row = next((r for r, e in enumerate(ends) if e + 4 <= a), -1)
        if row < 0 and len(ends) < LABEL_ROWS:
            ends.append(-1e9)
            row = len(ends) - 1
        elif row < 0:
            row = min(range(len(ends)), key=lambda r: ends[r])
        ends[row] = max(ends[row], a + width)
        item.update(row=row, x=at, end=end_anchor)
    return items


def render_svg(model: dict[str, Any]) -> str:
    """The model as one ``<svg>`` element (a string)."""
    tend, step, n = extent(model)

    def x(t: float) -> float:
        return X0 + t / tend * PW

    labels = labels_of(model, x)
    top = (1 + max((item["row"] for item in labels), default=0)) * MROW + 8
    rows = rows_of(model)
    shown = rows[:MAX_ROWS]
    bottom = top + (len(shown) + (1 if len(rows) > len(shown) else 0)) * ROW
    axis = bottom + 4
    height = axis + 34
    summary = summary_text(model)
    out = _Out()
    out.open("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": "csn-tl", "width": str(W), "height": _num(height),
                     "viewBox": f"0 0 {W} {_num(height)}", "role": "img", "aria-label": f"Stream timeline: {summary}",
                     "font-family": "system-ui,sans-serif", "font-size": "11"})
    out.leaf("style", {}, STYLE)
    out.open("g", {"class": "csn-tl-grid"})
    for k in range(n + 1):
        gx = _num(x(k * step))
        out.leaf("line", {"x1": gx, "x2": gx, "y1": _num(top - 4), "y2": _num(axis), "stroke": "currentColor",
                          "stroke-opacity": "0.15"})
    out.close("g")
    _gaps(out, model, x, top, bottom)
    paths = tick_paths(model, tend)
    out.open("g", {"class": "csn-tl-rows"})
    for r, (what, p) in enumerate(shown):
        y = top + r * ROW
        if what == "lane":
            _lane(out, model, p, y, x, paths.get(p))
        else:
            _run(out, model, p, y, x)
    if len(rows) > len(shown):
        more = f"… {len(rows) - len(shown)} more rows not drawn"
        out.leaf("text", {"class": "csn-tl-label csn-tl-more", "x": "4", "y": _num(top + len(shown) * ROW + 12),
                          "fill": "currentColor"}, more)
    out.close("g")
    _marks(out, labels, top, bottom)
    _axis(out, x, step, n, axis)
    out.leaf("text", {"class": "csn-tl-summary", "x": "4", "y": _num(axis + 28), "fill": "currentColor"}, summary)
    out.close("svg")
    return "".join(out.parts)


def _gaps(out: _Out, model: dict[str, Any], x: Any, top: float, bottom: float) -> None:
    out.open("g", {"class": "csn-tl-gaps"})
    for gap in model["gaps"]:
        end = gap["end"] if gap["end"] is not None else model["now"]
        x1, x2 = x(gap["start"]), x(max(end, gap["start"]))
        color = COLORS["fail"] if gap["kind"] != "pause" else COLORS["mark"]
        out.open("rect", {"class": f"csn-tl-gap csn-tl-gap-{_cls(gap['kind'])}", "x": _num(x1), "y": _num(top - 4),
                          "width": _num(max(x2 - x1, 1.5)), "height": _num(bottom - top + 8), "fill": color,
                          "fill-opacity": "0.16"})
        out.leaf("title", {}, f"{gap['label']} ({_sec(gap['start'])}–{_sec(end)} s)")
        out.close("rect")
    out.close("g")


def _lane(out: _Out, model: dict[str, Any], p: int, y: float, x: Any, path: str | None) -> None:
    lane = model["lanes"][p]
    stop = lane["stop"]
    end = stop if stop is not None else model["now"]
    state = " csn-tl-open" if stop is None else (" csn-tl-cut" if lane["cut"] else "")
    color = kind_color(lane["type"])
    out.open("g", {"class": f"csn-tl-lane csn-tl-k-{_cls(lane['type'])}{state}"})
    deltas = sum(count for q, _, count in model["ticks"] if q == p)
    span = f"{_sec(lane['start'])}–{_sec(stop) if stop is not None else ''}"
    out.leaf("title", {}, f"block {lane['i']} ({lane['type']}) {lane['label']}: {span} s, {deltas} deltas")
    out.leaf("text", {"class": "csn-tl-label", "x": "4", "y": _num(y + 12), "fill": "currentColor"},
             _short(lane["label"], 16))
    out.leaf("text", {"class": "csn-tl-span", "x": _num(X0 - 6), "y": _num(y + 12), "text-anchor": "end",
                      "font-size": "10", "fill": "currentColor"}, span)
    x1, x2 = x(lane["start"]), x(max(end, lane["start"]))
    out.leaf("rect", {"class": "csn-tl-bar", "x": _num(x1), "y": _num(y + 4), "width": _num(max(x2 - x1, 1.5)),
                      "height": "10", "rx": "2", "fill": color, "fill-opacity": "0.28", "stroke": color,
                      "stroke-dasharray": "3 2" if state else "none"})
    if path:
        out.leaf("path", {"class": "csn-tl-ticks", "d": path.replace("{y}", _num(y + 14)), "fill": "none",
                          "stroke": color, "stroke-width": "1.2"})
    out.close("g")


def _run(out: _Out, model: dict[str, Any], q: int, y: float, x: Any) -> None:
    run = model["runs"][q]
    end = run["end"] if run["end"] is not None else model["now"]
    color = run_color(run["status"])
    out.open("g", {"class": f"csn-tl-run csn-tl-s-{_cls(run['status'])}"})
    span = f"{_sec(run['start'])}–{_sec(run['end']) if run['end'] is not None else ''}"
    out.leaf("title", {}, f"{run['name']} ran {span} s: {run['status']}")
    out.leaf("text", {"class": "csn-tl-label", "x": "12", "y": _num(y + 12), "fill": "currentColor"},
             _short(f"↳ {run['name']}", 15))
    out.leaf("text", {"class": "csn-tl-span", "x": _num(X0 - 6), "y": _num(y + 12), "text-anchor": "end",
                      "font-size": "10", "fill": "currentColor"}, span)
    x1, x2 = x(run["start"]), x(max(end, run["start"]))
    out.leaf("rect", {"class": "csn-tl-bar", "x": _num(x1), "y": _num(y + 5), "width": _num(max(x2 - x1, 1.5)),
                      "height": "8", "rx": "4", "fill": color})
    out.close("g")


def _marks(out: _Out, labels: list[dict[str, Any]], top: float, bottom: float) -> None:
    out.open("g", {"class": "csn-tl-marks"})
    for item in labels:
        out.open("g", {"class": f"csn-tl-mark csn-tl-m-{_cls(item['kind'])}"})
        ly = 10 + item["row"] * MROW
        if not item["gap"]:
            color = COLORS["fail"] if item["kind"] == "error" else COLORS["mark"]
            if item["kind"] == "first_token":
                color = COLORS["text"]
            mx = _num(item["x"])
            out.leaf("line", {"x1": mx, "x2": mx, "y1": _num(ly + 2), "y2": _num(bottom), "stroke": color,
                              "stroke-dasharray": "2 2"})
        anchor = {"text-anchor": "end"} if item["end"] else {}
        lx = _num(item["x"] - 3 if item["end"] else item["x"] + 3)
        out.leaf("text", {"class": "csn-tl-marklabel", "x": lx, "y": _num(ly), **anchor, "fill": "currentColor"},
                 item["text"])
        out.close("g")
    out.close("g")


def _axis(out: _Out, x: Any, step: float, n: int, axis: float) -> None:
    decimals = 0 if step == int(step) else (2 if step == 0.25 else 1)
    out.open("g", {"class": "csn-tl-axis"})
    out.leaf("line", {"x1": _num(X0), "x2": _num(X0 + PW), "y1": _num(axis), "y2": _num(axis),
                      "stroke": "currentColor", "stroke-opacity": "0.5"})
    for k in range(n + 1):
        label = f"{k * step:.{decimals}f}" + (" s" if k == n else "")
        anchor = "end" if k == n else ("start" if k == 0 else "middle")
        out.leaf("text", {"class": "csn-tl-tick", "x": _num(x(k * step)), "y": _num(axis + 13),
                          "text-anchor": anchor, "fill": "currentColor"}, label)
    out.close("g")


def summary_text(model: dict[str, Any]) -> str:
    """``first token 0.94 s · total 3.22 s · 48 events`` (``so far`` while it streams)."""
    first = next((m["t"] for m in model["marks"] if m["kind"] == "first_token"), None)
    end = next((m["t"] for m in model["marks"] if m["kind"] == "end"), None)
    parts = [f"first token {_sec(first)} s" if first is not None else "no token yet"]
    parts.append(f"total {_sec(end)} s" if end is not None else f"{_sec(model['now'])} s so far")
    parts.append(f"{model['events']} events")
    gaps = [g for g in model["gaps"] if g["kind"] != "pause"]
    if gaps:
        parts.append(f"{len(gaps)} reconnect/retry gap{'s' if len(gaps) != 1 else ''}")
    if model.get("note"):
        parts.append(str(model["note"]))
    return " · ".join(parts)
