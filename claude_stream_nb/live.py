"""Live streams in a notebook or a terminal: the Messages API over HTTP (:class:`Claude`,
:func:`stream`) and the official SDK's streams (:func:`show`), each shown where the code runs --
the view in a notebook, the terminal renderer elsewhere -- unless a ``sink=`` is given.

Options and parameters are named as the official SDK names them (see ``docs/live.md``);
:func:`recording_transport` records an SDK call's wire bytes, exactly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .core._message import Message
from .core._stream import Sink
from .sinks import default_sink
from .sources import _sdk
from .sources._tee import RecordingTransport, recording_transport
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
    UnexpectedResponseError,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .sources.http._options import MessageParams

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
    "RecordingTransport",
    "RequestTooLargeError",
    "UnexpectedResponseError",
    "ashow",
    "astream",
    "default_client",
    "recording_transport",
    "show",
    "stream",
]

_ENVIRONMENT = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL")


class Claude(Client):
    """A reusable live client whose streams show where the code runs (the notebook view, or
    the terminal); ``sink=`` on a call sends one elsewhere."""

    def default_sink(self, title: str) -> Sink | None:
        return default_sink(title)


_default: tuple[tuple[str | None, ...], Claude] | None = None
_lock = threading.Lock()


def default_client() -> Claude:
    """The client behind :func:`stream` and :func:`astream`, made from ``ANTHROPIC_API_KEY``
    (or ``ANTHROPIC_AUTH_TOKEN``) and ``ANTHROPIC_BASE_URL`` -- made again when they change, so
    setting the key after a first failed call works."""
    global _default
    seen = tuple(os.environ.get(name) for name in _ENVIRONMENT)
    with _lock:
        if _default is None or _default[0] != seen:
            if _default is not None:
                _default[1].close()
            _default = (seen, Claude())
        return _default[1]


def stream(
    *,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
    idle_timeout: float | None = None,
    max_reconnects: int | None = None,
    record: str | Path | None = None,
    record_partial: bool = False,
    title: str | None = None,
    sink: Sink | None = None,
    **params: Unpack[MessageParams],
) -> Message:
    """Stream a message with the default client (:meth:`Claude.stream`: the same options)."""
    return default_client().stream(
        timeout=timeout,
        max_retries=max_retries,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        idle_timeout=idle_timeout,
        max_reconnects=max_reconnects,
        record=record,
        record_partial=record_partial,
        title=title,
        sink=sink,
        **params,
    )


async def astream(
    *,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
    idle_timeout: float | None = None,
    max_reconnects: int | None = None,
    record: str | Path | None = None,
    record_partial: bool = False,
    title: str | None = None,
    sink: Sink | None = None,
    **params: Unpack[MessageParams],
) -> Message:
    """:func:`stream` for code that already runs an event loop."""
    return await default_client().astream(
        timeout=timeout,
        max_retries=max_retries,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        idle_timeout=idle_timeout,
        max_reconnects=max_reconnects,
        record=record,
        record_partial=record_partial,
        title=title,
        sink=sink,
        **params,
    )


def show(
    sdk_stream: Any,
    *,
    record: str | Path | None = None,
    record_partial: bool = False,
    sink: Sink | None = None,
    title: str | None = None,
) -> Message:
    """Show an official-SDK stream live (``client.messages.stream(...)`` or ``create(...,
    stream=True)``); return the final message, and record it if asked (the SDK's parsed events,
    re-encoded: :func:`recording_transport` keeps the wire's bytes). Anything else is a
    ``TypeError``."""
    _sdk.check(sdk_stream, "show", asynchronous=False)
    chosen = sink if sink is not None else default_sink(title or "anthropic SDK stream")
    return _sdk.show(sdk_stream, record=record, record_partial=record_partial, sink=chosen, title=title)


async def ashow(
    sdk_stream: Any,
    *,
    record: str | Path | None = None,
    record_partial: bool = False,
    sink: Sink | None = None,
    title: str | None = None,
) -> Message:
    """:func:`show` for ``AsyncAnthropic`` streams."""
    _sdk.check(sdk_stream, "ashow", asynchronous=True)
    chosen = sink if sink is not None else default_sink(title or "anthropic SDK stream")
    return await _sdk.ashow(sdk_stream, record=record, record_partial=record_partial, sink=chosen, title=title)
