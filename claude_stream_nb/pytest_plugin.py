"""pytest fixtures for testing streaming code offline (registered by the ``pytest11`` entry point).

- ``claude_replay_transport``: :class:`~claude_stream_nb._transport.ReplayTransport` itself, to
  call: ``httpx.Client(transport=claude_replay_transport("tool_use", fault="drop_after=7"))``;
  for the official SDK, ``httpx2.Client(transport=claude_replay_transport("tool_use").for_httpx2())``.
- ``claude_fixture_server``: the base URL of a fake Messages API on 127.0.0.1 (a free port),
  one per test session, instant by default (send ``x-speed: 1`` for the recorded timing);
  ``anthropic.Anthropic(base_url=claude_fixture_server, api_key="offline")``. Needs the
  ``serve`` extra.

Importing this module imports nothing beyond pytest: it is loaded into every pytest run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._transport import ReplayTransport

__all__ = ["claude_fixture_server", "claude_replay_transport"]


@pytest.fixture
def claude_replay_transport() -> type[ReplayTransport]:
    """The ReplayTransport class: call it with a fixture name (and ``fault=``, ``speed=``...)."""
    from ._transport import ReplayTransport

    return ReplayTransport


@pytest.fixture(scope="session")
def claude_fixture_server() -> Iterator[str]:
    """Base URL of a fake Messages API serving the bundled fixtures, stopped after the session."""
    try:
        from .server import serve_in_thread

        server = serve_in_thread(speed=None)
    except ImportError as exc:
        pytest.fail(f"claude_fixture_server needs {exc.name}: pip install 'claude-stream-nb[serve]'")
    with server as url:
        yield url
