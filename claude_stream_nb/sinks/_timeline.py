"""The shape of a stream on one time axis: a sink that builds the timeline's model.

:class:`Timeline` reads ``(event, snapshot)`` like every sink and keeps, in seconds from the
request (the times the source stamped: a fixture's recorded arrival times, or the clock):

- a **lane** per content block, from its ``content_block_start`` to its ``content_block_stop``
  (``cut`` when the stream ended, or a reconnect discarded it, before the stop);
- **ticks**: delta arrivals counted per lane in buckets of ``1/hz`` s (a frame), so a 10 k-event
  stream is a few hundred numbers, and the density still shows tokens/s;
- **marks**: the request, ``message_start``, the first token, ``message_delta``, the end, errors;
- **gaps**: reconnects (from the snapshot's ``reconnects``), retries (from the live client's
  notices) and pauses (no event for ``PAUSE`` s or more);
- **runs**: agent tool runs as bars beside the block that called them (see ``_timeline_agent``).

:meth:`Timeline.model` is the whole model as plain JSON; :meth:`Timeline.take_update` what changed
since the last call (a few bytes: new ticks as runs of counts), which :func:`apply_update` -- and ``timeline.js`` in the
browser -- fold back into the same model. The SVG (``render._timeline_svg``), the front end and
the terminal (``_terminal_timeline``) all draw from that one model.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core._events import (
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    ErrorEvent,
    Event,
    MessageDelta,
    MessageStart,
    MessageStop,
)
from ..core._snapshot import BlockState, Snapshot
from ..sources._fixtures import Fixture

__all__ = ["HZ", "PAUSE", "Timeline", "apply_update", "lane_label", "timeline_of"]

HZ = 30
"""Tick buckets per second: one view frame."""
PAUSE = 1.0
"""Seconds without an event that count as a pause (after the first event)."""
_RETRY = re.compile(r"retrying in (\d+(?:\.\d+)?) s \(attempt (\d+)\): (.*)")
_END_LABELS = {"complete": "message_stop", "errored": "error", "incomplete": "cut off", "stopped": "stopped"}


def lane_label(block: BlockState) -> str:
    """What a lane is called: the block type, or the tool's name for a tool call."""
    name = block.start.get("name")
    if block.is_tool_use and isinstance(name, str) and name:
        return name + (" (server)" if block.type == "server_tool_use" else "")
    return block.type.replace("_", " ") if block.type == "redacted_thinking" else block.type


def _ms(t: float) -> float:
    return round(t, 3)


