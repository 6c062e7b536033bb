"""The step-through player: a recorded stream, one event at a time, with what each one changed.

``play("tool_use")`` shows Play / Pause, Step, Back-to-start and a speed slider above the live
view, and beside it the current raw event and the part of the message it touched. The whole
stream is folded up front -- snapshots are immutable, so every position is at hand -- and a
background thread drives playback, so the controls keep working after the cell has finished
(ipykernel runs button callbacks between cells; no asyncio task is involved). Step is exact:
one event per click.
"""

from __future__ import annotations

import threading
import time
from html import escape
from typing import Any

import ipywidgets as w

from ...core._events import Event
from ...core._snapshot import Snapshot
from ...core._stream import StreamFold
from ...sources._fixtures import Fixture
from ...sources._replay import Pacer, timed_chunks
from ..render import _html as h
from ..render._change import describe_change
from ._widget import StreamView, close_tree

__all__ = ["Player"]


class Player:
    """Plays a fixture into a :class:`StreamView`, event by event or at a chosen speed."""

    def __init__(self, fixture: Fixture, *, speed: float = 1.0, title: str | None = None) -> None:
        self.title = title or fixture.name
        self.steps: list[tuple[Event, Snapshot, Snapshot]] = []
        fold, before = StreamFold(), Snapshot()
        for chunk in timed_chunks(fixture):
            for event, after in fold.feed(chunk.raw, chunk.time):
                self.steps.append((event, before, after))
                before = after
        self.final = fold.close()
        self.position = 0
        """How many events are shown."""
        self.pacer = Pacer(speed)
        self.pacer.pause()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self.view = StreamView(self.title, threaded=False)
        self.view.refresh()  # the shell (header: waiting) before the first step

        # Labels from shapes every text font has (▶ ◀ ▮): media-control symbols need an emoji font.
        self.play_button = w.Button(description="▶ Play", layout=w.Layout(width="7em"))
        self.step_button = w.Button(description="▶| Step", tooltip="one event", layout=w.Layout(width="7em"))
        self.back_button = w.Button(description="|◀ Start", tooltip="back to the start", layout=w.Layout(width="7em"))
        self.speed = w.FloatLogSlider(value=speed, base=2, min=-2, max=5, step=0.5, description="speed")
        self.status = w.HTML()
        self.raw = w.HTML()
        self.change = w.HTML()
        self.play_button.on_click(lambda _: self.toggle())
        self.step_button.on_click(lambda _: self.step())
        self.back_button.on_click(lambda _: self.back())
        self.speed.observe(lambda change: setattr(self.pacer, "speed", change["new"]), "value")
        self.stage = w.VBox([self.view.widget], layout=w.Layout(flex="3 1 0%", min_width="22em"))
        panel = w.VBox(
            [w.HTML("<b>current event</b>"), self.raw, w.HTML("<b>what it changed</b>"), self.change],
            layout=w.Layout(flex="2 1 0%", min_width="16em", padding="0 0 0 1em"),
        )
        controls = w.HBox([self.back_button, self.play_button, self.step_button, self.speed, self.status])
        self.widget = w.VBox([controls, w.HBox([self.stage, panel])])
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
            self.play_button.description = "▮▮ Pause"
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="csn-player", daemon=True)
                self._thread.start()

    def pause(self) -> None:
        with self._lock:
            self.pacer.pause()
            self.play_button.description = "▶ Play"

    def step(self) -> None:
        """Show exactly one more event (and pause)."""
        with self._lock:
            self.pause()
            self._advance()

    def back(self) -> None:
        """Back to before the first event, with a fresh view."""
        with self._lock:
            self.pause()
            old, self.view = self.view, StreamView(self.title, threaded=False)
            self.view.refresh()
            self.stage.children = (self.view.widget,)
            close_tree(old.widget)
            self.position = 0
            self.raw.value = self.change.value = ""
            self._show_position()

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
        self.view.update(event, after)
        self.view.refresh()
        self.raw.value = f'<pre class="csn-log" style="white-space:pre-wrap">{escape(_raw_text(event))}</pre>'
        self.change.value = f"<div>{escape(describe_change(before, after, event))}</div>"
        if self.position == len(self.steps):
            self.view.close(self.final)
        self._show_position()

    def _time(self, index: int) -> float:
        if index < 0 or not self.steps:
            return 0.0
        return self.steps[min(index, len(self.steps) - 1)][0].sse.time or 0.0

    def _show_position(self) -> None:
        total = len(self.steps)
        now = self._time(self.position - 1) if self.position else 0.0
        self.status.value = f"&nbsp;event <b>{self.position}</b> of {total} · {now:.2f} s"

    # --- display --------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)
        # Where widgets cannot render (GitHub, nbconvert), the whole stream as a transcript.
        bundle["text/html"] = h.transcript_html(self.final, title=f"{self.title} (player)")
        return bundle

    def __repr__(self) -> str:
        return f"<Player {self.title}: {len(self.steps)} events, at {self.position}>"


def _raw_text(event: Event) -> str:
    sse = event.sse
    stamp = f"{sse.time:.3f} s  " if sse.time is not None else ""
    lines = [line for line in sse.raw.decode("utf-8", "replace").splitlines() if line.strip()]
    return f"#{sse.number}  {stamp}\n" + "\n".join(line if len(line) < 400 else line[:399] + "…" for line in lines)
