"""Streaming from the Messages API over httpx.

:class:`Client` holds the connection settings and an httpx client for many calls. The HTTP
work is two short loops -- sync and async, differing only in ``await`` -- around a
:class:`~._session.Session`, which makes every retry and reconnect decision.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from ...core._message import Message
from ...core._stream import Sink
from .._record import Recorder
from ._errors import ClaudeError
from ._session import Session, Step

__all__ = ["Client"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_VERSION = "2023-06-01"


class Client:
    """The Messages API over HTTP, streaming into the sink it is given (``sink=``; without one
    it shows nothing: :class:`claude_stream_nb.Claude` adds the view or the terminal).

    The API key comes from ``api_key`` or ``ANTHROPIC_API_KEY``, the base URL from ``base_url``
    or ``ANTHROPIC_BASE_URL`` (gateways and the fixture server work).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        version: str = DEFAULT_VERSION,
        auth: str = "x-api-key",
        betas: tuple[str, ...] | list[str] = (),
        connect_timeout: float = 10.0,
        idle_timeout: float = 60.0,
        max_retries: int = 2,
        max_reconnects: int = 2,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if auth not in ("x-api-key", "bearer"):
            raise ValueError(f"auth must be 'x-api-key' or 'bearer', got {auth!r}")
        self._key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        self.base_url = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.version = version
        self.auth = auth
        self.betas = tuple(betas)
        self.timeout = httpx.Timeout(connect=connect_timeout, read=idle_timeout, write=30.0, pool=30.0)
        self.idle_timeout = idle_timeout
        self.max_retries = max_retries
        self.max_reconnects = max_reconnects
        self._transport = transport
        self._http: httpx.Client | None = http_client
        self._ahttp: httpx.AsyncClient | None = async_http_client

    def __repr__(self) -> str:  # never the key
        key = "set" if self._key else "none"
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
        elif self.base_url == DEFAULT_BASE_URL:
            raise ClaudeError("no API key: set ANTHROPIC_API_KEY or pass api_key=...")
        return headers

    # --- sync -------------------------------------------------------------------------------

    def stream(
        self, *, record: str | Path | None = None, sink: Sink | None = None, title: str | None = None, **params: Any
    ) -> Message:
        """Stream one message: the live view shows it, the final message is returned. Any
        Messages API parameter passes through; ``record=PATH`` saves a fixture as it streams."""
        session, clock = self._session(params, sink, record, title)
        step = session.start()
        try:
            while not step.done:
                if step.wait:
                    time.sleep(step.wait)
                step = self._attempt(session, step, clock)
        except KeyboardInterrupt:
            session.interrupted(clock())
            raise
        return session.result()

    def _attempt(self, session: Session, step: Step, clock: Callable[[], float]) -> Step:
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout, transport=self._transport)  # type: ignore[arg-type]
        try:
            with self._http.stream("POST", self._url, **self._request(session, step)) as r:
                if r.status_code >= 300:
                    return session.http_error(r.status_code, r.headers, r.read(), clock())
                for chunk in r.iter_bytes():
                    session.feed(chunk, clock())
            return session.ended(clock())
        except httpx.TransportError as exc:
            return session.network_error(self._describe(exc), clock())

    # --- async ------------------------------------------------------------------------------

    async def astream(
        self, *, record: str | Path | None = None, sink: Sink | None = None, title: str | None = None, **params: Any
    ) -> Message:
        """:meth:`stream` for code that already runs an event loop."""
        session, clock = self._session(params, sink, record, title)
        step = session.start()
        try:
            while not step.done:
                if step.wait:
                    await asyncio.sleep(step.wait)
                step = await self._aattempt(session, step, clock)
        except (KeyboardInterrupt, asyncio.CancelledError):
            session.interrupted(clock())
            raise
        return session.result()

    async def _aattempt(self, session: Session, step: Step, clock: Callable[[], float]) -> Step:
        if self._ahttp is None:
            self._ahttp = httpx.AsyncClient(timeout=self.timeout, transport=self._transport)  # type: ignore[arg-type]
        try:
            async with self._ahttp.stream("POST", self._url, **self._request(session, step)) as r:
                if r.status_code >= 300:
                    return session.http_error(r.status_code, r.headers, await r.aread(), clock())
                async for chunk in r.aiter_bytes():
                    session.feed(chunk, clock())
            return session.ended(clock())
        except httpx.TransportError as exc:
            return session.network_error(self._describe(exc), clock())

    # --- shared -------------------------------------------------------------------------------

    @property
    def _url(self) -> str:
        return self.base_url + "/v1/messages"

    def _request(self, session: Session, step: Step) -> dict[str, Any]:
        """The body, the headers and this client's timeouts (they win over an ``http_client``'s)."""
        # Which attempt this is (0 first), as the official SDK says it: fault-injecting test
        # servers use it to fail only the first attempts.
        attempt = str(session.retries + session.reconnects)
        headers = {**self.headers(), "x-stainless-retry-count": attempt}
        return {"json": step.send, "headers": headers, "timeout": self.timeout}

    def _session(
        self, params: Mapping[str, Any], sink: Sink | None, record: str | Path | None, title: str | None
    ) -> tuple[Session, Callable[[], float]]:
        self.headers()  # fail before anything is shown when there is no key
        chosen = sink if sink is not None else self.default_sink(title or str(params.get("model", "")))
        sinks = [] if chosen is None else [chosen]
        if record is not None:
            sinks.append(Recorder(record, request=dict(params)))
        start = time.monotonic()
        session = Session(params, sinks, max_retries=self.max_retries, max_reconnects=self.max_reconnects)
        return session, lambda: time.monotonic() - start

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.ReadTimeout):
            return f"no byte for {self.idle_timeout:g} s (idle timeout)"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect to {self.base_url}"
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out ({type(exc).__name__})"
        return f"connection lost ({type(exc).__name__}: {exc})"

    def default_sink(self, title: str) -> Sink | None:
        """Where a stream goes when no ``sink=`` is given: nowhere, here."""
        return None

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    async def aclose(self) -> None:
        if self._ahttp is not None:
            await self._ahttp.aclose()
            self._ahttp = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
