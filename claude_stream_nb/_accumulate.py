"""The fold: ``accumulate(snapshot, event) -> snapshot``, and ``finish`` at end of stream.

Pure: the snapshot given is never changed, a new one is returned. Tolerant: input that breaks
the protocol (a delta for a block that never started, a malformed event, a stream without
``usage``) is recorded in ``Snapshot.problems`` and the fold goes on, so everything that did
arrive is kept. The rules:

- text and thinking deltas append; a signature delta replaces;
- a citation appends to its text block's ``citations``;
- tool input JSON text appends to a buffer, and is parsed once, strictly, at block stop
  (invalid JSON marks the block, never the stream); while it streams, a partial parse is
  available for display only (:meth:`BlockState.partial_input`);
- ``message_delta`` usage is cumulative: each count present overwrites, none is added.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ._events import (
    CitationsDelta,
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    ErrorEvent,
    Event,
    InputJsonDelta,
    MalformedEvent,
    MessageDelta,
    MessageStart,
    MessageStop,
    PingEvent,
    SignatureDelta,
    TextDelta,
    ThinkingDelta,
    UnknownDelta,
    UnknownEvent,
)
from ._partial_json import parse_final
from ._snapshot import BlockState, ErrorInfo, Problem, Snapshot

__all__ = ["accumulate", "finish"]

_APPENDS = {TextDelta: ("text", "text"), ThinkingDelta: ("thinking", "thinking")}


def accumulate(snap: Snapshot, event: Event) -> Snapshot:
    """Fold one event into the snapshot; return the new snapshot."""
    sse = event.sse
    at = sse.time
    first = snap.first_event_at if snap.first_event_at is not None else at
    snap = replace(snap, events=snap.events + 1, first_event_at=first, last_event_at=at)
    if snap.state == "waiting":
        snap = replace(snap, state="streaming")

    if isinstance(event, ContentBlockDelta):
        return _delta(snap, event, at)
    if isinstance(event, (PingEvent,)):
        return snap
    if isinstance(event, ContentBlockStart):
        if not snap.message:
            snap = _problem(snap, event, "content_block_start before message_start")
        if event.index != len(snap.blocks):
            snap = _problem(
                snap, event, f"content_block_start index {event.index}, expected {len(snap.blocks)}"
            )
        data = event.content_block.data
        block = BlockState(index=event.index, type=event.content_block.type, start=data, started_at=at)
        if block.is_tool_use:
            block = replace(block, input=data.get("input", {}))
        return replace(snap, blocks=(*snap.blocks, block))
    if isinstance(event, ContentBlockStop):
        found = _find(snap, event.index)
        if found is None:
            return _problem(snap, event, f"content_block_stop for block {event.index}, which never started")
        i, block = found
        if block.stopped:
            return _problem(
                snap, event, f"content_block_stop for block {event.index}, which had already stopped"
            )
        changes: dict[str, Any] = {"stopped": True, "stopped_at": at}
        if block.is_tool_use and block.text:
            changes["input"], changes["json_error"] = parse_final(str(block.text))
        return _set_block(snap, i, replace(block, **changes))
    if isinstance(event, MessageStart):
        if snap.message:
            snap = _problem(snap, event, "a second message_start")
        message = dict(event.message)
        message.setdefault("content", [])
        return replace(snap, message=message)
    if isinstance(event, MessageDelta):
        final = snap.usage_final or event.usage is not None
        return replace(snap, message=_message_delta(snap.message, event), usage_final=final)
    if isinstance(event, MessageStop):
        return replace(snap, state="complete", ended_at=at) if snap.state == "streaming" else snap
    if isinstance(event, ErrorEvent):
        error = ErrorInfo(event.error_type, event.message, event.request_id, sse.number)
        return replace(snap, state="errored", error=error, ended_at=at)
    if isinstance(event, UnknownEvent):
        return replace(snap, unknown_events=(*snap.unknown_events, event))
    if isinstance(event, MalformedEvent):
        return _problem(snap, event, event.problem)
    raise TypeError(f"not an event: {event!r}")  # pragma: no cover - exhaustive above


def finish(
    snap: Snapshot, *, stopped: bool = False, reason: str | None = None, at: float | None = None
) -> Snapshot:
    """End of stream: a stream that did not reach ``message_stop`` (or an error) is
    ``incomplete`` -- or ``stopped`` when the user stopped it. Open blocks stay as they are."""
    if snap.state in ("complete", "errored"):
        return snap
    ended = at if at is not None else snap.last_event_at
    if stopped:
        return replace(snap, state="stopped", end_reason=reason or "stopped by the user", ended_at=ended)
    if reason is None:
        reason = "no events" if snap.events == 0 else "the stream ended without message_stop"
    return replace(snap, state="incomplete", end_reason=reason, ended_at=ended)


def _delta(snap: Snapshot, event: ContentBlockDelta, at: float | None) -> Snapshot:
    found = _find(snap, event.index)
    delta = event.delta
    if found is None:
        return _problem(snap, event, f"{delta.type} for block {event.index}, which never started")
    i, block = found
    if block.stopped:
        snap = _problem(snap, event, f"{delta.type} for block {event.index} after its content_block_stop")
    target = _APPENDS.get(type(delta))
    if target is not None:
        kind, attr = target
        if block.type != kind:
            return _problem(snap, event, f"{delta.type} for a {block.type} block (index {event.index})")
        block = replace(block, text=block.text.plus(getattr(delta, attr)), deltas=block.deltas + 1)
        if snap.first_token_at is None:
            snap = replace(snap, first_token_at=at)
    elif isinstance(delta, InputJsonDelta):
        if not block.is_tool_use:
            return _problem(snap, event, f"input_json_delta for a {block.type} block (index {event.index})")
        block = replace(block, text=block.text.plus(delta.partial_json), deltas=block.deltas + 1)
        if snap.first_token_at is None:
            snap = replace(snap, first_token_at=at)
    elif isinstance(delta, SignatureDelta):
        block = replace(block, signature=delta.signature, deltas=block.deltas + 1)
    elif isinstance(delta, CitationsDelta):
        block = replace(block, citations=(*block.citations, delta.citation), deltas=block.deltas + 1)
    elif isinstance(delta, UnknownDelta):
        return replace(snap, unknown_events=(*snap.unknown_events, event))
    return _set_block(snap, i, block)


def _message_delta(message: dict[str, Any], event: MessageDelta) -> dict[str, Any]:
    message = dict(message)
    for key, value in event.delta.items():
        if key in ("stop_reason", "stop_sequence", "stop_details") or value is not None:
            message[key] = value
    if event.usage is not None:
        usage = dict(message.get("usage") or {})
        for key, value in event.usage.items():
            if value is not None or key == "output_tokens":
                usage[key] = value
        message["usage"] = usage
    return message


def _find(snap: Snapshot, index: int) -> tuple[int, BlockState] | None:
    blocks = snap.blocks
    if 0 <= index < len(blocks) and blocks[index].index == index:
        return index, blocks[index]
    for i, block in enumerate(blocks):
        if block.index == index:
            return i, block
    return None


def _set_block(snap: Snapshot, i: int, block: BlockState) -> Snapshot:
    blocks = snap.blocks
    return replace(snap, blocks=(*blocks[:i], block, *blocks[i + 1 :]))


def _problem(snap: Snapshot, event: Event, message: str) -> Snapshot:
    problem = Problem(message, event.sse.number, event.sse.offset)
    return replace(snap, problems=(*snap.problems, problem))
