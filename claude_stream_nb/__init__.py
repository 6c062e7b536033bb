"""claude-stream-nb: see the Claude Messages API's streaming protocol as it arrives.

bytes -> SSE events (``SSEDecoder``) -> typed events (``parse_event``) -> snapshot
(``accumulate``) -> sinks (terminal, notebook view, recorder).
"""

from ._accumulate import accumulate, finish
from ._api import Message, play, replay
from ._events import Event, parse_event
from ._fixtures import Fixture, FixtureWriter, bundled_fixtures, load_fixture, read_fixture
from ._partial_json import PartialJSON, parse_partial
from ._replay import Pacer, areplay_chunks, replay_chunks
from ._snapshot import BlockState, Snapshot
from ._sse import ServerSentEvent, SSEDecoder, encode_event
from ._stream import StreamFold, aconsume, consume

__all__ = [
    "BlockState",
    "Claude",
    "Event",
    "Fixture",
    "FixtureWriter",
    "Message",
    "Pacer",
    "PartialJSON",
    "ReplayTransport",
    "SSEDecoder",
    "ServerSentEvent",
    "Snapshot",
    "StreamFold",
    "StreamView",
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
]


_LIVE = frozenset({"Claude", "astream", "ashow", "show", "stream"})


def __getattr__(name: str) -> object:
    # The view imports ipywidgets and the live client httpx: only when asked for.
    if name == "StreamView":
        from .view import StreamView

        return StreamView
    if name in _LIVE:
        from . import live

        return getattr(live, name)
    if name in ("run_agent", "arun_agent"):
        from . import agent

        return getattr(agent, name)
    if name == "ReplayTransport":
        from ._transport import ReplayTransport

        return ReplayTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"
