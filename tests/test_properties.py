"""Properties of the protocol core, checked with hypothesis.

- Chunking does not matter: any split of a stream's bytes gives the same events and the same
  final message and state (bundled fixtures, their files as-is, and generated streams with CRLF /
  CR / mixed line endings, multi-line data, comments, ids, unknown fields and a BOM).
- Formatting does not matter: a generated stream folds to the same message however its SSE is
  laid out.
- The fixture format round-trips: bytes, times (to the ms) and header fields.
- The fold is pure: an earlier snapshot never changes, and two branches folded from one snapshot
  do not disturb each other.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from claude_stream_nb.core._accumulate import accumulate, finish
from claude_stream_nb.core._events import Event, parse_event
from claude_stream_nb.core._snapshot import Rope, Snapshot
from claude_stream_nb.core._sse import ServerSentEvent, decode_all, encode_event
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sources._fixtures import Recorded, bundled_fixtures, dumps, load_fixture, read_fixture

FIXTURES = [name for name, _ in bundled_fixtures()]
BOM = b"\xef\xbb\xbf"

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fixture_file(name: str) -> bytes:
    return resources.files("claude_stream_nb").joinpath("fixtures", f"{name}.sse").read_bytes()


# --- folding in chunks -------------------------------------------------------------------------


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(points)]


def chunkings(data: bytes) -> st.SearchStrategy[list[bytes]]:
    """Splits of ``data``: fixed-size chunks (1-byte chunks included), or random cut points
    (biased towards the bytes around line ends, where a CRLF can straddle two chunks)."""
    n = len(data)
    line_ends = [i for i, b in enumerate(data) if b in b"\r\n"]
    fixed = st.integers(1, 64).map(lambda size: [data[i : i + size] for i in range(0, n, size)])
    anywhere = st.integers(0, n)
    near_ends = st.sampled_from(line_ends).flatmap(lambda i: st.integers(i, i + 1)) if line_ends else anywhere
    cuts = st.lists(st.one_of(anywhere, near_ends), max_size=60).map(lambda c: split(data, c))
    return st.one_of(st.just([data]), st.just([data[i : i + 1] for i in range(n)]), fixed, cuts)


def sse_key(sse: ServerSentEvent) -> tuple[Any, ...]:
    # Not raw/offset: when a CRLF straddles two chunks, its LF may land in the next event's raw.
    # (The problem text holds a byte offset, so only whether there is one is compared.)
    return (sse.event, sse.data, sse.id, sse.retry, sse.number, sse.problem is None)


def fold_chunks(chunks: list[bytes]) -> tuple[list[Event], Snapshot, StreamFold]:
    stream = StreamFold()
    events: list[Event] = []
    for i, chunk in enumerate(chunks):
        events.extend(event for event, _ in stream.feed(chunk, float(i)))
    return events, stream.close(), stream


def summary(events: list[Event], final: Snapshot) -> tuple[Any, ...]:
    return (
        [(e.type, sse_key(e.sse)) for e in events],
        final.to_message(),
        final.state,
        final.error,
        [p.message for p in final.problems],
        len(final.unknown_events),
    )


@functools.lru_cache(maxsize=64)
def reference(data: bytes) -> tuple[Any, ...]:
    """What the whole input in one chunk gives (computed once per input)."""
    return summary(*fold_chunks([data])[:2])


def check_chunking(data: bytes, chunks: list[bytes]) -> None:
    assert b"".join(chunks) == data
    expected = reference(data)
    events, final, stream = fold_chunks(chunks)
    assert summary(events, final) == expected
    # Every byte is accounted for: the events' raw bytes, then what never completed.
    without_bom = data[len(BOM) :] if data.startswith(BOM) else data
    assert b"".join(e.sse.raw for e in events) + stream.decoder.pending == without_bom
    # Offsets are consistent with raw (a BOM counts, per the SSE docstring).
    start = len(BOM) if data.startswith(BOM) else 0
    for event in events:
        assert event.sse.offset == start
        start += len(event.sse.raw)


def test_fixtures_are_bundled() -> None:
    assert FIXTURES, "no bundled fixtures in claude_stream_nb/fixtures/"


@pytest.mark.parametrize("source", ["body", "file"])
@pytest.mark.parametrize("name", FIXTURES)
@FAST
@given(data=st.data())
def test_fixture_chunking_does_not_matter(name: str, source: str, data: st.DataObject) -> None:
    body = load_fixture(name).body if source == "body" else fixture_file(name)
    check_chunking(body, data.draw(chunkings(body), label="chunks"))


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_byte_by_byte_with_crlf_cr_and_bom(name: str) -> None:
    """Every fixture re-encoded with CRLF and with CR line ends, behind a BOM, fed one byte at a
    time: same events, same message as the original."""
    body = load_fixture(name).body
    events, final, _ = fold_chunks([body])
    expected = summary(events, final)
    for eol in (b"\r\n", b"\r"):
        variant = BOM + body.replace(b"\n", eol)
        check_chunking(variant, [variant[i : i + 1] for i in range(len(variant))])
        # The re-encoded stream says the same: only the raw bytes differ.
        assert summary(*fold_chunks([variant])[:2]) == expected


# --- generated streams -------------------------------------------------------------------------

MODEL = "claude-sonnet-4-6"
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
TOOL_INPUTS = st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4)


def cut_text(draw: st.DrawFn, text: str, max_pieces: int = 6) -> list[str]:
    cuts = draw(st.lists(st.integers(0, len(text)), max_size=max_pieces))
    points = [0, *sorted(set(cuts)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(points)]


@st.composite
def message_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The JSON of a complete, valid Messages stream: text, thinking and tool blocks."""
    usage = {"input_tokens": draw(st.integers(0, 9999)), "output_tokens": 1}
    message = {
        "id": "msg_01P",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    events: list[dict[str, Any]] = [{"type": "message_start", "message": message}]
    kinds = draw(st.lists(st.sampled_from(["text", "thinking", "tool_use"]), min_size=1, max_size=3))
    for index, kind in enumerate(kinds):
        if draw(st.booleans()):
            events.append({"type": "ping"})
        if kind == "tool_use":
            block = {"type": "tool_use", "id": f"toolu_{index}", "name": "f", "input": {}}
            text = json.dumps(draw(TOOL_INPUTS), ensure_ascii=draw(st.booleans()))
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in ["", *cut_text(draw, text)]]
        elif kind == "thinking":
            block = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": t} for t in draw(st.lists(st.text(), max_size=4))]
            deltas.append({"type": "signature_delta", "signature": draw(st.text("abcXYZ09+/=", min_size=1))})
        else:
            block = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": t} for t in draw(st.lists(st.text(), max_size=5))]
        events.append({"type": "content_block_start", "index": index, "content_block": block})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    delta = {"stop_reason": "end_turn", "stop_sequence": None}
    events.append({"type": "message_delta", "delta": delta, "usage": {"output_tokens": draw(st.integers(0, 9999))}})
    events.append({"type": "message_stop"})
    return events


