"""The fold: ``accumulate(snapshot, event) -> snapshot``, and ``finish`` at end of stream.

Pure: the snapshot given is never changed, a new one is returned. Tolerant: input that breaks
the protocol (a delta for a block that never started, a malformed event, events before
``message_start``) is recorded in ``Snapshot.problems`` and the fold goes on, so everything
that did arrive is kept; a stream without ``usage`` is simply a message without usage. The
rules:

- text and thinking deltas append; a signature delta replaces; a compaction delta replaces
  its block's ``content`` and ``encrypted_content``;
- a citation appends to its text block's ``citations``;
- a ``fallback`` block names the model that answers from there on: the message's ``model``;
- tool input JSON text appends to a buffer, and is parsed once, strictly, at block stop
  (invalid JSON marks the block, never the stream); while it streams, a partial parse is
  available for display only (:meth:`BlockState.partial_input`);
- ``message_delta`` says how the message stopped: its ``stop_reason``, ``stop_sequence`` and
  ``stop_details`` replace the message's (one it leaves out becomes null, as in the official
  SDK); its other ``delta`` fields (``container``...) and its ``context_management`` and
  ``input_transformations`` are set when not null; its usage is cumulative: each count present
  overwrites, none is added (fields the SDK does not know yet too).

This is the official SDK's beta accumulator (``anthropic.lib.streaming``), field by field, plus
what it drops: unknown events and deltas are kept (``Snapshot.unknown_events``), a tool input
is parsed strictly once instead of on every delta, and bad input is reported, not raised.
"""

from __future__ import annotations

from typing import Any

