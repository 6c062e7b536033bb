"""The official ``anthropic`` SDK as the oracle for the fold.

For every stream the SDK accepts, our ``Snapshot.to_message()`` must equal the SDK's
``get_final_message().to_dict()`` -- exact dict equality after ONE documented normalization
(:func:`sdk_message`, the ``stop_details`` key the SDK invents). For streams the SDK rejects (an
``error`` event, a dropped connection) the SDK must raise, and ours must keep everything that
arrived. The cases where PROTOCOL.md says the SDK falls short are tested too: each test shows the
SDK failing (asserting its failure, so the test notices if a later SDK fixes it) and ours not.

The SDK is driven exactly as a user would drive it, over a mocked HTTP transport
(``httpx2.MockTransport``): anthropic >= 1.0 runs on the ``httpx2`` fork and refuses an
``httpx.Client``.
"""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from collections.abc import AsyncIterator, Iterable, Iterator
from importlib import resources
from typing import Any, get_args

import anthropic
import httpx2
import pytest

from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._sse import decode_all, encode_event
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sources._fixtures import Fixture, bundled_fixtures, load_fixture

FIXTURES = [name for name, _ in bundled_fixtures()]
MODEL = "claude-sonnet-4-6"
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "request-id": "req_test"}
# What a real httpx2 transport raises when the server closes the connection mid-body.
CUT = "peer closed connection without sending complete message body (incomplete chunked read)"


# --- driving the SDK ---------------------------------------------------------------------------


def _chunks(body: bytes | Iterable[bytes], cut: bool) -> Iterator[bytes]:
    yield from [body] if isinstance(body, bytes) else body
    if cut:
        raise httpx2.RemoteProtocolError(CUT)


async def _achunks(body: bytes | Iterable[bytes], cut: bool) -> AsyncIterator[bytes]:
    for chunk in _chunks(body, cut):
        yield chunk


def _check_request(request: httpx2.Request) -> None:
    assert request.url.path == "/v1/messages"
    assert json.loads(request.content)["stream"] is True


def _stream_args() -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": "hi"}]}


def run_sdk(body: bytes | Iterable[bytes], *, cut: bool = False) -> anthropic.types.Message:
    """The SDK's final message for a 200 response with ``body`` (bytes, or chunks as they
    arrive). ``cut=True`` ends the body with the transport error of a dropped connection."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        _check_request(request)
        return httpx2.Response(200, headers=SSE_HEADERS, content=_chunks(body, cut))

    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as http,
        anthropic.Anthropic(api_key="sk-test", http_client=http, max_retries=0) as client,
        client.messages.stream(**_stream_args()) as stream,
    ):
        return stream.get_final_message()


def run_sdk_partial(body: bytes | Iterable[bytes], *, cut: bool = False) -> tuple[BaseException, Any]:
    """Iterate the SDK's stream until it raises; return the exception and the SDK's message
    snapshot at that moment (``None`` if it never got one)."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers=SSE_HEADERS, content=_chunks(body, cut))

    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as http,
        anthropic.Anthropic(api_key="sk-test", http_client=http, max_retries=0) as client,
        client.messages.stream(**_stream_args()) as stream,
    ):
        with pytest.raises(Exception) as info:  # noqa: PT011 - which one is asserted by the caller
            for _ in stream:
                pass
        try:
            snapshot = stream.current_message_snapshot
        except AssertionError:  # the SDK never saw message_start
            snapshot = None
        return info.value, snapshot


async def run_async_sdk(body: bytes | Iterable[bytes], *, async_handler: bool = True) -> anthropic.types.Message:
    """:func:`run_sdk` through ``AsyncAnthropic`` + ``httpx2.AsyncClient``. MockTransport takes a
    plain or an ``async`` handler on an async client; the body is an async iterator either way."""

    def sync_handler(request: httpx2.Request) -> httpx2.Response:
        _check_request(request)
        return httpx2.Response(200, headers=SSE_HEADERS, content=_achunks(body, False))

    async def handler(request: httpx2.Request) -> httpx2.Response:
        return sync_handler(request)

    transport = httpx2.MockTransport(handler if async_handler else sync_handler)
    async with (
        httpx2.AsyncClient(transport=transport) as http,
        anthropic.AsyncAnthropic(api_key="sk-test", http_client=http, max_retries=0) as client,
        client.messages.stream(**_stream_args()) as stream,
    ):
        return await stream.get_final_message()


