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
    """From a cell's first display with a display_id on, its outputs are held back, in order;
    an update changes the held display it names; all go to nbval, as they were saved, when the
    cell is idle (a view shows an empty output beside itself and updates both)."""
    from nbval.kernel import RunningKernel  # type: ignore[import-untyped]

    if getattr(RunningKernel.get_message, "_csn_patched", False):
        return
    original = RunningKernel.get_message
    held: list[dict[str, Any]] = []  # the cell's outputs since its first display with a display_id
    ready: list[dict[str, Any]] = []  # messages to hand on before reading the next one

    def get_message(self: object, stream: str, timeout: float | None = None) -> dict[str, Any]:
        if stream == "iopub" and ready:
            return ready.pop(0)
        msg: dict[str, Any] = original(self, stream, timeout=timeout)
        content = msg.get("content")
        if stream != "iopub" or not isinstance(content, dict):
            return msg
        kind = msg.get("msg_type")
        if kind == "update_display_data":
            for shown in held:
                if _display_id(shown["content"]) == _display_id(content):
                    update = {"data": content["data"], "metadata": content.get("metadata", {})}
                    shown["content"] = {**shown["content"], **update}
            return _skipped(msg)  # applied, or of a display nbval no longer holds
        if not held and not (kind == "display_data" and _display_id(content)):
            return msg
        if kind == "status" and content.get("execution_state") == "idle" and _parent(msg) == _parent(held[0]):
            ready.extend([*held, msg])
            held.clear()
            return ready.pop(0)
        if kind in ("display_data", "execute_result", "stream", "error"):
            held.append(msg)
            return _skipped(msg)
        return msg

    get_message._csn_patched = True  # type: ignore[attr-defined]
    RunningKernel.get_message = get_message


def _display_id(content: dict[str, Any]) -> Any:
    return (content.get("transient") or {}).get("display_id")


def _parent(msg: dict[str, Any]) -> Any:
    return (msg.get("parent_header") or {}).get("msg_id")


def _skipped(msg: dict[str, Any]) -> dict[str, Any]:
    return {**msg, "msg_type": "comm_held_display"}  # nbval skips comm* messages
