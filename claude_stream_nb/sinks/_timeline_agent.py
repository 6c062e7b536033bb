"""An agent run on one time axis: every turn's stream, and each tool's run beside its block.

The agent loop keeps one clock for the whole conversation: a turn's ``started_at`` (its
request) and each ``ToolRun``'s ``started_at``/``ended_at`` are seconds since the run began,
while a turn's stream is timed from its own request. :func:`agent_model` shifts each turn's
lanes by its ``started_at`` and puts each run as a bar under the ``tool_use`` block that called
it -- so a tool that starts while the model is still writing (early start) is a bar that
overlaps the lanes after it, and the saving is something you see.

It reads the agent's plain result objects (``AgentResult.turns``, ``Turn.runs``) by their
attributes; the sinks layer does not import the agent. :class:`AgentTimeline` is an agent view
(pass it as ``view=``, optionally wrapping another view) that also keeps each turn's
:class:`~._timeline.Timeline`, so the lanes carry their delta ticks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core._events import Event
from ..core._snapshot import Snapshot
from ..core._stream import Sink, notify
from ._timeline import HZ, Timeline, lane_label

__all__ = ["AgentTimeline", "agent_model"]


def _snapshot_model(snap: Snapshot) -> dict[str, Any]:
    """A turn's lanes from its final snapshot alone (no delta times are kept there: no ticks)."""
    lanes = [
        {"i": b.index, "type": b.type, "label": lane_label(b), "start": b.started_at or 0.0,
         "stop": b.stopped_at if b.stopped_at is not None else snap.ended_at, "cut": not b.stopped}
        for b in snap.blocks
    ]
    marks = [{"kind": "request", "t": 0.0, "label": "request"}]
    if snap.first_token_at is not None:
        marks.append({"kind": "first_token", "t": snap.first_token_at, "label": "first token"})
    end = snap.total_time or 0.0
    marks.append({"kind": "end", "t": end, "label": "message_stop"})
    return {"v": 1, "hz": HZ, "now": end, "state": snap.state, "events": snap.events, "lanes": lanes,
            "ticks": [], "marks": marks, "gaps": [], "runs": []}


def agent_model(result: Any, timelines: Sequence[Timeline | None] = ()) -> dict[str, Any]:
    """The whole run as one timeline model: ``result`` an ``AgentResult``; ``timelines`` each
    turn's recorded :class:`Timeline` (for the ticks), where there is one."""
    turns = list(result.turns)
    many = len(turns) > 1
    out: dict[str, Any] = {"v": 1, "hz": HZ, "now": 0.0, "state": "complete", "events": 0, "lanes": [],
                           "ticks": [], "marks": [], "gaps": [], "runs": []}
    for k, turn in enumerate(turns):
        recorded = timelines[k] if k < len(timelines) else None
        model = recorded.model() if recorded is not None else _snapshot_model(turn.message.snapshot)
        shift = float(turn.started_at)
        base = len(out["lanes"])
        prefix = f"{turn.number}: " if many else ""
        for lane in model["lanes"]:
            stop = lane["stop"]
            out["lanes"].append({**lane, "label": prefix + lane["label"], "start": round(lane["start"] + shift, 3),
                                 "stop": None if stop is None else round(stop + shift, 3)})
        frame = round(shift * out["hz"])  # whole buckets: a tick stays within a frame of its time
        out["ticks"].extend([base + lane, bucket + frame, count] for lane, bucket, count in model["ticks"])
        for mark in model["marks"]:
            kind = mark["kind"]
            if kind == "request" or (kind == "first_token" and k == 0):
                label = f"turn {turn.number}" if kind == "request" and many else mark["label"]
                out["marks"].append({**mark, "t": round(mark["t"] + shift, 3), "label": label})
            elif kind == "end":
                label = f"message_stop {turn.number}" if many else "message_stop"
                out["marks"].append({"kind": "message_stop", "t": round(mark["t"] + shift, 3), "label": label})
        for gap in model["gaps"]:
            end = gap["end"]
            out["gaps"].append({**gap, "start": round(gap["start"] + shift, 3),
                                "end": None if end is None else round(end + shift, 3)})
        lane_of = {lane["i"]: base + p for p, lane in enumerate(model["lanes"])}
        for run in turn.runs:
            if run.started_at is None:
                continue  # never ran (invalid, cut off, skipped): nothing to draw
            end = None if run.ended_at is None else round(run.ended_at, 3)
            start = round(run.started_at, 3)
            lane = lane_of.get(run.index)
            status = str(run.status)
            out["runs"].append({"lane": lane, "name": str(run.name), "start": start, "end": end, "status": status})
        out["events"] += model["events"]
        if model["state"] != "complete":
            out["state"] = model["state"]
    total = float(getattr(result, "total_time", 0.0) or 0.0)
    latest = max([total, *(m["t"] for m in out["marks"]), *(r["end"] or 0.0 for r in out["runs"])])
    stops = [m for m in out["marks"] if m["kind"] == "message_stop"]
    if stops and latest - stops[-1]["t"] < 0.05:
        stops[-1]["kind"] = "end"  # the last turn's end is the run's end
    else:
        out["marks"].append({"kind": "end", "t": round(latest, 3), "label": "done"})
    out["now"] = round(latest, 3)
    overlap = _overlap(turns)
    if overlap > 0:
        out["note"] = f"tools ran {overlap:.2f} s while the model streamed"
    return out


