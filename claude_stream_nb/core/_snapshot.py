"""The state of a stream after some events: immutable values a fold produces.

A :class:`Snapshot` is never changed in place, so a player can keep one per event and step
back for free. Text grows through :class:`Rope`, an append-only buffer that shares its parts
with earlier versions, so appending a delta costs O(len(delta)), not O(len(text)): a 200 KB
tool argument in 4,000 deltas is linear work. Problems and unknown events grow the same way,
through :class:`Log` (an append-only tuple whose versions share one list).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from ._blocks import TOOL_USE_TYPES
from ._partial_json import PartialJSON, parse_cut, parse_partial

__all__ = ["BlockState", "ErrorInfo", "Log", "Problem", "Rope", "Snapshot", "State", "evolve"]

_T = TypeVar("_T")


def evolve(obj: _T, **changes: Any) -> _T:
    """A copy of a frozen dataclass with ``changes``: ``dataclasses.replace`` without its
    per-field work (it runs once per event, so it must be cheap: ~0.5 us instead of ~5)."""
    new = object.__new__(type(obj))
    state = obj.__dict__.copy()  # a clone of the combined dict: cheaper than filling a new one
    state.update(changes)
    object.__setattr__(new, "__dict__", state)
    return new


State = Literal["waiting", "streaming", "complete", "errored", "incomplete", "stopped"]


class Rope:
    """An append-only string whose versions share storage (persistent, O(1) amortized append)."""

    __slots__ = ("_joined", "_len", "_n", "_parts")

    def __init__(self, parts: list[str] | None = None, n: int = 0, length: int = 0) -> None:
        self._parts = parts if parts is not None else []
        self._n = n
        self._len = length
        self._joined: str | None = None

    def plus(self, piece: str) -> Rope:
        if not piece:
            return self
        parts = self._parts
        if len(parts) != self._n:  # a later version already appended here: branch off a copy
            parts = parts[: self._n]
        parts.append(piece)
        return Rope(parts, self._n + 1, self._len + len(piece))

    def __str__(self) -> str:
        if self._joined is None:
            parts = self._parts if len(self._parts) == self._n else self._parts[: self._n]
            self._joined = "".join(parts)
        return self._joined

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rope):
            return self._len == other._len and str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        text = str(self)
        return f"Rope({text[:40]!r}{'…' if len(text) > 40 else ''}, {self._n} parts)"

    @property
    def parts(self) -> int:
        """How many pieces were appended (deltas received)."""
        return self._n


EMPTY = Rope()


class Log(Sequence[_T], Generic[_T]):
    """An append-only tuple whose versions share storage: :meth:`plus` is O(1) amortized and
    never changes this version (a later one appending here branches off a copy, as in
    :class:`Rope`). Equal to any tuple or list with the same items."""

    __slots__ = ("_items", "_n")

    def __init__(self, items: list[_T] | None = None, n: int | None = None) -> None:
        self._items = items if items is not None else []
        self._n = len(self._items) if n is None else n

    def plus(self, item: _T) -> Log[_T]:
        items = self._items
        if len(items) != self._n:
            items = items[: self._n]
        items.append(item)
        return Log(items, self._n + 1)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> _T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[_T, ...]: ...
    def __getitem__(self, index: int | slice) -> _T | tuple[_T, ...]:
        if isinstance(index, slice):
            return tuple(self._items[: self._n][index])
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError("Log index out of range")
        return self._items[index]

    def __iter__(self) -> Iterator[_T]:
        items, n = self._items, self._n
        return iter(items) if len(items) == n else iter(items[:n])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Log | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


NO_ITEMS: Log[Any] = Log()


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input that was kept going past: what, and where."""

    message: str
    event: int = 0
    """1-based event number (0: not tied to one event)."""
    offset: int | None = None
    """Byte offset in the stream."""
    severity: Literal["error", "warning"] = "error"
    """``error``: the input broke the protocol (``replay`` exits 2); ``warning``: unusual but
    everything was understood (a last event without its blank line, bytes after the end)."""

    def __str__(self) -> str:
        where = [f"event {self.event}"] if self.event else []
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        return f"warning: {text}" if self.severity == "warning" else text


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """An ``error`` event (or a failed request): its type, message and where it came."""

    type: str
    message: str
    request_id: str | None = None
    event: int = 0


