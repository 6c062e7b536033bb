"""Replay a fixture with its recorded timing: sync and async, speed changeable while it plays.

:class:`Pacer` is the clock arithmetic alone (no sleeping): it maps recorded time to wall time
at the current speed, re-anchoring whenever the speed changes or playback pauses, so a player
can change speed mid-stream without a jump. :func:`replay_chunks` and
:func:`areplay_chunks` differ only in how they wait.

Events are yielded with their *recorded* arrival time, so the metrics a replay shows (time to
first token, tokens/s) are the recorded stream's, at any speed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence

from ..core._events import Event
from ..core._snapshot import Snapshot
from ..core._stream import Chunk, Sink, consume, notify
from ._continue import Seam, marked, seam_notice
from ._fixtures import Fixture, Recorded

__all__ = [
    "Pacer",
    "SeamMarks",
    "areplay_chunks",
    "consume_recording",
    "replay_chunks",
    "synthetic_times",
    "timed_chunks",
]

_MAX_WAIT = 0.05  # wake at least this often so speed changes and pauses apply promptly


class Pacer:
    """Recorded time -> wall time, at a speed that may change while playing."""

    def __init__(self, speed: float = 1.0, *, instant: bool = False, clock: object = None) -> None:
        self._clock = time.monotonic if clock is None else clock
        self.instant = instant
        self._speed = _positive(speed)
        self._paused = threading.Event()
        self._anchor_wall = self._now()
        self._anchor_virtual = 0.0

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        speed = _positive(value)
        self._anchor_virtual, self._anchor_wall = self.position, self._now()
        self._speed = speed

    @property
    def position(self) -> float:
        """How far playback has got, in recorded seconds."""
        if self._paused.is_set():
            return self._anchor_virtual
        return self._anchor_virtual + (self._now() - self._anchor_wall) * self._speed

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def pause(self) -> None:
        if not self._paused.is_set():
            self._anchor_virtual = self.position
            self._paused.set()

    def resume(self) -> None:
        if self._paused.is_set():
            self._anchor_wall = self._now()
            self._paused.clear()

    def seek(self, recorded: float) -> None:
        self._anchor_virtual, self._anchor_wall = recorded, self._now()

    def wait_for(self, recorded: float) -> float:
        """Seconds to sleep before ``recorded`` is due (0 when due), capped so changes apply."""
        if self.instant:
            return 0.0
        if self._paused.is_set():
            return _MAX_WAIT
        return min(max((recorded - self.position) / self._speed, 0.0), _MAX_WAIT)


def _positive(speed: object) -> float:
    """A playback speed: a finite number above 0 (``instant=True`` plays without waiting)."""
    if isinstance(speed, bool) or not isinstance(speed, int | float):
        raise TypeError(f"speed must be a number, got {type(speed).__name__} {speed!r}")
    if not 0 < speed < float("inf"):
        raise ValueError(f"speed must be a positive number (2: twice as fast; instant=True: no waits), got {speed!r}")
    return float(speed)


def replay_chunks(fixture: Fixture, pacer: Pacer | None = None) -> Iterator[Recorded]:
    """Each event's bytes when it is due, with its recorded time."""
    pacer = pacer or Pacer()
    for chunk in timed_chunks(fixture):
        assert chunk.time is not None
        while (delay := pacer.wait_for(chunk.time)) > 0:
            time.sleep(delay)
        yield chunk


async def areplay_chunks(fixture: Fixture, pacer: Pacer | None = None) -> AsyncIterator[Recorded]:
    """:func:`replay_chunks` for an event loop."""
    pacer = pacer or Pacer()
    for chunk in timed_chunks(fixture):
        assert chunk.time is not None
        while (delay := pacer.wait_for(chunk.time)) > 0:
            await _sleep(delay)
        yield chunk


def timed_chunks(fixture: Fixture) -> list[Recorded]:
    """The fixture's chunks, each with a time (synthetic pacing for an untimed capture)."""
    chunks = fixture.chunks()
    if all(c.time is not None for c in chunks):
        return chunks
    return [Recorded(c.raw, t) for c, t in zip(chunks, synthetic_times(chunks), strict=True)]


def synthetic_times(chunks: list[Recorded]) -> list[float]:
    """A believable pacing for a capture without timing: the first event at 0.3 s, the first
    content at 0.6 s, then about 60 output tokens/s (a token taken as ~4 characters of text)."""
    times: list[float] = []
    now = 0.0
    waiting = True  # for the first content delta
    for i, chunk in enumerate(chunks):
        if chunk.time is not None:
            now = max(now, chunk.time)
        elif i == 0:
            now = 0.3
        else:
            now += _pace(chunk.raw)
            if waiting and b"content_block_delta" in chunk.raw:
                now, waiting = max(now, 0.6), False
        times.append(round(now, 3))
    return times


def _pace(raw: bytes) -> float:
    if b"content_block_delta" not in raw:
        return 0.01 if b"message_start" not in raw else 0.2
    try:
        data = json.loads(raw.split(b"data:", 1)[1])
        delta = data.get("delta", {})
        text = next((v for k, v in delta.items() if k != "type" and isinstance(v, str)), "")
    except (ValueError, IndexError, AttributeError):
        text = ""
    return max(len(text) / 4, 1) / 60


class SeamMarks:
    """The sinks of a replay of a recording with seams (the live client reconnected and
    continued): every snapshot carries the reconnects it has passed, and a sink that takes
    notices hears of each one before the first event after it -- the ⟳ marks, the notice and the
    timeline's gap appear where they did live."""

    def __init__(self, sinks: Sequence[Sink], seams: Sequence[Seam]) -> None:
        self.sinks = list(sinks)
        self.seams = tuple(seams)
        self._told = 0

    def update(self, event: Event, snapshot: Snapshot) -> None:
        snap = marked(snapshot, self.seams)
        for marker in snap.reconnects[self._told :]:
            self._told += 1
            notify(self.sinks, seam_notice(self._told, marker))
        for sink in self.sinks:
            sink.update(event, snap)

    def close(self, snapshot: Snapshot) -> None:
        snap = marked(snapshot, self.seams)
        for sink in self.sinks:
            sink.close(snap)


def consume_recording(chunks: Iterable[Chunk], sinks: Sequence[Sink], seams: Sequence[Seam]) -> Snapshot:
    """:func:`~claude_stream_nb.core._stream.consume` for a recording's chunks: with seams, the
    sinks and the final snapshot carry its reconnects (:class:`SeamMarks`)."""
    if not seams:
        return consume(chunks, sinks)
    return marked(consume(chunks, [SeamMarks(sinks, seams)]), seams)


async def _sleep(delay: float) -> None:
    import asyncio  # here, not at the top: a replay in a script or the CLI never loads asyncio

    await asyncio.sleep(delay)