def _overlap(turns: Sequence[Any]) -> float:
    """Seconds of tool running before their turn's ``message_stop`` (what early start saves)."""
    total = 0.0
    for turn in turns:
        stop = turn.message_stop_at
        for run in turn.runs:
            if stop is not None and run.started_at is not None:
                end = run.ended_at if run.ended_at is not None else stop
                total += max(0.0, min(end, stop) - run.started_at)
    return total


class _Tee:
    """One turn's stream into the wrapped view's sink and this turn's timeline."""

    def __init__(self, sinks: Sequence[Sink]) -> None:
        self.sinks = list(sinks)

    def update(self, event: Event, snapshot: Snapshot) -> None:
        for sink in self.sinks:
            sink.update(event, snapshot)

    def notice(self, text: str) -> None:
        notify(self.sinks, text)

    def close(self, snapshot: Snapshot) -> None:
        for sink in self.sinks:
            sink.close(snapshot)


class AgentTimeline:
    """An agent view (``run_agent(..., view=AgentTimeline())``) that records the run's timeline;
    ``inner``: another agent view to show the run as usual (default: none)."""

    def __init__(self, inner: Any = None) -> None:
        self.inner = inner
        self.timelines: list[Timeline] = []
        self.result: Any = None

    @classmethod
    def from_result(cls, result: Any) -> AgentTimeline:
        """The timeline of a finished run, from its ``AgentResult`` alone: lanes from each
        block's start and stop, tool bars from each run (no delta ticks: the result keeps none)."""
        timeline = cls()
        timeline.result = result
        return timeline

    def begin_turn(self, number: int, note: str = "") -> Sink:
        timeline = Timeline()
        self.timelines.append(timeline)
        inner = self.inner.begin_turn(number, note) if self.inner is not None else None
        return _Tee([inner, timeline] if inner is not None else [timeline])

    def tool_update(self, turn: int, run: Any, now: float) -> None:
        if self.inner is not None:
            self.inner.tool_update(turn, run, now)

    def tick(self, now: float) -> None:
        if self.inner is not None:
            self.inner.tick(now)

    def close(self, result: Any) -> None:
        self.result = result
        if self.inner is not None:
            self.inner.close(result)

    def model(self) -> dict[str, Any]:
        if self.result is None:
            raise RuntimeError("the agent run has not finished: its timeline is drawn from the result")
        return agent_model(self.result, self.timelines)

    def svg(self) -> str:
        from .render._timeline_svg import render_svg

        return render_svg(self.model())

    def text(self, width: int = 40) -> str:
        from ._terminal_timeline import render_text

        return render_text(self.model(), width=width)

    def _repr_html_(self) -> str:
        return self.svg()