def _wire_messages(body: bytes) -> list[dict[str, Any]]:
    """The JSON of every event on the wire (a plain json.loads, independent of our parser)."""
    out = []
    for sse in decode_all([body]):
        try:
            data = json.loads(sse.data)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def sdk_message(message: anthropic.types.Message, body: bytes) -> dict[str, Any]:
    """The SDK's final message as the API's JSON (``to_dict()``: API field names, only the fields
    that were set, ``None`` values kept -- the same as ``model_dump(by_alias=True,
    exclude_unset=True)``), with one normalization:

    anthropic 2.14's ``accumulate_event`` does ``snapshot.stop_details = event.delta.stop_details``
    on every ``message_delta``; when the event has no ``stop_details`` key, pydantic fills the
    default ``None`` and the assignment marks the field as set, so ``to_dict()`` shows
    ``"stop_details": None`` although no byte on the wire said so. Ours keeps only what was sent.
    The key is dropped here ONLY when its value is ``None`` and neither ``message_start`` nor any
    ``message_delta`` in the stream carried a ``stop_details`` key; a real value, or a key that was
    sent, is compared as is.

    A block type the SDK does not know (e.g. ``hologram`` in the ``unknown_events`` fixture) is
    kept with all its fields, but as a ``TextBlock`` whose ``type`` is not ``"text"``, so pydantic
    warns while serializing it (a UserWarning, an error under ``filterwarnings = error``). That
    warning is expected exactly when such a misfiled block exists, and must name its type; any
    other warning still fails the test.
    """
    misfiled = [b.type for b in message.content if b.type not in get_args(type(b).model_fields["type"].annotation)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = message.to_dict()
    for warning in caught:
        text = str(warning.message)
        assert misfiled, f"unexpected warning from the SDK: {text}"
        assert "PydanticSerializationUnexpectedValue" in text, text
        assert all(f"input_value='{kind}'" in text for kind in misfiled), text
    if misfiled:
        assert caught, "a misfiled block serialized without the expected warning"
    sent = any(
        "stop_details" in (data.get("delta") or {})
        if data.get("type") == "message_delta"
        else "stop_details" in (data.get("message") or {})
        for data in _wire_messages(body)
        if data.get("type") in ("message_start", "message_delta")
    )
    if not sent and out.get("stop_details", 0) is None:
        del out["stop_details"]
    return out


# --- driving ours ------------------------------------------------------------------------------


def fold(chunks: Iterable[bytes | tuple[bytes, float | None]]) -> Snapshot:
    stream = StreamFold()
    for chunk in chunks:
        raw, time = chunk if isinstance(chunk, tuple) else (chunk, None)
        stream.feed(raw, time)
    return stream.close()


def fold_fixture(fixture: Fixture) -> Snapshot:
    return fold([(rec.raw, rec.time) for rec in fixture.chunks()])


def fixture_file(name: str) -> bytes:
    return resources.files("claude_stream_nb").joinpath("fixtures", f"{name}.sse").read_bytes()


def texts_on_wire(body: bytes) -> dict[int, str]:
    """Text received per block index, straight from the text_delta JSON on the wire."""
    out: dict[int, str] = {}
    for data in _wire_messages(body):
        delta = data.get("delta") or {}
        if data.get("type") == "content_block_delta" and delta.get("type") == "text_delta":
            out[data["index"]] = out.get(data["index"], "") + delta["text"]
    return out


def last_error_on_wire(body: bytes) -> dict[str, Any] | None:
    errors = [d for d in _wire_messages(body) if d.get("type") == "error"]
    return errors[-1] if errors else None


# --- inline streams ----------------------------------------------------------------------------


def message(**extra: Any) -> dict[str, Any]:
    usage = {
        "input_tokens": 12,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
    }
    return {
        "id": "msg_01Test",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
        **extra,
    }


def ev(name: str, **data: Any) -> bytes:
    return encode_event(name, {"type": name, **data})


def start(**extra: Any) -> bytes:
    return ev("message_start", message=message(**extra))


def block(index: int, content_block: dict[str, Any], *deltas: dict[str, Any]) -> bytes:
    out = [ev("content_block_start", index=index, content_block=content_block)]
    out += [ev("content_block_delta", index=index, delta=d) for d in deltas]
    out.append(ev("content_block_stop", index=index))
    return b"".join(out)


def text_block(index: int, *pieces: str) -> bytes:
    return block(index, {"type": "text", "text": ""}, *({"type": "text_delta", "text": p} for p in pieces))


def tool_block(index: int, *pieces: str, kind: str = "tool_use", name: str = "get_weather") -> bytes:
    start_block = {"type": kind, "id": f"toolu_0{index}", "name": name, "input": {}}
    return block(index, start_block, *({"type": "input_json_delta", "partial_json": p} for p in pieces))


def end(stop_reason: str = "end_turn", output_tokens: int = 42, **delta: Any) -> bytes:
    return ev(
        "message_delta",
        delta={"stop_reason": stop_reason, "stop_sequence": None, **delta},
        usage={"output_tokens": output_tokens},
    ) + ev("message_stop")


CITATION = {
    "type": "web_search_result_location",
    "url": "https://example.com/sse",
    "title": "SSE",
    "encrypted_index": "Eo8BCioI",
    "cited_text": "Server-sent events are ...",
}
SEARCH_RESULT = {
    "type": "web_search_tool_result",
    "tool_use_id": "srvtoolu_01",
    "content": [
        {
            "type": "web_search_result",
            "url": "https://example.com/sse",
            "title": "SSE",
            "encrypted_content": "EqgfCioIARgBIiQ3YTAw",
            "page_age": None,
        }
    ],
}

INLINE: dict[str, bytes] = {
    "text": start() + ev("ping") + text_block(0, "Hel", "lo, ", "world") + end(),
    "text_and_tool": (
        start()
        + text_block(0, "Let me check.")
        + tool_block(1, "", '{"city": "Pa', 'ris", "days": 12', '5, "lat": -4.5e1, "include": {"hourly": true}}')
        + end("tool_use")
    ),
    "parallel_tools_empty_input": (
        start() + tool_block(0, "") + tool_block(1) + tool_block(2, '{"timezone": "Europe/Paris"}') + end("tool_use")
    ),
    "thinking": (
        start()
        + block(
            0,
            {"type": "thinking", "thinking": "", "signature": ""},
            {"type": "thinking_delta", "thinking": "Think"},
            {"type": "thinking_delta", "thinking": "ing…"},
            {"type": "signature_delta", "signature": "c2lnMQ=="},
            {"type": "signature_delta", "signature": "c2lnMg=="},
        )
        + block(1, {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"})
        + text_block(2, "Done.")
        + end()
    ),
    "web_search_citations": (
        start()
        + tool_block(0, '{"query": "sse"}', kind="server_tool_use", name="web_search")
        + block(1, SEARCH_RESULT)
        + block(
            2,
            {"type": "text", "text": "", "citations": None},
            {"type": "citations_delta", "citation": CITATION},
            {"type": "text_delta", "text": "SSE is a format."},
            {"type": "citations_delta", "citation": {**CITATION, "cited_text": "second"}},
        )
        + ev(
            "message_delta",
            delta={"stop_reason": "end_turn", "stop_sequence": None},
            usage={"input_tokens": 7000, "output_tokens": 30, "server_tool_use": {"web_search_requests": 1}},
        )
        + ev("message_stop")
    ),
    "unicode": start() + text_block(0, "naïve café — 日本語 ", "emoji 👩‍💻🇫🇷", " \u2028 line sep") + end(),
    "stop_details_sent": start() + text_block(0, "No.") + end("refusal", stop_details={"type": "refusal"}),
    "unknown_event_and_block": (
        start()
        + ev("future_event", payload={"x": [1, 2]})
        + text_block(0, "Hi")
        + block(1, {"type": "future_block", "stuff": {"a": 1}})
        + end()
    ),
    "crlf_and_comments": (b": hello\r\n" + (start() + text_block(0, "line\nbreak") + end()).replace(b"\n", b"\r\n")),
}


# --- bundled fixtures: ours == SDK -------------------------------------------------------------


def test_fixtures_are_bundled() -> None:
    # Not a skip: if the bundled fixtures vanish, the parametrized tests below silently vanish too.
    assert FIXTURES, "no bundled fixtures in claude_stream_nb/fixtures/"


def wire_ending(body: bytes) -> str:
    """How the stream ends, judged from the wire alone (not by our fold): ``complete`` (a
    ``message_stop``), ``errored`` (an ``error`` event) or ``incomplete`` (neither: cut)."""
    types = {data.get("type") for data in _wire_messages(body)}
    return "errored" if "error" in types else "complete" if "message_stop" in types else "incomplete"


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_against_sdk(name: str) -> None:
    fixture = load_fixture(name)
    ours = fold_fixture(fixture)
    ending = wire_ending(fixture.body)
    assert ours.state == ending
    assert ours.problems == ()
    # The fixture file as-is (header and timing comments) folds to the same thing.
    from_file = fold([fixture_file(name)])
    assert (from_file.to_message(), from_file.state, from_file.problems) == (ours.to_message(), ending, ())
    assert from_file.error == ours.error
    # (The byte counts in end_reason differ for a cut fixture: in the file the unfinished event
    # is preceded by its ": t=..." comment line, which is part of the bytes never completed, and
    # the header moves every offset.)
    assert _bytes_masked(from_file.end_reason) == _bytes_masked(ours.end_reason)
    if ending == "complete":
        _check_accepted(name, fixture, ours)
    else:
        _check_rejected(name, fixture, ours)


def _bytes_masked(reason: str | None) -> str:
    return re.sub(r"\d+ bytes|byte \d+", "N bytes", reason or "")


def _check_accepted(name: str, fixture: Fixture, ours: Snapshot) -> None:
    # Event by event as recorded, in one piece, and the fixture file as-is: the SDK agrees with
    # itself and with ours, exactly.
    sdk = sdk_message(run_sdk([rec.raw for rec in fixture.chunks()]), fixture.body)
    assert ours.to_message() == sdk
    assert sdk_message(run_sdk(fixture.body), fixture.body) == sdk
    assert sdk_message(run_sdk(fixture_file(name)), fixture.body) == sdk


def _check_rejected(name: str, fixture: Fixture, ours: Snapshot) -> None:
    """An error event or a dropped connection: the SDK raises; ours keeps every block, the
    error, and says how the stream ended."""
    cut = ours.state == "incomplete"
    for body in (fixture.body, fixture_file(name)):
        exc, sdk_snapshot = run_sdk_partial(body, cut=cut)
        if cut:
            # The SDK surfaces the raw transport error, not an anthropic.APIError.
            assert isinstance(exc, httpx2.RemoteProtocolError)
        else:
            assert isinstance(exc, anthropic.APIStatusError)
            assert exc.status_code == 200  # a generic status-200 error, as PROTOCOL.md says
        # What the SDK had accumulated when it gave up, ours has too, block by block. The one
        # allowed difference: an unfinished tool input, which ours shows without guessing the
        # end of a cut-off number (see test_cut_off_number_is_pending_in_partial_display).
        assert sdk_snapshot is not None
        expected = sdk_message(sdk_snapshot, fixture.body)
        got = ours.to_message()
        for block_state, got_block, sdk_block in zip(ours.blocks, got["content"], expected["content"], strict=True):
            if block_state.is_tool_use and not block_state.stopped:
                got_block, sdk_block = dict(got_block), dict(sdk_block)
                del got_block["input"], sdk_block["input"]
            assert got_block == sdk_block
        assert {**got, "content": None} == {**expected, "content": None}

    received = texts_on_wire(fixture.body)
    ours_texts = {b.index: str(b.text) for b in ours.blocks if b.type == "text"}
    assert {i: t for i, t in ours_texts.items() if t} == received
    assert received, "a rejected fixture should have received some text"
    if ours.state == "errored":
        wire = last_error_on_wire(fixture.body)
        assert wire is not None
        assert ours.error is not None
        assert (ours.error.type, ours.error.message) == (wire["error"]["type"], wire["error"]["message"])
        assert ours.error.request_id == wire.get("request_id")
        assert ours.end_reason is None
    else:
        assert ours.error is None
        assert ours.end_reason is not None
        assert fixture.trailing is not None
        assert f"({len(fixture.trailing.raw)} bytes never completed)" in ours.end_reason


@pytest.mark.parametrize("name", [n for n in ("plain_text", "tool_use", "thinking_text") if n in FIXTURES])
@pytest.mark.parametrize("async_handler", [True, False], ids=["async-handler", "sync-handler"])
def test_fixture_matches_async_sdk(name: str, async_handler: bool) -> None:
    fixture = load_fixture(name)
    chunks = [rec.raw for rec in fixture.chunks()]
    sdk = asyncio.run(run_async_sdk(chunks, async_handler=async_handler))
    assert fold_fixture(fixture).to_message() == sdk_message(sdk, fixture.body)


# --- inline streams: ours == SDK ---------------------------------------------------------------


@pytest.mark.parametrize("name", INLINE)
def test_inline_matches_sdk(name: str) -> None:
    body = INLINE[name]
    ours = fold([body])
    assert ours.state == "complete"
    assert ours.problems == ()
    sdk = sdk_message(run_sdk(body), body)
    assert ours.to_message() == sdk
    # Byte by byte: the SDK's decoder and ours must both be indifferent to chunking.
    one_by_one = [body[i : i + 1] for i in range(len(body))]
    assert sdk_message(run_sdk(one_by_one), body) == sdk
    assert fold(one_by_one).to_message() == sdk


@pytest.mark.parametrize("name", ["text_and_tool", "thinking", "web_search_citations"])
def test_inline_matches_async_sdk(name: str) -> None:
    body = INLINE[name]
    assert fold([body]).to_message() == sdk_message(asyncio.run(run_async_sdk(body)), body)


def test_stop_details_normalization_is_only_for_a_key_never_sent() -> None:
    body = INLINE["text"]
    raw = run_sdk(body).to_dict()
    assert raw["stop_details"] is None  # the SDK's invention (see sdk_message)
    assert "stop_details" not in fold([body]).to_message()
    sent = INLINE["stop_details_sent"]
    assert sdk_message(run_sdk(sent), sent)["stop_details"] == {"type": "refusal"}
    assert fold([sent]).to_message()["stop_details"] == {"type": "refusal"}


def test_unknown_events_are_kept_by_ours() -> None:
    snap = fold([INLINE["unknown_event_and_block"]])
    assert [e.name for e in snap.unknown_events] == ["future_event"]
    assert snap.unknown_events[0].data == {"type": "future_event", "payload": {"x": [1, 2]}}
    assert snap.to_message()["content"][1] == {"type": "future_block", "stuff": {"a": 1}}


# --- inline streams the SDK rejects ------------------------------------------------------------

ERROR = {
    "type": "error",
    "error": {"type": "overloaded_error", "message": "Overloaded"},
    "request_id": "req_011",
}


def test_error_event_mid_stream() -> None:
    body = (
        start()
        + ev("content_block_start", index=0, content_block={"type": "text", "text": ""})
        + ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "Half an ans"})
        + encode_event("error", ERROR)
    )
    exc, sdk_snapshot = run_sdk_partial(body)
    assert isinstance(exc, anthropic.APIStatusError)
    assert exc.status_code == 200
    assert exc.body == ERROR
    assert sdk_snapshot.content[0].text == "Half an ans"

    ours = fold([body])
    assert ours.state == "errored"
    assert ours.error is not None
    assert (ours.error.type, ours.error.message, ours.error.request_id) == (
        "overloaded_error",
        "Overloaded",
        "req_011",
    )
    assert ours.error.event == 4
    assert ours.text == "Half an ans"
    assert ours.to_message()["content"] == [{"type": "text", "text": "Half an ans"}]
    assert ours.blocks[0].stopped is False


def test_connection_cut_mid_event() -> None:
    sent = start() + ev("content_block_start", index=0, content_block={"type": "text", "text": ""})
    sent += ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "Kept"})
    cut_event = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"del'
    exc, sdk_snapshot = run_sdk_partial(sent + cut_event, cut=True)
    assert isinstance(exc, httpx2.RemoteProtocolError)
    assert sdk_snapshot.content[0].text == "Kept"

    ours = fold([sent + cut_event])
    assert ours.state == "incomplete"
    assert ours.text == "Kept"
    assert ours.end_reason is not None
    assert "cut inside event 4" in ours.end_reason
    assert str(len(cut_event)) in ours.end_reason


