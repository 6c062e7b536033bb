"""Show the official SDK's streams in the same view: ``show(client.messages.stream(...))``.

Accepts what the ``anthropic`` package streams -- ``messages.stream(...)`` (the manager, or the
stream it yields) and ``messages.create(..., stream=True)``, sync or async. The SDK's raw events
are turned back into SSE (``encode_event`` of their JSON) and folded like any other stream; its
helper events (``text``, ``input_json``, ``citation``...) repeat what the raw events say and are
skipped. ``anthropic`` is never imported here: the objects are used as they come. Anything
else -- a list, a finished ``Message``, a ``text_stream`` -- is a ``TypeError`` saying what it
got and what it takes.

The events are re-encoded, so ``record=`` here keeps what the SDK parsed, not the wire's bytes;
for those, give the SDK's http client a recording transport (:mod:`._tee`).
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

__all__ = ["ashow", "check", "show"]

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
    sdk_stream: Any,
    *,
    record: str | Path | None = None,
    record_partial: bool = False,
    sink: Sink | None = None,
    title: str | None = None,
) -> Message:
    """Fold an official-SDK stream into ``sink``; return the final message (and record it, if asked)."""
    manager = check(sdk_stream, "show", asynchronous=False)
    sinks = _sinks(sink, record, title, record_partial)
    start = time.monotonic()
    with ExitStack() as stack:
        events = stack.enter_context(sdk_stream) if manager else sdk_stream
        return Message(consume(_chunks(events, lambda: time.monotonic() - start), sinks))


async def ashow(
    sdk_stream: Any,
    *,
    record: str | Path | None = None,
    record_partial: bool = False,
    sink: Sink | None = None,
    title: str | None = None,
) -> Message:
    """:func:`show` for ``AsyncAnthropic`` streams."""
    manager = check(sdk_stream, "ashow", asynchronous=True)
    sinks = _sinks(sink, record, title, record_partial)
    start = time.monotonic()
    async with AsyncExitStack() as stack:
        events = await stack.enter_async_context(sdk_stream) if manager else sdk_stream
        return Message(await aconsume(_achunks(events, lambda: time.monotonic() - start), sinks))


def _sinks(sink: Sink | None, record: str | Path | None, title: str | None, keep_partial: bool) -> list[Sink]:
    sinks = [] if sink is None else [sink]
    if record is not None:
        description = f"recorded from the anthropic SDK: {title or 'stream'}"
        sinks.append(Recorder(record, description=description, keep_partial=keep_partial))
    return sinks


def check(obj: Any, where: str, *, asynchronous: bool) -> bool:
    """Whether ``obj`` is a stream manager (to enter) or a stream; TypeError for anything else."""
    protocols = [("__enter__", "__iter__"), ("__aenter__", "__aiter__")]
    (enter, iterate), (other_enter, other_iterate) = protocols[::-1] if asynchronous else protocols
    if _is_manager(obj, enter, iterate):
        return True
    if hasattr(obj, iterate) and hasattr(obj, "response"):
        return False
    kind = type(obj)
    got = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if _is_manager(obj, other_enter, other_iterate) or (hasattr(obj, other_iterate) and hasattr(obj, "response")):
        hint = ": that is an AsyncAnthropic stream, for ashow()" if not asynchronous else ": that is for show()"
    elif hasattr(obj, "content") and hasattr(obj, "role"):
        hint = ": that is a finished message (create() without stream=True); there is nothing to stream"
    elif kind.__name__ in ("generator", "async_generator"):
        hint = ": a generator (text_stream yields only text); pass the stream itself"
    else:
        hint = ""
    client = "AsyncAnthropic" if asynchronous else "Anthropic"
    raise TypeError(
        f"{where}() takes an official-SDK stream from {client}: client.messages.stream(...) (or the stream "
        f"it yields) or client.messages.create(..., stream=True); got {got}{hint}"
    )


def _is_manager(obj: Any, enter: str, iterate: str) -> bool:
    return hasattr(obj, enter) and not hasattr(obj, iterate) and type(obj).__name__.endswith("StreamManager")


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
