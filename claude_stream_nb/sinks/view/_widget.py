"""StreamView: the live notebook view of a stream, a sink every source displays into.

Pacing follows rich's ``Live``: ``update`` only swaps in the newest snapshot; frames go out at
most ``fps`` times a second -- inline when a frame is due, else from a small refresher thread
-- the first content is sent at once, and ``close`` always sends the final state. The footer
(timings that change every frame) is refreshed at most 4 times a second, and the event log
only while it is open.

When the stream ends, a displayed view replaces its output with the static transcript
(:func:`~claude_stream_nb.sinks.render.transcript_html`): the same content as plain HTML, which
survives a save and reload, nbconvert, nbviewer and GitHub, where widget views cannot render.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ...core._events import Event
from ...core._snapshot import BlockState, Snapshot
from ..render import _html as h
from ._parts import Meter, Part, StaticPart, TextRun, ThinkingPanel, ToolCard

__all__ = ["StreamView"]

_FOOTER_EVERY = 0.5  # timings that change every frame: twice a second is enough to read them
_URGENT = frozenset({"content_block_start", "content_block_stop", "message_start", "error"})
_BUDGET = 12_000
# A cell blocked in a replay cannot hear the panel open (the kernel reads front-end messages
# between cells), so the log says when it fills in rather than staying silently empty.
_LOG_NOTE = (
    '<div class="csn-notice">The events appear here when the stream ends (or as they come, if the '
    "log was open before it began). To watch them arrive: <code>play(...)</code>, or "
    "<code>claude-stream-nb replay NAME --events</code>.</div>"
)  # characters a second: a frame that sends more waits longer for the next


class StreamView:
    """A live view of one stream (``update(event, snapshot)`` / ``close(snapshot)``)."""

    def __init__(
        self,
        title: str | None = None,
        *,
        fps: float = 30.0,
        log_size: int = 50,
        clock: Callable[[], float] = time.monotonic,
        threaded: bool = True,
    ) -> None:
        self.title = title
        self.snapshot = Snapshot()
        self.frames = 0
        self._interval = 1.0 / fps
        self._gap = self._interval  # until the next frame: longer after a large one
        self._meter = Meter()
        self._clock = clock
        self._threaded = threaded
        self._lock = threading.RLock()
        self._dirty = False
        self._last_frame = -1e9
        self._last_footer = -1e9
        self._first_token_sent = False
        self._closed = False
        self._ticker: threading.Thread | None = None
        self._log: deque[h.LogEntry] = deque(maxlen=log_size)
        self._log_total = 0
        self._notices: list[str] = []
        self._parts: dict[int, Part] = {}
        self._handle: Any = None

        html = self._meter.html
        self.style = html(h.CSS)
        self.header = html(h.header_html(self.snapshot, title))
        self.body = w.VBox()
        self.notices = html()
        self.citations = html()
        self.error = html()
        self.footer = html()
        self.log_view = html(_LOG_NOTE)
        self.log = w.Accordion(children=[self.log_view], titles=("Event log",), selected_index=None)
        self.log.observe(lambda _: self._render_log(), "selected_index")
        self.widget = w.VBox(
            [self.style, self.header, self.notices, self.body, self.citations, self.error, self.footer, self.log]
        )
        self.widget.add_class("csn")

    # --- the sink -----------------------------------------------------------------------

    def update(self, event: Event, snapshot: Snapshot) -> None:
        with self._lock:
            self.snapshot = snapshot
            self._log.append((event.sse.time, event.sse.event or event.type, event.sse.data))
            self._log_total += 1
            self._dirty = True
            first_token = not self._first_token_sent and snapshot.first_token_at is not None
            # The first text, and a block starting or stopping, show at once: they are few.
            urgent = first_token or event.type in _URGENT
            if urgent or self._clock() - self._last_frame >= self._gap:
                self._first_token_sent = self._first_token_sent or first_token
                self._frame()
            elif self._threaded:
                self._start_ticker()

    def refresh(self) -> None:
        """Send a frame now (a player stepping event by event wants each one shown)."""
        with self._lock:
            self._frame()

    def notice(self, text: str) -> None:
        """A word from the source (retrying, reconnecting), shown under the header at once."""
        with self._lock:
            self._notices.append(text)
            self.notices.value = h.notices_html(self._notices)

    def close(self, snapshot: Snapshot) -> None:
        with self._lock:
            self.snapshot = snapshot
            self._closed = True
            self._frame(final=True)
            self._render_log()
        if self._handle is not None:
            self._handle.update(_Transcript(self))
            close_tree(self.widget)  # the output no longer shows them: free the front-end models

    # --- frames -----------------------------------------------------------------------------

    def _frame(self, final: bool = False) -> None:
        snap = self.snapshot
        now = self._clock()
        self._last_frame = now
        self._dirty = False
        self.frames += 1
        put = self._meter.put
        self._meter.sent = 0
        put(self.header, h.header_html(snap, self.title))
        citation = 1
        for segment in h.segments(snap):
            part = self._parts.get(segment.key)
            if part is None:
                part = self._parts[segment.key] = _new_part(self._meter, segment.kind, citation)
                self.body.children = (*self.body.children, part.box)
            part.show(segment.blocks, snap, final or self._closed)
            citation += sum(len(b.citations) for b in segment.blocks)
        put(self.citations, h.citations_html(snap))
        put(self.error, h.error_html(snap))
        if final or now - self._last_footer >= _FOOTER_EVERY:
            self._last_footer = now
            put(self.footer, h.footer_html(snap))
        if self.log.selected_index == 0:
            self._render_log()
        self._gap = max(self._interval, self._meter.sent / _BUDGET)

    def _render_log(self) -> None:
        self.log.set_title(0, f"Event log ({self._log_total} events)")
        self.log_view.value = h.event_log_html(list(self._log), self._log_total)

    def _start_ticker(self) -> None:
        if self._ticker is None or not self._ticker.is_alive():
            self._ticker = threading.Thread(target=self._tick, name="csn-view", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        """Send what arrived since the last frame once a frame is due (the trailing edge)."""
        while not self._closed:
            time.sleep(self._interval / 2)
            with self._lock:
                if self._closed or not self._dirty:
                    return
                if self._clock() - self._last_frame >= self._gap:
                    self._frame()
                    return

    # --- display ------------------------------------------------------------------------------

    def display(self) -> StreamView:
        """Show the view in the current cell; when the stream ends it becomes the transcript."""
        from IPython.display import display

        self._handle = display(self, display_id=True)
        return self

    def tool_card(self, index: int) -> ToolCard | None:
        """The card of the tool call in block ``index`` (for runners that add state to it)."""
        part = self._parts.get(index)
        return part if isinstance(part, ToolCard) else None

    def thinking_panel(self, index: int) -> ThinkingPanel | None:
        part = self._parts.get(index)
        return part if isinstance(part, ThinkingPanel) else None

    def transcript(self) -> str:
        """The static HTML of the current state."""
        open_thinking = any(isinstance(p, ThinkingPanel) and p.is_open for p in self._parts.values())
        return h.transcript_html(
            self.snapshot,
            title=self.title,
            log=list(self._log),
            log_total=self._log_total,
            thinking_open=open_thinking,
            tool_status=self._tool_status,
            notices=self._notices,
        )

    def _tool_status(self, block: BlockState) -> tuple[str | None, str]:
        card = self.tool_card(block.index)
        return (card.status, card.result.value) if card else (None, "")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        snap = self.snapshot
        kinds = ", ".join(f"{b.type}" for b in snap.blocks)
        name = f"{self.title}: " if self.title else ""
        return f"<StreamView {name}{snap.state}, {snap.stop_reason or '-'}, [{kinds}]>"


class _Transcript:
    """What a finished view leaves in the cell output: static HTML and a short text repr."""

    def __init__(self, view: StreamView) -> None:
        self._html = view.transcript()
        self._text = repr(view)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return {"text/html": self._html, "text/plain": self._text}


def _new_part(meter: Meter, kind: str, first_citation: int) -> Part:
    if kind == "text":
        return TextRun(meter, first_citation)
    if kind == "thinking":
        return ThinkingPanel(meter)
    if kind == "tool":
        return ToolCard(meter)
    return StaticPart(meter, kind)


def close_tree(widget: w.Widget) -> None:
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()
