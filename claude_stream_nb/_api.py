"""The functions a notebook user calls for recorded streams: :func:`replay` and :func:`play`.

They are where a source, the fold and a sink are put together; the sink is the view in a
notebook and the terminal renderer anywhere else (:func:`~.sinks.default_sink`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .core._events import Event
from .core._message import Message
from .core._snapshot import Snapshot
from .core._stream import Sink
from .sinks import default_sink, in_notebook
from .sources._fixtures import Fixture, load_fixture
from .sources._replay import Pacer, consume_recording, replay_chunks

__all__ = ["Message", "play", "replay"]


def replay(
    source: str | Path | bytes | Fixture,
    *,
    speed: float = 1.0,
    instant: bool = False,
    sink: Sink | None = None,
) -> Message:
    """Play a recorded stream -- a bundled fixture's name, a path, or bytes -- with its
    original timing (scaled by ``speed``; ``instant=True`` for none) into the live view, and
    return the final message."""
    fixture = load_fixture(source)
    pacer = Pacer(speed, instant=instant)
    chunks = ((chunk.raw, chunk.time) for chunk in replay_chunks(fixture, pacer))
    last = _Last()
    try:
        return Message(consume_recording(chunks, [sink or default_sink(fixture.name), last], fixture.seams))
    except KeyboardInterrupt:
        # In a notebook, the interrupt button means "enough": the view already says "stopped",
        # so the partial message is returned (assign it, look at it) with one line, no traceback.
        # Anywhere else (a script, a test), Ctrl-C still stops the program.
        if last.snapshot is None or not in_notebook():
            raise
        snap = last.snapshot
        print(f"Interrupted: the replay of {fixture.name!r} stopped after {snap.events} events; it returns what came.")
        return Message(snap)


class _Last:
    """A sink that keeps the final snapshot (the partial one, when the stream was interrupted)."""

    snapshot: Snapshot | None = None

    def update(self, event: Event, snapshot: Snapshot) -> None:
        pass

    def close(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot


def play(source: str | Path | bytes | Fixture, *, speed: float = 1.0, autoplay: bool = False) -> Any:
    """A step-through player for a recorded stream: Play / Pause / Step / Back-to-start and a
    speed slider; beside the live view, the current raw event and what it changed.
    Display it by leaving it as the cell's last expression."""
    from .sinks.view import Player

    player = Player(load_fixture(source), speed=speed)
    if autoplay:
        player.play()
    return player
