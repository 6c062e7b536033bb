"""A fake Messages API for offline workshops and tests: recorded fixtures over real HTTP.

``claude-stream-nb serve [FOLDER]`` runs it in the foreground; :func:`serve_in_thread` runs it
in the background and gives the base URL::

    with serve_in_thread(speed=4) as url:
        client = anthropic.Anthropic(base_url=url, api_key="offline")

What it answers, and the fault and scenario options, are :mod:`claude_stream_nb.fake_api._scenario`'s;
what it refuses, as the real API refuses it (400 for an unknown key or a missing field, 401
without a key when ``require_key``, 404, 413 past 32 MB), :mod:`claude_stream_nb.fake_api._validate`'s.
The server needs the ``serve`` extra (starlette, uvicorn); importing this package does not
import them. The whole story: ``docs/fake-api.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._cli import add_arguments, main
from ._emit import Emitter, emit_response
from ._run import RunningServer, serve_in_thread
from ._scenario import FakeAPI

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = [
    "Emitter",
    "FakeAPI",
    "RunningServer",
    "add_arguments",
    "create_app",
    "emit_response",
    "main",
    "serve_in_thread",
]


def create_app(api: FakeAPI | None = None) -> Starlette:
    """The ASGI app (e.g. ``uvicorn --factory claude_stream_nb.fake_api:create_app``)."""
    from ._app import create_app as build

    return build(api)
