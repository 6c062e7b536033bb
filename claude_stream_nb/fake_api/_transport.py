"""ReplayTransport: the fake Messages API inside an HTTP client, no socket and no server.

httpx's ``MockTransport`` idea with the fake API of :mod:`claude_stream_nb.fake_api._scenario` behind it,
so the live code path (client, SDK, this project's own ``stream()``) runs offline unchanged::

    httpx.Client(transport=ReplayTransport("tool_use"))
    httpx.AsyncClient(transport=ReplayTransport("tool_use", speed=1))     # recorded timing
    anthropic.Anthropic(api_key="offline", http_client=httpx2.Client(
        transport=ReplayTransport("tool_use").for_httpx2()))              # the SDK runs on httpx2

The first argument names the fixture (or scenario) for requests that do not name one; a path or
a :class:`~claude_stream_nb.sources._fixtures.Fixture` adds that fixture. Requests can still choose with
``x-fixture``, ``model`` and the rest, and inject faults with ``x-fault`` (see ``_scenario``).
A request the real API would refuse is refused here the same way (``_validate``): a 400 with
the API's error body for an unknown key or a missing field, so a test cannot pass offline
with a request that fails online.
Timing is instant unless ``speed`` is given; faults take real time either way. A dropped
connection raises the library's ``RemoteProtocolError`` mid-body with the message h11 gives; a
stall or slow head longer than the request's read timeout raises its ``ReadTimeout`` (there is no
socket here, so the transport keeps the clock the network would).

One adapter serves both libraries: :class:`_Replay` speaks the transport API that httpx and
httpx2 share and takes exception and response classes from ``_lib``; the concrete classes only
say which library they belong to. httpx2 is imported only by :meth:`ReplayTransport.for_httpx2`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from ..sources._fixtures import Fixture, load_fixture
from ._plan import Dropped, Plan, ReadTimedOut, aplay, play
from ._scenario import FakeAPI, Request
from ._validate import MAX_BODY

if TYPE_CHECKING:
    import httpx2

__all__ = ["ReplayTransport"]


class _Replay:
    """Requests in, planned responses out, for whichever httpx-like library ``_lib`` is."""

    _lib: ClassVar[Any]

    def __init__(self, api: FakeAPI) -> None:
        self.api = api

    def handle_request(self, request: Any) -> Any:
        plan, timeout = self._plan(request, request.read())
        wait, late = _head(plan, timeout)
        time.sleep(wait)
        if late:
            raise self._lib.ReadTimeout("timed out waiting for the response head", request=request)
        return self._response(plan, request, self._body(plan, timeout, request))

    async def handle_async_request(self, request: Any) -> Any:
        plan, timeout = self._plan(request, await request.aread())
        wait, late = _head(plan, timeout)
        await asyncio.sleep(wait)
        if late:
            raise self._lib.ReadTimeout("timed out waiting for the response head", request=request)
        return self._response(plan, request, self._abody(plan, timeout, request))

    def _plan(self, request: Any, body: bytes) -> tuple[Plan, float | None]:
        headers = {k.lower(): v for k, v in request.headers.items()}
        seen = Request(request.method, request.url.path, headers, dict(request.url.params), body)
        timeout = (request.extensions.get("timeout") or {}).get("read")
        return self.api.respond(seen), timeout

    def _response(self, plan: Plan, request: Any, content: Any) -> Any:
        return self._lib.Response(plan.status, headers=list(plan.headers), content=content, request=request)

    def _body(self, plan: Plan, timeout: float | None, request: Any) -> Iterator[bytes]:
        with self._network_errors(request):
            yield from play(plan, plan.pacer(), timeout)

    async def _abody(self, plan: Plan, timeout: float | None, request: Any) -> AsyncIterator[bytes]:
        with self._network_errors(request):
            async for chunk in aplay(plan, plan.pacer(), timeout):
                yield chunk

    @contextmanager
    def _network_errors(self, request: Any) -> Iterator[None]:
        """What a dropped or silent connection raises in the real library."""
        try:
            yield
        except Dropped as exc:
            raise self._lib.RemoteProtocolError(str(exc), request=request) from None
        except ReadTimedOut:
            raise self._lib.ReadTimeout("The read operation timed out", request=request) from None


def _head(plan: Plan, timeout: float | None) -> tuple[float, bool]:
    """How long to wait before the response head, and whether the read timeout passes first."""
    if timeout is not None and plan.delay > timeout:
        return timeout, True
    return plan.delay, False


class ReplayTransport(_Replay, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serves fixtures to ``httpx.Client`` and ``httpx.AsyncClient``; :meth:`for_httpx2` to the SDK."""

    _lib: ClassVar[Any] = httpx

    def __init__(
        self,
        fixture: str | Path | Fixture | None = None,
        *,
        folder: str | Path | None = None,
        fault: str | None = None,
        speed: float | None = None,
        require_key: bool | str = False,
        max_body: int | None = MAX_BODY,
        api: FakeAPI | None = None,
    ) -> None:
        """``fixture``: the default answer (a fixture or scenario name, a fixture file, or a
        Fixture); ``folder``: more fixtures and ``scenarios/*.json``; ``fault``: faults for every
        request (``x-fault`` overrides); ``speed``: ``None`` instant, ``1`` the recorded timing;
        ``require_key``: 401 without a key (a string: only that key); ``max_body``: 413 past
        this many bytes. Requests are checked as the real API checks them (``_validate``)."""
        if api is None:
            api = FakeAPI.load(folder)
            extra: Fixture | None = None
            if isinstance(fixture, Fixture):
                extra = fixture
            elif fixture is not None and str(fixture) not in api.names:
                extra = load_fixture(fixture)
            fixtures = {**api.fixtures, **({extra.name: extra} if extra else {})}
            default = extra.name if extra else (str(fixture) if fixture is not None else None)
            api = FakeAPI(
                fixtures,
                api.scenarios,
                default=default,
                fault=fault,
                speed=speed,
                require_key=require_key,
                max_body=max_body,
            )
        super().__init__(api)

    def for_httpx2(self) -> httpx2.BaseTransport:
        """The same transport for ``httpx2.Client``/``httpx2.AsyncClient`` (the official SDK's)."""
        transport: httpx2.BaseTransport = _httpx2_class()(self.api)
        return transport


@functools.cache
def _httpx2_class() -> type[Any]:
    import httpx2

    class Httpx2ReplayTransport(_Replay, httpx2.BaseTransport, httpx2.AsyncBaseTransport):
        """:class:`ReplayTransport` for httpx2, the fork the official SDK runs on."""

        _lib: ClassVar[Any] = httpx2

    return Httpx2ReplayTransport
