"""Live streams in a notebook or a terminal: the Messages API over HTTP (:class:`Claude`,
:func:`stream`) and the official SDK's streams (:func:`show`), each shown where the code runs --
the view in a notebook, the terminal renderer elsewhere -- unless a ``sink=`` is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .core._message import Message
from .core._stream import Sink
from .sinks import default_sink
from .sources import _sdk
from .sources.http import (
    APIError,
    APIServerError,
    AuthenticationError,
    BillingError,
    ClaudeError,
    Client,
    ConflictError,
    ConnectionFailed,
    GatewayTimeoutError,
    InvalidRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
)

__all__ = [
    "APIError",
    "APIServerError",
    "AuthenticationError",
    "BillingError",
    "Claude",
    "ClaudeError",
    "ConflictError",
    "ConnectionFailed",
    "GatewayTimeoutError",
    "InvalidRequestError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "ashow",
    "astream",
    "default_client",
    "show",
    "stream",
]


class Claude(Client):
    """A reusable live client whose streams show where the code runs (the notebook view, or
    the terminal); ``sink=`` on a call sends one elsewhere."""

    def default_sink(self, title: str) -> Sink | None:
        return default_sink(title)


_default: Claude | None = None


def default_client() -> Claude:
    """The client behind :func:`stream` and :func:`astream` (``ANTHROPIC_API_KEY``,
    ``ANTHROPIC_BASE_URL``)."""
    global _default
    if _default is None:
        _default = Claude()
    return _default


def stream(*, record: str | Path | None = None, sink: Sink | None = None, **params: Any) -> Message:
    """Stream a message with the default client."""
    return default_client().stream(record=record, sink=sink, **params)


async def astream(*, record: str | Path | None = None, sink: Sink | None = None, **params: Any) -> Message:
    """:func:`stream` for code that already runs an event loop."""
    return await default_client().astream(record=record, sink=sink, **params)


def show(
    sdk_stream: Any, *, record: str | Path | None = None, sink: Sink | None = None, title: str | None = None
) -> Message:
    """Show an official-SDK stream live (``client.messages.stream(...)`` or ``create(...,
    stream=True)``); return the final message, and record it if asked."""
    chosen = sink if sink is not None else default_sink(title or "anthropic SDK stream")
    return _sdk.show(sdk_stream, record=record, sink=chosen, title=title)


async def ashow(
    sdk_stream: Any, *, record: str | Path | None = None, sink: Sink | None = None, title: str | None = None
) -> Message:
    """:func:`show` for ``AsyncAnthropic`` streams."""
    chosen = sink if sink is not None else default_sink(title or "anthropic SDK stream")
    return await _sdk.ashow(sdk_stream, record=record, sink=chosen, title=title)
