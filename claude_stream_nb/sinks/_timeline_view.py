"""The timeline as a view extra: the Timeline section of the live view and of its transcript.

:class:`TimelineExtra` plugs a :class:`~._timeline.Timeline` into a
:class:`~claude_stream_nb.sinks.view.StreamView` (``extras=[TimelineExtra()]``): it sees every
event, adds at most one ``["timeline", update]`` op to each view frame -- what changed since
the last frame, a few dozen bytes, never one message per delta -- and gives the transcript the
inline SVG. In the page, ``static/timeline.js`` folds the updates into the same model and draws
it only while the section is open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core._events import Event
from ..core._snapshot import Snapshot
from ._timeline import Timeline

__all__ = ["TimelineExtra", "timeline_js"]

_JS = Path(__file__).parent / "view" / "static" / "timeline.js"


def timeline_js() -> str:
    """The front end's source (it defines ``csnTimeline(slot, payload, ctx)``)."""
    return _JS.read_text(encoding="utf-8")


class TimelineExtra:
    """A view's Timeline section, live and saved."""

    def __init__(self, timeline: Timeline | None = None) -> None:
        from .view._widget import add_front_end_module

        add_front_end_module(timeline_js())
        self.timeline = timeline or Timeline()
        self._closed = False

    def update(self, event: Event, snapshot: Snapshot) -> None:
        self.timeline.update(event, snapshot)

    def notice(self, text: str) -> None:
        self.timeline.notice(text)

    def frame_ops(self, snapshot: Snapshot, final: bool) -> list[list[Any]]:
        if final:
            self._close(snapshot)
        update = self.timeline.take_update()
        return [["timeline", update]] if update else []

    def transcript_html(self, snapshot: Snapshot) -> str:
        if snapshot.state not in ("waiting", "streaming"):
            self._close(snapshot)
        return self.timeline.svg()

    def _close(self, snapshot: Snapshot) -> None:
        if not self._closed:
            self._closed = True
            self.timeline.close(snapshot)
