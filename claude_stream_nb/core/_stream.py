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
from typing import Protocol

from ._accumulate import accumulate, finish
from ._events import Event, parse_event
from ._snapshot import Problem, Snapshot, evolve
from ._sse import MAX_LINE, SSEDecoder

__all__ = ["Sink", "StreamFold", "aconsume", "consume", "notify"]

Chunk = tuple[bytes, "float | None"]
_SLICE = 65536


class Sink(Protocol):
    def update(self, event: Event, snapshot: Snapshot) -> None: ...

    def close(self, snapshot: Snapshot) -> None: ...


class StreamFold:
    """Bytes in, typed events and snapshots out. Drive it byte by byte in a test.

    ``max_line``: the longest line the decoder accepts (a longer one stops decoding with an
    error naming its byte offset; everything before it is kept).
    """

    def __init__(self, *, max_line: int = MAX_LINE) -> None:
        self.decoder = SSEDecoder(max_line=max_line)
        self.snapshot = Snapshot()

    def feed(self, chunk: bytes, time: float | None = None) -> list[tuple[Event, Snapshot]]:
        """Decode and fold ``chunk``; every ``(event, snapshot)`` it completes."""
        return list(self.ifeed(chunk, time))

    def ifeed(self, chunk: bytes, time: float | None = None) -> Iterator[tuple[Event, Snapshot]]:
        """:meth:`feed`, folding each event as it is taken: nothing is held onto, so a large
        chunk does not keep thousands of snapshots alive. Iterate it to the end.

        A large chunk is decoded a slice at a time, so thousands of decoded events are not
        held at once either (that costs the garbage collector more than the decoding)."""
        decode = self.decoder.feed
        for start in range(0, len(chunk), _SLICE) if len(chunk) > _SLICE else (0,):
            for sse in decode(chunk[start : start + _SLICE] if len(chunk) > _SLICE else chunk, time):
                event = parse_event(sse)
                self.snapshot = snap = accumulate(self.snapshot, event)
                yield event, snap

    def iflush(self, time: float | None = None) -> Iterator[tuple[Event, Snapshot]]:
        """End of input, before :meth:`close`: the last event if it lacked only its closing blank
        line (see :meth:`SSEDecoder.flush`), folded. :meth:`close` does this itself when not
        done yet; a source that shows events calls it first, so its sinks see that event."""
        for sse in self.decoder.flush(time if time is not None else self.snapshot.last_event_at):
            event = parse_event(sse)
            self.snapshot = snap = accumulate(self.snapshot, event)
            yield event, snap

    def close(self, *, stopped: bool = False, reason: str | None = None, at: float | None = None) -> Snapshot:
        """End of input: say how the stream ended, keeping everything received."""
        for _ in self.iflush():
            pass
        decoder = self.decoder
        snap = self.snapshot
        pending = decoder.pending
        notes: list[Problem] = []
        if decoder.failure is not None:
            notes.append(Problem(decoder.failure, decoder.count + 1))
            reason = reason or decoder.failure
        elif decoder.unterminated is not None:
            notes.append(self._unterminated(decoder.unterminated))
        if _has_fields(pending) and snap.state in ("complete", "errored"):  # not a keep-alive comment
            notes.append(_after_end(snap, decoder.count, decoder.position - len(pending), pending))
        elif not stopped and reason is None:
            reason = self._end_reason(pending)
        snap = finish(snap, stopped=stopped, reason=reason, at=at)
        if snap.events == 0 and not stopped:
            notes.append(Problem(_no_events(decoder.position, pending)))
        problems = snap.problems
        for note in notes:
            if note not in problems:
                problems = problems.plus(note)
        self.snapshot = snap = evolve(snap, problems=problems) if problems is not snap.problems else snap
        return snap

    def _unterminated(self, number: int) -> Problem:
        end = self.decoder.position
        message = f"the stream ended without the final blank line after event {number} (the event was whole: kept)"
        return Problem(message, number, end, severity="warning")

    def _end_reason(self, pending: bytes) -> str | None:
        if not _has_fields(pending):
            return None
        number = self.decoder.count + 1
        at = self.decoder.position - len(pending)
        return f"the stream was cut inside event {number} at byte {at} ({len(pending)} bytes never completed)"


def _after_end(snap: Snapshot, count: int, offset: int, pending: bytes) -> Problem:
    last = "message_stop" if snap.state == "complete" else "error"
    preview = pending.strip()[:40]
    more = "…" if len(pending.strip()) > 40 else ""
    message = f"{len(pending)} bytes after the {last} event were not part of any event: {preview!r}{more}"
    return Problem(message, count + 1, offset, severity="warning")


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
    _emit(fold.iflush(), sinks)
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
    _emit(fold.iflush(), sinks)
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


def notify(sinks: Iterable[object], text: str) -> None:
    """A word from the source (retrying, reconnecting) to each sink that takes one: ``notice``
    is optional in a :class:`Sink`."""
    for sink in sinks:
        notice = getattr(sink, "notice", None)
        if notice is not None:
            notice(text)