def canonical(events: list[dict[str, Any]]) -> bytes:
    return b"".join(encode_event(e["type"], e) for e in events)


@st.composite
def sse_layout(draw: st.DrawFn, events: list[dict[str, Any]], *, one_event: bool = False) -> bytes:
    """The same events laid out in any way the SSE rules allow: LF, CRLF or CR per line,
    comments, ``id``/``retry``/unknown fields, ``data`` split over several lines, with or without
    the space after the colon or the ``event:`` line, a BOM, blank lines between events.

    ``one_event``: the bytes of exactly one event as the decoder cuts them (no BOM, no extra
    blank line after it, which would belong to the next event), and no ``: t=`` comment, which
    the fixture format reads as a timing line when it starts an event recorded without a time.
    """
    comments = [": ping", ":", ":comment: with colon", *([] if one_event else [": t=0.5"])]
    lines: list[str] = []
    for event in events:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(comments)))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["id: 42", "id", "retry: 3000", "retry: x", "foo: bar", "foo"])))
        if draw(st.integers(0, 4)):  # usually an event line; without one the JSON "type" names it
            lines.append(draw(st.sampled_from(["event: ", "event:"])) + event["type"])
        indent = draw(st.sampled_from([None, None, 0, 2]))
        text = json.dumps(event, ensure_ascii=draw(st.booleans()), indent=indent)
        for line in text.split("\n"):
            lines.append(draw(st.sampled_from(["data: ", "data:"])) + line)
        lines.append("")
        if not one_event and draw(st.integers(0, 9)) == 0:
            lines.append("")  # an extra blank line dispatches nothing
    out = []
    previous = ""
    for line in lines:
        ends = ["\n", "\r\n", "\r"]
        if previous == "\r" and not line:
            ends = ["\r\n", "\r"]  # "\r" then an empty "\n" line would read as one CRLF
        end = draw(st.sampled_from(ends))
        out.append(line + end)
        previous = end
    bom = BOM if not one_event and draw(st.booleans()) else b""
    return bom + "".join(out).encode()


