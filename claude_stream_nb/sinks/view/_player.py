"""The step-through player: a recorded stream, one event at a time, with what each one changed.

``play("tool_use")`` shows Play / Pause, Step, Back-to-start and a speed slider above the live
view, and beside it the current raw event and the part of the message it touched. The whole
stream is folded up front -- snapshots are immutable, so every position is at hand -- and a
background thread drives playback, so the controls keep working after the cell has finished
(ipykernel runs button callbacks between cells; no asyncio task is involved). Step is exact:
one event per click.

The controls are one anywidget (:class:`PlayerControls`, front end ``static/player.js`` and
``player.css``) that renders the view inside itself as a child widget, so the whole player shows
wherever anywidgets do -- JupyterLab, Notebook 7, marimo (which renders no stock ipywidgets).
A click is one custom message (``{"action": "step"}``); the speed is a trait the kernel
observes; what the player shows (status, raw event, what it changed, Play or Pause) are traits
the kernel sets.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ...core._events import Event
from ...core._snapshot import Snapshot
from ...core._stream import StreamFold
from ...sources._continue import marked, seam_notice
from ...sources._fixtures import Fixture
from ...sources._replay import Pacer, timed_chunks
from ..render import _html as h
from ..render._assets import THEME, lean_css
from ..render._change import describe_change
from ._widget import StreamView

__all__ = ["Player", "PlayerControls"]

_STATIC = Path(__file__).parent / "static"
SPEEDS = (0.25, 32.0)
"""The speed slider's range (a log scale)."""


class PlayerControls(anywidget.AnyWidget):
    """The player's front end: buttons, speed slider, status, the event panels and the view."""

    _esm = (_STATIC / "player.js").read_text(encoding="utf-8")
    _css = THEME + lean_css("player.css")
    view = anywidget.WidgetTrait().tag(sync=True)
    """The :class:`StreamWidget` shown in the stage (one for the player's life; Back starts a new
    view in it)."""
    position = traitlets.Int(0).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    time = traitlets.Float(0.0).tag(sync=True)
    """Stream seconds of the last event shown."""
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    """Set by the slider (or the kernel): 1 is the recorded pace."""
    raw = traitlets.Unicode("").tag(sync=True)
    """The current event as it came on the wire (plain text)."""
    change = traitlets.Unicode("").tag(sync=True)
    """What the current event changed in the message (plain text)."""
    restarts = traitlets.Int(0).tag(sync=True)
    """How often the view started over (Back): each time the page renders it afresh."""

    @traitlets.validate("speed")
    def _valid_speed(self, proposal: Any) -> float:
        low, high = SPEEDS
        return min(max(float(proposal["value"]), low), high)


