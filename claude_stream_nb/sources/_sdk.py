"""Show the official SDK's streams in the same view: ``show(client.messages.stream(...))``.

Accepts what the ``anthropic`` package streams -- ``messages.stream(...)`` (the manager, or the
stream it yields) and ``messages.create(..., stream=True)``, sync or async. The SDK's raw events
are turned back into SSE (``encode_event`` of their JSON) and folded like any other stream; its
helper events (``text``, ``input_json``, ``citation``...) repeat what the raw events say and are
skipped. ``anthropic`` is never imported here: the objects are used as they come.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import Any

from ..core._message import Message
from ..core._sse import encode_event
from ..core._stream import Chunk, Sink, aconsume, consume
from ._record import Recorder

__all__ = ["ashow", "show"]

_RAW = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    }
)
_EXTRAS = {"content_block_stop": {"content_block"}, "message_stop": {"message"}}  # the SDK's additions


def show(
    sdk_stream: Any, *, record: str | Path | None = None, sink: Sink | None = None, title: str | None = None
) -> Message:
    """Fold an official-SDK stream into ``sink``; return the final message (and record it, if asked)."""
    sinks = _sinks(sink, record, title)
    start = time.monotonic()
    with ExitStack() as stack:
        events = stack.enter_context(sdk_stream) if _is_manager(sdk_stream) else sdk_stream
        return Message(consume(_chunks(events, lambda: time.monotonic() - start), sinks))


async def ashow(
    sdk_stream: Any, *, record: str | Path | None = None, sink: Sink | None = None, title: str | None = None
) -> Message:
    """:func:`show` for ``AsyncAnthropic`` streams."""
    sinks = _sinks(sink, record, title)
    start = time.monotonic()
    async with AsyncExitStack() as stack:
        manager = hasattr(sdk_stream, "__aenter__") and not hasattr(sdk_stream, "__aiter__")
        events = await stack.enter_async_context(sdk_stream) if manager else sdk_stream
        return Message(await aconsume(_achunks(events, lambda: time.monotonic() - start), sinks))


def _sinks(sink: Sink | None, record: str | Path | None, title: str | None) -> list[Sink]:
    sinks = [] if sink is None else [sink]
    if record is not None:
        sinks.append(Recorder(record, description=f"recorded from the anthropic SDK: {title or 'stream'}"))
    return sinks


def _is_manager(obj: Any) -> bool:
    return hasattr(obj, "__enter__") and not hasattr(obj, "__iter__")


def _chunks(events: Any, clock: Callable[[], float]) -> Iterator[Chunk]:
    try:
        for event in events:
            chunk = _encode(event)
            if chunk is not None:
                yield chunk, clock()
    except Exception as exc:  # the SDK raises on an `error` event: show it as one, then re-raise
        error = _error_event(exc)
        if error is None:
            raise
        yield error, clock()
        raise


async def _achunks(events: Any, clock: Callable[[], float]) -> AsyncIterator[Chunk]:
    try:
        async for event in events:
            chunk = _encode(event)
            if chunk is not None:
                yield chunk, clock()
    except Exception as exc:
        error = _error_event(exc)
        if error is None:
            raise
        yield error, clock()
        raise


def _encode(event: Any) -> bytes | None:
    kind = getattr(event, "type", None)
    if kind not in _RAW:
        return None
    data = event.to_dict(mode="json") if hasattr(event, "to_dict") else dict(event)
    for extra in _EXTRAS.get(kind, ()):
        data.pop(extra, None)
    return encode_event(kind, data)


def _error_event(exc: Exception) -> bytes | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return encode_event("error", {"type": "error", **body})
    return None
