"""Recording the wire's own bytes under any httpx-like client: a transport that tees them.

:class:`RecordingTransport` wraps a transport (by default the library's own HTTP transport)
and copies each Messages API response body -- the bytes as they come off the connection, with
their arrival times -- into a :class:`~._record.WireRecorder` while the client reads them. Put
it under the official SDK (``httpx2``) or under this project's client (``httpx``) and the
fixture holds exactly what the server sent, not a re-encoding of parsed events::

    transport = recording_transport("call.sse", library="httpx2")
    sdk = anthropic.Anthropic(http_client=httpx2.Client(transport=transport))
    show(sdk.messages.stream(...))                        # call.sse: the wire bytes, timed

One call is one recording: a request whose ``x-stainless-retry-count`` (the SDK's attempt
number, which this project's client sends too) is 0 starts one; a later attempt (a retry, a
reconnect) is a new connection of the same recording, after a seam. The file is renamed into
place when its stream is complete, and never over a good recording otherwise (a failed call is
kept as ``PATH.partial`` with ``keep_partial=True``, once the next call starts or the transport
closes). ``path`` may hold ``{n}``, the call's number from 1, to keep every call.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx

from ._record import WireRecorder

__all__ = ["RecordingTransport", "recording_transport"]


class _Call:
    """The recording of one call, across its attempts."""

    def __init__(self, recorder: WireRecorder) -> None:
        self.recorder = recorder
        self.start = time.monotonic()
        self.why: str | None = None
        self.lock = threading.Lock()

    def clock(self) -> float:
        return time.monotonic() - self.start

    def connection_ended(self) -> None:
        """Keep the recording as soon as its stream is complete (later attempts: none)."""
        with self.lock:
            if self.recorder.complete():
                self.recorder.finish()


class _Tee:
    """Requests pass through; Messages API responses are teed. ``_lib``: httpx or httpx2."""

    _lib: ClassVar[Any]

    def __init__(self, path: str | Path, transport: Any = None, *, keep_partial: bool = False) -> None:
        self.path = str(path)
        self.keep_partial = keep_partial
        self._sync = transport if transport is None or hasattr(transport, "handle_request") else None
        self._async = transport if transport is None or hasattr(transport, "handle_async_request") else None
        self._given = transport is not None
        self._call: _Call | None = None
        self._calls = 0
        self.saved: list[Path] = []
        """Every recording kept so far (``PATH.partial`` ones included)."""

    # --- sync -----------------------------------------------------------------------------------

    def handle_request(self, request: Any) -> Any:
        if self._sync is None:
            if self._given:
                raise TypeError("this recording transport wraps an async transport: use it with an async client")
            self._sync = self._lib.HTTPTransport()
        call = self._begin(request, request.read())
        if call is None:
            return self._sync.handle_request(request)
        try:
            response = self._sync.handle_request(request)
        except self._lib.TransportError as exc:
            call.why = f"connection failed ({type(exc).__name__})"
            raise
        return self._teed(call, response)

    async def handle_async_request(self, request: Any) -> Any:
        if self._async is None:
            if self._given:
                raise TypeError("this recording transport wraps a sync transport: use it with a sync client")
            self._async = self._lib.AsyncHTTPTransport()
        call = self._begin(request, await request.aread())
        if call is None:
            return await self._async.handle_async_request(request)
        try:
            response = await self._async.handle_async_request(request)
        except self._lib.TransportError as exc:
            call.why = f"connection failed ({type(exc).__name__})"
            raise
        return self._teed(call, response)

    # --- shared ---------------------------------------------------------------------------------

    def _begin(self, request: Any, body: bytes) -> _Call | None:
        """The call this request belongs to (a new one on attempt 0); None: not recorded."""
        if request.method != "POST" or not request.url.path.rstrip("/").endswith("/v1/messages"):
            return None
        attempt = request.headers.get("x-stainless-retry-count", "0")
        if self._call is None or attempt == "0":
            self._end_call()
            self._calls += 1
            try:
                sent = json.loads(body) if body else None
            except ValueError:
                sent = None
            path = self.path.format(n=self._calls) if "{n" in self.path else self.path
            request = sent if isinstance(sent, dict) else None
            self._call = _Call(WireRecorder(path, request=request, keep_partial=self.keep_partial))
        return self._call

    def _teed(self, call: _Call, response: Any) -> Any:
        call.recorder.connect(response.status_code, call.clock(), call.why)
        call.why = f"HTTP {response.status_code}"
        encoding = response.headers.get("content-encoding", "identity").lower()
        if response.status_code == 200 and encoding == "identity":
            call.why = None
            response.stream = _stream_class(self._lib)(response.stream, call)
        return response

    def _end_call(self) -> None:
        if self._call is not None:
            with self._call.lock:
                saved = self._call.recorder.finish()
            if saved is not None:
                self.saved.append(saved)
            self._call = None

    def close(self) -> None:
        """End the last recording (kept if complete, or as ``PATH.partial`` if asked); close the
        wrapped transport, as an httpx client closes the transport it is given."""
        self._end_call()
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        self._end_call()
        if self._async is not None:
            await self._async.aclose()


@functools.cache
def _stream_class(lib: Any) -> type[Any]:
    class TeeStream(lib.SyncByteStream, lib.AsyncByteStream):  # type: ignore[misc]
        """A response body that copies every chunk into the call's recording as it is read."""

        def __init__(self, inner: Any, call: _Call) -> None:
            self.inner = inner
            self.call = call

        def __iter__(self) -> Iterator[bytes]:
            try:
                for chunk in self.inner:
                    self.call.recorder.data(chunk, self.call.clock())
                    yield chunk
            except Exception as exc:
                self.call.why = f"connection lost ({type(exc).__name__})"
                raise

        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                async for chunk in self.inner:
                    self.call.recorder.data(chunk, self.call.clock())
                    yield chunk
            except Exception as exc:
                self.call.why = f"connection lost ({type(exc).__name__})"
                raise

        def close(self) -> None:
            try:
                self.inner.close()
            finally:
                self.call.connection_ended()

        async def aclose(self) -> None:
            try:
                await self.inner.aclose()
            finally:
                self.call.connection_ended()

    return TeeStream


class RecordingTransport(_Tee, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Tees Messages API responses into a fixture, for ``httpx.Client``/``httpx.AsyncClient``
    (this project's client: ``Claude(transport=RecordingTransport(path))``)."""

    _lib: ClassVar[Any] = httpx


@functools.cache
def _httpx2_class() -> type[Any]:
    import httpx2

    class Httpx2RecordingTransport(_Tee, httpx2.BaseTransport, httpx2.AsyncBaseTransport):
        """:class:`RecordingTransport` for httpx2, the fork the official SDK runs on."""

        _lib: ClassVar[Any] = httpx2

    return Httpx2RecordingTransport


def recording_transport(
    path: str | Path, *, library: str = "httpx2", transport: Any = None, keep_partial: bool = False
) -> Any:
    """A transport that records each Messages API call's wire bytes to ``path``: for the
    official SDK's ``httpx2.Client``/``AsyncClient`` (``library="httpx2"``, the default) or for
    ``httpx`` (``library="httpx"``: this project's client). ``transport``: the one to wrap (the
    library's HTTP transport by default)."""
    if library == "httpx":
        return RecordingTransport(path, transport, keep_partial=keep_partial)
    if library == "httpx2":
        return _httpx2_class()(path, transport, keep_partial=keep_partial)
    raise ValueError(f"library must be 'httpx2' (the official SDK's) or 'httpx', got {library!r}")
