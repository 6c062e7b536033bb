"""What one event changed in the message, in words: the player shows it beside each event.

A pure function of the snapshots before and after the event, so it always agrees with the fold.
"""

from __future__ import annotations

import json
from typing import Any

from ...core._events import (
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
    UnknownEvent,
)
from ...core._snapshot import BlockState, Snapshot

__all__ = ["describe_change"]


def describe_change(before: Snapshot, after: Snapshot, event: Event) -> str:
    """One or two lines: which part of the message the event touched, and how."""
    if isinstance(event, ContentBlockDelta):
        return _delta(after, event)
    if isinstance(event, ContentBlockStart):
        block = _block(after, event.index)
        what = f"{block.type} {block.start.get('name', '')}".strip() if block else event.content_block.type
        whole = " (arrives whole)" if block and not block.is_tool_use and block.type not in ("text", "thinking") else ""
        return f"content[{event.index}] starts: {what}{whole}"
    if isinstance(event, ContentBlockStop):
        return _stop(after, event.index)
    if isinstance(event, MessageStart):
        usage = after.usage
        return (
            f"the message begins: id {after.message.get('id')}, model {after.message.get('model')}; "
            f"usage so far: {usage.get('input_tokens')} in, {usage.get('output_tokens')} out"
        )
    if isinstance(event, MessageDelta):
        parts = [f"stop_reason = {event.delta.get('stop_reason')!r}"]
        if event.usage:
            old = before.usage.get("output_tokens")
            parts.append(
                f"usage.output_tokens = {event.usage.get('output_tokens')} "
                f"(cumulative: it replaces {old}, it is not added)"
            )
        return "; ".join(parts)
    if isinstance(event, MessageStop):
        return "the message is complete"
    if isinstance(event, PingEvent):
        return "nothing: a keep-alive"
    if isinstance(event, ErrorEvent):
        return f"error {event.error_type}: {event.message} -- the stream ends here, the partial message stays"
    if isinstance(event, UnknownEvent):
        return f"nothing folded: an event type this version does not know ({event.name}), kept and shown"
    if isinstance(event, MalformedEvent):
        return f"nothing folded: {event.problem}"
    return "nothing"


def _delta(after: Snapshot, event: ContentBlockDelta) -> str:
    block = _block(after, event.index)
    delta = event.delta
    where = f"content[{event.index}]"
    size = f"now {len(block.text):,} characters" if block else ""
    if isinstance(delta, TextDelta):
        return f"{where}.text += {_clip(delta.text)} ({size})"
    if isinstance(delta, ThinkingDelta):
        return f"{where}.thinking += {_clip(delta.thinking)} ({size})"
    if isinstance(delta, InputJsonDelta):
        shown = ""
        if block is not None:
            partial = block.partial_input()
            value = json.dumps(partial.value, ensure_ascii=False) if partial.value is not None else "nothing yet"
            pending = f", {partial.pending!r} still arriving" if partial.pending else ""
            shown = f"; parsed so far: {_clip(value, 80, quote=False)}{pending}"
        return f"{where} input JSON text += {_clip(delta.partial_json)} ({size}){shown}"
    if isinstance(delta, SignatureDelta):
        return f"{where}.signature = {len(delta.signature)} characters (replaced, not appended)"
    if isinstance(delta, CitationsDelta):
        count = len(block.citations) if block else 0
        return f"{where}.citations += one {delta.citation.get('type')} (now {count})"
    return f"nothing folded: a delta type this version does not know ({delta.type}), kept and shown"


def _stop(after: Snapshot, index: int) -> str:
    block = _block(after, index)
    if block is None:
        return f"content[{index}] stops (it never started)"
    took = f" after {block.duration:.2f} s" if block.duration is not None else ""
    if block.is_tool_use:
        if block.json_error:
            return f"content[{index}] stops{took}; its input is not valid JSON: {block.json_error}"
        parsed = _clip(json.dumps(block.input, ensure_ascii=False), 100, quote=False)
        return f"content[{index}] stops{took}; input parsed once: {parsed}"
    return f"content[{index}] ({block.type}) stops{took}"


def _block(snap: Snapshot, index: int) -> BlockState | None:
    return next((b for b in snap.blocks if b.index == index), None)


def _clip(text: Any, limit: int = 40, *, quote: bool = True) -> str:
    text = str(text)
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(clipped) if quote else clipped
