"""The fixture format: raw SSE bytes as the server sent them, timing kept in comments.

A fixture is a valid event stream, so ``cat``, ``curl``-style tools, any SSE parser and the
official SDK read it unchanged (SSE parsers skip comment lines)::

    : claude-stream-nb fixture 1
    : description: One tool call (get_weather)
    : request: {"model": "claude-sonnet-4-6", "max_tokens": 1024, ...}
    <blank line: the header ends>
    : t=0.412
    event: message_start
    data: {"type":"message_start",...}
    <blank line>
    : t=0.415
    event: content_block_start
    ...

- The header (optional) is a block of comment lines ``: key: value`` ending at a blank line;
  the first line ``: claude-stream-nb fixture 1`` names the format. ``request`` and
  ``response`` hold one-line JSON; API keys and auth headers are never written.
- ``: t=SECONDS`` right before an event's bytes is when its last byte arrived, in seconds since
  the request was sent. The event's bytes follow exactly as received (line endings, comments
  and all), so writing then reading gives back the same bytes.
- Bytes after the last complete event (a stream cut mid-event) are kept the same way.
- A plain capture with no header and no ``t=`` comments (``curl -N ... > file``) reads too;
  its events get a synthetic pacing (see :mod:`claude_stream_nb.sources._replay`).

Seams (a recording over several connections: the SDK retried, or the live client reconnected
and continued). Each connection's bytes are kept as that connection received them; a line
``: seam: {"connection": 2, "status": 200, "t": 1.234, "why": "connection lost (...)"}``
starts each connection after the first. Bytes a connection received after its last complete
event (it was cut) are kept in one comment before the seam, ``: cut: "<JSON string>"`` (bytes
that are not UTF-8 as ``\\udcXX`` escapes), so an SSE parser that knows nothing of seams still
reads whole events. :func:`read_fixture` gives each connection's bytes (``Fixture.wire``) and
the joined stream (``events``, ``chunks()``): later connections folded onto the first as the
live client folded them (:mod:`claude_stream_nb.sources._continue`), so a replay ends with the
message the live call ended with. A header line ``: response: {"status": 529}`` says the
first connection was not a 200.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..core._sse import SSEDecoder
from ._continue import Seam, join_connections, marked
from ._recorded import Connection, Recorded

if TYPE_CHECKING:
    from ..core._snapshot import Snapshot

__all__ = [
    "Connection",
    "Fixture",
    "FixtureWriter",
    "Recorded",
    "bundled_fixtures",
    "dumps",
    "load_fixture",
    "read_fixture",
]

_DATA = "claude_stream_nb"  # the bundled recordings: claude_stream_nb/fixtures/*.sse
MAGIC = b": claude-stream-nb fixture 1"
_TIME = re.compile(rb": t=(\d+(?:\.\d+)?)\r?\n")
_SEAM = re.compile(rb"(?:^|(?<=\r)): seam: ([^\r\n]*)\r?\n", re.M)  # a line's start: after LF or CR
_CUT = re.compile(rb"(?:: t=(\d+(?:\.\d+)?)\r?\n)?: cut: ([^\r\n]*)\r?\n")
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_KEYS = frozenset({"api_key", "apikey", "x-api-key", "authorization", "auth_token"})


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    events: tuple[Recorded, ...]
    trailing: Recorded | None = None
    """Bytes of an unterminated last event (a cut connection), if any."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Header fields: ``description``, ``request``, ``response``, and any others."""
    connections: tuple[Connection, ...] = ()
    """A recording with seams: every connection as received (empty: one connection, the events)."""
    seams: tuple[Seam, ...] = ()
    """Where each later connection continued the joined :attr:`events` (see ``_continue.marked``)."""

    @property
    def description(self) -> str:
        return str(self.meta.get("description", ""))

    @property
    def timed(self) -> bool:
        return bool(self.events) and all(e.time is not None for e in self.events)

    @property
    def body(self) -> bytes:
        """The stream exactly as the server sent it (no header, no timing comments); with
        seams, the joined stream (:attr:`wire` has each connection's bytes)."""
        tail = self.trailing.raw if self.trailing else b""
        return b"".join(e.raw for e in self.events) + tail

    @property
    def wire(self) -> list[bytes]:
        """Each connection's body bytes exactly as received (one item: no seams)."""
        return [c.body for c in self.connections] if self.connections else [self.body]

    def chunks(self) -> list[Recorded]:
        return [*self.events, *([self.trailing] if self.trailing else [])]

    def fold(self) -> Snapshot:
        """The final snapshot, folded with the recorded times (nothing displayed)."""
        from ..core._stream import StreamFold

        fold = StreamFold()
        for chunk in self.chunks():
            for _ in fold.ifeed(chunk.raw, chunk.time):
                pass
        return marked(fold.close(), self.seams)


def read_fixture(data: bytes, name: str = "<bytes>") -> Fixture:
    """Parse fixture bytes (or a plain SSE capture)."""
    meta: dict[str, Any] = {}
    if data.startswith(MAGIC):
        end = data.find(b"\n\n")
        header, data = (data, b"") if end < 0 else (data[: end + 1], data[end + 2 :])
        meta = _parse_header(header)
    if _SEAM.search(data) is None:
        events, trailing = _read_events(data)
        return Fixture(name=name, events=events, trailing=trailing, meta=meta)
    connections = _read_connections(data)
    events, trailing, seams = join_connections(connections)
    return Fixture(name=name, events=events, trailing=trailing, meta=meta, connections=connections, seams=seams)


