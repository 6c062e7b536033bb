"""Where sources, the fold and sinks meet.

:class:`StreamFold` is the sans-I/O core of every source: bytes (with arrival times) in,
``(event, snapshot)`` pairs out, and a final snapshot from :meth:`StreamFold.close` that says
how the stream ended. :func:`consume` and :func:`aconsume` drive it from a sync or async
chunk iterator into sinks; they differ only in ``for`` vs ``async for``.

A sink is anything with ``update(event, snapshot)`` and ``close(snapshot)``: the terminal
renderer, the notebook view, the recorder.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

from ._accumulate import accumulate, finish
from ._events import Event, parse_event
from ._snapshot import Problem, Snapshot
from ._sse import SSEDecoder

__all__ = ["Sink", "StreamFold", "aconsume", "consume"]

Chunk = tuple[bytes, "float | None"]


class Sink(Protocol):
    def update(self, event: Event, snapshot: Snapshot) -> None: ...

    def close(self, snapshot: Snapshot) -> None: ...


class StreamFold:
    """Bytes in, typed events and snapshots out. Drive it byte by byte in a test."""

    def __init__(self) -> None:
        self.decoder = SSEDecoder()
        self.snapshot = Snapshot()

    def feed(self, chunk: bytes, time: float | None = None) -> list[tuple[Event, Snapshot]]:
        """Decode and fold ``chunk``; every ``(event, snapshot)`` it completes."""
        return list(self.ifeed(chunk, time))

    def ifeed(self, chunk: bytes, time: float | None = None) -> Iterator[tuple[Event, Snapshot]]:
        """:meth:`feed`, folding each event as it is taken: nothing is held onto, so a large
        chunk does not keep thousands of snapshots alive. Iterate it to the end."""
        for sse in self.decoder.feed(chunk, time):
            event = parse_event(sse)
            self.snapshot = snap = accumulate(self.snapshot, event)
            yield event, snap

    def close(self, *, stopped: bool = False, reason: str | None = None, at: float | None = None) -> Snapshot:
        """End of input: say how the stream ended, keeping everything received."""
        self.decoder.flush()
        snap = self.snapshot
        pending = self.decoder.pending
        if not stopped and reason is None:
            reason = self._end_reason(pending)
        snap = finish(snap, stopped=stopped, reason=reason, at=at)
        if snap.events == 0 and not stopped:
            snap = replace(snap, problems=(*snap.problems, Problem(_no_events(self.decoder.position, pending))))
        self.snapshot = snap
        return snap

    def _end_reason(self, pending: bytes) -> str | None:
        if not _has_fields(pending):
            return None
        number = self.decoder.count + 1
        return f"the stream was cut inside event {number} ({len(pending)} bytes never completed)"


def _has_fields(pending: bytes) -> bool:
    return any(line.strip() and not line.startswith(b":") for line in pending.splitlines())


def _no_events(size: int, pending: bytes) -> str:
    if size == 0:
        return "empty input: no bytes at all"
    first = pending.lstrip()[:60].split(b"\n", 1)[0]
    return f"no SSE events in {size} bytes: this does not look like an event stream (starts with {first!r})"


def consume(chunks: Iterable[Chunk], sinks: Sequence[Sink] = ()) -> Snapshot:
    """Run a stream to its end through ``sinks``; return the final snapshot.

    If the source fails, the sinks get the partial snapshot first -- marked ``stopped`` on
    KeyboardInterrupt, ``incomplete`` (saying why) on an error -- then the exception goes on.
    """
    fold = StreamFold()
    try:
        for chunk, time in chunks:
            _emit(fold.ifeed(chunk, time), sinks)
    except BaseException as exc:
        _close(_broken(fold, exc), sinks)
        raise
    snap = fold.close()
    _close(snap, sinks)
    return snap


async def aconsume(chunks: AsyncIterable[Chunk], sinks: Sequence[Sink] = ()) -> Snapshot:
    """:func:`consume` for an event loop (cancellation marks the stream stopped)."""
    fold = StreamFold()
    try:
        async for chunk, time in chunks:
            _emit(fold.ifeed(chunk, time), sinks)
    except BaseException as exc:
        _close(_broken(fold, exc), sinks)
        raise
    snap = fold.close()
    _close(snap, sinks)
    return snap


def _broken(fold: StreamFold, exc: BaseException) -> Snapshot:
    """The snapshot when the source failed: stopped by the user, or ended by an error."""
    import asyncio

    if isinstance(exc, KeyboardInterrupt | GeneratorExit | asyncio.CancelledError):
        return fold.close(stopped=True)
    return fold.close(reason=f"{type(exc).__name__}: {exc}")


def _emit(pairs: Iterable[tuple[Event, Snapshot]], sinks: Sequence[Sink]) -> None:
    for event, snap in pairs:
        for sink in sinks:
            sink.update(event, snap)


def _close(snap: Snapshot, sinks: Sequence[Sink]) -> None:
    for sink in sinks:
        sink.close(snap)