@st.composite
def laid_out_streams(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bytes]:
    events = draw(message_events())
    return events, draw(sse_layout(events))


@MEDIUM
@given(stream=laid_out_streams(), data=st.data())
def test_generated_stream_chunking_does_not_matter(
    stream: tuple[list[dict[str, Any]], bytes], data: st.DataObject
) -> None:
    _, body = stream
    check_chunking(body, data.draw(chunkings(body), label="chunks"))


@MEDIUM
@given(stream=laid_out_streams())
def test_generated_stream_layout_does_not_matter(stream: tuple[list[dict[str, Any]], bytes]) -> None:
    events, body = stream
    plain_events, plain = fold_chunks([canonical(events)])[:2]
    laid_events, laid = fold_chunks([body])[:2]
    assert plain.state == laid.state == "complete"
    assert plain.problems == laid.problems == ()
    assert [e.type for e in laid_events] == [e.type for e in plain_events] == [e["type"] for e in events]
    assert laid.to_message() == plain.to_message()
    # ... and it is the message the events describe.
    message = plain.to_message()
    blocks = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert [b["type"] for b in message["content"]] == [b["type"] for b in blocks]
    for index, got in enumerate(message["content"]):
        deltas = [e["delta"] for e in events if e["type"] == "content_block_delta" and e["index"] == index]
        if got["type"] == "text":
            assert got["text"] == "".join(d["text"] for d in deltas)
        elif got["type"] == "thinking":
            assert got["thinking"] == "".join(d.get("thinking", "") for d in deltas)
            assert got["signature"] == deltas[-1]["signature"]
        else:
            assert got["input"] == json.loads("".join(d["partial_json"] for d in deltas))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"event: ping\r\ndata: {}\r\n\r\n" * 3, id="crlf"),
        pytest.param(b"event: ping\rdata: {}\r\r" * 3, id="cr"),
        pytest.param(
            b'event: ping\ndata: {}\r\n\revent: ping\rdata: {}\n\r\n: c\r\ndata: {"type":"ping"}\n\n',
            id="mixed",
        ),
        pytest.param(BOM + b'data: {"type":\r\ndata: "ping"}\r\n\r\n', id="bom-multiline"),
        # A chunk ending after a CR-ended line and the start of the next line ("\r\rid"): the
        # LF that follows ends "id", it does not complete a CRLF (found by the property above).
        pytest.param(b'data: {"type":"ping"}\r\rid\ndata: {"type":"ping"}\n\n', id="cr-then-partial-line"),
        pytest.param(b": only a comment\n\n: and another\r\n", id="comments-only"),
        pytest.param(b"event: ping\ndata: {}\n\nevent: ping\ndata: {", id="unterminated"),
        pytest.param(b"data: \xff\xfe\n\n" + "data: é\n\n".encode(), id="invalid-utf8"),
    ],
)
def test_inline_streams_every_split(body: bytes) -> None:
    """Small streams: every split into two and three chunks."""
    n = len(body)
    for i in range(n + 1):
        check_chunking(body, split(body, [i]))
        for j in range(i, min(n, i + 4) + 1):
            check_chunking(body, split(body, [i, j]))


