"""One logical stream over several connections: the stream fold, continued across each seam.

A stream that broke after its first event is continued: the request is sent again with the
partial answer as an assistant prefill, and the new stream's blocks are folded onto the old ones
-- its first text block into the text that was cut, the rest after it. A partial tool call or
thinking block is discarded, not continued: a tool call's JSON cannot be prefilled (the API takes
only text as a prefill), and a thinking block without its signature is not accepted back. When a
tool call had already completed there is nothing to continue (the API would want its result
next), so the stream ends incomplete instead.

:class:`JoinedFold` is the one place this happens. It is the same
:class:`~claude_stream_nb.core._stream.StreamFold` every source uses (so a live stream gets the
same end-of-stream diagnosis as a replay); at a seam it keeps the fold's snapshot, trimmed, and
gives the next connection a decoder that rewrites its events onto it (:class:`Continuation`).
The live client (:mod:`.http._session`) drives it as bytes arrive; a recording with seams
(:mod:`._fixtures`) is read back through it, so both give the same message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core._events import Event
from ..core._snapshot import Rope, Snapshot, evolve
from ..core._sse import ServerSentEvent, SSEDecoder, encode_event
from ..core._stream import StreamFold
from ._recorded import Connection, Recorded

__all__ = ["Continuation", "JoinedFold", "Seam", "continuation", "join_connections", "marked", "seam_notice"]

_BLOCK_EVENTS = frozenset({"content_block_start", "content_block_delta", "content_block_stop"})


@dataclass(frozen=True)
class Continuation:
    """How a continuation stream's events map onto the snapshot being continued."""

    offset: int
    """Continuation block ``k`` becomes block ``offset + k``."""
    merge: bool
    """Block 0 continues the cut text block (its ``content_block_start`` is not folded)."""

    def rewrite(self, sse: ServerSentEvent) -> ServerSentEvent | None:
        """The event as the continued snapshot sees it; None for one it must not fold."""
        try:
            data = json.loads(sse.data)
        except ValueError:
            return sse  # the fold reports it
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "message_start":
            return None
        if kind not in _BLOCK_EVENTS or not isinstance(data.get("index"), int):
            return sse
        if self.merge and data["index"] == 0 and kind == "content_block_start":
            return None
        data["index"] += self.offset
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return sse._replace(data=text, raw=encode_event(sse.event or kind, text))


class _ContinuingDecoder(SSEDecoder):
    """An SSE decoder for a continuation connection: its events, rewritten."""

    def __init__(self, mapping: Continuation) -> None:
        super().__init__()
        self.mapping = mapping

    def feed(self, chunk: bytes, time: float | None = None) -> list[ServerSentEvent]:
        return self._rewritten(super().feed(chunk, time))

    def flush(self, time: float | None = None) -> list[ServerSentEvent]:
        return self._rewritten(super().flush(time))

    def _rewritten(self, events: list[ServerSentEvent]) -> list[ServerSentEvent]:
        out = []
        for sse in events:
            rewritten = self.mapping.rewrite(sse)
            if rewritten is not None:
                out.append(rewritten)
        return out


def continuation(
    snap: Snapshot, params: Mapping[str, Any], at: float | None, reason: str
) -> tuple[Snapshot, Continuation, dict[str, Any], int | None] | None:
    """Prepare to continue ``snap``: the trimmed snapshot, the event mapping, the new request
    body and the index of a discarded open block. None when it cannot be continued (a tool call
    already completed)."""
    blocks = list(snap.blocks)
    if any(b.type == "tool_use" and b.stopped for b in blocks):
        return None
    merge = False
    dropped = None
    if blocks and not blocks[-1].stopped:
        open_block = blocks.pop()
        text = str(open_block.text).rstrip()  # the API refuses a prefill ending in whitespace
        if open_block.type == "text" and text:
            blocks.append(evolve(open_block, text=Rope([text], 1, len(text))))
            merge = True
        else:
            dropped = open_block.index
    offset = len(blocks) - (1 if merge else 0)
    marker = {"at": at, "block": blocks[-1].index if merge else None, "offset": len(blocks[-1].text) if merge else 0}
    trimmed = evolve(
        snap,
        blocks=tuple(blocks),
        state="streaming",
        error=None,
        end_reason=None,
        ended_at=None,
        reconnects=(*snap.reconnects, {**marker, "reason": reason}),
    )
    body = dict(params)
    prefill = [b.to_dict() for b in blocks]
    if prefill:
        body["messages"] = [*params["messages"], {"role": "assistant", "content": prefill}]
    return trimmed, Continuation(offset, merge), body, dropped


