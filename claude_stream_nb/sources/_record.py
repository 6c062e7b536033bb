"""Recording a stream as a fixture: never over a good recording with a failed one.

Two writers of the format :mod:`._fixtures` reads:

- :class:`WireRecorder` keeps the bytes as each connection received them, with their arrival
  times, and marks the seams between connections (a retry, a reconnect). The live client's
  ``record=`` uses it, and so do the recording transports of :mod:`._tee` that sit under the
  official SDK.
- :class:`Recorder` is a sink: it writes each folded event's bytes (an SDK stream given to
  ``show()``, whose wire bytes are gone, is re-encoded from the SDK's events first).

Both write to a temporary file beside the target and rename it into place (``os.replace``,
atomic) only when the stream is complete; a failed attempt -- a bad key, a 529, a cut that
could not be continued -- leaves the previous recording as it was, and is kept as
``PATH.partial`` only when asked (``keep_partial=True``; ``record_partial=True`` on a call).
API keys and auth headers are never written (see ``FixtureWriter``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from ..core._events import Event
from ..core._snapshot import Snapshot
from ..core._sse import SSEDecoder
from ._fixtures import FixtureWriter

__all__ = ["Recorder", "WireRecorder", "partial_path"]

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def partial_path(path: str | Path) -> Path:
    """Where a failed attempt is kept when asked: ``PATH.partial``."""
    path = Path(path)
    return path.with_name(path.name + ".partial")


class _AtomicFile:
    """A temporary file beside ``path``: renamed onto it on success, else removed (or kept as
    ``PATH.partial``)."""

    def __init__(self, path: str | Path, keep_partial: bool) -> None:
        self.path = Path(path)
        self.keep_partial = keep_partial
        self.file: IO[bytes] = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in end())
            "wb", dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp", delete=False
        )
        os.chmod(self.file.name, 0o666 & ~_UMASK)  # as open() would make it, not 0600

    def end(self, ok: bool) -> Path | None:
        """Close it; the path it ended at (None: removed)."""
        if self.file.closed:
            return None
        self.file.close()
        if ok:
            os.replace(self.file.name, self.path)
            return self.path
        if self.keep_partial:
            target = partial_path(self.path)
            os.replace(self.file.name, target)
            return target
        os.unlink(self.file.name)
        return None


class Recorder:
    """A sink that writes a fixture event by event (flushed as it goes), renamed into place
    when the stream completes."""

    def __init__(
        self,
        path: str | Path,
        *,
        request: dict[str, Any] | None = None,
        description: str | None = None,
        keep_partial: bool = False,
    ) -> None:
        self.path = Path(path)
        self._out = _AtomicFile(path, keep_partial)
        request = {k: v for k, v in (request or {}).items() if k != "stream"} or None
        self._writer = FixtureWriter(self._out.file, description=description or describe(request), request=request)
        self._notes: list[str] = []
        self.saved: Path | None = None
        """Where the recording ended up once closed (``None``: nothing kept)."""

    def notice(self, text: str) -> None:
        self._notes.append(text)

    def update(self, event: Event, snapshot: Snapshot) -> None:
        self._writer.event(event.sse.raw, event.sse.time, notes=self._notes)
        self._notes = []
        self._out.file.flush()

    def close(self, snapshot: Snapshot) -> None:
        self.saved = self._out.end(snapshot.state == "complete")


class WireRecorder:
    """The bytes of every connection of one call, as received, with seams between them.

    Told :meth:`connect` at each response head (its status), :meth:`data` for each chunk of the
    body, and :meth:`finish` at the end (with the final snapshot, or ``None`` to fold the
    recording to see whether it is complete).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        request: dict[str, Any] | None = None,
        description: str | None = None,
        keep_partial: bool = False,
    ) -> None:
        self.path = Path(path)
        self._out = _AtomicFile(path, keep_partial)
        self._request = {k: v for k, v in (request or {}).items() if k != "stream"} or None
        self._description = description or describe(self._request)
        self._writer: FixtureWriter | None = None
        self._decoder = SSEDecoder()
        self._last: float | None = None
        self.connections = 0
        self.saved: Path | None = None
        """Where the recording ended up once finished (``None``: nothing kept)."""

    def connect(self, status: int, at: float, why: str | None = None) -> None:
        """A response head arrived: a new connection (a seam, after the first)."""
        if self._writer is None:
            response = {"status": status} if status != 200 else None
            self._writer = FixtureWriter(
                self._out.file, description=self._description, request=self._request, response=response
            )
        else:
            self._cut()
            seam = {"connection": self.connections + 1, "status": status, "t": round(max(at, 0.0), 3), "why": why}
            self._out.file.write(b": seam: " + _line(seam) + b"\n")
        self.connections += 1
        self._decoder = SSEDecoder()
        self._last = at

    def data(self, chunk: bytes, at: float) -> None:
        assert self._writer is not None, "data before connect"
        for sse in self._decoder.feed(chunk, at):
            self._writer.event(sse.raw, sse.time)
        self._last = at
        self._out.file.flush()

    def complete(self) -> bool:
        """Whether what is recorded so far is a complete stream (folded from the file)."""
        if self._out.file.closed:
            return False
        from ._fixtures import load_fixture

        self._out.file.flush()
        return load_fixture(Path(self._out.file.name)).fold().state == "complete"

    def finish(self, snapshot: Snapshot | None = None) -> Path | None:
        """The call is over: keep the recording if the stream completed."""
        if self._out.file.closed:
            return self.saved
        if self._writer is None:
            self._writer = FixtureWriter(self._out.file, description=self._description, request=self._request)
        pending = self._decoder.pending
        if pending:
            self._writer.event(pending, self._last)
        complete = self.complete() if snapshot is None else snapshot.state == "complete"
        self.saved = self._out.end(complete)
        return self.saved

    def _cut(self) -> None:
        """The previous connection's unfinished bytes, kept in a comment before the seam."""
        pending = self._decoder.pending
        if pending:
            if self._last is not None:
                self._out.file.write(b": t=%.3f\n" % max(self._last, 0.0))
            text = json.dumps(pending.decode("utf-8", "surrogateescape"), ensure_ascii=True)
            self._out.file.write(b": cut: " + text.encode() + b"\n")


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode()


def describe(request: dict[str, Any] | None) -> str:
    """A fixture description from its request: the model and the last user message's start."""
    if not request:
        return "recorded with claude-stream-nb"
    messages = request.get("messages") or []
    last = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else ""
    if isinstance(last, list):
        last = " ".join(str(part.get("text", "")) for part in last if isinstance(part, dict))
    text = " ".join(str(last or "").split())
    return f"{request.get('model', '?')}: {text[:80]}{'…' if len(text) > 80 else ''}"