# --- fixture round trip ------------------------------------------------------------------------


def check_round_trip(events: list[Recorded], trailing: Recorded | None, meta: dict[str, Any]) -> None:
    data = dumps(events, trailing, **meta)
    back = read_fixture(data)
    assert [e.raw for e in back.events] == [e.raw for e in events]
    assert (back.trailing.raw if back.trailing else None) == (trailing.raw if trailing else None)
    for got, sent in zip([*back.events, back.trailing], [*events, trailing], strict=True):
        if sent is None or sent.time is None:
            assert got is None or got.time is None
        else:
            assert got is not None
            assert got.time == float(f"{max(sent.time, 0.0):.3f}")  # the writer's b": t=%.3f"
            assert abs(got.time - sent.time) <= 0.0005 + 1e-9 * sent.time
    assert back.meta == meta
    # Writing what was read gives the same bytes again.
    assert dumps(back.events, back.trailing, **back.meta) == data


@pytest.mark.parametrize("name", FIXTURES)
def test_bundled_fixture_round_trip(name: str) -> None:
    fixture = load_fixture(name)
    assert fixture.timed
    assert fixture.meta.get("description")
    assert isinstance(fixture.meta.get("request"), dict)
    check_round_trip(list(fixture.events), fixture.trailing, fixture.meta)
    # The bundled file is exactly what the writer writes.
    assert dumps(fixture.events, fixture.trailing, **fixture.meta) == fixture_file(name)


# One line of header text: no line breaks (str.splitlines breaks on more than \r and \n), and
# no leading "{" or "[" (such a value is read back as JSON), no surrounding whitespace.
HEADER_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda s: s == s.strip() and s[:1] not in ("{", "[", "")
)
TIMES = st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False), st.integers(0, 10**6).map(lambda ms: ms / 1000))


@st.composite
def recorded_events(draw: st.DrawFn) -> list[Recorded]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from(["content_block_delta", "ping", "message_delta", "new_event"]))
        data = {"type": name, "text": draw(st.text(max_size=30)), "n": draw(st.integers())}
        raw = encode_event(name, data) if draw(st.booleans()) else draw(sse_layout([data], one_event=True))
        out.append(Recorded(raw, draw(TIMES)))
    return out


@st.composite
def metas(draw: st.DrawFn) -> dict[str, Any]:
    meta: dict[str, Any] = {"description": draw(HEADER_TEXT)}
    if draw(st.booleans()):
        request = {
            "model": MODEL,
            "max_tokens": draw(st.integers(1, 64000)),
            "messages": [{"role": "user", "content": draw(st.text(max_size=40))}],
        }
        meta["request"] = request
    if draw(st.booleans()):
        meta["response"] = {"status": 200, "headers": {"request-id": draw(HEADER_TEXT)}}
    if draw(st.booleans()):
        meta["note"] = draw(HEADER_TEXT)
    return meta


LINE_SEPARATOR_META = {"description": "d", "request": {"messages": [{"role": "user", "content": "a\u2028b"}]}}


@MEDIUM
@given(events=recorded_events(), trailing_cut=st.none() | st.integers(1, 200), trailing_time=TIMES, meta=metas())
@example(events=[], trailing_cut=None, trailing_time=None, meta=LINE_SEPARATOR_META)
def test_fixture_round_trip(
    events: list[Recorded], trailing_cut: int | None, trailing_time: float | None, meta: dict[str, Any]
) -> None:
    trailing = None
    if trailing_cut is not None:
        whole = encode_event("content_block_delta", {"type": "content_block_delta", "cut": "here ✂"})
        trailing = Recorded(whole[: min(trailing_cut, len(whole) - 1)], trailing_time)
    check_round_trip(events, trailing, meta)