# --- where the SDK falls short (PROTOCOL.md) ---------------------------------------------------


def _sdk_event_types(body: bytes) -> list[str]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers=SSE_HEADERS, content=body)

    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as http,
        anthropic.Anthropic(api_key="sk-test", http_client=http, max_retries=0) as client,
        client.messages.stream(**_stream_args()) as stream,
    ):
        types = [event.type for event in stream]
        with pytest.raises(AssertionError):  # get_final_message: `assert snapshot is not None`
            stream.get_final_message()
        return types


def test_leading_bom() -> None:
    body = INLINE["text_and_tool"]
    bom = b"\xef\xbb\xbf" + body
    # SDK: the BOM sticks to the first field name ("\ufeffevent"), so message_start loses its
    # event name and is dropped; everything after it is passed through unaccumulated.
    types = _sdk_event_types(bom)
    assert "message_start" not in types
    assert types[0] == "content_block_start"
    # Ours drops the BOM, per the SSE spec.
    ours = fold([bom])
    assert ours.state == "complete"
    assert ours.problems == ()
    assert ours.to_message() == sdk_message(run_sdk(body), body)
    # ... also when the BOM arrives split over chunks.
    assert fold([bom[:1], bom[1:2], bom[2:5], bom[5:]]).to_message() == ours.to_message()


