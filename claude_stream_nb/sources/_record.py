"""The recorder: a sink that writes the fixture format while a stream plays.

It writes each event's bytes exactly as they arrived, with their arrival time, so the file
replays to the same final message (``replay(path)``) and serves as a fixture. The request may
be kept in the header; API keys and auth headers never are (see ``FixtureWriter``). A notice
(a retry, a reconnect) is kept as an SSE comment line before the next event.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core._events import Event
from ..core._snapshot import Snapshot
from ._fixtures import FixtureWriter

__all__ = ["Recorder"]


class Recorder:
    """Writes a fixture file event by event (flushed as it goes: a crash keeps what arrived)."""

    def __init__(
        self, path: str | Path, *, request: dict[str, Any] | None = None, description: str | None = None
    ) -> None:
        self.path = Path(path)
        self._file = self.path.open("wb")
        request = {k: v for k, v in (request or {}).items() if k != "stream"} or None
        self._writer = FixtureWriter(self._file, description=description or _describe(request), request=request)
        self._notes: list[str] = []

    def notice(self, text: str) -> None:
        self._notes.append(text)

    def update(self, event: Event, snapshot: Snapshot) -> None:
        self._writer.event(event.sse.raw, event.sse.time, notes=self._notes)
        self._notes = []
        self._file.flush()

    def close(self, snapshot: Snapshot) -> None:
        if not self._file.closed:
            self._file.close()


def _describe(request: dict[str, Any] | None) -> str:
    if not request:
        return "recorded with claude-stream-nb"
    messages = request.get("messages") or []
    last = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else ""
    if isinstance(last, list):
        last = " ".join(str(part.get("text", "")) for part in last if isinstance(part, dict))
    text = " ".join(str(last or "").split())
    return f"{request.get('model', '?')}: {text[:80]}{'…' if len(text) > 80 else ''}"
