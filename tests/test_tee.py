"""Byte-exact recording: what the server sent on each connection is what the fixture holds,
under the official SDK (httpx2) and under this project's client (httpx), across retries and
reconnects; and a recording with seams replays to the message the live call ended with."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from claude_stream_nb import replay
from claude_stream_nb.core._sse import decode_all, encode_event
from claude_stream_nb.fake_api import serve_in_thread
from claude_stream_nb.fake_api._scenario import FakeAPI, Request
from claude_stream_nb.live import RecordingTransport, recording_transport
from claude_stream_nb.sinks.view import Player, StreamView
from claude_stream_nb.sinks.view._capture import capture_comms
from claude_stream_nb.sources._fixtures import MAGIC, dumps, load_fixture, read_fixture
from claude_stream_nb.sources._record import WireRecorder
from claude_stream_nb.sources.http import Client

from .loopback import Answer, Loopback

KEY = "sk-ant-test-TEE-never-to-be-seen-0123456789"
ASK: dict[str, Any] = {"model": "claude-test", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
PLAIN = load_fixture("plain_text")
TOOL = load_fixture("tool_use")
OVERLOADED = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        yield running


def joined(events: Any) -> bytes:
    return b"".join(e.raw for e in events)


def events_of(body: bytes) -> Any:
    return read_fixture(body).events


def _cut_text() -> tuple[Answer, Answer]:
    """A stream cut inside a text delta (after a word and its space), and the rest as a new stream."""
    events = PLAIN.events
    first = Answer(body=PLAIN.body, cut=len(joined(events[:6])) + 40)
    return first, Answer(body=joined(events[:2]) + joined(events[6:]))


# --- the official SDK over httpx2 ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_sdk_call_is_recorded_byte_for_byte_across_its_retry(server: Loopback, tmp_path: Path, mode: str) -> None:
    anthropic = pytest.importorskip("anthropic")
    httpx2 = pytest.importorskip("httpx2")
    path = tmp_path / "sdk.sse"
    script = server.play(Answer(529, OVERLOADED, "application/json", {"retry-after-ms": "0"}), Answer(body=PLAIN.body))
    transport = recording_transport(path)
    if mode == "sync":
        with httpx2.Client(transport=transport) as http:
            sdk = anthropic.Anthropic(api_key=KEY, base_url=server.url, http_client=http)
            with sdk.messages.stream(**ASK) as stream:
                final = stream.get_final_message()
    else:

        async def main() -> Any:
            async with httpx2.AsyncClient(transport=transport) as http:
                sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, http_client=http)
                async with sdk.messages.stream(**ASK) as stream:
                    return await stream.get_final_message()

        final = asyncio.run(main())
    assert len(script.requests) == 2
    fixture = load_fixture(path)
    assert fixture.wire == [b"", PLAIN.body]  # byte for byte, the 529's body not taken for SSE
    assert fixture.meta["response"] == {"status": 529}
    seam = fixture.connections[1].seam
    assert (seam["connection"], seam["status"], seam["why"]) == (2, 200, "HTTP 529")
    assert fixture.fold().to_message()["content"] == final.to_dict()["content"]
    assert all(e.time is not None for e in fixture.events)
    assert KEY.encode() not in path.read_bytes()
    assert fixture.meta["request"]["messages"] == ASK["messages"]


def test_an_sdk_stream_that_is_dropped_is_kept_as_partial_only_when_asked(tmp_path: Path) -> None:
    anthropic = pytest.importorskip("anthropic")
    httpx2 = pytest.importorskip("httpx2")
    served = load_fixture("long_markdown").chunks()
    with serve_in_thread(speed=None) as url:
        for keep in (False, True):
            path = tmp_path / f"dropped-{keep}.sse"
            transport = recording_transport(path, keep_partial=keep)
            with httpx2.Client(transport=transport, headers={"x-fault": "drop_after=8"}) as http:
                sdk = anthropic.Anthropic(api_key=KEY, base_url=url, http_client=http, max_retries=0)
                request = {**ASK, "model": "long_markdown"}
                with pytest.raises(Exception, match="peer closed connection"), sdk.messages.stream(**request) as s:
                    s.get_final_message()
            transport.close()
            assert not path.exists()
            partial = path.with_name(path.name + ".partial")
            assert partial.exists() is keep
    assert load_fixture(partial).wire == [joined(served[:8])]


def test_one_transport_keeps_every_call_with_n_in_the_path(server: Loopback, tmp_path: Path) -> None:
    anthropic = pytest.importorskip("anthropic")
    httpx2 = pytest.importorskip("httpx2")
    server.play(Answer(body=PLAIN.body))
    transport = recording_transport(tmp_path / "call-{n}.sse")
    with httpx2.Client(transport=transport) as http:
        sdk = anthropic.Anthropic(api_key=KEY, base_url=server.url, http_client=http)
        for _ in range(2):
            with sdk.messages.stream(**ASK) as stream:
                stream.get_final_message()
    assert [load_fixture(tmp_path / f"call-{n}.sse").wire for n in (1, 2)] == [[PLAIN.body], [PLAIN.body]]


# --- this project's client over httpx: a forced reconnect ----------------------------------------------


def _stream(claude: Client, mode: str, **options: Any) -> Any:
    request = {**ASK, **options}
    if mode == "sync":
        with claude:
            return claude.stream(**request)

    async def main() -> Any:
        async with claude:
            return await claude.astream(**request)

    return asyncio.run(main())


@pytest.mark.parametrize("how", ["record=", "transport"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_reconnected_stream_is_recorded_per_connection(
    server: Loopback, tmp_path: Path, mode: str, how: str
) -> None:
    first, second = _cut_text()
    script = server.play(first, second)
    path = tmp_path / "joined.sse"
    if how == "record=":
        message = _stream(Client(KEY, base_url=server.url), mode, record=path)
    else:
        transport = RecordingTransport(path)
        message = _stream(Client(KEY, base_url=server.url, transport=transport), mode)
    assert len(script.requests) == 2
    assert message.state == "complete"
    fixture = load_fixture(path)
    assert fixture.wire == [first.sent, second.body]  # each connection byte for byte, the cut kept
    assert fixture.connections[1].seam["why"].startswith("connection lost")
    assert fixture.connections[0].trailing is not None  # the half event the cut left
    replayed = fixture.fold()
    assert replayed.state == "complete"
    assert replayed.to_message()["content"] == message["content"]
    assert replayed.text == message.text  # the prefill's trailing space trimmed as it was live
    assert KEY.encode() not in path.read_bytes()


def test_a_forced_reconnect_through_the_fake_api_is_recorded_as_served(tmp_path: Path) -> None:
    sent: list[bytes] = []

    class Log(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request.read())
            return self.inner.handle_request(request)

        closed = False

        def close(self) -> None:
            self.closed = True
            self.inner.close()

    path = tmp_path / "fake.sse"
    log = Log()
    with serve_in_thread(speed=None) as url:
        claude = Client(
            KEY,
            base_url=url,
            transport=RecordingTransport(path, log),
            default_headers={"x-fault": "drop_after=8;attempts=1"},
        )
        message = _stream(claude, "sync", model="long_markdown")
    assert log.closed  # the recording transport closes what it wraps, as httpx closes a transport
    assert message.state == "complete"
    api = FakeAPI.load(speed=None)
    served = []
    for number, body in enumerate(sent):
        headers = {"x-fault": "drop_after=8;attempts=1", "x-stainless-retry-count": str(number)}
        plan = api.respond(Request("POST", "/v1/messages", headers, {}, body))
        served.append(joined(plan.chunks))
    assert load_fixture(path).wire == served
    assert load_fixture(path).fold().text == message.text


def _text_stream(*texts: str, end: bool = True) -> bytes:
    start = PLAIN.events[0].raw + encode_event("content_block_start", _block(0, {"type": "text", "text": ""}))
    deltas = b"".join(
        encode_event("content_block_delta", _block(0, delta={"type": "text_delta", "text": t})) for t in texts
    )
    tail = joined(PLAIN.events[-3:]) if end else b""  # the block's stop, message_delta, message_stop
    return start + deltas + tail


def _block(index: int, content_block: Any = None, delta: Any = None) -> dict[str, Any]:
    kind = "content_block_start" if delta is None else "content_block_delta"
    return {"type": kind, "index": index, **({"delta": delta} if delta else {"content_block": content_block})}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_joined_stream_trims_the_prefill_as_the_live_client_did(
    server: Loopback, tmp_path: Path, mode: str
) -> None:
    first = _text_stream("Hello", " there,  \n", end=False)
    cut = Answer(body=first + b"event: content_blo", cut=len(first) + 18)
    script = server.play(cut, Answer(body=_text_stream(" world.")))
    path = tmp_path / "trim.sse"
    message = _stream(Client(KEY, base_url=server.url), mode, record=path)
    assert script.requests[1].json()["messages"][-1]["content"] == [{"type": "text", "text": "Hello there,"}]
    assert message.text == "Hello there, world."
    assert load_fixture(path).fold().text == "Hello there, world."


def test_a_discarded_tool_block_is_left_out_of_the_joined_stream(server: Loopback, tmp_path: Path) -> None:
    events = TOOL.events
    cut = len(joined(events[:14]))  # inside the tool call's JSON: the block is dropped, not continued
    rest = joined(events[:2]) + joined(events[10:]).replace(b'"index":1', b'"index":0')
    script = server.play(Answer(body=TOOL.body, cut=cut), Answer(body=rest))
    path = tmp_path / "tool.sse"
    message = _stream(Client(KEY, base_url=server.url), "sync", record=path)
    assert len(script.requests) == 2
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    replayed = load_fixture(path).fold()
    assert replayed.to_message()["content"] == message["content"]
    assert replayed.problems == ()


# --- the format's seams -------------------------------------------------------------------------------


def test_seams_and_cut_bytes_round_trip_even_inside_a_character(tmp_path: Path) -> None:
    text = "naïve ☃".encode()
    events = PLAIN.events
    cut = joined(events[:4]) + b'event: content_block_delta\ndata: {"text":"' + text[:-1]  # half a snowman
    recorder = WireRecorder(tmp_path / "seams.sse", request=ASK)
    recorder.connect(200, 0.0)
    for offset in range(0, len(cut), 7):
        recorder.data(cut[offset : offset + 7], 0.01 * offset)
    recorder.connect(200, 1.5, "connection lost (test)")
    recorder.data(PLAIN.body, 1.6)
    assert recorder.finish() == tmp_path / "seams.sse"
    data = (tmp_path / "seams.sse").read_bytes()
    fixture = read_fixture(data)
    assert fixture.wire == [cut, PLAIN.body]
    assert fixture.connections[0].trailing is not None
    assert fixture.connections[1].seam == {"connection": 2, "status": 200, "t": 1.5, "why": "connection lost (test)"}
    # a parser that knows nothing of seams reads whole events only: the cut bytes are a comment
    events = decode_all([data])
    assert [e.event for e in events] == [e.event for e in decode_all([joined(events_of(cut)), PLAIN.body])]
    assert all(json.loads(e.data) for e in events)


def test_a_fixture_without_seams_reads_as_before() -> None:
    data = dumps(PLAIN.events, description="x")
    fixture = read_fixture(data)
    assert fixture.connections == ()
    assert fixture.wire == [PLAIN.body]
    assert fixture.events == PLAIN.events


_PIECES = [b"event: a\n", b'data: {"x": 1}\n', b"\n", b"\r\n", b"\r", b": note\n", b"data: \xe2\x98", b"\x83"]
_WIRE = st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join)


@settings(max_examples=150, deadline=None)
@example(first=b"data: x\n\r", second=b"data: y\n\n", tail=b"", size=3)  # a CR ends the first connection
@given(first=_WIRE, second=_WIRE, tail=st.binary(max_size=12), size=st.integers(1, 9))
def test_any_bytes_on_any_connection_come_back_exactly(first: bytes, second: bytes, tail: bytes, size: int) -> None:
    import io
    import tempfile

    assume(not first.startswith(b"\xef\xbb\xbf") and not second.startswith(b"\xef\xbb\xbf"))
    with tempfile.TemporaryDirectory() as folder:
        recorder = WireRecorder(Path(folder) / "p.sse", keep_partial=True)
        for number, wire in enumerate([first + tail, second]):
            recorder.connect(200, float(number), "test" if number else None)
            for offset in range(0, len(wire), size):
                recorder.data(wire[offset : offset + size], number + offset / 1000)
        saved = recorder.finish()
        assert saved is not None
        data = saved.read_bytes()
    assert read_fixture(data).wire == [first + tail, second]
    assert io.BytesIO(data).read(len(MAGIC)) == MAGIC


def test_a_replay_of_a_seamed_recording_shows_the_reconnect_where_it_was_live(
    server: Loopback, tmp_path: Path
) -> None:
    first, second = _cut_text()
    server.play(first, second)
    path = tmp_path / "seamed.sse"
    live = _stream(Client(KEY, base_url=server.url), "sync", record=path)
    fixture = load_fixture(path)
    with capture_comms():
        view = StreamView("seamed", threaded=False)
        again = replay(path, instant=True, sink=view)
    transcript = view.transcript()

    def marks(snap: Any) -> list[tuple[Any, ...]]:
        return [(m["block"], m["offset"], m["reason"]) for m in snap.reconnects]

    (before, _), = fixture.seams
    assert marks(live.snapshot) == marks(again.snapshot) == marks(fixture.fold()) != []
    assert 0 < before < len(fixture.events)
    assert again.text == live.text
    assert view._notices == [f"reconnected and continued (1): {live.snapshot.reconnects[0]['reason']}"]
    assert transcript.count('class="csn-join"') == 1  # the mark in the text, where the live view had it
    assert "reconnected 1×" in transcript
    with capture_comms():
        player = Player(fixture)  # and the step-through player, at the same event
        for _ in range(before):
            player.step()
        assert player.view._notices == []
        player.step()
        assert player.view._notices == view._notices
        while player.position < len(player.steps):
            player.step()
    assert player.view.transcript().count('class="csn-join"') == 1
    shown = subprocess.run(
        [sys.executable, "-m", "claude_stream_nb.cli", "replay", str(path), "--instant"],
        capture_output=True, text=True, timeout=60, check=True, env={**os.environ, "NO_COLOR": "1"},
    ).stdout  # fmt: skip
    assert "⟳ reconnected and continued (1): connection lost" in shown  # the terminal says so too
    assert shown.index("⟳ reconnected") < shown.index(live.text[-12:])


def test_the_fake_api_serves_a_recording_with_seams_as_the_joined_stream(server: Loopback, tmp_path: Path) -> None:
    first, second = _cut_text()
    server.play(first, second)
    live = _stream(Client(KEY, base_url=server.url), "sync", record=tmp_path / "seamed.sse")
    with serve_in_thread(tmp_path, speed=None) as url:
        again = _stream(Client(KEY, base_url=url), "sync", model="seamed")
    assert again.state == "complete"
    assert again["content"] == live["content"]
