"""StreamView: the live notebook view of a stream, a sink every source displays into.

The front end is one anywidget (:class:`StreamWidget`): an ES module and a stylesheet shipped
in the package (``static/view.js``, ``static/view.css``), no CDN, no build step. The kernel
sends it frames of append-only ops (``view.js`` documents them): a part's shell once, the text
that arrived since the last frame, a finished markdown block's HTML once, slot contents that
changed (header, badge, footer), event-log lines. Nothing already sent is sent again, so the
wire cost is linear in the stream. Interaction (thinking, tool arguments, the event log) is
pure DOM in the front end and answers while the cell is blocked; the user's choices go into
the model's ``ui`` trait, which the kernel never overrides.

Pacing follows rich's ``Live``: ``update`` only records what arrived; one long-lived refresher
thread per view, woken by a condition, sends a frame at most ``fps`` times a second (longer
after a large one); the first frame goes at once; ``close`` always sends the final one.

When the stream ends, a displayed view replaces its output with the static transcript
(:func:`~claude_stream_nb.sinks.render.transcript_html`): the same HTML and stylesheet, so the
screen does not change, and it survives a save, nbconvert, nbviewer, GitHub and a reopened
notebook without a kernel -- where a widget view would show "Error displaying widget: model
not found" (JupyterLab picks the widget mime type whenever it is in the bundle, model or not). An
empty output beside it (:mod:`._nudge`) lets Notebook 7 size the output while it grows."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import anywidget
import traitlets

from ...core._events import ContentBlockDelta, Event
from ...core._snapshot import BlockState, Snapshot
from ..render import _html as h
from ..render._assets import STYLESHEET, lean_js
from ._log import LogBook
from ._nudge import Nudge
from ._parts import Op, Part, ThinkingPart, ToolPart, appended, new_part

__all__ = ["FPS", "StreamView", "StreamWidget", "ViewExtra", "add_front_end_module"]

_STATIC = Path(__file__).parent / "static"
FPS = 6.0  # frames a second at most: the page types the text in between, so more buys nothing but envelopes
_BUDGET = 20_000  # bytes a second: a frame that sends more waits longer for the next
_SETTLE = 0.2  # seconds between a streamed view's last frame and the transcript that replaces it
_FOOTER_EVERY = 1.0  # timings that change every frame: once a second is enough to read them
_ESM_PARTS: list[str] = []
_URGENT = frozenset({"content_block_start", "content_block_stop", "error"})


def _esm() -> str:
    return "\n".join([*_ESM_PARTS, lean_js(_STATIC / "view.js")])


class StreamWidget(anywidget.AnyWidget):
    """The front end of a :class:`StreamView`: frames go out as custom messages."""

    _esm = _esm()
    _css = STYLESHEET
    view_id = traitlets.Unicode("").tag(sync=True)
    ui = traitlets.Dict().tag(sync=True)
    """The user's choices: ``data-csn-key`` -> open (set by the front end, never by the kernel)."""
    log_size = traitlets.Int(50).tag(sync=True)
    closed = traitlets.Bool(False).tag(sync=True)


def add_front_end_module(source: str) -> None:
    """Put an ES module's source before ``view.js`` in every new view's front end (a timeline
    defines ``function csnTimeline(slot, payload, ctx)`` this way; see docs/view.md)."""
    if source not in _ESM_PARTS:
        _ESM_PARTS.append(source)
        StreamWidget._esm = _esm()


class ViewExtra(Protocol):
    """Something that adds to a view (a timeline): it sees every event, adds ops to each frame
    (e.g. ``["timeline", payload]``) and HTML to the transcript's Timeline section."""

    def update(self, event: Event, snapshot: Snapshot) -> None: ...

    def notice(self, text: str) -> None: ...

    def frame_ops(self, snapshot: Snapshot, final: bool) -> list[Op]: ...

    def transcript_html(self, snapshot: Snapshot) -> str: ...


