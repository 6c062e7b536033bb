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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..core._sse import SSEDecoder

if TYPE_CHECKING:
    from ..core._snapshot import Snapshot

__all__ = [
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
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_KEYS = frozenset({"api_key", "apikey", "x-api-key", "authorization", "auth_token"})


@dataclass(frozen=True, slots=True)
class Recorded:
    """One event's bytes and when they arrived (``None`` in a plain capture)."""

    raw: bytes
    time: float | None


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    events: tuple[Recorded, ...]
    trailing: Recorded | None = None
    """Bytes of an unterminated last event (a cut connection), if any."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Header fields: ``description``, ``request``, ``response``, and any others."""

    @property
    def description(self) -> str:
        return str(self.meta.get("description", ""))

    @property
    def timed(self) -> bool:
        return bool(self.events) and all(e.time is not None for e in self.events)

    @property
    def body(self) -> bytes:
        """The stream exactly as the server sent it (no header, no timing comments)."""
        tail = self.trailing.raw if self.trailing else b""
        return b"".join(e.raw for e in self.events) + tail

    def chunks(self) -> list[Recorded]:
        return [*self.events, *([self.trailing] if self.trailing else [])]

    def fold(self) -> Snapshot:
        """The final snapshot, folded with the recorded times (nothing displayed)."""
        from ..core._stream import StreamFold

        fold = StreamFold()
        for chunk in self.chunks():
            for _ in fold.ifeed(chunk.raw, chunk.time):
                pass
        return fold.close()


def read_fixture(data: bytes, name: str = "<bytes>") -> Fixture:
    """Parse fixture bytes (or a plain SSE capture)."""
    meta: dict[str, Any] = {}
    if data.startswith(MAGIC):
        end = data.find(b"\n\n")
        header, data = (data, b"") if end < 0 else (data[: end + 1], data[end + 2 :])
        meta = _parse_header(header)
    decoder = SSEDecoder()
    events = [_split_time(e.raw) for e in decoder.feed(data)]
    decoder.flush()
    trailing = _split_time(decoder.pending) if decoder.pending else None
    return Fixture(name=name, events=tuple(events), trailing=trailing, meta=meta)


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

    def __init__(self, out: BinaryIO, **meta: Any) -> None:
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