@dataclass(frozen=True)
class BlockState:
    """One content block as far as it has arrived."""

    index: int
    type: str
    start: dict[str, Any] = field(repr=False)
    """The ``content_block`` payload of ``content_block_start``, as received."""
    text: Rope = EMPTY
    """Text, thinking, or the raw tool-input JSON text, by block type."""
    signature: str | None = None
    citations: tuple[dict[str, Any], ...] = ()
    input: Any = None
    """The parsed tool input, set when the block stops."""
    json_error: str | None = None
    """Set when a tool input was not valid JSON at block stop (cut off, or invalid)."""
    replaced: dict[str, Any] | None = None
    """Fields a delta replaced in the block (a compaction delta's ``content`` and
    ``encrypted_content``): they override ``start``."""
    started_at: float | None = None
    stopped_at: float | None = None
    stopped: bool = False
    deltas: int = 0

    @property
    def is_tool_use(self) -> bool:
        return self.type in TOOL_USE_TYPES

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.stopped_at is None:
            return None
        return self.stopped_at - self.started_at

    def partial_input(self) -> PartialJSON:
        """The tool input parsed as far as it goes, for display while it streams."""
        return parse_partial(str(self.text))

    def to_dict(self) -> dict[str, Any]:
        """The block as the API's non-streaming response would carry it."""
        out = dict(self.start)
        kind = self.type
        if kind == "text":
            out["text"] = out.get("text", "") + str(self.text)
            if self.citations:
                out["citations"] = [*(out.get("citations") or ()), *self.citations]
        elif kind == "thinking":
            out["thinking"] = out.get("thinking", "") + str(self.text)
            if self.signature is not None:
                out["signature"] = self.signature
        elif self.is_tool_use and self.text:
            # Cut before its content_block_stop (max_tokens): what the official SDK holds, its
            # partial parse, which drops an unfinished trailing string (the live view shows it:
            # partial_input()).
            out["input"] = self.input if self.stopped else parse_cut(str(self.text))
        if self.replaced:
            out.update(self.replaced)
        return out


@dataclass(frozen=True)
class Snapshot:
    """Everything a stream has said so far, and when."""

    message: dict[str, Any] = field(default_factory=dict, repr=False)
    """The message from ``message_start`` (without content), updated by ``message_delta``."""
    blocks: tuple[BlockState, ...] = ()
    state: State = "waiting"
    error: ErrorInfo | None = None
    problems: Log[Problem] = NO_ITEMS
    """What was wrong with the input (errors) or unusual about it (warnings), in order."""
    unknown_events: Log[Any] = NO_ITEMS
    """Events (and deltas) of types this version does not know, kept as received."""
    events: int = 0
    reconnects: tuple[dict[str, Any], ...] = ()
    """Where a live stream reconnected and continued: ``at`` (time), ``block`` and ``offset``
    (the text it joined), ``reason``."""
    usage_final: bool = False
    """True once a ``message_delta`` brought the cumulative usage (before it, counts are estimates)."""
    end_reason: str | None = None
    """Why a stream that did not complete ended (incomplete or stopped)."""
    first_event_at: float | None = None
    first_token_at: float | None = None
    first_block_at: float | None = None
    """When the first content block began (hidden thinking produces output before any delta)."""
    last_event_at: float | None = None
    ended_at: float | None = None

    # --- derived views ------------------------------------------------------------------

    @property
    def usage(self) -> dict[str, Any]:
        usage = self.message.get("usage")
        return usage if isinstance(usage, dict) else {}

    @property
    def stop_reason(self) -> str | None:
        reason = self.message.get("stop_reason")
        return reason if isinstance(reason, str) else None

    @property
    def text(self) -> str:
        """All text blocks joined (the answer a person reads)."""
        return "".join(str(b.text) for b in self.blocks if b.type == "text")

    @property
    def open_block(self) -> BlockState | None:
        for block in reversed(self.blocks):
            if not block.stopped:
                return block
        return None

    @property
    def phase(self) -> str:
        """A word for what is happening: waiting, thinking, writing, calling a tool, done..."""
        if self.state == "waiting":
            return "waiting"
        if self.state == "streaming":
            block = self.open_block
            if block is None:
                return "streaming"
            if block.type in ("thinking", "redacted_thinking"):
                return "thinking"
            if block.is_tool_use:
                return "calling a tool"
            return "writing"
        return {"complete": "done", "errored": "error"}.get(self.state, self.state)

    @property
    def time_to_first_byte(self) -> float | None:
        return self.first_event_at

    @property
    def time_to_first_token(self) -> float | None:
        return self.first_token_at

    @property
    def total_time(self) -> float | None:
        return self.ended_at if self.ended_at is not None else self.last_event_at

    @property
    def output_tokens(self) -> int | None:
        """Output tokens: the API's count once ``message_delta`` gave it, else an estimate
        (about 4 characters a token) from what has streamed; see :attr:`usage_final`."""
        tokens = self.usage.get("output_tokens")
        if self.usage_final:
            return tokens if isinstance(tokens, int) else None
        streamed = sum(len(b.text) for b in self.blocks)
        return round(streamed / 4) if streamed else None

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over the time the output took: from the first content block (which is
        the first token, unless thinking was hidden) to the last event."""
        start = self.first_block_at if self.first_block_at is not None else self.first_token_at
        tokens, end = self.output_tokens, self.total_time
        if not tokens or start is None or end is None or end <= start:
            return None
        return tokens / (end - start)

    def to_message(self) -> dict[str, Any]:
        """The final message, in the shape of the API's non-streaming response."""
        out = dict(self.message)
        out["content"] = [block.to_dict() for block in self.blocks]
        return copy.deepcopy(out)  # the snapshot shares its dicts with earlier ones: never hand them out
