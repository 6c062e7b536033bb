"""pytest fixtures for testing streaming code offline (registered by the ``pytest11`` entry point).

- ``claude_replay_transport``: :class:`~claude_stream_nb.fake_api._transport.ReplayTransport` itself, to
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
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .fake_api._transport import ReplayTransport

__all__ = ["claude_fixture_server", "claude_replay_transport"]


@pytest.fixture
def claude_replay_transport() -> type[ReplayTransport]:
    """The ReplayTransport class: call it with a fixture name (and ``fault=``, ``speed=``...)."""
    from .fake_api._transport import ReplayTransport

    return ReplayTransport


@pytest.fixture(scope="session")
def claude_fixture_server() -> Iterator[str]:
    """Base URL of a fake Messages API serving the bundled fixtures, stopped after the session."""
    try:
        from .fake_api import serve_in_thread

        server = serve_in_thread(speed=None)
    except ImportError as exc:
        pytest.fail(f"claude_fixture_server needs {exc.name}: pip install 'claude-stream-nb[serve]'")
    with server as url:
        yield url


def pytest_configure(config: pytest.Config) -> None:
    """Teach nbval about ``update_display_data``, so notebooks whose views end as transcripts
    (this package's) compare as they were saved. nbval 0.11 drops such messages ("unhandled
    iopub msg"), which would leave the live widget where the saved output has the transcript."""
    if config.pluginmanager.hasplugin("nbval"):
        _patch_nbval()


def _patch_nbval() -> None:
    """A display with a display_id is held back until it is updated (or the cell goes idle),
    then handed to nbval once, with its final data, where it was first shown."""
    from nbval.kernel import RunningKernel  # type: ignore[import-untyped]

    if getattr(RunningKernel.get_message, "_csn_patched", False):
        return
    original = RunningKernel.get_message
    held: dict[str, dict[str, Any]] = {}  # display_id -> the display_data message, not yet handed on
    ready: list[dict[str, Any]] = []  # messages to hand on before reading the next one

    def get_message(self: object, stream: str, timeout: float | None = None) -> dict[str, Any]:
        if stream == "iopub" and ready:
            return ready.pop(0)
        msg: dict[str, Any] = original(self, stream, timeout=timeout)
        content = msg.get("content")
        if stream != "iopub" or not isinstance(content, dict):
            return msg
        kind = msg.get("msg_type")
        display_id = (content.get("transient") or {}).get("display_id")
        if kind == "display_data" and display_id:
            held[display_id] = msg
            return _skipped(msg)
        if kind == "update_display_data" and display_id in held:
            shown = held.pop(display_id)
            shown["content"] = {**shown["content"], "data": content["data"], "metadata": content.get("metadata", {})}
            return shown
        if kind == "status" and content.get("execution_state") == "idle" and held:
            ready.extend([*held.values(), msg])  # never updated: hand them on as they were
            held.clear()
            return ready.pop(0)
        return msg

    get_message._csn_patched = True  # type: ignore[attr-defined]
    RunningKernel.get_message = get_message


def _skipped(msg: dict[str, Any]) -> dict[str, Any]:
    return {**msg, "msg_type": "comm_held_display"}  # nbval skips comm* messages