class JoinedFold:
    """A :class:`StreamFold` over one connection after another.

    :meth:`feed` folds the current connection's bytes; :meth:`end` says how it ended (the fold's
    own diagnosis); :meth:`retry` starts a new connection before any event, :meth:`resume` one
    that continues the stream.
    """

    def __init__(self) -> None:
        self.fold = StreamFold()
        self.connections = 1

    @property
    def snapshot(self) -> Snapshot:
        return self.fold.snapshot

    @snapshot.setter
    def snapshot(self, snap: Snapshot) -> None:
        """How the stream ends when the client decides it (gave up, an HTTP error)."""
        self.fold.snapshot = snap

    @property
    def started(self) -> bool:
        """An event has been folded (on any connection)."""
        return self.fold.snapshot.events > 0

    def feed(self, chunk: bytes, time: float | None = None) -> Iterator[tuple[Event, Snapshot]]:
        """The ``(event, snapshot)`` pairs ``chunk`` completes (iterate to the end)."""
        return self.fold.ifeed(chunk, time)

    def flush(self, time: float | None = None) -> Iterator[tuple[Event, Snapshot]]:
        """The connection's body ended: a last event that lacked only its blank line, folded
        (iterate it to the end, before :meth:`end`, so sinks see that event too)."""
        return self.fold.iflush(time)

    def end(self, *, reason: str | None = None, at: float | None = None) -> Snapshot:
        """The connection's body ended: the snapshot, finished with the fold's diagnosis (an
        event cut in the middle, bytes that are not SSE) unless it is complete."""
        return self.fold.close(reason=reason, at=at)

    def stop(self, at: float | None = None) -> Snapshot:
        """The user stopped the stream."""
        return self.fold.close(stopped=True, at=at)

    def retry(self) -> None:
        """A new connection that starts the stream over (nothing folded yet)."""
        self.fold.decoder = SSEDecoder()
        self.connections += 1

    def resume(
        self, params: Mapping[str, Any], at: float | None, reason: str, snap: Snapshot | None = None
    ) -> tuple[dict[str, Any], int | None] | None:
        """Continue on a new connection: the request body to send, and the index of an open
        block discarded (None if none); None if the stream cannot be continued."""
        plan = continuation(snap or self.fold.snapshot, params, at, reason)
        if plan is None:
            return None
        trimmed, mapping, body, dropped = plan
        self.fold.snapshot = trimmed
        self.fold.decoder = _ContinuingDecoder(mapping)
        self.connections += 1
        return body, dropped


Seam = tuple[int, dict[str, Any]]
"""Where a recording's later connection continued the stream: how many of the joined events
came before it, and the reconnect marker (``at``, ``block``, ``offset``, ``reason``) the live
client put into the snapshot there."""


def marked(snap: Snapshot, seams: Sequence[Seam]) -> Snapshot:
    """``snap`` (of a replay of a seamed recording) with the reconnects of the seams its events
    have passed, as the live stream's snapshot had them."""
    passed = tuple(marker for before, marker in seams if snap.events > before)
    return evolve(snap, reconnects=passed) if len(passed) > len(snap.reconnects) else snap


def seam_notice(number: int, marker: dict[str, Any]) -> str:
    """What a replay says where the recording's ``number``-th continuation began."""
    return f"reconnected and continued ({number}): {marker.get('reason') or 'the connection dropped'}"


def join_connections(
    connections: Sequence[Connection],
) -> tuple[tuple[Recorded, ...], Recorded | None, tuple[Seam, ...]]:
    """A recording's connections as one stream: its events as the live client folded them (a
    later connection's events rewritten onto the earlier ones, a discarded open block left out,
    the cut text's trailing whitespace trimmed as the prefill was), the last one's cut bytes,
    and where each continuation began."""
    joined = JoinedFold()
    out: list[tuple[Recorded, dict[str, Any] | None]] = []
    seams: list[Seam] = []
    for number, connection in enumerate(connections):
        if number:
            at = connection.seam.get("t")
            at = float(at) if isinstance(at, int | float) else None
            last = connections[number - 1]
            if last.trailing is not None:  # the cut bytes went through the live fold too
                for _ in joined.feed(last.trailing.raw, last.trailing.time):
                    pass
            for event, _ in joined.flush():
                out.append((Recorded(event.sse.raw, event.sse.time), _block_event(event.sse)))
            if not joined.started:
                joined.retry()
            else:
                snap = joined.end(reason="seam", at=at)
                plan = joined.resume({"messages": []}, at, str(connection.seam.get("why") or "reconnected"), snap)
                if plan is None:
                    break  # the live client stopped here too: a completed tool call
                out = _trimmed(out, plan[1], joined.snapshot)
                seams.append((len(out), joined.snapshot.reconnects[-1]))
        for chunk in connection.events:
            for event, _ in joined.feed(chunk.raw, chunk.time):
                out.append((Recorded(event.sse.raw, event.sse.time), _block_event(event.sse)))
    trailing = connections[-1].trailing if connections else None
    return tuple(chunk for chunk, _ in out), trailing, tuple(seams)


def _block_event(sse: ServerSentEvent) -> dict[str, Any] | None:
    """The JSON of a content block event (to find a discarded block's events), else None."""
    if "content_block_" not in sse.data[:80]:
        return None
    try:
        data = json.loads(sse.data)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("index"), int) else None


def _trimmed(
    out: list[tuple[Recorded, dict[str, Any] | None]], dropped: int | None, snap: Snapshot
) -> list[tuple[Recorded, dict[str, Any] | None]]:
    """``out`` without the discarded block's events, the merged text block's end trimmed."""
    if dropped is not None:
        out = [(chunk, data) for chunk, data in out if data is None or data["index"] != dropped]
    merged = snap.reconnects[-1].get("block") if snap.reconnects else None
    if merged is None:
        return out
    for i in range(len(out) - 1, -1, -1):
        chunk, data = out[i]
        if data is None or data["index"] != merged or data.get("delta", {}).get("type") != "text_delta":
            continue
        text = str(data["delta"].get("text", ""))
        kept = text.rstrip()
        if kept != text:
            data = {**data, "delta": {**data["delta"], "text": kept}}
            out[i] = (Recorded(encode_event("content_block_delta", data), chunk.time), data)
        if kept:
            break
    return out