class Player:
    """Plays a fixture into a :class:`StreamView`, event by event or at a chosen speed."""

    def __init__(self, fixture: Fixture, *, speed: float = 1.0, title: str | None = None) -> None:
        self.title = title or fixture.name
        self.steps: list[tuple[Event, Snapshot, Snapshot]] = []
        fold, before = StreamFold(), Snapshot()
        for chunk in timed_chunks(fixture):
            for event, after in fold.feed(chunk.raw, chunk.time):
                after = marked(after, fixture.seams)  # a recording over reconnects: where they were
                self.steps.append((event, before, after))
                before = after
        self.final = marked(fold.close(), fixture.seams)
        self.position = 0
        """How many events are shown."""
        self.pacer = Pacer(speed)
        self.pacer.pause()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self.view = StreamView(self.title, threaded=False)
        self.view.refresh()  # the shell (header: waiting) before the first step
        self.controls = PlayerControls(view=self.view.widget, total=len(self.steps), speed=speed)
        self.widget = self.controls
        """What a notebook displays: one anywidget, the view inside it."""
        self.pacer.speed = self.controls.speed  # clamped to the slider's range
        self.controls.on_msg(self._on_msg)
        self.controls.observe(self._on_speed, "speed")
        self._show_position()

    # --- controls -----------------------------------------------------------------------

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    @property
    def playing(self) -> bool:
        return not self.pacer.paused

    def play(self) -> None:
        """Play from here at the slider's speed (from the start again once it has ended)."""
        with self._lock:
            if self.position >= len(self.steps):
                self.back()
            self.pacer.seek(self._time(self.position - 1))
            self.pacer.resume()
            self.controls.playing = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="csn-player", daemon=True)
                self._thread.start()

    def pause(self) -> None:
        with self._lock:
            self.pacer.pause()
            self.controls.playing = False

    def step(self) -> None:
        """Show exactly one more event (and pause)."""
        with self._lock:
            self.pause()
            self._advance()

    def back(self) -> None:
        """Back to before the first event, with a fresh view."""
        with self._lock:
            self.pause()
            # A fresh view in the same widget (marimo opens no widget outside a cell's run): the old
            # view stops listening to it; a new view_id makes the page build a new document when the
            # stage renders the widget again (restarts), from the new view's frames.
            old, widget = self.view, self.view.widget
            widget.on_msg(old._on_msg, remove=True)
            widget.unobserve(old._on_choice, "ui")
            with widget.hold_sync():
                widget.view_id, widget.ui, widget.closed = uuid.uuid4().hex, {}, False
            self.view = StreamView(self.title, threaded=False, widget=widget)
            self.position = 0
            with self.controls.hold_sync():
                self.controls.restarts += 1  # the page renders the view again, from its new frames
                self.controls.raw = self.controls.change = ""
                self._show_position()
            self.view.refresh()

    def wait(self, timeout: float = 60.0) -> None:
        """Block until playback pauses or ends (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while self.playing and self.position < len(self.steps) and time.monotonic() < deadline:
            time.sleep(0.01)

    # --- playback -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self.playing or self.position >= len(self.steps):
                    self.pause()
                    return
                delay = self.pacer.wait_for(self._time(self.position))
                if delay <= 0:
                    self._advance()
                    continue
            time.sleep(delay)

    def _advance(self) -> None:
        if self.position >= len(self.steps):
            return
        event, before, after = self.steps[self.position]
        self.position += 1
        for number, marker in enumerate(after.reconnects[len(before.reconnects) :], len(before.reconnects) + 1):
            self.view.notice(seam_notice(number, marker))
        self.view.update(event, after)
        self.view.refresh()
        if self.position == len(self.steps):
            self.view.close(self.final)
        with self.controls.hold_sync():
            self.controls.raw = _raw_text(event)
            self.controls.change = describe_change(before, after, event)
            self._show_position()

    def _time(self, index: int) -> float:
        if index < 0 or not self.steps:
            return 0.0
        return self.steps[min(index, len(self.steps) - 1)][0].sse.time or 0.0

    def _show_position(self) -> None:
        self.controls.position = self.position
        self.controls.time = self._time(self.position - 1) if self.position else 0.0

    @property
    def status(self) -> str:
        """What the status line says: ``event 7 of 30 · 0.41 s``."""
        return f"event {self.controls.position} of {self.controls.total} · {self.controls.time:.2f} s"

    # --- the front end --------------------------------------------------------------------

    def _on_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        """A click in the page: one message per click (so Step is exact)."""
        action = content.get("action") if isinstance(content, dict) else None
        if action == "toggle":
            self.toggle()
        elif action == "step":
            self.step()
        elif action == "back":
            self.back()

    def _on_speed(self, change: Any) -> None:
        self.pacer.speed = change["new"]  # mid-play too: the pacer keeps the stream's clock

    # --- display --------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        shown = self.widget._repr_mimebundle_(**kwargs)
        bundle: dict[str, Any] = dict(shown[0] if isinstance(shown, tuple) else shown or {})
        bundle["text/plain"] = repr(self)
        # Where widgets cannot render (GitHub, nbconvert), the whole stream as a transcript.
        bundle["text/html"] = h.transcript_html(self.final, title=f"{self.title} (player)")
        return bundle

    def _display_(self) -> Any:
        """marimo: the anywidget itself, which marimo renders natively."""
        return self.widget

    def __repr__(self) -> str:
        return f"<Player {self.title}: {len(self.steps)} events, at {self.position}>"


def _raw_text(event: Event) -> str:
    sse = event.sse
    stamp = f"  {sse.time:.3f} s" if sse.time is not None else ""
    lines = [line for line in sse.raw.decode("utf-8", "replace").splitlines() if line.strip()]
    return f"#{sse.number}{stamp}\n" + "\n".join(line if len(line) < 400 else line[:399] + "…" for line in lines)