def test_stream_without_event_lines() -> None:
    body = INLINE["text_and_tool"]
    bare = b"".join(line + b"\n" for line in body.split(b"\n")[:-1] if not line.startswith(b"event:"))
    assert b"event:" not in bare
    # SDK: an event without a name is skipped (`if sse.event is None: continue`): nothing at all.
    assert _sdk_event_types(bare) == []
    # Ours names each event by its JSON "type".
    ours = fold([bare])
    assert ours.state == "complete"
    assert ours.problems == ()
    assert ours.to_message() == sdk_message(run_sdk(body), body)


def _without_usage(body: bytes, *, in_start: bool, in_delta: bool) -> bytes:
    out = []
    for sse in decode_all([body]):
        data = json.loads(sse.data)
        if in_start and data["type"] == "message_start":
            del data["message"]["usage"]
        if in_delta and data["type"] == "message_delta":
            del data["usage"]
        out.append(encode_event(sse.event, data))
    return b"".join(out)


@pytest.mark.parametrize(
    ("in_start", "in_delta"),
    [(True, True), (False, True), (True, False)],
    ids=["none", "no-delta", "no-start"],
)
def test_stream_without_usage(in_start: bool, in_delta: bool) -> None:
    body = INLINE["text_and_tool"]
    stripped = _without_usage(body, in_start=in_start, in_delta=in_delta)
    # SDK: `current_snapshot.usage.output_tokens = event.usage.output_tokens` on None.
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute"):
        run_sdk(stripped)
    ours = fold([stripped])
    assert ours.state == "complete"
    expected = sdk_message(run_sdk(body), body)
    got = ours.to_message()
    assert got["content"] == expected["content"]
    assert got["stop_reason"] == "tool_use"
    if in_start and in_delta:
        assert "usage" not in got
    elif in_start:
        assert got["usage"] == {"output_tokens": 42}
    else:
        assert got["usage"] == {**message()["usage"]}


