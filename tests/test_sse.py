"""The SSE decoder against the WHATWG event-stream rules."""

from __future__ import annotations

import pytest

from claude_stream_nb.core._sse import ServerSentEvent, SSEDecoder, decode_all, encode_event


def fields(events: list[ServerSentEvent]) -> list[tuple[str, str, str | None, int | None]]:
    return [(e.event, e.data, e.id, e.retry) for e in events]


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("ending", [b"\n", b"\r", b"\r\n"])
@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_every_line_ending_and_every_split(ending: bytes, size: int) -> None:
    stream = ending.join(
        [b"event: a", b"data: one", b"", b"event: b", b"data: two", b"data: three", b"", b""]
    )
    events = decode_all(chunked(stream, size))
    assert fields(events) == [("a", "one", None, None), ("b", "two\nthree", None, None)]


def test_mixed_line_endings_in_one_stream() -> None:
    stream = b"event: a\rdata: x\r\n\nevent: b\ndata: y\r\r"
    assert fields(decode_all([stream])) == [("a", "x", None, None), ("b", "y", None, None)]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    # "\r" at the end of one chunk and "\n" at the start of the next must not make a blank line.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"\ndata: y\r") == []
    events = decoder.feed(b"\n\r\n")
    assert fields(events) == [("", "x\ny", None, None)]


def test_comments_are_ignored_but_kept_in_raw() -> None:
    stream = b": keep-alive\nevent: ping\n: inner\ndata: {}\n\n"
    (event,) = decode_all([stream])
    assert (event.event, event.data) == ("ping", "{}")
    assert event.raw == stream


def test_one_leading_space_is_dropped_and_no_more() -> None:
    (event,) = decode_all([b"data:  two spaces\ndata:none\n\n"])
    assert event.data == " two spaces\nnone"


def test_field_without_colon_has_empty_value() -> None:
    (event,) = decode_all([b"event: x\ndata\ndata\n\n"])
    assert event.data == "\n"


def test_id_persists_and_retry_is_read() -> None:
    a, b = decode_all([b"id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nretry: soon\n"])
    assert (a.id, a.retry) == ("7", 1500)
    assert (b.id, b.retry) == ("7", None)


def test_blank_line_without_data_dispatches_nothing_and_resets_the_name() -> None:
    events = decode_all([b"event: lost\n\ndata: kept\n\n"])
    assert fields(events) == [("", "kept", None, None)]


@pytest.mark.parametrize("size", [1, 2, 4, 100])
def test_leading_bom_is_dropped(size: int) -> None:
    stream = b"\xef\xbb\xbfevent: message_start\ndata: {}\n\n"
    events = decode_all(chunked(stream, size))
    assert fields(events) == [("message_start", "{}", None, None)]
    assert events[0].offset == 3


def test_only_one_bom_is_dropped() -> None:
    # The second BOM becomes part of the field name, which is then unknown and ignored.
    assert decode_all([b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n"]) == []
    assert decode_all([b"\xef\xbb\xbf\xef\xbb\xbfevent: y\ndata: z\n\n"])[0].event == ""


@pytest.mark.parametrize("size", [1, 2, 3])
def test_multibyte_characters_split_across_chunks_survive(size: int) -> None:
    text = "日本語 👩‍👩‍👧 é"
    stream = encode_event("content_block_delta", {"text": text})
    (event,) = decode_all(chunked(stream, size))
    assert event.json() == {"text": text}


def test_invalid_utf8_is_reported_with_its_byte_offset() -> None:
    stream = b"data: ok\n\ndata: bad \xff here\n\n"
    ok, bad = decode_all([stream])
    assert ok.problem is None
    assert bad.problem is not None
    where = stream.index(b"\xff")
    assert f"byte {where}" in bad.problem
    assert "\ufffd" in bad.data


def test_unterminated_last_event_is_not_dispatched_but_kept() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"data: one\n\ndata: tw")
    events += decoder.flush()
    assert [e.data for e in events] == ["one"]
    assert decoder.pending == b"data: tw"


def test_raw_offsets_numbers_and_times_describe_the_stream() -> None:
    first = b"event: a\ndata: 1\n\n"
    second = b": c\nevent: b\ndata: 2\n\n"
    decoder = SSEDecoder()
    a = decoder.feed(first + second[:5], time=0.25)
    b = decoder.feed(second[5:], time=0.5)
    assert [(e.number, e.offset, e.time) for e in a + b] == [(1, 0, 0.25), (2, len(first), 0.5)]
    assert a[0].raw + b[0].raw == first + second


def test_encode_event_round_trips_multiline_data() -> None:
    raw = encode_event("x", "line one\nline two")
    (event,) = decode_all([raw])
    assert (event.event, event.data) == ("x", "line one\nline two")


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r", b"\r\n"])
@pytest.mark.parametrize("size", [1, 3, 1000])
def test_a_whole_last_event_without_its_blank_line_is_dispatched_at_flush(ending: bytes, size: int) -> None:
    first = b"event: ping\ndata: {}\n\n"
    last = b'event: message_stop\ndata: {"type":"message_stop"}' + ending
    decoder = SSEDecoder()
    events = [e for chunk in chunked(first + last, size) for e in decoder.feed(chunk)]
    assert [e.event for e in events] == ["ping"]
    assert decoder.unterminated is None
    (final,) = decoder.flush()
    assert (final.event, final.data) == ("message_stop", '{"type":"message_stop"}')
    assert (final.number, final.offset) == (2, len(first))
    assert final.raw == last  # its bytes exactly
    assert decoder.pending == b""
    assert decoder.unterminated == 2
    assert decoder.flush() == []  # once


@pytest.mark.parametrize(
    "tail",
    [b'data: {"type":"message_st', b"data: 12", b"event: message_stop\n", b": only a comment", b"data: not json"],
)
def test_an_event_cut_inside_its_data_stays_pending_at_flush(tail: bytes) -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: {}\n\n" + tail)
    assert decoder.flush() == []
    assert decoder.pending == tail
    assert decoder.unterminated is None


@pytest.mark.parametrize("size", [1, 7, 8192, 1 << 20])
def test_a_line_over_max_line_stops_the_decoder_keeping_the_events_before(size: int) -> None:
    body = b"data: {}\n\n" + b"data: " + b"x" * 5000 + b"\n\ndata: {}\n\n"
    decoder = SSEDecoder(max_line=4096)
    events = [e for chunk in chunked(body, size) for e in decoder.feed(chunk)]
    assert [e.data for e in events] == ["{}"]
    assert decoder.failure is not None
    assert "longer than 4096 bytes (from byte 10, in event 2)" in decoder.failure
    assert decoder.position == len(body)
    assert decoder.flush() == []


def test_a_long_line_arriving_in_small_chunks_is_scanned_once() -> None:
    """Linear: the search for the event's end resumes where it stopped (the bench times it)."""
    decoder = SSEDecoder()
    line = b"data: " + b"y" * 200_000
    for chunk in chunked(line, 100):
        assert decoder.feed(chunk) == []
    assert decoder.pending == line
    (event,) = decoder.feed(b"\n\n")
    assert event.data == "y" * 200_000
    assert event.raw == line + b"\n\n"
