"""Typed Messages API stream events and deltas; the content blocks they carry are :mod:`._blocks`'s.

``parse_event`` turns one :class:`~claude_stream_nb.core._sse.ServerSentEvent` into one of the
frozen dataclasses below. Nothing is dropped: an event, delta or block type this module does
not know becomes ``UnknownEvent`` / ``UnknownDelta`` / ``UnknownBlock`` with its payload kept,
and bytes that are not a JSON object become ``MalformedEvent`` saying what was wrong.

Every event carries the ``sse`` it came from (raw bytes, offset, number, arrival time).
Blocks keep their whole payload in ``data`` so the final message carries every field the
API sent, including ones added after this module was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

import jiter

from ._blocks import (
    Block,
    parse_block,
)
from ._sse import ServerSentEvent

__all__ = [
    "CitationsDelta",
    "CompactionDelta",
    "ContentBlockDelta",
    "ContentBlockStart",
    "ContentBlockStop",
    "Delta",
    "ErrorEvent",
    "Event",
    "InputJsonDelta",
    "MalformedEvent",
    "MessageDelta",
    "MessageStart",
    "MessageStop",
    "PingEvent",
    "SignatureDelta",
    "TextDelta",
    "ThinkingDelta",
    "UnknownDelta",
    "UnknownEvent",
    "parse_event",
]

_NO_SSE = ServerSentEvent(event="", data="")
_from_json = jiter.from_json


# --- deltas -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    type: ClassVar[Literal["text_delta"]] = "text_delta"


@dataclass(frozen=True, slots=True)
class InputJsonDelta:
    partial_json: str
    """A piece of the tool input's JSON text; may be ``""``; never valid JSON on its own."""
    type: ClassVar[Literal["input_json_delta"]] = "input_json_delta"


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    thinking: str
    type: ClassVar[Literal["thinking_delta"]] = "thinking_delta"


@dataclass(frozen=True, slots=True)
class SignatureDelta:
    signature: str
    """Replaces (never appends to) the thinking block's signature."""
    type: ClassVar[Literal["signature_delta"]] = "signature_delta"


@dataclass(frozen=True, slots=True)
class CitationsDelta:
    citation: dict[str, Any]
    type: ClassVar[Literal["citations_delta"]] = "citations_delta"


@dataclass(frozen=True, slots=True)
class CompactionDelta:
    """A compaction block's summary: REPLACES the block's ``content`` and ``encrypted_content``
    (both: one the delta leaves out becomes null, as the official SDK's accumulator does)."""

    content: str | None
    encrypted_content: str | None
    type: ClassVar[Literal["compaction_delta"]] = "compaction_delta"


@dataclass(frozen=True, slots=True)
class UnknownDelta:
    data: dict[str, Any]
    type: str = ""


Delta = TextDelta | InputJsonDelta | ThinkingDelta | SignatureDelta | CitationsDelta | CompactionDelta | UnknownDelta


def parse_delta(data: dict[str, Any]) -> Delta:
    kind = data.get("type")
    try:
        if kind == "text_delta":
            return TextDelta(_str(data, "text"))
        if kind == "input_json_delta":
            return InputJsonDelta(_str(data, "partial_json"))
        if kind == "thinking_delta":
            return ThinkingDelta(_str(data, "thinking"))
        if kind == "signature_delta":
            return SignatureDelta(_str(data, "signature"))
        if kind == "citations_delta" and isinstance(data.get("citation"), dict):
            return CitationsDelta(data["citation"])
        if kind == "compaction_delta":
            return CompactionDelta(_str_or_none(data, "content"), _str_or_none(data, "encrypted_content"))
    except _FieldError:
        pass
    return UnknownDelta(data, str(kind))


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStart:
    message: dict[str, Any]
    """The Message with ``content: []``; its ``usage`` is the starting usage."""
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["message_start"]] = "message_start"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentBlockStart:
    index: int
    content_block: Block
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["content_block_start"]] = "content_block_start"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentBlockDelta:
    index: int
    delta: Delta
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["content_block_delta"]] = "content_block_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentBlockStop:
    index: int
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["content_block_stop"]] = "content_block_stop"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDelta:
    delta: dict[str, Any]
    """``stop_reason``, ``stop_sequence`` and whatever else the API adds (``stop_details``...)."""
    usage: dict[str, Any] | None
    """CUMULATIVE usage so far: it overwrites, never adds."""
    extra: dict[str, Any] = field(default_factory=dict)
    """The event's other top-level fields, as received (``context_management``,
    ``input_transformations``, ones added later)."""
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["message_delta"]] = "message_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStop:
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["message_stop"]] = "message_stop"


@dataclass(frozen=True, slots=True, kw_only=True)
class PingEvent:
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["ping"]] = "ping"


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent:
    """An error after HTTP 200, e.g. ``overloaded_error``: the stream ends here."""

    error_type: str
    message: str
    request_id: str | None = None
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["error"]] = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent:
    """An event name this version does not know (the API may add some): kept and shown."""

    name: str
    data: Any
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["unknown"]] = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class MalformedEvent:
    """Bytes that do not make a valid event: what was wrong, and where."""

    name: str
    problem: str
    sse: ServerSentEvent = field(default=_NO_SSE, repr=False, compare=False)
    type: ClassVar[Literal["malformed"]] = "malformed"


