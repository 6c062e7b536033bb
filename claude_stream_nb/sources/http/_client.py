"""Streaming from the Messages API over httpx.

:class:`Client` holds the connection settings and an httpx client for many calls. The HTTP
work is two short loops -- sync and async, differing only in ``await`` -- around a
:class:`~._session.Session`, which makes every retry and reconnect decision. Options and
parameters are named as the official SDK names them (:mod:`._options`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ...core._message import Message
from ...core._stream import Sink
from .._record import WireRecorder
from ._errors import ClaudeError
from ._options import CallOptions, check_count, check_params, timeout_of
from ._session import Session, Step

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._options import MessageParams

__all__ = ["Client"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_VERSION = "2023-06-01"
_PREVIEW = 200  # bytes of a non-SSE answer read to say what it was


@dataclass(frozen=True)
class _Call:
    """One call's request, worked out before anything is sent."""

    session: Session
    clock: Callable[[], float]
    headers: dict[str, str]
    query: dict[str, Any]
    timeout: httpx.Timeout


class Client:
    """The Messages API over HTTP, streaming into the sink it is given (``sink=``; without one
    it shows nothing: :class:`claude_stream_nb.Claude` adds the view or the terminal).

    As the official SDK: the key comes from ``api_key`` or ``ANTHROPIC_API_KEY`` (or a bearer
    ``auth_token``/``ANTHROPIC_AUTH_TOKEN``), the base URL from ``base_url`` or
    ``ANTHROPIC_BASE_URL`` (gateways and the fake API work); ``timeout``, ``max_retries``,
    ``default_headers``, ``default_query`` and ``http_client`` mean what they mean there. Ours:
    ``idle_timeout`` (seconds without a byte mid-stream), ``max_reconnects`` (continuations
    after a mid-stream failure), ``transport`` (for the httpx clients made here), ``version``,
    ``betas`` and ``auth`` (``"bearer"`` sends ``api_key`` as a bearer token).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        idle_timeout: float | None = None,
        connect_timeout: float | None = None,
        max_reconnects: int = 2,
        version: str = DEFAULT_VERSION,
        betas: tuple[str, ...] | list[str] = (),
        auth: str = "x-api-key",
    ) -> None:
        if auth not in ("x-api-key", "bearer"):
            raise ValueError(f"auth must be 'x-api-key' or 'bearer', got {auth!r}")
        if isinstance(http_client, httpx.AsyncClient):
            if async_http_client is not None:
                raise ValueError("two async clients: give http_client or async_http_client, not both")
            http_client, async_http_client = None, http_client
        if transport is not None and (http_client is not None or async_http_client is not None):
            raise ValueError(
                "transport= with an http client: the transport would be ignored, as the given "
                "client has its own; build the client with it (httpx.Client(transport=...)) instead"
            )
        self._key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        if auth_token is None and not self._key:  # as the SDK: the API key first, then the token
            auth_token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
        self._token = auth_token
        self.base_url = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.version = version
        self.auth = auth
        self.betas = tuple(betas)
        default = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
        self.timeout = timeout_of(timeout, idle_timeout, default)
        if connect_timeout is not None:
            self.timeout = httpx.Timeout(
                connect=connect_timeout, read=self.timeout.read, write=self.timeout.write, pool=self.timeout.pool
            )
        self.max_retries = check_count("max_retries", max_retries)
        self.max_reconnects = check_count("max_reconnects", max_reconnects)
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        self._transport = transport
        self._http: httpx.Client | None = http_client
        self._ahttp: httpx.AsyncClient | None = async_http_client
        self._owns_http = http_client is None  # never close what we did not open
        self._owns_ahttp = async_http_client is None
        self._aloop: asyncio.AbstractEventLoop | None = None  # the loop the async client made here belongs to

    @property
    def idle_timeout(self) -> float | None:
        """Seconds without a byte before a stream counts as stalled (the read timeout)."""
        return self.timeout.read

    def __repr__(self) -> str:  # never the key
        key = "set" if self._key or self._token else "none"
        return f"{type(self).__name__}(base_url={self.base_url!r}, key={key}, version={self.version!r})"

    def headers(self) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "anthropic-version": self.version,
        }
        if self.betas:
            headers["anthropic-beta"] = ",".join(self.betas)
        if self._key:
            if self.auth == "bearer":
                headers["authorization"] = f"Bearer {self._key}"
            else:
                headers["x-api-key"] = self._key
        if self._token and "authorization" not in headers:
            headers["authorization"] = f"Bearer {self._token}"
        if not (self._key or self._token) and self.base_url == DEFAULT_BASE_URL:
            raise ClaudeError("no API key: set ANTHROPIC_API_KEY or pass api_key=...")
        return headers

    # --- sync -------------------------------------------------------------------------------

    def stream(
        self,
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
        """Stream one message into ``sink`` and return the final message.

        ``params`` are the Messages API's (``model``, ``max_tokens``, ``messages``, ``system``,
        ``tools``, ``thinking``...); nothing else goes into the body but ``extra_body``. The
        options mean what the SDK's do; ``record=PATH`` saves the stream's wire bytes as a
        fixture once it completes (``record_partial``: keep a failed one as ``PATH.partial``).
        """
        options = CallOptions(
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
        )
        call = self._call("stream", dict(params), options)
        step = call.session.start()
        try:
            while not step.done:
                if step.wait:
                    time.sleep(step.wait)
                step = self._attempt(call, step)
        except KeyboardInterrupt:
            call.session.interrupted(call.clock())
            raise
        except Exception as exc:
            call.session.broken(exc, call.clock())
            raise
        return call.session.result()

    def _attempt(self, call: _Call, step: Step) -> Step:
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout, transport=self._transport)  # type: ignore[arg-type]
        session, clock = call.session, call.clock
        try:
            with self._http.stream("POST", self._url, **self._request(call, step)) as r:
                session.response(r.status_code, clock())
                if r.status_code >= 300:
                    return session.http_error(r.status_code, r.headers, r.read(), clock())
                if not _is_sse(r):
                    preview = _preview(r.iter_bytes())
                    return session.not_sse(r.status_code, r.headers.get("content-type", ""), preview, clock())
                for chunk in r.iter_bytes():
                    session.feed(chunk, clock())
            return session.ended(clock())
        except httpx.TransportError as exc:
            return session.network_error(self._describe(exc, call), clock())

    # --- async ------------------------------------------------------------------------------

    async def astream(
        self,
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
        """:meth:`stream` for code that already runs an event loop."""
        options = CallOptions(
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
        )
        call = self._call("astream", dict(params), options)
        step = call.session.start()
        try:
            while not step.done:
                if step.wait:
                    await asyncio.sleep(step.wait)
                step = await self._aattempt(call, step)
        except (KeyboardInterrupt, asyncio.CancelledError):
            call.session.interrupted(call.clock())
            raise
        except Exception as exc:
            call.session.broken(exc, call.clock())
            raise
        return call.session.result()

    async def _aattempt(self, call: _Call, step: Step) -> Step:
        loop = asyncio.get_running_loop()
        if self._ahttp is not None and self._owns_ahttp and self._aloop is not loop:
            self._ahttp = None  # made in an event loop that has ended (an earlier asyncio.run): unusable now
        if self._ahttp is None:
            self._ahttp = httpx.AsyncClient(timeout=self.timeout, transport=self._transport)  # type: ignore[arg-type]
            self._aloop = loop
        session, clock = call.session, call.clock
        try:
            async with self._ahttp.stream("POST", self._url, **self._request(call, step)) as r:
                session.response(r.status_code, clock())
                if r.status_code >= 300:
                    return session.http_error(r.status_code, r.headers, await r.aread(), clock())
                if not _is_sse(r):
                    preview = b""
                    async for chunk in r.aiter_bytes():
                        preview += chunk
                        if len(preview) > _PREVIEW:
                            break  # enough to say what it is
                    return session.not_sse(r.status_code, r.headers.get("content-type", ""), preview, clock())
                async for chunk in r.aiter_bytes():
                    session.feed(chunk, clock())
            return session.ended(clock())
        except httpx.TransportError as exc:
            return session.network_error(self._describe(exc, call), clock())

    # --- shared -------------------------------------------------------------------------------

    @property
    def _url(self) -> str:
        return self.base_url + "/v1/messages"

    def _request(self, call: _Call, step: Step) -> dict[str, Any]:
        """The body, the headers, the query and this call's timeouts (they win over an
        ``http_client``'s)."""
        # Which attempt this is (0 first), as the official SDK says it: fault-injecting test
        # servers use it to fail only the first attempts.
        attempt = str(call.session.retries + call.session.reconnects)
        headers = {**call.headers, "x-stainless-retry-count": attempt}
        return {"json": step.send, "headers": headers, "params": call.query, "timeout": call.timeout}

    def _call(self, where: str, params: dict[str, Any], options: CallOptions) -> _Call:
        """Check everything and build the request before anything is shown or sent."""
        check_params(params, where)
        headers = {**self.headers(), **self.default_headers}
        betas = [*self.betas, *params.pop("betas", ())]
        if betas:
            headers["anthropic-beta"] = ",".join(dict.fromkeys(betas))
        headers.update(options.extra_headers or {})
        query = {**self.default_query, **(options.extra_query or {})}
        body = {**params, **(options.extra_body or {})}
        retries = check_count("max_retries", self.max_retries if options.max_retries is None else options.max_retries)
        reconnects = self.max_reconnects if options.max_reconnects is None else options.max_reconnects
        reconnects = check_count("max_reconnects", reconnects)
        timeout = self.timeout
        if options.timeout is not None or options.idle_timeout is not None:
            timeout = timeout_of(options.timeout, options.idle_timeout, self.timeout)
        sink = options.sink
        chosen = sink if sink is not None else self.default_sink(options.title or str(body.get("model", "")))
        tape = None
        if options.record is not None:
            tape = WireRecorder(options.record, request=body, keep_partial=options.record_partial)
        start = time.monotonic()
        sinks = [] if chosen is None else [chosen]
        secrets = [value for value in (self._key, self._token) if value]
        session = Session(body, sinks, max_retries=retries, max_reconnects=reconnects, tape=tape, secrets=secrets)
        return _Call(session, lambda: time.monotonic() - start, headers, query, timeout)

    def _describe(self, exc: httpx.TransportError, call: _Call) -> str:
        if isinstance(exc, httpx.ReadTimeout):
            return f"no byte for {call.timeout.read:g} s (idle timeout)"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect to {self.base_url}"
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out ({type(exc).__name__})"
        return f"connection lost ({type(exc).__name__}: {exc})"

    def default_sink(self, title: str) -> Sink | None:
        """Where a stream goes when no ``sink=`` is given: nowhere, here."""
        return None

    def close(self) -> None:
        """Close the httpx client made here (one given as ``http_client`` is the caller's)."""
        if self._http is not None and self._owns_http:
            self._http.close()
            self._http = None

    async def aclose(self) -> None:
        """Close the httpx clients made here, sync and async (never one that was given)."""
        self.close()
        if self._ahttp is not None and self._owns_ahttp:
            if self._aloop is asyncio.get_running_loop():
                await self._ahttp.aclose()
            self._ahttp = None  # one from an ended event loop went with it

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _preview(chunks: Iterator[bytes]) -> bytes:
    """The start of a body that is not the stream: enough to say what it is."""
    preview = b""
    for chunk in chunks:
        preview += chunk
        if len(preview) > _PREVIEW:
            break
    return preview


def _is_sse(response: httpx.Response) -> bool:
    """An event stream, or no content type at all (the fold then says what the bytes are)."""
    kind = response.headers.get("content-type", "")
    return not kind or kind.split(";", 1)[0].strip().lower() == "text/event-stream"
