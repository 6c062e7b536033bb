"""claude-stream-nb: see the Claude Messages API's streaming protocol as it arrives.

The package's folders are the flow: ``sources`` (fixtures, replay, HTTP, the SDK) give bytes;
``core`` decodes them (``SSEDecoder``), types them (``parse_event``) and folds them into a
snapshot (``accumulate``); ``sinks`` show it (terminal, HTML, the notebook view) or record it.
``fake_api`` is an offline Messages API; ``agent`` runs tools as their blocks complete.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import ClassVar

from ._api import Message, play, replay
from .core._accumulate import accumulate, finish
from .core._events import Event, parse_event
from .core._partial_json import PartialJSON, parse_partial
from .core._snapshot import BlockState, Snapshot
from .core._sse import ServerSentEvent, SSEDecoder, encode_event
from .core._stream import StreamFold, aconsume, consume
from .sources._fixtures import Fixture, FixtureWriter, bundled_fixtures, load_fixture, read_fixture
from .sources._replay import Pacer, areplay_chunks, replay_chunks

__all__ = [
    "APIError",
    "APIServerError",
    "AgentTimeline",
    "AuthenticationError",
    "BillingError",
    "BlockState",
    "Claude",
    "ClaudeError",
    "ConflictError",
    "ConnectionFailed",
    "Event",
    "Fixture",
    "FixtureWriter",
    "GatewayTimeoutError",
    "InvalidRequestError",
    "Message",
    "NotFoundError",
    "OverloadedError",
    "Pacer",
    "PartialJSON",
    "PermissionDeniedError",
    "RateLimitError",
    "ReplayTransport",
    "RequestTooLargeError",
    "SSEDecoder",
    "ServerSentEvent",
    "Snapshot",
    "StreamFold",
    "StreamView",
    "Timeline",
    "UnexpectedResponseError",
    "accumulate",
    "aconsume",
    "areplay_chunks",
    "arun_agent",
    "ashow",
    "astream",
    "bundled_fixtures",
    "consume",
    "encode_event",
    "finish",
    "load_fixture",
    "parse_event",
    "parse_partial",
    "play",
    "read_fixture",
    "replay",
    "replay_chunks",
    "run_agent",
    "show",
    "stream",
    "timeline_of",
]


_ERRORS = frozenset(name for name in __all__ if name.endswith(("Error", "Failed")))
_LIVE = frozenset({"Claude", "astream", "ashow", "show", "stream"}) | _ERRORS


def __getattr__(name: str) -> object:
    # The view imports ipywidgets and the live client httpx: only when asked for.
    if name == "StreamView":
        from .sinks.view import StreamView

        return StreamView
    if name in _LIVE:
        from . import live

        return getattr(live, name)
    if name in ("run_agent", "arun_agent"):
        from . import agent

        return getattr(agent, name)
    if name in ("Timeline", "timeline_of"):
        from .sinks import _timeline

        return getattr(_timeline, name)
    if name == "AgentTimeline":
        from .sinks._timeline_agent import AgentTimeline

        return AgentTimeline
    if name == "ReplayTransport":
        from .fake_api._transport import ReplayTransport

        return ReplayTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"


class _OldPaths(importlib.abc.MetaPathFinder):
    """Import paths from before the tree had its folders keep working:
    ``claude_stream_nb.server`` is ``fake_api``, ``.view`` and ``.render`` live in ``sinks``."""

    MOVED: ClassVar[dict[str, str]] = {
        f"{__name__}.server": f"{__name__}.fake_api",
        f"{__name__}.view": f"{__name__}.sinks.view",
        f"{__name__}.render": f"{__name__}.sinks.render",
    }

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        for old, new in self.MOVED.items():
            if name == old or name.startswith(old + "."):
                return importlib.util.spec_from_loader(name, _Alias(new + name[len(old) :]))
        return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self.spec  # the import system gave it the old name's spec; the module is the new one


sys.meta_path.insert(0, _OldPaths())  # before the path finder, which would load a moved file twice