def _read_events(data: bytes) -> tuple[tuple[Recorded, ...], Recorded | None]:
    decoder = SSEDecoder()
    events = [_split_time(e.raw) for e in decoder.feed(data)]
    # Not flush(): a last event without its blank line stays trailing bytes, exactly as recorded
    # (the fold dispatches it when the replay ends).
    trailing = _split_time(decoder.pending) if decoder.pending else None
    return tuple(events), trailing


def _read_connections(data: bytes) -> tuple[Connection, ...]:
    """Split a body with seams into its connections (see the module docstring)."""
    out = []
    seam: dict[str, Any] = {}
    matches = list(_SEAM.finditer(data))
    starts = [0, *(m.end() for m in matches)]
    ends = [*(m.start() for m in matches), len(data)]
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        events, trailing = _read_events(data[start:end])
        if i < len(matches) and trailing is not None and (cut := _CUT.fullmatch(trailing.raw)):
            text = json.loads(cut.group(2))
            time = float(cut.group(1)) if cut.group(1) else trailing.time
            trailing = Recorded(text.encode("utf-8", "surrogateescape"), time)
        out.append(Connection(events, trailing, seam))
        if i < len(matches):
            try:
                seam = json.loads(matches[i].group(1))
            except ValueError:
                seam = {"why": matches[i].group(1).decode("utf-8", "replace")}
    return tuple(out)


def load_fixture(source: str | Path | bytes | Fixture) -> Fixture:
    """A bundled fixture by name, a path to a fixture file, fixture bytes (or a Fixture)."""
    if isinstance(source, Fixture):
        return source
    if isinstance(source, bytes):
        return read_fixture(source)
    path = Path(source)
    if not path.suffix and not path.exists():
        bundled = resources.files(_DATA).joinpath(f"fixtures/{source}.sse")
        if not bundled.is_file():
            names = ", ".join(name for name, _ in bundled_fixtures())
            raise FileNotFoundError(f"no bundled fixture named {str(source)!r}; try one of: {names}")
        return read_fixture(bundled.read_bytes(), name=str(source))
    return read_fixture(path.read_bytes(), name=path.stem)


def bundled_fixtures() -> list[tuple[str, str]]:
    """``(name, description)`` of every bundled fixture, sorted by name."""
    folder = resources.files(_DATA).joinpath("fixtures")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sse"):
            with entry.open("rb") as f:
                head = f.read(4096)
            meta = _parse_header(head.split(b"\n\n", 1)[0]) if head.startswith(MAGIC) else {}
            out.append((entry.name[:-4], str(meta.get("description", ""))))
    return sorted(out)


class FixtureWriter:
    """Writes the format :func:`read_fixture` reads, event by event (a recorder)."""

    def __init__(self, out: IO[bytes], **meta: Any) -> None:
        self._out = out
        lines = [MAGIC]
        for key, value in meta.items():
            if value is None:
                continue
            text = value if isinstance(value, str) else json.dumps(_redact(value), ensure_ascii=False)
            text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")  # JSON has none
            lines.append(f": {key}: {text}".encode())
        out.write(b"\n".join(lines) + b"\n\n")

    def event(self, raw: bytes, time: float | None, notes: Iterable[str] = ()) -> None:
        """One event's bytes; ``notes`` become comment lines kept with it (after its time)."""
        if time is not None:
            self._out.write(b": t=%.3f\n" % max(time, 0.0))
        for note in notes:
            self._out.write(f": {' '.join(note.split())}\n".encode())
        self._out.write(raw)

    def flush(self) -> None:
        self._out.flush()


def dumps(events: Iterable[Recorded], trailing: Recorded | None = None, **meta: Any) -> bytes:
    """Fixture bytes for ``events`` (and an unterminated ``trailing`` event)."""
    import io

    buffer = io.BytesIO()
    writer = FixtureWriter(buffer, **meta)
    for event in [*events, *([trailing] if trailing else [])]:
        writer.event(event.raw, event.time)
    return buffer.getvalue()


def _split_time(raw: bytes) -> Recorded:
    match = _TIME.match(raw)
    if match is None:
        return Recorded(raw, None)
    return Recorded(raw[match.end() :], float(match.group(1)))


def _parse_header(header: bytes) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for raw_line in header.split(b"\n")[1:]:  # not str.splitlines: U+2028 may be in a value
        line = raw_line.decode("utf-8", "replace").rstrip("\r")
        key, sep, value = line.removeprefix(": ").partition(": ")
        if not sep:
            continue
        value = value.strip()
        if value[:1] in "{[":
            try:
                meta[key] = json.loads(value)
                continue
            except ValueError:
                pass
        meta[key] = value
    return meta


def _redact(value: Any) -> Any:
    """Drop API keys and auth headers from what goes into a header line."""
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items() if str(k).lower() not in _SECRET_HEADERS | _SECRET_KEYS}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value