def test_invalid_tool_json_mid_stream() -> None:
    body = (
        start()
        + text_block(0, "Calling.")
        + tool_block(1, '{"city": "Paris", ', "oops", '"days": 2}')
        + tool_block(2, '{"timezone": "UTC"}', name="get_time")
        + text_block(3, "After the bad call.")
        + end("tool_use")
    )
    # SDK: the partial re-parse on each delta fails and the whole stream aborts.
    with pytest.raises(ValueError, match="Unable to parse tool parameter JSON"):
        run_sdk(body)
    ours = fold([body])
    assert ours.state == "complete"
    bad = ours.blocks[1]
    assert bad.json_error is not None
    assert "invalid JSON" in bad.json_error
    assert str(bad.text) == '{"city": "Paris", oops"days": 2}'  # the raw text is kept as sent
    assert ours.blocks[2].json_error is None
    content = ours.to_message()["content"]
    assert content[0] == {"type": "text", "text": "Calling."}
    assert content[2]["input"] == {"timezone": "UTC"}
    assert content[3] == {"type": "text", "text": "After the bad call."}
    assert ours.stop_reason == "tool_use"


def _tool_stream_with(pieces: list[str]) -> bytes:
    return (
        start()
        + ev(
            "content_block_start",
            index=0,
            content_block={"type": "tool_use", "id": "t", "name": "n", "input": {}},
        )
        + b"".join(
            ev("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": p}) for p in pieces
        )
        + ev("content_block_stop", index=0)
        + end("tool_use")
    )