@pytest.mark.parametrize("text", ["a\u2028b", "a\u2029b", "a\x85b"])
def test_fixture_meta_json_keeps_line_separators(text: str) -> None:
    """A request whose text holds U+2028, U+2029 or U+0085 (str.splitlines breaks on them) must
    come back unchanged from a fixture header."""
    meta = {"description": "d", "request": {"messages": [{"role": "user", "content": text}]}}
    assert read_fixture(dumps([], **meta)).meta == meta


# --- the fold is pure --------------------------------------------------------------------------


def typed_events(body: bytes) -> list[Event]:
    return [parse_event(sse) for sse in decode_all([body])]


def fold_all(events: list[Event], snap: Snapshot | None = None) -> list[Snapshot]:
    snaps = [snap or Snapshot()]
    for event in events:
        snaps.append(accumulate(snaps[-1], event))
    return snaps


def view(snap: Snapshot) -> tuple[Any, ...]:
    """Everything a snapshot shows, deep-copied so later changes cannot reach it."""
    partial = [b.partial_input() for b in snap.blocks]
    return copy.deepcopy((snap.to_message(), snap.state, snap.problems, snap.error, snap.events, partial))


@pytest.mark.parametrize("name", FIXTURES)
def test_fold_keeps_every_snapshot(name: str) -> None:
    events = typed_events(load_fixture(name).body)
    snaps = [Snapshot()]
    views = [view(snaps[0])]
    step = max(1, len(events) // 150)  # long_markdown: look at every few snapshots
    for i, event in enumerate(events, 1):
        snaps.append(accumulate(snaps[-1], event))
        if i % step == 0 or i == len(events):
            views.append(view(snaps[-1]))
        else:
            views.append(None)
    final = finish(snaps[-1])
    finish(snaps[len(snaps) // 2], stopped=True)  # ending a stream early returns a new snapshot too
    for snap, seen in zip(snaps, views, strict=True):
        if seen is not None:
            assert view(snap) == seen
    # Folding the same events again from scratch gives an equal result.
    assert view(finish(fold_all(events)[-1])) == view(final)


@st.composite
def branch_bytes(draw: st.DrawFn, snap: Snapshot) -> bytes:
    """Events that append to (or stop, or touch) the blocks of ``snap``, or start new ones."""
    out = []
    indexes = [b.index for b in snap.blocks] or [0]
    for _ in range(draw(st.integers(1, 8))):
        index = draw(st.sampled_from([*indexes, len(snap.blocks)]))
        kind = draw(st.sampled_from(["text", "json", "thinking", "signature", "stop", "start", "delta", "ping"]))
        payload: dict[str, Any]
        if kind == "text":
            delta = {"type": "text_delta", "text": draw(st.text(min_size=1, max_size=10))}
        elif kind == "json":
            delta = {"type": "input_json_delta", "partial_json": draw(st.sampled_from(['{"a": 1', "}", "2", ""]))}
        elif kind == "thinking":
            delta = {"type": "thinking_delta", "thinking": draw(st.text(min_size=1, max_size=10))}
        elif kind == "signature":
            delta = {"type": "signature_delta", "signature": draw(st.text("ab", min_size=1))}
        if kind in ("text", "json", "thinking", "signature"):
            payload = {"type": "content_block_delta", "index": index, "delta": delta}
        elif kind == "stop":
            payload = {"type": "content_block_stop", "index": index}
        elif kind == "start":
            blocks = [{"type": "text", "text": ""}, {"type": "tool_use", "id": "t", "name": "n", "input": {}}]
            payload = {"type": "content_block_start", "index": index, "content_block": draw(st.sampled_from(blocks))}
        elif kind == "delta":
            payload = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 7}}
        else:
            payload = {"type": "ping"}
        out.append(encode_event(payload["type"], payload))
    return b"".join(out)


@MEDIUM
@given(name=st.sampled_from(FIXTURES), data=st.data())
def test_fold_branches_do_not_disturb_each_other(name: str, data: st.DataObject) -> None:
    body = load_fixture(name).body
    events = typed_events(body)
    at = data.draw(st.integers(0, len(events)), label="branch point")
    base = fold_all(events[:at])[-1]
    base_view = view(base)
    rest = events[at:]
    other_bytes = data.draw(branch_bytes(base), label="other branch")
    other = typed_events(other_bytes)
    # Interleave the two branches step by step...
    a, b = base, base
    order = data.draw(st.permutations([0] * len(rest) + [1] * len(other)), label="interleaving")
    ia = ib = 0
    for which in order:
        if which == 0:
            a, ia = accumulate(a, rest[ia]), ia + 1
        else:
            b, ib = accumulate(b, other[ib]), ib + 1

    # ... then fold each branch alone, from freshly parsed events, to compare.
    def alone(*bodies: bytes, upto: int | None = None) -> Snapshot:
        trunk = typed_events(bodies[0])
        fresh = [*(trunk if upto is None else trunk[:upto]), *(e for extra in bodies[1:] for e in typed_events(extra))]
        return fold_all(fresh)[-1]

    assert view(base) == base_view
    assert view(a) == view(alone(body))
    assert view(b) == view(alone(body, other_bytes, upto=at))
    # A third branch from the same point, after both: still unaffected, and so are they.
    c = fold_all(typed_events(other_bytes)[::-1], base)[-1]
    assert view(c) == view(fold_all(typed_events(other_bytes)[::-1], alone(body, upto=at))[-1])
    assert view(a) == view(alone(body))
    assert view(b) == view(alone(body, other_bytes, upto=at))
    assert view(base) == base_view


def _mutable_parts_stream() -> bytes:
    usage = {"input_tokens": 5, "output_tokens": 1, "server_tool_use": {"web_search_requests": 0}}
    message = {"id": "m", "type": "message", "role": "assistant", "model": MODEL, "content": [], "usage": usage}
    result = {"type": "web_search_tool_result", "tool_use_id": "s", "content": [{"type": "web_search_result"}]}
    citation = {"type": "char_location", "cited_text": "x", "start_char_index": 0, "end_char_index": 1}
    items = [
        ("message_start", {"message": message}),
        (
            "content_block_start",
            {"index": 0, "content_block": {"type": "tool_use", "id": "a", "name": "f", "input": {}}},
        ),
        ("content_block_delta", {"index": 0, "delta": {"type": "input_json_delta", "partial_json": '{"k": [1]}'}}),
        ("content_block_stop", {"index": 0}),
        # A tool call whose input arrives whole in content_block_start (no deltas).
        (
            "content_block_start",
            {"index": 1, "content_block": {"type": "tool_use", "id": "b", "name": "g", "input": {"z": [2]}}},
        ),
        ("content_block_stop", {"index": 1}),
        ("content_block_start", {"index": 2, "content_block": result}),
        ("content_block_stop", {"index": 2}),
        ("content_block_start", {"index": 3, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"index": 3, "delta": {"type": "citations_delta", "citation": citation}}),
        ("content_block_delta", {"index": 3, "delta": {"type": "text_delta", "text": "x"}}),
        ("content_block_stop", {"index": 3}),
    ]
    return b"".join(encode_event(name, {"type": name, **data}) for name, data in items)


def _mutate_everything(value: Any) -> None:
    """Change every dict and list reachable from ``value``, in place."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _mutate_everything(item)
        value["mutated"] = True
    elif isinstance(value, list):
        for item in list(value):
            _mutate_everything(item)
        value.append("mutated")


def test_to_message_is_a_copy() -> None:
    """Changing the dict ``to_message()`` returns, at any depth (e.g. to edit a message before
    resending it), must not change the snapshot it came from, nor any other: a player keeps them
    all to step back to."""
    snaps = fold_all(typed_events(_mutable_parts_stream()))
    before = [view(snap) for snap in snaps]
    for snap in snaps:
        _mutate_everything(snap.to_message())
    assert [view(snap) for snap in snaps] == before


def test_rope_versions_are_independent() -> None:
    """Text grows through a Rope whose versions share storage: appending to an old version
    must branch off, never show up in a newer one (and the other way round)."""
    base = Rope().plus("ab")
    left = base.plus("c")
    right = base.plus("X")  # base's parts list was already extended by `left`
    left2 = left.plus("d")
    right2 = right.plus("Y").plus("")
    assert [str(r) for r in (base, left, right, left2, right2)] == ["ab", "abc", "abX", "abcd", "abXY"]
    assert [len(r) for r in (base, left, right, left2, right2)] == [2, 3, 3, 4, 4]
    assert base.plus("c") == left
    assert str(base.plus("Z")) == "abZ"
    assert str(left2) == "abcd"


# --- the end of a stream: a last event without its blank line ----------------------------------


def fold_with_flush(chunks: list[bytes]) -> tuple[list[Event], Snapshot, StreamFold]:
    """:func:`fold_chunks`, plus the event :meth:`StreamFold.iflush` dispatches at the end."""
    stream = StreamFold()
    events: list[Event] = []
    for i, chunk in enumerate(chunks):
        events.extend(event for event, _ in stream.feed(chunk, float(i)))
    events.extend(event for event, _ in stream.iflush())
    return events, stream.close(), stream


@MEDIUM
@given(stream=laid_out_streams(), data=st.data())
def test_a_stream_without_its_final_blank_line_folds_the_same_in_any_chunking(
    stream: tuple[list[dict[str, Any]], bytes], data: st.DataObject
) -> None:
    events, body = stream
    end = len(body.rstrip(b"\r\n"))  # the end of message_stop's last data line
    if data.draw(st.booleans(), label="keep the line end"):
        end += 2 if body[end : end + 2] == b"\r\n" else 1
    cut = body[:end]  # the blank line that closes message_stop (and any after it), gone
    chunks = data.draw(chunkings(cut), label="chunks")
    got, final, fold = fold_with_flush(chunks)
    whole_events, whole, _ = fold_with_flush([body])
    # The same events (the last dispatched at the end), the same final message, complete.
    assert [(e.type, sse_key(e.sse)) for e in got] == [(e.type, sse_key(e.sse)) for e in whole_events]
    assert final.to_message() == whole.to_message()
    assert final.state == "complete"
    # Its bytes are kept exactly: every event's raw, in order, is the input.
    without_bom = cut[len(BOM) :] if cut.startswith(BOM) else cut
    assert b"".join(e.sse.raw for e in got) == without_bom
    assert fold.decoder.pending == b""
    (warning,) = [p for p in final.problems if p.severity == "warning"]
    assert warning.event == len(events)
    assert warning.offset == len(cut)
    assert [p for p in final.problems if p.severity == "error"] == []


@FAST
@given(data=st.data(), size=st.integers(1, 4096), line=st.integers(1000, 20000))
def test_a_long_line_in_any_chunking_decodes_the_same_and_the_guard_names_its_offset(
    data: st.DataObject, size: int, line: int
) -> None:
    block = {"type": "web_fetch_tool_result", "tool_use_id": "x", "content": "é" * line}
    before = encode_event("ping", {"type": "ping"})
    start = {"type": "content_block_start", "index": 0, "content_block": block}
    body = before + encode_event("content_block_start", start)
    chunks = data.draw(st.one_of(st.just([body[i : i + size] for i in range(0, len(body), size)]), chunkings(body)))
    check_chunking(body, chunks)
    guarded = StreamFold(max_line=line)  # the data line is ~2 * line bytes long: over the limit
    for chunk in chunks:
        guarded.feed(chunk)
    snap = guarded.close()
    assert snap.events == 1  # the ping before it is kept
    (problem,) = snap.problems
    assert problem.severity == "error"
    data_line = len(before) + len(b"event: content_block_start\n")
    assert f"from byte {data_line}" in problem.message
    assert snap.state == "incomplete"
