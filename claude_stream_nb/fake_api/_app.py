"""The ASGI app: every request goes to :meth:`FakeAPI.respond`; the plan it returns is played.

Starlette does the HTTP parsing and streaming; nothing here decides anything (a body past the
size limit is not read whole: its length is enough for the 413). A plan that drops
the connection raises :class:`~claude_stream_nb.fake_api._plan.Dropped` from the body, which makes
uvicorn close the socket without the terminating chunk, as a cut connection would. When the
server stops (``app.state.stopping`` is set), streams still playing are dropped the same way at
their next pause, so Ctrl-C never waits for a 50-second recording.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.applications import Starlette
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ._plan import Dropped, aplay
from ._scenario import FakeAPI, Request

__all__ = ["create_app"]

log = logging.getLogger("claude_stream_nb.fake_api")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SHORT = 0.1  # sleeps up to this long just check the stop flag afterwards


def create_app(api: FakeAPI | None = None) -> Starlette:
    """An ASGI app serving ``api`` (default: the bundled fixtures at 1x)."""
    fake = api or FakeAPI.load()
    stopping = asyncio.Event()

    async def sleep(seconds: float) -> None:
        if seconds <= _SHORT:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), seconds)
        if stopping.is_set():
            raise Dropped("the server is stopping")

    async def endpoint(request: HTTPRequest) -> Response:
        body = await read_body(request, fake.max_body)
        seen = Request(request.method, request.url.path, dict(request.headers), dict(request.query_params), body)
        plan = fake.respond(seen)
        # Method, path, status and what answered: never headers (keys) or the query string.
        log.info("%s %s -> %d %s", request.method, request.url.path, plan.status, plan.label)
        await sleep(plan.delay)
        content = aplay(plan, plan.pacer(), sleep=sleep)
        return StreamingResponse(content, status_code=plan.status, headers=dict(plan.headers))

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
    app.state.stopping = stopping
    return app


async def read_body(request: HTTPRequest, limit: int | None) -> bytes:
    """The body, but never more than ``limit + 1`` bytes of it in memory: past the limit the
    fake answers 413 from the length alone, as the API's edge does (``content-length`` first)."""
    if limit is None:
        return await request.body()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return bytes(limit + 1)  # stands in for the rest: only its length is looked at
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(parts)
