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

One departure from the spec, at the very end: the spec drops an event that never got its
closing blank line, but many real streams (the API documentation's own examples among them)
end ``data: {"type":"message_stop"}`` and EOF. :meth:`SSEDecoder.flush` dispatches such a last
event when its data is a whole JSON object -- what every Messages API event is -- and says so
in :attr:`SSEDecoder.unterminated`; an event cut inside its data stays in :attr:`pending`.

Linear on any input: bytes wait in one growable buffer, and each search for the end of an event
(or of a line) resumes where the previous one stopped, so a 4 MB ``data:`` line arriving in 8 KB
chunks is scanned once. A line longer than ``max_line`` bytes stops the decoder (see
:attr:`SSEDecoder.failure`) instead of growing without bound; every event before it is kept.

Speed: streams with LF line ends (what the Messages API sends) are cut into events at each
blank line, and an event in the API's shape (``event: X\\ndata: Y\\n\\n``) is matched whole by
one regular expression; anything else goes field by field, and a stream with a CR goes line by
line from there on. All paths give the same events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = ["MAX_LINE", "SSEDecoder", "ServerSentEvent", "decode_all", "encode_event"]

_BOM = b"\xef\xbb\xbf"
_CANONICAL = re.compile(rb"event: ([^\r\n]*)\ndata: ([^\r\n]*)\n\n")
_EOL = re.compile(rb"[\r\n]")
MAX_LINE = 64 * 1024 * 1024
"""The default longest line (64 MiB): a server tool result arrives whole in one line, but no
line of a Messages stream comes near this."""


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

    def __init__(self, *, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buf = bytearray()  # bytes not yet consumed: the unfinished event (or line)
        self._block = 0  # LF mode, in _buf: where the fields not yet read begin
        self._lines: list[bytes] = []  # raw bytes of the event being read, already consumed
        self._line_mode = False  # a CR was seen: line by line from then on
        self._event_offset = 0
        self._consumed = 0  # stream offset of the first byte of _buf
        self._started = False
        self._skip_lf = False
        self._count = 0
        self._name = b""
        self._data: list[bytes] = []
        self._last_id: str | None = None
        self._retry: int | None = None
        self._dropped = 0
        self.unterminated: int | None = None
        """The number of the last event when :meth:`flush` dispatched it without its closing
        blank line (the stream ended right after it); ``None`` otherwise."""
        self.failure: str | None = None
        """Why the decoder stopped (a line longer than ``max_line``); it ignores the rest."""

    @property
    def pending(self) -> bytes:
        """Bytes received but not part of any dispatched event (an unterminated last event)."""
        return b"".join(self._lines) + bytes(self._buf)

    @property
    def count(self) -> int:
        """How many events have been dispatched."""
        return self._count

    @property
    def position(self) -> int:
        """Total bytes fed so far."""
        return self._consumed + len(self._buf) + self._dropped

    def feed(self, chunk: bytes, time: float | None = None) -> list[ServerSentEvent]:
        """Decode ``chunk``; return the events it completes, stamped with ``time``."""
        if self.failure is not None:
            self._dropped += len(chunk)
            return []
        buf = self._buf
        if not self._started:
            buf += chunk
            if _BOM.startswith(buf):  # too short to tell yet (or empty)
                return []
            self._started = True
            if buf.startswith(_BOM):
                del buf[: len(_BOM)]
                self._consumed = self._event_offset = len(_BOM)
            chunk, buf = bytes(buf), bytearray()
        if self._skip_lf and chunk:
            # The previous chunk ended in CR; an LF now completes that CRLF, not a new line.
            self._skip_lf = False
            if chunk[:1] == b"\n":
                self._lines.append(b"\n")
                self._consumed += 1
                chunk = chunk[1:]
        if buf:  # an unfinished event (or line) waits: look for its end in the new bytes only
            start = len(buf)
            buf += chunk
            if not self._ends(buf, start):
                self._guard(buf)
                return []
            data = bytes(buf)
        elif chunk:
            data = chunk
        else:
            return []
        out: list[ServerSentEvent] = []
        pos = self._lines_from(data, 0, time, out) if self._line_mode else self._blocks(data, time, out)
        self._consumed += pos
        if self.failure is not None:  # a line too long: drop the rest, keep what came before
            self._dropped += len(data) - pos
            self._buf, self._block, self._lines = bytearray(), 0, []
            return out
        self._buf = bytearray(data[pos:]) if pos < len(data) else bytearray()
        if self._buf:
            self._guard(self._buf)
        return out

    def _ends(self, buf: bytearray, start: int) -> bool:
        """Whether bytes from ``start`` on may end the unfinished event (LF mode) or line."""
        if self._line_mode:
            return _EOL.search(buf, start) is not None
        return buf.find(b"\n\n", start - 1) >= 0 or buf.find(b"\r", start) >= 0

    def _guard(self, buf: bytearray) -> None:
        """Stop when the unfinished line grows past ``max_line``: a clear error, not a memory bomb."""
        if len(buf) - self._block <= self.max_line:
            return
        line_start = buf.rfind(b"\n", self._block) + 1
        if len(buf) - line_start <= self.max_line:
            return
        self._fail(self._consumed + line_start)
        self._dropped += len(buf)
        self._buf, self._block = bytearray(), 0

    def _fail(self, where: int) -> None:
        self.failure = (
            f"a line longer than {self.max_line} bytes (from byte {where}, in event {self._count + 1}): "
            "decoding stopped there"
        )

    def _too_long(self, data: bytes, start: int, end: int) -> bool:
        """Whether a line of ``data[start:end]`` (a whole event's fields) is over ``max_line``;
        the decoder fails at the first such line (the same whatever the chunking)."""
        if end - start <= self.max_line:
            return False
        line = start
        while line < end:
            next_line = data.find(b"\n", line, end)
            next_line = end if next_line < 0 else next_line
            if next_line - line > self.max_line:
                self._fail(self._consumed + line)
                return True
            line = next_line + 1
        return False

    def flush(self, time: float | None = None) -> list[ServerSentEvent]:
        """End of stream: dispatch a last event that lacks only its closing blank line (its data
        is a whole JSON object), keeping its bytes exactly; see :attr:`unterminated`. Anything
        else stays in :attr:`pending` for the caller to report."""
        self._started = True
        if self.failure is not None or not (self._buf or self._lines):
            return []
        data = bytes(self._buf)
        saved = self._name, list(self._data), self._last_id, self._retry
        lines = [data.rstrip(b"\r\n")] if self._line_mode else data[self._block :].split(b"\n")
        for line in lines:
            if line:
                self._field(line)
        if self._data and _is_json_object(b"\n".join(self._data)):
            self._lines.append(data)
            self._consumed += len(data)
            self._buf, self._block = bytearray(), 0
            event = self._dispatch(time)
            self.unterminated = event.number
            return [event]
        self._name, self._data, self._last_id, self._retry = saved
        return []

    # --- LF mode: a blank line ends an event ---------------------------------------------------

    def _blocks(self, data: bytes, time: float | None, out: list[ServerSentEvent]) -> int:
        """Take every event ``data`` completes before its first CR (after it, line mode takes
        over); return where the unconsumed bytes start (an event's ``raw`` start)."""
        pos, block = 0, self._block  # block: where the fields not yet read begin
        cr = data.find(b"\r", block)
        stop = len(data) if cr < 0 else cr
        while True:
            if pos == block:  # nothing pending: whole events in the API's shape, fast
                pos = block = self._canonical(data, pos, stop, time, out)
            while block < stop and data[block] == 0x0A:  # a blank line before any field
                block += 1
                self._name = b""
            end = data.find(b"\n\n", block, stop)
            if end < 0 or self._too_long(data, block, end):
                break
            for line in data[block:end].split(b"\n"):
                self._field(line)
            block = end + 2
            if self._data:
                self._lines.append(data[pos:block])
                out.append(self._dispatch(time))
                pos = block
            else:  # a blank line with no data dispatches nothing and forgets the event name
                self._name = b""
        if cr >= 0 and self.failure is None:  # from the line with the CR on: line by line, for good
            self._line_mode = True
            self._block = 0
            if block > pos:
                self._lines.append(data[pos:block])
            return self._lines_from(data, block, time, out)
        self._block = block - pos
        return pos

    def _canonical(self, buf: bytes, pos: int, stop: int, time: float | None, out: list[ServerSentEvent]) -> int:
        """Take whole ``event: X\\ndata: Y\\n\\n`` events from ``pos``; return where they end."""
        match_at, append, limit = _CANONICAL.match, out.append, self.max_line
        count, offset, last_id = self._count, self._event_offset, self._last_id
        match = match_at(buf, pos, stop)
        while match is not None:
            name, data = match.groups()
            end = match.end()
            if end - pos > limit:
                break  # the field-by-field path stops there
            try:
                fields = (name.decode(), data.decode(), last_id, None, buf[pos:end], offset, count + 1, time, None)
            except UnicodeDecodeError:
                break  # the field-by-field path says where
            append(_new_event(ServerSentEvent, fields))
            count += 1
            offset += end - pos
            pos = end
            match = match_at(buf, pos, stop)
        self._count, self._event_offset = count, offset
        return pos

    # --- line mode: the general case (CR and CRLF line ends) -----------------------------------

    def _lines_from(self, buf: bytes, pos: int, time: float | None, out: list[ServerSentEvent]) -> int:
        size = len(buf)
        while pos < size:
            eol = _EOL.search(buf, pos)
            if eol is None:
                break
            end = eol.end()
            if buf[eol.start()] == 0x0D:  # CR: part of a CRLF when an LF follows
                if end < size:
                    end += buf[end] == 0x0A
                else:
                    self._skip_lf = True
            if end - pos > self.max_line and self._too_long(buf, pos, end - 1):
                break
            self._line(buf[pos:end], time, out)
            pos = end
        return pos

    def _line(self, line: bytes, time: float | None, out: list[ServerSentEvent]) -> None:
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


def _is_json_object(data: bytes) -> bool:
    try:
        return isinstance(json.loads(data), dict)
    except ValueError:
        return False


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