class Timeline:
    """A sink recording a stream's timeline; ``model()`` and ``take_update()`` read it."""

    def __init__(self, *, hz: int = HZ, clock: Callable[[], float] = time.monotonic) -> None:
        self.hz = hz
        self._clock = clock
        self._born = clock()
        self._origin: float | None = None  # the clock's value at t=0 (learnt from the first timed event)
        self.now = 0.0
        self.state = "waiting"
        self.events = 0
        self.lanes: list[dict[str, Any]] = []
        self.ticks: dict[tuple[int, int], int] = {}
        self.marks: list[dict[str, Any]] = [{"kind": "request", "t": 0.0, "label": "request"}]
        self.gaps: list[dict[str, Any]] = []
        self.runs: list[dict[str, Any]] = []
        self._open: dict[int, int] = {}  # block index -> lane position
        self._last: float | None = None
        self._reconnects = 0
        self._first_token = False
        self._notices: list[tuple[float, str]] = []  # (clock value, text) not yet placed on the axis
        self._sent: dict[str, Any] = {"lanes": 0, "marks": 0, "gaps": 0, "runs": 0}
        self._dirty: dict[str, set[int]] = {"lanes": set(), "gaps": set(), "runs": set()}
        self._new_ticks: dict[tuple[int, int], int] = {}
        self._head: dict[str, Any] = {}

    # --- the sink ---------------------------------------------------------------------------

    def update(self, event: Event, snapshot: Snapshot) -> None:
        at = event.sse.time
        if at is None:
            at = self._last if self._last is not None else 0.0
        elif self._origin is None:
            self._origin = self._clock() - at
            self._place_notices()
        self.events += 1
        self.state = snapshot.state
        self.now = max(self.now, at)
        if len(snapshot.reconnects) > self._reconnects:
            self._reconnected(snapshot, at)
        elif self._last is not None and at - self._last >= PAUSE:
            self._gap("pause", self._last, at, f"pause {_fmt(at - self._last)} s")
        self._last = at
        if isinstance(event, ContentBlockDelta):
            lane = self._open.get(event.index)
            if lane is not None:
                key = (lane, int(at * self.hz))
                self.ticks[key] = self.ticks.get(key, 0) + 1
                self._new_ticks[key] = self._new_ticks.get(key, 0) + 1
            if not self._first_token and snapshot.first_token_at is not None:
                self._first_token = True
                self._mark("first_token", snapshot.first_token_at, "first token")
        elif isinstance(event, ContentBlockStart):
            self._start_lane(event.index, snapshot, at)
        elif isinstance(event, ContentBlockStop):
            lane = self._open.pop(event.index, None)
            if lane is not None:
                self._set_lane(lane, stop=_ms(at))
        elif isinstance(event, MessageStart):
            if not any(m["kind"] == "message_start" for m in self.marks):
                self._mark("message_start", at, "message_start")
        elif isinstance(event, MessageDelta):
            self._mark("message_delta", at, "message_delta")
        elif isinstance(event, MessageStop):
            self._mark("end", at, "message_stop")
        elif isinstance(event, ErrorEvent):
            self._mark("error", at, f"error {event.error_type}")

    def notice(self, text: str) -> None:
        """A word from the live client: a retry becomes a gap (a reconnect comes in the snapshot)."""
        self._notices.append((self._clock(), text))
        if self._origin is not None:
            self._place_notices()

    def close(self, snapshot: Snapshot) -> None:
        if self._origin is None:  # no timed event came: the clock starts with this timeline
            self._origin = self._born
            self._place_notices()
        self.state = snapshot.state
        end = snapshot.ended_at if snapshot.ended_at is not None else self._last
        end = self.now if end is None else end
        self.now = max(self.now, end)
        if len(snapshot.reconnects) > self._reconnects:
            self._reconnected(snapshot, end)
        if not any(m["kind"] == "end" for m in self.marks):
            self._mark("end", end, _END_LABELS.get(snapshot.state, snapshot.state))
        for lane in list(self._open.values()):
            self._set_lane(lane, stop=_ms(end), cut=True)
        self._open.clear()

    # --- the parts --------------------------------------------------------------------------

    def _start_lane(self, index: int, snapshot: Snapshot, at: float) -> None:
        old = self._open.pop(index, None)
        if old is not None:  # a reconnect discarded the partial block: this one replaces it
            self._set_lane(old, stop=self.lanes[old]["stop"] or _ms(at), cut=True)
        block = next((b for b in reversed(snapshot.blocks) if b.index == index), None)
        kind = block.type if block is not None else "unknown"
        label = lane_label(block) if block is not None else f"block {index}"
        self._open[index] = len(self.lanes)
        self.lanes.append({"i": index, "type": kind, "label": label, "start": _ms(at), "stop": None, "cut": False})

    def _set_lane(self, lane: int, **changes: Any) -> None:
        self.lanes[lane].update(changes)
        self._dirty["lanes"].add(lane)

    def _mark(self, kind: str, t: float, label: str) -> None:
        self.marks.append({"kind": kind, "t": _ms(t), "label": label})

    def _gap(self, kind: str, start: float, end: float | None, label: str) -> None:
        self.gaps.append({"kind": kind, "start": _ms(start), "end": None if end is None else _ms(end), "label": label})

    def _reconnected(self, snapshot: Snapshot, at: float) -> None:
        for marker in snapshot.reconnects[self._reconnects :]:
            start = marker.get("at")
            start = at if not isinstance(start, int | float) else float(start)
            reason = str(marker.get("reason") or "")
            self._reconnects += 1
            self._gap("reconnect", start, at, f"reconnect {self._reconnects}" + (f": {reason}" if reason else ""))
            for index, lane in list(self._open.items()):  # a partial block the continuation dropped
                if not any(b.index == index for b in snapshot.blocks):
                    del self._open[index]
                    self._set_lane(lane, stop=_ms(start), cut=True)

    def _place_notices(self) -> None:
        assert self._origin is not None
        for wall, text in self._notices:
            match = _RETRY.match(text)
            if match is None:
                continue
            start = max(wall - self._origin, 0.0)
            wait, attempt, why = float(match.group(1)), match.group(2), match.group(3)
            self._gap("retry", start, start + wait, f"retry: {why}")
            self._mark("request", start + wait, f"request {attempt}")
            self.now = max(self.now, start + wait)
        self._notices.clear()

    def add_run(self, lane: int | None, name: str, start: float, end: float | None, status: str) -> int:
        """A tool run as a bar beside lane ``lane`` (its position in ``lanes``); its position."""
        finish = None if end is None else _ms(end)
        self.runs.append({"lane": lane, "name": name, "start": _ms(start), "end": finish, "status": status})
        if end is not None:
            self.now = max(self.now, end)
        return len(self.runs) - 1

    def set_run(self, position: int, **changes: Any) -> None:
        run = self.runs[position]
        run.update({k: _ms(v) if k in ("start", "end") and v is not None else v for k, v in changes.items()})
        if run["end"] is not None:
            self.now = max(self.now, run["end"])
        self._dirty["runs"].add(position)

    # --- reading it -------------------------------------------------------------------------

    def model(self) -> dict[str, Any]:
        """The whole timeline as plain JSON: what the SVG, the front end and the terminal draw."""
        return {
            "v": 1,
            "hz": self.hz,
            "now": _ms(self.now),
            "state": self.state,
            "events": self.events,
            "lanes": [dict(lane) for lane in self.lanes],
            "ticks": [[lane, bucket, count] for (lane, bucket), count in sorted(self.ticks.items())],
            "marks": [dict(m) for m in self.marks],
            "gaps": [dict(g) for g in self.gaps],
            "runs": [dict(r) for r in self.runs],
        }

    def take_update(self) -> dict[str, Any] | None:
        """What changed since the last call (None: nothing), for :func:`apply_update`."""
        out: dict[str, Any] = {}
        for key, value in (("now", _ms(self.now)), ("state", self.state), ("events", self.events)):
            if self._head.get(key) != value:
                out[key] = self._head[key] = value
        for key in ("lanes", "gaps", "runs"):
            items: list[dict[str, Any]] = getattr(self, key)
            changed = self._dirty[key] | set(range(self._sent[key], len(items)))
            if changed:
                out[key] = [[p, dict(items[p])] for p in sorted(changed)]
            self._dirty[key] = set()
            self._sent[key] = len(items)
        if len(self.marks) > self._sent["marks"]:
            out["marks"] = [dict(m) for m in self.marks[self._sent["marks"] :]]
            self._sent["marks"] = len(self.marks)
        if self._new_ticks:
            out["tk"] = _tick_runs(self._new_ticks)
            self._new_ticks = {}
        return out or None

    def svg(self, *, axis: float | None = None) -> str:
        """The timeline as inline SVG (no script): for the saved transcript, GitHub, nbconvert.
        ``axis``: draw at least that many seconds (to compare two streams on one scale)."""
        from .render._timeline_svg import render_svg

        return render_svg(self.model() | ({"axis": axis} if axis else {}))

    def text(self, width: int = 40, *, axis: float | None = None) -> str:
        """The timeline as lines of text for a terminal (``axis`` as for :meth:`svg`)."""
        from ._terminal_timeline import render_text

        return render_text(self.model() | ({"axis": axis} if axis else {}), width=width)

    def _repr_html_(self) -> str:
        return self.svg()