Event = (
    MessageStart
    | ContentBlockStart
    | ContentBlockDelta
    | ContentBlockStop
    | MessageDelta
    | MessageStop
    | PingEvent
    | ErrorEvent
    | UnknownEvent
    | MalformedEvent
)


class _FieldError(ValueError):
    pass


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _FieldError(f"field {key!r} should be a string, got {_kind(value)}")
    return value


def _str_or_none(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _FieldError(f"field {key!r} should be a string or null, got {_kind(value)}")
    return value


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _FieldError(f"field {key!r} should be an integer, got {_kind(value)}")
    return value


def _dict(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise _FieldError(f"field {key!r} should be an object, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def parse_event(sse: ServerSentEvent) -> Event:
    """Type one decoded SSE event. Never raises: bad input becomes ``MalformedEvent``."""
    name, text, problem = sse.event, sse.data, sse.problem
    if problem:
        return MalformedEvent(name=name, problem=problem, sse=sse)
    if name == "ping" and not text.strip():
        return PingEvent(sse=sse)
    try:
        data = _from_json(text.encode())
    except ValueError as exc:
        snippet = text[:60] + ("…" if len(text) > 60 else "")
        return MalformedEvent(name=name, problem=f"data is not JSON ({exc}): {snippet!r}", sse=sse)
    if type(data) is not dict:
        return MalformedEvent(name=name, problem=f"data should be a JSON object, got {_kind(data)}", sse=sse)
    # A stream without `event:` lines still names each event in the JSON "type".
    name = name or str(data.get("type", ""))
    if name == "content_block_delta":  # nearly every event: the common deltas without detours
        delta, index = data.get("delta"), data.get("index")
        if type(index) is int and type(delta) is dict:
            fast = _FAST_DELTAS.get(delta.get("type"))  # type: ignore[arg-type]
            if fast is not None and type(value := delta.get(fast[0])) is str:
                # ContentBlockDelta(index=, delta=TextDelta(value), sse=), slots set by hand.
                typed: Any = _new(fast[1])
                event: ContentBlockDelta = _new(ContentBlockDelta)
                fast[2](typed, value)
                _put_index(event, index)
                _put_delta(event, typed)
                _put_sse(event, sse)
                return event
    try:
        return _typed(name, data, sse)
    except _FieldError as exc:
        return MalformedEvent(name=name, problem=f"{name}: {exc}", sse=sse)


def _slot(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The setter of a slot: it fills a frozen instance without its ``__init__``, which costs
    twice as much (and the fast path below runs for nearly every event)."""
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter


def _fast(cls: type) -> tuple[str, type, Callable[[Any, Any], None]]:
    """For a one-field delta (``TextDelta(text)``...): its JSON key, its class, its slot's setter."""
    (name,) = [f.name for f in fields(cls)]
    return name, cls, _slot(cls, name)


_FAST_DELTAS: dict[str, tuple[str, type, Callable[[Any, Any], None]]] = {
    "text_delta": _fast(TextDelta),
    "input_json_delta": _fast(InputJsonDelta),
    "thinking_delta": _fast(ThinkingDelta),
}
_new = object.__new__
_put_index = _slot(ContentBlockDelta, "index")
_put_delta = _slot(ContentBlockDelta, "delta")
_put_sse = _slot(ContentBlockDelta, "sse")


def _typed(name: str, data: dict[str, Any], sse: ServerSentEvent) -> Event:
    if name == "content_block_delta":
        return ContentBlockDelta(index=_int(data, "index"), delta=parse_delta(_dict(data, "delta")), sse=sse)
    if name == "content_block_start":
        block = parse_block(_dict(data, "content_block"))
        return ContentBlockStart(index=_int(data, "index"), content_block=block, sse=sse)
    if name == "content_block_stop":
        return ContentBlockStop(index=_int(data, "index"), sse=sse)
    if name == "message_start":
        return MessageStart(message=_dict(data, "message"), sse=sse)
    if name == "message_delta":
        usage = data.get("usage")
        extra = {k: v for k, v in data.items() if k not in ("type", "delta", "usage")}
        usage = usage if isinstance(usage, dict) else None
        return MessageDelta(delta=_dict(data, "delta"), usage=usage, extra=extra, sse=sse)
    if name == "message_stop":
        return MessageStop(sse=sse)
    if name == "ping":
        return PingEvent(sse=sse)
    if name == "error":
        error = data["error"] if isinstance(data.get("error"), dict) else data
        request_id = data.get("request_id")
        return ErrorEvent(
            error_type=str(error.get("type", "error")),
            message=str(error.get("message", "")),
            request_id=request_id if isinstance(request_id, str) else None,
            sse=sse,
        )
    return UnknownEvent(name=name, data=data, sse=sse)
