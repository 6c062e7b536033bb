"""Server-Sent Events: an incremental, sans-I/O decoder and a matching encoder.

The decoder follows the WHATWG event-stream rules: lines end in LF, CR or CRLF (mixed
allowed, and a CRLF split across two chunks is still one line end); a blank line dispatches;
``:`` starts a comment; ``data`` lines join with ``\\n``; one space after the colon is dropped;
a field without a colon has an empty value; a leading UTF-8 BOM is dropped. Lines are split on
bytes first and decoded as UTF-8 afterwards, so a character split across chunks survives.

Each event keeps the exact bytes it was made of (``raw``: everything since the previous
dispatch, comments included), where it started (``offset``), its 1-based ``number`` and the
time its last byte arrived (``time``, as given to :meth:`SSEDecoder.feed`). Concatenating the
``raw`` of every event, then :attr:`SSEDecoder.pending`, gives back the input (less the BOM).
When a CRLF straddles two chunks and its CR ends an event, the LF is counted in the next
event's ``raw``: the event is dispatched as soon as its CR arrives, as browsers do.

Speed: events in the shape the Messages API sends (``event: X\\ndata: Y\\n\\n``) are matched
whole by one regular expression; anything else goes line by line. Both give the same events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = ["SSEDecoder", "ServerSentEvent", "decode_all", "encode_event"]

_BOM = b"\xef\xbb\xbf"
_CANONICAL = re.compile(rb"event: ([^\r\n]*)\ndata: ([^\r\n]*)\n\n")
_EOL = re.compile(rb"[\r\n]")
_DEFER = 65536  # an unfinished event shorter than this waits whole for its end


class ServerSentEvent(NamedTuple):
    """One dispatched event, with where and when it came from (immutable)."""

    event: str
    """The ``event:`` field, ``""`` when the event had none."""
    data: str
    """The ``data:`` lines joined with ``\\n``."""
    id: str | None = None
    """The last ``id:`` seen so far in the stream (it persists across events, per spec)."""
    retry: int | None = None
    """The ``retry:`` field of this event, if it had a valid one."""
    raw: bytes = b""
    """Every byte since the previous event, up to and including the dispatching blank line."""
    offset: int = 0
    """Byte offset of ``raw`` in the stream (a dropped BOM counts)."""
    number: int = 0
    """1-based position of this event in the stream."""
    time: float | None = None
    """Arrival time of the event's last byte, in seconds, as the source measured it."""
    problem: str | None = None
    """Set when the bytes were not valid UTF-8 (replacement characters were used)."""

    def json(self) -> Any:
        return json.loads(self.data)

    def __repr__(self) -> str:
        data = self.data if len(self.data) <= 60 else self.data[:59] + "…"
        return f"ServerSentEvent(#{self.number} {self.event!r}, data={data!r}, time={self.time})"


_new_event = tuple.__new__  # ServerSentEvent(*fields) without the generated __new__'s call