def apply_update(model: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Fold one :meth:`Timeline.take_update` into a model (in place; returned too)."""
    for key in ("now", "state", "events"):
        if key in update:
            model[key] = update[key]
    for key in ("lanes", "gaps", "runs"):
        items = model[key]
        for position, item in update.get(key, ()):
            while len(items) <= position:
                items.append(None)
            items[position] = dict(item)
    model["marks"].extend(dict(m) for m in update.get("marks", ()))
    if "tk" in update:
        counts = {(lane, bucket): count for lane, bucket, count in model["ticks"]}
        for lane, first, *run in update["tk"]:
            for offset, count in enumerate(run):
                if count:
                    counts[(lane, first + offset)] = counts.get((lane, first + offset), 0) + count
        model["ticks"] = [[lane, bucket, count] for (lane, bucket), count in sorted(counts.items())]
    return model


def _tick_runs(ticks: dict[tuple[int, int], int]) -> list[list[int]]:
    """New ticks as runs ``[lane, first bucket, count, count, ...]`` (short holes as zeros):
    about two bytes a bucket on the wire instead of ten."""
    runs: list[list[int]] = []
    for (lane, bucket), count in sorted(ticks.items()):
        run = runs[-1] if runs else None
        if run is not None and run[0] == lane and bucket - (run[1] + len(run) - 3) <= 6:
            run.extend([0] * (bucket - (run[1] + len(run) - 2)))
            run.append(count)
        else:
            runs.append([lane, bucket, count])
    return runs


def timeline_of(source: str | Path | bytes | Fixture) -> Timeline:
    """The timeline of a recorded stream, from its recorded arrival times (nothing displayed)."""
    from ..core._stream import StreamFold
    from ..sources._fixtures import load_fixture
    from ..sources._replay import timed_chunks

    timeline = Timeline()
    fold = StreamFold()
    for chunk in timed_chunks(load_fixture(source)):
        for event, snap in fold.ifeed(chunk.raw, chunk.time):
            timeline.update(event, snap)
    timeline.close(fold.close())
    return timeline


def _fmt(t: float) -> str:
    """Seconds with two decimals, rounded half up (the same digits ``timeline.js`` prints)."""
    n = int(t * 100 + 0.5) if t >= 0 else 0
    return f"{n // 100}.{n % 100:02d}"