def test_cut_off_number_is_pending_in_partial_display() -> None:
    body = _tool_stream_with(['{"n": 12', "5}"])
    # SDK: after the first delta its snapshot shows 12 as if final; the next delta makes it 125.
    shown = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers=SSE_HEADERS, content=body)

    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as http,
        anthropic.Anthropic(api_key="sk-test", http_client=http, max_retries=0) as client,
        client.messages.stream(**_stream_args()) as stream,
    ):
        for event in stream:
            if event.type == "input_json":
                shown.append(event.snapshot)
    assert shown == [{"n": 12}, {"n": 125}]

    # Ours holds the digits back until the number is known to be finished.
    shown_ours = []
    stream_fold = StreamFold()
    for _event, snap in stream_fold.feed(body):
        if snap.blocks and not snap.blocks[0].stopped and snap.blocks[0].deltas:
            shown_ours.append(snap.blocks[0].partial_input())
    first, second = shown_ours
    assert first.value == {}
    assert first.pending == "12"
    assert first.complete is False
    assert second.value == {"n": 125}
    assert second.complete is True
    assert second.pending == ""
    final = stream_fold.close()
    assert final.to_message()["content"][0]["input"] == {"n": 125}
    assert final.to_message() == sdk_message(run_sdk(body), body)


@pytest.mark.parametrize(
    ("text", "value", "pending"),
    [
        ('{"n": 12', {}, "12"),
        ('{"n": -1.5e', {}, "-1.5e"),
        ('{"ok": tru', {}, "tru"),
        ('{"a": [1, 2', {"a": [1]}, "2"),
        ('{"a": [1, 2]', {"a": [1, 2]}, ""),
        ('{"s": "12', {"s": "12"}, ""),  # an open string is shown as it stands, not pending
        ('{"n": 12,', {"n": 12}, ""),  # the comma finished the number
    ],
)
def test_partial_display_holds_back_open_scalars(text: str, value: Any, pending: str) -> None:
    stream_fold = StreamFold()
    stream_fold.feed(
        start()
        + ev(
            "content_block_start",
            index=0,
            content_block={"type": "tool_use", "id": "t", "name": "n", "input": {}},
        )
        + ev("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": text})
    )
    partial = stream_fold.snapshot.blocks[0].partial_input()
    assert (partial.value, partial.pending, partial.complete, partial.error) == (value, pending, False, None)