class SSEDecoder:
    """Feed bytes as they arrive; get the events they complete.

    >>> d = SSEDecoder()
    >>> d.feed(b"event: ping\\ndata: {}\\n")
    []
    >>> [e.event for e in d.feed(b"\\n")]
    ['ping']
    """

    def __init__(self) -> None:
        self._tail = b""  # bytes of an unfinished line
        self._lines: list[bytes] = []  # raw lines of the event being read
        self._event_offset = 0
        self._consumed = 0  # stream offset of the first byte of _tail
        self._started = False
        self._skip_lf = False
        self._count = 0
        self._name = b""
        self._data: list[bytes] = []
        self._last_id: str | None = None
        self._retry: int | None = None

    @property
    def pending(self) -> bytes:
        """Bytes received but not part of any dispatched event (an unterminated last event)."""
        return b"".join(self._lines) + self._tail

    @property
    def count(self) -> int:
        """How many events have been dispatched."""
        return self._count

    @property
    def position(self) -> int:
        """Total bytes fed so far."""
        return self._consumed + len(self._tail)

    def feed(self, chunk: bytes, time: float | None = None) -> list[ServerSentEvent]:
        """Decode ``chunk``; return the events it completes, stamped with ``time``."""
        if not self._started:
            chunk = self._tail + chunk
            self._tail = b""
            if _BOM.startswith(chunk):  # too short to tell yet (or empty)
                self._tail = chunk
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
                self._consumed = self._event_offset = len(_BOM)
        if self._skip_lf and chunk:
            # The previous chunk ended in CR; an LF now completes that CRLF, not a new line.
            self._skip_lf = False
            if chunk[:1] == b"\n":
                self._lines.append(b"\n")
                self._consumed += 1
                chunk = chunk[1:]
        if not chunk:
            return []
        return self._scan(self._tail + chunk if self._tail else chunk, time)

    def flush(self, time: float | None = None) -> list[ServerSentEvent]:
        """End of stream. Per spec an unterminated last event is not dispatched: its bytes
        stay in :attr:`pending` for the caller to report."""
        self._started = True
        return []

    def _scan(self, buf: bytes, time: float | None) -> list[ServerSentEvent]:
        out: list[ServerSentEvent] = []
        pos, size = 0, len(buf)
        while pos < size:
            if not self._lines:  # at an event boundary: the fast path, while it fits
                pos = self._canonical(buf, pos, time, out)
                if size - pos < _DEFER and buf.find(b"\n\n", pos) < 0 and buf.find(b"\r", pos) < 0:
                    break  # an event cut by the chunk: keep its bytes, take it whole when it ends
            eol = _EOL.search(buf, pos)
            if eol is None:
                break
            end = eol.end()
            if buf[eol.start()] == 0x0D:  # CR: part of a CRLF when an LF follows
                if end < size:
                    end += buf[end] == 0x0A
                else:
                    self._skip_lf = True
            self._line(buf[pos:end], time, out)
            pos = end
        self._tail = buf[pos:]
        return out

    def _canonical(self, buf: bytes, pos: int, time: float | None, out: list[ServerSentEvent]) -> int:
        """Take whole ``event: X\ndata: Y\n\n`` events from ``pos``; return where they end."""
        match = _CANONICAL.match(buf, pos)
        count, offset, last_id = self._count, self._event_offset, self._last_id
        while match is not None:
            name, data = match.groups()
            end = match.end()
            try:
                fields = (name.decode(), data.decode(), last_id, None, buf[pos:end], offset, count + 1, time, None)
                out.append(_new_event(ServerSentEvent, fields))
            except UnicodeDecodeError:
                break  # the line-by-line path says where
            count += 1
            offset += end - pos
            pos = end
            match = _CANONICAL.match(buf, pos)
        self._consumed += offset - self._event_offset
        self._count, self._event_offset = count, offset
        return pos

    def _line(self, line: bytes, time: float | None, out: list[ServerSentEvent]) -> None:
        self._consumed += len(line)
        self._lines.append(line)
        content = line.rstrip(b"\r\n")
        if content:
            self._field(content)
        elif self._data:
            out.append(self._dispatch(time))
        else:  # a blank line with no data dispatches nothing and forgets the event name
            self._name = b""

    def _field(self, content: bytes) -> None:
        if content[0] == 0x3A:  # ':' comment
            return
        name, colon, value = content.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._name = value
        elif name == b"id":
            if b"\0" not in value:
                self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)

    def _dispatch(self, time: float | None) -> ServerSentEvent:
        raw = b"".join(self._lines)
        joined = b"\n".join(self._data)
        problem = None
        try:
            data, name = joined.decode(), self._name.decode()
        except UnicodeDecodeError as exc:
            data, name = joined.decode("utf-8", "replace"), self._name.decode("utf-8", "replace")
            where = self._event_offset + max(raw.find(exc.object[exc.start : exc.end]), 0)
            problem = f"invalid UTF-8 ({exc.reason}) at byte {where}"
        self._count += 1
        event = ServerSentEvent(
            name, data, self._last_id, self._retry, raw, self._event_offset, self._count, time, problem
        )
        self._event_offset += len(raw)
        self._lines = []
        self._name = b""
        self._data = []
        self._retry = None
        return event


def encode_event(name: str, data: Any, *, compact: bool = True) -> bytes:
    """Encode one event the way the Messages API sends it: ``event:``, ``data:``, blank line."""
    separators = (",", ":") if compact else None
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=separators)
    lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    return f"event: {name}\n{lines}\n".encode()


def decode_all(chunks: Iterable[bytes]) -> list[ServerSentEvent]:
    """Decode a whole stream given as chunks (for tests and small inputs)."""
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events