from ._blocks import TOOL_USE_TYPES
from ._events import (
    CitationsDelta,
    CompactionDelta,
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
from ._snapshot import BlockState, ErrorInfo, Problem, Rope, Snapshot, evolve

_STOP_FIELDS = ("stop_reason", "stop_sequence", "stop_details")
_MESSAGE_DELTA_FIELDS = ("context_management", "input_transformations")

__all__ = ["accumulate", "finish"]

Changes = dict[str, Any]


def accumulate(snap: Snapshot, event: Event) -> Snapshot:
    """Fold one event into the snapshot; return the new snapshot."""
    if type(event) is ContentBlockDelta:
        fast = _append_fast(snap, event)
        if fast is not None:
            return fast
    at = event.sse.time
    changes: Changes = {"events": snap.events + 1, "last_event_at": at}
    if snap.first_event_at is None:
        changes["first_event_at"] = at
    if snap.state == "waiting":
        changes["state"] = "streaming"
    _HANDLERS[type(event)](snap, event, changes)
    return evolve(snap, **changes)


def finish(snap: Snapshot, *, stopped: bool = False, reason: str | None = None, at: float | None = None) -> Snapshot:
    """End of stream: a stream that did not reach ``message_stop`` (or an error) is
    ``incomplete`` -- or ``stopped`` when the user stopped it. Open blocks stay as they are."""
    if snap.state in ("complete", "errored"):
        return snap
    ended = at if at is not None else snap.last_event_at
    if stopped:
        return evolve(snap, state="stopped", end_reason=reason or "stopped by the user", ended_at=ended)
    if reason is None:
        reason = "no events" if snap.events == 0 else "the stream ended without message_stop"
    return evolve(snap, state="incomplete", end_reason=reason, ended_at=ended)


def _append_fast(snap: Snapshot, event: ContentBlockDelta) -> Snapshot | None:
    """The common case -- text, thinking or tool JSON appended to the open last block -- with
    one copy of the block and one of the snapshot (it runs for nearly every event)."""
    blocks = snap.blocks
    index = event.index
    if index != len(blocks) - 1 or snap.state != "streaming":
        return None
    block = blocks[index]
    delta = event.delta
    kind = type(delta)
    if block.stopped or block.index != index:
        return None
    if kind is TextDelta and block.type == "text":
        piece = delta.text  # type: ignore[union-attr]
    elif kind is InputJsonDelta and block.type in TOOL_USE_TYPES:
        piece = delta.partial_json  # type: ignore[union-attr]
    elif kind is ThinkingDelta and block.type == "thinking":
        piece = delta.thinking  # type: ignore[union-attr]
    else:
        return None
    at = event.sse.time
    # evolve() and Rope.plus() by hand: this is the hottest code of the fold.
    text = block.text
    parts = text._parts
    if len(parts) != text._n:  # a later version already appended here: branch off a copy
        parts = parts[: text._n]
    parts.append(piece)
    rope = _new(Rope)
    rope._parts, rope._n, rope._len, rope._joined = parts, text._n + 1, text._len + len(piece), None
    # dict.copy() then set: twice as fast as {**d, key: value} (a combined dict is cloned whole).
    fields = block.__dict__.copy()
    fields["text"], fields["deltas"] = rope, block.deltas + 1
    grown = _new(BlockState)
    _setattr(grown, "__dict__", fields)
    state = snap.__dict__.copy()
    state["blocks"] = (grown,) if index == 0 else (*blocks[:-1], grown)
    state["events"], state["last_event_at"] = snap.events + 1, at
    if snap.first_token_at is None and at is not None:
        state["first_token_at"] = at
    after = _new(Snapshot)
    _setattr(after, "__dict__", state)
    return after


_new = object.__new__
_setattr = object.__setattr__  # how a frozen dataclass sets its own fields


# --- one handler per event type: each records its changes ------------------------------------


def _delta(snap: Snapshot, event: ContentBlockDelta, changes: Changes) -> None:
    delta = event.delta
    found = _find(snap, event.index)
    if found is None:
        _problem(snap, changes, event, f"{delta.type} for block {event.index}, which never started")
        return
    i, block = found
    if block.stopped:
        _problem(snap, changes, event, f"{delta.type} for block {event.index} after its content_block_stop")
    if isinstance(delta, (TextDelta, ThinkingDelta, InputJsonDelta)):
        piece = _append_target(block, delta)
        if piece is None:
            _problem(snap, changes, event, f"{delta.type} for a {block.type} block (index {event.index})")
            return
        block = evolve(block, text=block.text.plus(piece), deltas=block.deltas + 1)
        if snap.first_token_at is None:
            changes["first_token_at"] = event.sse.time
    elif isinstance(delta, SignatureDelta):
        block = evolve(block, signature=delta.signature, deltas=block.deltas + 1)
    elif isinstance(delta, CitationsDelta):
        block = evolve(block, citations=(*block.citations, delta.citation), deltas=block.deltas + 1)
    elif isinstance(delta, CompactionDelta):
        if block.type != "compaction":
            _problem(snap, changes, event, f"compaction_delta for a {block.type} block (index {event.index})")
            return
        replaced = {"content": delta.content, "encrypted_content": delta.encrypted_content}
        block = evolve(block, replaced=replaced, deltas=block.deltas + 1)
    else:
        assert isinstance(delta, UnknownDelta)
        changes["unknown_events"] = snap.unknown_events.plus(event)
        return
    _set_block(snap, changes, i, block)


def _append_target(block: BlockState, delta: TextDelta | ThinkingDelta | InputJsonDelta) -> str | None:
    """The text a delta appends, or None when it does not belong to this kind of block."""
    if isinstance(delta, TextDelta):
        return delta.text if block.type == "text" else None
    if isinstance(delta, ThinkingDelta):
        return delta.thinking if block.type == "thinking" else None
    return delta.partial_json if block.is_tool_use else None


def _start(snap: Snapshot, event: ContentBlockStart, changes: Changes) -> None:
    if not snap.message:
        _problem(snap, changes, event, "content_block_start before message_start")
    if event.index != len(snap.blocks):
        _problem(snap, changes, event, f"content_block_start index {event.index}, expected {len(snap.blocks)}")
    data = event.content_block.data
    kind = event.content_block.type
    block = BlockState(index=event.index, type=kind, start=data, started_at=event.sse.time)
    if block.is_tool_use:
        block = evolve(block, input=data.get("input", {}))
    changes["blocks"] = (*snap.blocks, block)
    to = data.get("to") if kind == "fallback" else None
    if isinstance(to, dict) and isinstance(to.get("model"), str):
        changes["message"] = {**snap.message, "model": to["model"]}
    if snap.first_block_at is None:
        changes["first_block_at"] = event.sse.time


def _stop(snap: Snapshot, event: ContentBlockStop, changes: Changes) -> None:
    found = _find(snap, event.index)
    if found is None:
        _problem(snap, changes, event, f"content_block_stop for block {event.index}, which never started")
        return
    i, block = found
    if block.stopped:
        _problem(snap, changes, event, f"content_block_stop for block {event.index}, which had already stopped")
        return
    done: Changes = {"stopped": True, "stopped_at": event.sse.time}
    if block.is_tool_use and block.text:
        done["input"], done["json_error"] = parse_final(str(block.text))
    _set_block(snap, changes, i, evolve(block, **done))


def _message_start(snap: Snapshot, event: MessageStart, changes: Changes) -> None:
    if snap.message:
        _problem(snap, changes, event, "a second message_start")
    message = dict(event.message)
    message.setdefault("content", [])
    changes["message"] = message


def _message_delta(snap: Snapshot, event: MessageDelta, changes: Changes) -> None:
    message = dict(snap.message)
    delta = event.delta
    for key in _STOP_FIELDS:
        if key in delta or key in message:
            message[key] = delta.get(key)
    for key, value in delta.items():
        if value is not None and key not in _STOP_FIELDS:
            message[key] = value
    for key in _MESSAGE_DELTA_FIELDS:
        if event.extra.get(key) is not None:
            message[key] = event.extra[key]
    if event.usage is not None:
        usage = dict(message.get("usage") or {})
        for key, value in event.usage.items():
            if value is not None or key == "output_tokens":
                usage[key] = value
        message["usage"] = usage
        changes["usage_final"] = True
    changes["message"] = message


def _message_stop(snap: Snapshot, event: MessageStop, changes: Changes) -> None:
    if snap.state in ("waiting", "streaming"):
        changes["state"] = "complete"
        changes["ended_at"] = event.sse.time


def _error(snap: Snapshot, event: ErrorEvent, changes: Changes) -> None:
    changes["state"] = "errored"
    changes["error"] = ErrorInfo(event.error_type, event.message, event.request_id, event.sse.number)
    changes["ended_at"] = event.sse.time


def _unknown(snap: Snapshot, event: UnknownEvent, changes: Changes) -> None:
    changes["unknown_events"] = snap.unknown_events.plus(event)


def _malformed(snap: Snapshot, event: MalformedEvent, changes: Changes) -> None:
    _problem(snap, changes, event, event.problem)


def _ping(snap: Snapshot, event: PingEvent, changes: Changes) -> None:
    pass


_HANDLERS: dict[type, Any] = {
    ContentBlockDelta: _delta,
    ContentBlockStart: _start,
    ContentBlockStop: _stop,
    MessageStart: _message_start,
    MessageDelta: _message_delta,
    MessageStop: _message_stop,
    ErrorEvent: _error,
    UnknownEvent: _unknown,
    MalformedEvent: _malformed,
    PingEvent: _ping,
}


def _find(snap: Snapshot, index: int) -> tuple[int, BlockState] | None:
    blocks = snap.blocks
    if 0 <= index < len(blocks) and blocks[index].index == index:
        return index, blocks[index]
    for i, block in enumerate(blocks):
        if block.index == index:
            return i, block
    return None


def _set_block(snap: Snapshot, changes: Changes, i: int, block: BlockState) -> None:
    blocks = changes.get("blocks", snap.blocks)
    changes["blocks"] = (*blocks[:i], block, *blocks[i + 1 :])


def _problem(snap: Snapshot, changes: Changes, event: Event, message: str) -> None:
    problem = Problem(message, event.sse.number, event.sse.offset)
    changes["problems"] = changes.get("problems", snap.problems).plus(problem)
