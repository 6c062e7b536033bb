"""The timeline as a view extra: the Timeline section of the live view and of its transcript.

:class:`TimelineExtra` plugs a :class:`~._timeline.Timeline` into a
:class:`~claude_stream_nb.sinks.view.StreamView` (``extras=[TimelineExtra()]``): it sees every
event, adds a ``["timeline", update]`` op to a view frame at most twice a second -- what
changed since the last one, a few dozen bytes, never one message per delta -- and gives the
transcript the inline SVG. In the page, ``static/timeline.js`` folds the updates into the same model and draws
it only while the section is open.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core._events import Event
from ..core._snapshot import Snapshot
from ._timeline import Timeline
from .render._assets import lean_js

__all__ = ["TimelineExtra", "timeline_js"]

_JS = Path(__file__).parent / "view" / "static" / "timeline.js"
EVERY = 0.5
"""Seconds between two timeline updates in a live view: twice a second (a chart drawn only while open)."""


def timeline_js() -> str:
    """The front end's source (it defines ``csnTimeline(slot, payload, ctx)``), lean: it goes
    to the page with every view."""
    return lean_js(_JS)


class TimelineExtra:
    """A view's Timeline section, live and saved."""

    def __init__(
        self, timeline: Timeline | None = None, *, every: float = EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        from .view._widget import add_front_end_module

        add_front_end_module(timeline_js())
        self.timeline = timeline or Timeline()
        self.every = every
        self._clock = clock
        self._sent_at = -1e9
        self._closed = False

    def update(self, event: Event, snapshot: Snapshot) -> None:
        self.timeline.update(event, snapshot)

    def notice(self, text: str) -> None:
        self.timeline.notice(text)

    def frame_ops(self, snapshot: Snapshot, final: bool) -> list[list[Any]]:
        """At most one update every ``every`` seconds (a frame's worth of change is a few bytes,
        but a 24 fps view would send 24 of them a second), and always the final one."""
        if final:
            self._close(snapshot)
        now = self._clock()
        if not final and now - self._sent_at < self.every:
            return []
        update = self.timeline.take_update()
        if update is None:
            return []
        self._sent_at = now
        return [["timeline", update]]

    def transcript_html(self, snapshot: Snapshot) -> str:
        if snapshot.state not in ("waiting", "streaming"):
            self._close(snapshot)
        return self.timeline.svg()

    def _close(self, snapshot: Snapshot) -> None:
        if not self._closed:
            self._closed = True
            self.timeline.close(snapshot)