class StreamView:
    """A live view of one stream (``update(event, snapshot)`` / ``close(snapshot)``)."""

    def __init__(
        self,
        title: str | None = None,
        *,
        fps: float = FPS,
        log_size: int = 50,
        clock: Callable[[], float] = time.monotonic,
        threaded: bool = True,
        extras: Sequence[ViewExtra] = (),
        widget: StreamWidget | None = None,  # one already shown, to start over in (the player's Back-to-start)
    ) -> None:
        self.title = title
        self.snapshot = Snapshot()
        self.frames = 0
        self.extras = list(extras)
        self.widget = widget or StreamWidget(view_id=uuid.uuid4().hex, log_size=log_size)
        self.widget.on_msg(self._on_msg)
        self.widget.observe(self._on_choice, "ui")
        self.on_choice: Callable[[], None] | None = None
        """Called when the user's choices reach the kernel (after the cell, if it was blocked)."""
        self._interval = 1.0 / fps
        self._gap = self._interval
        self._clock = clock
        self._threaded = threaded
        self._cond = threading.Condition(threading.RLock())
        self._dirty = False
        self._closed = False
        self._last_frame = -1e9
        self._last_footer = -1e9
        self._first_token_shown = False
        self._began = clock()
        self._log_pending = ""
        self._last_pending = -1e9
        self._thread: threading.Thread | None = None
        self._history: list[dict[str, Any]] = []
        self._pending: dict[int, list[str]] = {}
        self._deltas: dict[int, int] = {}
        self._parts: dict[int, Part] = {}
        self._shown: dict[str, str] = {}  # view-level slot -> what it shows
        self._auto_closed: set[int] = set()
        self._early_states: dict[int, tuple[str | None, str]] = {}
        self._notices: list[str] = []
        self._log = LogBook(log_size)
        self._handle: Any = None
        self._nudge: Nudge | None = None
        self._catch_up = 0.0  # marimo: push the history this many seconds after the first frame (0: never)
        self._first_frame = 0.0

    # --- the sink -----------------------------------------------------------------------

    def update(self, event: Event, snapshot: Snapshot) -> None:
        with self._cond:
            self.snapshot = snapshot
            self._log.add(event)
            if isinstance(event, ContentBlockDelta):
                piece = appended(event.delta)
                if piece:
                    self._pending.setdefault(event.index, []).append(piece)
                self._deltas[event.index] = self._deltas.get(event.index, 0) + 1
            for extra in self.extras:
                extra.update(event, snapshot)
            self._dirty = True
            if snapshot.events <= 1:
                self._frame()  # the first event shows at once
            elif self._threaded:
                self._wake()
            elif event.type in _URGENT or self._clock() - self._last_frame >= self._gap:
                # Without a refresher nothing sends a trailing frame: a block's start and stop go out inline.
                self._frame()

    def refresh(self) -> None:
        """Send a frame now, shown at once (a player stepping event by event wants each one shown)."""
        with self._cond:
            self._frame(instant=True)

    def notice(self, text: str) -> None:
        """A word from the source (retrying, reconnecting), shown under the header."""
        with self._cond:
            self._notices.append(text)
            for extra in self.extras:  # a retry is a gap on the timeline
                extra.notice(text)
            self._dirty = True
            self._frame()

    def set_tool_state(self, index: int, status: str | None, result_html: str = "") -> None:
        """A runner's word on the tool call in block ``index`` (badge and result): the next frame shows it."""
        with self._cond:
            part = self._parts.get(index)
            if isinstance(part, ToolPart):
                part.status, part.result = status, result_html
            else:
                self._early_states[index] = (status, result_html)
            self._dirty = True
            if self._threaded and not self._closed:
                self._wake()
            else:
                self._frame()

    def close(self, snapshot: Snapshot) -> None:
        with self._cond:
            self.snapshot = snapshot
            self._frame(final=True)
            self._closed = True
            self.widget.closed = True
            self._cond.notify_all()
        if self._handle is not None:
            if self._nudge is not None:
                self._nudge.poke(force=True)  # Notebook 7 sizes the output at its final height, still live
            if self._threaded and self._clock() - self._began > 1.0:  # a stream one watched, not an instant one
                time.sleep(_SETTLE)  # the last frame types in and paints; then the same HTML replaces it
            self._handle.update(_Transcript(self))

    # --- frames -----------------------------------------------------------------------------

    def _frame(self, final: bool = False, instant: bool = False) -> None:
        final = final or self._closed  # after the end, only a runner's card states change
        snap = self.snapshot
        now = self._clock()
        self._last_frame = now
        self._dirty = False
        ops: list[Op] = []
        if not self._history:
            shell = h.shell_html(snap, self.title, self.widget.view_id) + "</div>" + h.tail_html(snap) + "</div>"
            ops.append(["shell", shell])
            self._shown = {"header": h.header_html(snap, self.title), "footer": h.footer_html(snap)}
        self._slot("header", h.header_html(snap, self.title), ops)
        if self._notices:
            self._slot("notices", h.notices_html(self._notices), ops)
        segments = h.segments(snap)
        citation = 1
        for number, segment in enumerate(segments):
            block = segment.blocks[0]
            part = self._parts.get(segment.key)
            if part is None:
                part = self._parts[segment.key] = new_part(segment.kind, block, citation)
                if isinstance(part, ToolPart) and segment.key in self._early_states:
                    part.status, part.result = self._early_states.pop(segment.key)
                ops.append(["part", segment.key, part.shell(block, snap), block.started_at])
            part.ops(segment.blocks, snap, self._pending, ops)
            later = number + 1 < len(segments)
            if later or final:
                part.finish(segment.blocks, snap, ops)
            if later and isinstance(part, ThinkingPart) and part.index not in self._auto_closed:
                self._auto_closed.add(part.index)
                ops.append(["auto", f"thinking-{part.index}", False])
            citation += sum(len(b.citations) for b in segment.blocks)
        if any(b.citations for b in snap.blocks):
            self._slot("citations", h.citations_html(snap), ops)
        self._slot("error", h.error_html(snap), ops)
        first_token = snap.first_token_at is not None and not self._first_token_shown
        if final or first_token or now - self._last_footer >= _FOOTER_EVERY:
            self._last_footer = now
            self._first_token_shown = snap.first_token_at is not None
            self._slot("footer", h.footer_html(snap), ops)
        lines = self._log.take(final=final)[-self.widget.log_size :]  # the page keeps no more
        pending = self._log.pending()
        if lines or (pending != self._log_pending and (final or now - self._last_pending >= _FOOTER_EVERY)):
            self._log_pending, self._last_pending = pending, now
            ops.append(["log", lines, self._log.count, pending])
        for extra in self.extras:
            ops.extend(extra.frame_ops(snap, final))
        if final and not self._closed:
            ops.append(["end"])
        frame: dict[str, Any] = {"n": len(self._history) + 1, "ops": ops}
        if snap.last_event_at is not None:
            frame["t"] = round(snap.last_event_at, 3)
        if self._deltas:
            frame["d"] = self._deltas
        if instant:
            frame["i"] = 1
        self._deltas = {}
        self._history.append(frame)
        self.frames += 1
        self.widget.send({"frame": frame})
        if self._nudge is not None and not final:
            self._nudge.poke()
        if len(self._history) == 1:
            self._first_frame = now
        if self._catch_up and now - self._first_frame >= self._catch_up:
            # marimo mounts a widget a moment after it is shown and drops what came before; a
            # blocked cell cannot hear its hello. So the history goes again 0.25, 0.5, 1 and 2 s in
            # (frames the page has are skipped); a later mount is answered once the cell is over.
            self._catch_up = 2 * self._catch_up if self._catch_up < 2 else 0.0
            self.widget.send({"history": self._history})
        size = sum(len(op[-1]) if isinstance(op[-1], str) else 16 for op in ops)
        self._gap = max(self._interval, size / _BUDGET)

    def _slot(self, name: str, html: str, ops: list[Op]) -> None:
        if self._shown.get(name, "") != html:
            self._shown[name] = html
            ops.append(["slot", None, name, html])

    # --- the refresher ------------------------------------------------------------------------

    def _wake(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._refresh, name="csn-view", daemon=True)
            self._thread.start()
        self._cond.notify()

    def _refresh(self) -> None:
        """Send what arrived once a frame is due; sleep until something new arrives."""
        with self._cond:
            while not self._closed:
                if not self._dirty:
                    self._cond.wait()
                    continue
                due = self._last_frame + self._gap - self._clock()
                if due > 0:
                    self._cond.wait(due)
                    continue
                self._frame()

    # --- the front end ------------------------------------------------------------------------

    def _on_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        """A front end that rendered late (a second display, a reloaded page) asks for the history."""
        if isinstance(content, dict) and "hello" in content:
            have = content["hello"] if isinstance(content["hello"], int) else 0
            with self._cond:
                self.widget.send({"history": self._history[max(have, 0) :]})

    def _on_choice(self, change: Any) -> None:
        if self._closed and self._handle is not None:
            self._handle.update(_Transcript(self))
        if self.on_choice is not None:
            self.on_choice()

    # --- display ------------------------------------------------------------------------------

    def display(self) -> StreamView:
        """Show the view in the current cell; when the stream ends it becomes the transcript
        (in Jupyter; marimo keeps the widget)."""
        from IPython.display import display

        from .._hosts import in_marimo

        if in_marimo():  # the widget stays: marimo saves no outputs, a transcript would only lose the user's choices
            self._catch_up = 0.25
            display(self)
            return self
        self._handle = display(self, display_id=True)
        self._nudge = Nudge(self._clock)
        with self._cond:
            if not self._history:  # the frame at once, "waiting": a re-run cell is blank only while the page draws
                self._frame()
        return self

    def tool_card(self, index: int) -> ToolPart | None:
        """The part of the tool call in block ``index``."""
        part = self._parts.get(index)
        return part if isinstance(part, ToolPart) else None

    def transcript(self) -> str:
        """The static HTML of the current state (with the user's choices, as far as they reached the kernel)."""
        return h.transcript_html(
            self.snapshot,
            title=self.title,
            extras=h.TranscriptExtras(
                log=list(self._log.lines),
                log_total=self._log.total,
                log_dropped=self._log.made > len(self._log.lines),
                notices=self._notices,
                tool_status=self._tool_status,
                opened=dict(self.widget.ui),
                timeline="".join(extra.transcript_html(self.snapshot) for extra in self.extras),
                view_id=self.widget.view_id,
            ),
        )

    def _tool_status(self, block: BlockState) -> tuple[str | None, str]:
        card = self.tool_card(block.index)
        return (card.status, card.result) if card else self._early_states.get(block.index, (None, ""))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        shown = self.widget._repr_mimebundle_(**kwargs)
        bundle: dict[str, Any] = dict(shown[0] if isinstance(shown, tuple) else shown or {})
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

