"""Conformance: recorded streams nobody here wrote, through the official SDK and through ours.

The streams (``tests/conformance/streams/``, where each came from is in its README): the Python
SDK's own ``tests/lib/streaming/fixtures``, the TypeScript SDK's ``tests/lib/fixtures``, streams
built from the Go SDK's accumulator tests, and the API documentation's example responses. Many
end ``data: {"type":"message_stop"}`` and EOF, without the closing blank line.

For every stream the installed SDK accepts, its final message must equal ours, field by field,
by every path a stream takes here: the fold fed whole, byte by byte and in 5-byte chunks;
``replay FILE --json`` in a real subprocess; ``replay -`` reading stdin in 1- and 5-byte chunks;
the live client over ``ReplayTransport``; and the SDK itself reading from ``ReplayTransport``
(the fake API serves the bytes unchanged). Both SDK accumulators are asked: ``messages.stream()``
and ``beta.messages.stream()``; a stream using a beta-only feature (compaction, fallback,
``context_management``, ``input_transformations``, beta usage fields) is compared with the beta
one only, because the plain accumulator does not apply those (ours does, as the beta one does).

The only normalizations: :func:`tests.test_sdk_oracle.sdk_message` (the ``stop_details`` key
the SDK invents), and ``expires_at``, which the SDK parses into a ``datetime``: compared as the
instant it names. Streams the SDK rejects are listed in :data:`SDK_REJECTS` with what it raises
(so this notices when a later SDK accepts one); ours must keep what they carry.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import anthropic
import httpx
import httpx2
import pytest

from claude_stream_nb import cli
from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.fake_api._transport import ReplayTransport
from claude_stream_nb.live import Claude
from claude_stream_nb.sources._fixtures import Fixture, load_fixture

from .test_sdk_oracle import sdk_message, texts_on_wire

ROOT = Path(__file__).parent / "conformance" / "streams"
STREAMS = sorted(str(path.relative_to(ROOT).with_suffix("")) for path in ROOT.glob("*/*.txt"))
REQUEST = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
HEADERS = {"content-type": "text/event-stream; charset=utf-8", "request-id": "req_conformance"}
BETA_ONLY = (b'"compaction"', b'"fallback"', b"context_management", b"input_transformations", b"fallback_credit")

NO_USAGE = (AttributeError, "'NoneType' object has no attribute 'output_tokens'")  # message_start without usage
SDK_REJECTS: dict[str, tuple[type[Exception], str | None]] = {  # what the installed SDK raises (both accumulators)
    "docs/docs_extended_thinking": NO_USAGE,
    "docs/docs_web_search_elided": (ValueError, "Expecting value"),  # the docs elide results with `...`
    "go/bom_first_event": (AssertionError, None),  # the BOM hides message_start: get_final_message asserts
    "python/beta_usage_omitted_input_tokens_response": NO_USAGE,
    "python/beta_usage_omitted_with_optional_fields_response": NO_USAGE,
    "python/missing_usage_response": NO_USAGE,
    "python/missing_usage_rich_delta_response": NO_USAGE,
    "python/tool_use_invalid_json_response": (ValueError, "Unable to parse tool parameter JSON"),
    "python/usage_omitted_response": NO_USAGE,
    "python/usage_omitted_with_optional_fields_response": NO_USAGE,
}


def body_of(name: str) -> bytes:
    return (ROOT / f"{name}.txt").read_bytes()


def beta_only(body: bytes) -> bool:
    return any(marker in body for marker in BETA_ONLY)


def instants(value: Any) -> Any:
    """``expires_at`` as the instant it names (the SDK parses it into a datetime)."""
    if isinstance(value, dict):
        return {k: _instant(v) if k == "expires_at" else instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [instants(v) for v in value]
    return value


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def run_sdk(body: bytes, *, beta: bool, transport: Any = None) -> dict[str, Any]:
    """The SDK's final message (normalized) for a 200 answer with ``body``; raises what it raises."""
    if transport is None:
        transport = httpx2.MockTransport(lambda request: httpx2.Response(200, headers=HEADERS, content=body))
    with (
        httpx2.Client(transport=transport) as http,
        anthropic.Anthropic(api_key="sk-ant-test-conformance", http_client=http, max_retries=0) as client,
        (client.beta.messages if beta else client.messages).stream(**REQUEST) as stream,  # type: ignore[attr-defined]
    ):
        message = stream.get_final_message()
    return instants(sdk_message(message, body))


def fold(chunks: list[bytes]) -> Snapshot:
    stream = StreamFold()
    for chunk in chunks:
        stream.feed(chunk)
    return stream.close()


def pieces(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def exit_status(snap: Snapshot) -> int:
    if any(p.severity == "error" for p in snap.problems):
        return 2
    return 0 if snap.state == "complete" else 1


def served(name: str) -> Fixture:
    """The stream as the fake API serves it. A last event without its blank line is, to the
    fixture reader, trailing bytes (a cut), and the fake API drops the connection after trailing
    bytes; it is a whole event here, so it goes out as one: the same bytes, then a clean end."""
    fixture = load_fixture(ROOT / f"{name}.txt")
    if fixture.trailing is not None:
        fixture = dataclasses.replace(fixture, events=(*fixture.events, fixture.trailing), trailing=None)
    assert fixture.body == body_of(name).removeprefix(b"\xef\xbb\xbf")
    return fixture


class NoSink:
    def update(self, event: object, snapshot: Snapshot) -> None:
        pass

    def close(self, snapshot: Snapshot) -> None:
        pass


def test_the_streams_are_there() -> None:
    # Not a skip: if the folder vanished, every parametrized test below would vanish with it.
    assert len(STREAMS) >= 40
    assert {name.split("/")[0] for name in STREAMS} == {"docs", "go", "python", "typescript"}
    assert set(SDK_REJECTS) <= set(STREAMS)


@pytest.mark.parametrize("name", STREAMS)
def test_sdk_and_ours_agree(name: str) -> None:
    body = body_of(name)
    ours = fold([body])
    message = instants(ours.to_message())
    kinds = [True] if beta_only(body) else [False, True]
    if name in SDK_REJECTS:
        kind, match = SDK_REJECTS[name]
        for beta in kinds:
            with warnings.catch_warnings(), pytest.raises(kind, match=match and re.escape(match)):
                run_sdk(body, beta=beta)
        _check_kept(name, body, ours)
        return
    for beta in kinds:
        assert message == run_sdk(body, beta=beta), f"{'beta' if beta else 'plain'} SDK"
    # Any chunking gives the same message and the same problems.
    for size in (1, 5):
        chunked = fold(pieces(body, size))
        assert instants(chunked.to_message()) == message
        assert chunked.problems == ours.problems
        assert chunked.state == ours.state


def _check_kept(name: str, body: bytes, ours: Snapshot) -> None:
    """What the SDK rejects, ours keeps: every text delta on the wire, and a final message."""
    assert ours.state == "complete"
    texts = texts_on_wire(body)
    assert {b.index: str(b.text) for b in ours.blocks if b.type == "text" and b.text} == {
        i: t for i, t in texts.items() if t
    }
    if "usage" in name or name == "docs/docs_extended_thinking":
        usage = ours.to_message().get("usage") or {}
        assert "output_tokens" in usage or name == "docs/docs_extended_thinking"
    if name == "python/tool_use_invalid_json_response":
        assert any(b.json_error for b in ours.blocks)
    if name == "docs/docs_web_search_elided":
        assert any("data is not JSON" in p.message for p in ours.problems)


@pytest.mark.parametrize("name", STREAMS)
def test_a_stream_without_its_final_blank_line_is_complete_with_a_warning(name: str) -> None:
    body = body_of(name)
    ours = fold([body])
    warned = [p for p in ours.problems if "final blank line" in p.message]
    if body.endswith(b"\n\n"):
        assert not warned
    else:
        (warning,) = warned
        assert warning.severity == "warning"
        assert warning.offset == len(body)
        assert ours.state == "complete"


@pytest.mark.parametrize("name", STREAMS)
def test_replay_file_json_in_a_subprocess(name: str) -> None:
    body = body_of(name)
    ours = fold([body])
    path = ROOT / f"{name}.txt"
    result = subprocess.run(
        [sys.executable, "-m", "claude_stream_nb.cli", "replay", str(path), "--json"],
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert result.returncode == exit_status(ours), stderr
    assert json.loads(result.stdout) == ours.to_message()
    for problem in ours.problems:
        assert str(problem) in stderr


@pytest.mark.parametrize("size", [1, 5])
@pytest.mark.parametrize("name", STREAMS)
def test_replay_stdin_in_small_chunks(
    name: str, size: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = body_of(name)
    ours = fold([body])
    chunks = [(piece, i * 0.001) for i, piece in enumerate(pieces(body, size))]
    monkeypatch.setattr(cli, "_stdin_chunks", lambda: iter(chunks))
    status = cli.main(["replay", "-", "--json"])
    out, err = capsys.readouterr()
    assert status == exit_status(ours), err
    assert json.loads(out) == ours.to_message()
    lines = [line for line in err.splitlines() if line]
    assert lines[: len(ours.problems)] == [f"claude-stream-nb: {p}" for p in ours.problems]
    if status == 1:
        (why,) = lines[len(ours.problems) :]
        assert why.startswith("claude-stream-nb: the stream did not complete: ")
    else:
        assert len(lines) == len(ours.problems)


@pytest.mark.parametrize("name", [n for n in STREAMS if n not in SDK_REJECTS])
def test_through_replay_transport_and_the_live_client(name: str) -> None:
    body = body_of(name)
    ours = fold([body])
    fixture = served(name)
    # The SDK reading our fake API gets the message it gets from the bytes themselves.
    beta = beta_only(body)
    assert run_sdk(body, beta=beta, transport=ReplayTransport(fixture).for_httpx2()) == run_sdk(body, beta=beta)
    # The live client over the same transport ends with ours.
    client = Claude(
        api_key="sk-ant-test-conformance",
        http_client=httpx.Client(transport=ReplayTransport(fixture)),
        max_retries=0,
        max_reconnects=0,
    )
    with client:
        message = client.stream(**REQUEST, sink=NoSink())  # type: ignore[arg-type]
    assert message.state == "complete"
    assert dict(message) == ours.to_message()
    assert [p.message for p in message.snapshot.problems] == [p.message for p in ours.problems]


# --- what the recorded streams do not reach: built here, same comparison -------------------------


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def _start(**extra: Any) -> dict[str, Any]:
    usage = {"input_tokens": 30, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}
    message = {"id": "msg_inline", "type": "message", "role": "assistant", "model": "claude-opus-4-7", "content": [],
               "stop_reason": None, "stop_sequence": None, "usage": usage, **extra}  # fmt: skip
    return {"type": "message_start", "message": message}


def _block(index: int, block: dict[str, Any], *deltas: dict[str, Any], stop: bool = True) -> list[dict[str, Any]]:
    out = [{"type": "content_block_start", "index": index, "content_block": block}]
    out += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
    return out + ([{"type": "content_block_stop", "index": index}] if stop else [])


def _end(stop_reason: str, usage: dict[str, Any] | None = None, **extra: Any) -> list[dict[str, Any]]:
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    return [{"type": "message_delta", "delta": delta, "usage": usage or {"output_tokens": 40}, **extra},
            {"type": "message_stop"}]  # fmt: skip


MCP = {"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "search", "server_name": "docs", "input": {}}
USAGE = {  # every usage field the beta accumulator copies from message_delta
    "input_tokens": 31, "cache_creation_input_tokens": 2, "cache_read_input_tokens": 3, "output_tokens": 44,
    "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0},
    "output_tokens_details": {"thinking_tokens": 12},
    "iterations": [{"type": "message", "input_tokens": 31, "output_tokens": 44}],
    "fallback_credit": {"status": {"type": "redeemed"}},
}  # fmt: skip
# fmt: off
INLINE: dict[str, tuple[bytes, bool]] = {  # name -> (stream, beta only)
    "mcp_tool_use_and_result": (_sse(
        _start(),
        *_block(0, MCP, {"type": "input_json_delta", "partial_json": '{"q": "sse'},
                {"type": "input_json_delta", "partial_json": '", "limit": 3}'}),
        *_block(1, {"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": False,
                    "content": [{"type": "text", "text": "found"}]}),
        *_end("end_turn"),
    ), True),
    "every_beta_usage_field": (
        _sse(_start(), *_block(0, {"type": "text", "text": ""}), *_end("end_turn", USAGE)), True
    ),
    "fallback_mid_message_with_everything": (_sse(
        _start(input_transformations=[], context_management=None),
        *_block(0, {"type": "text", "text": ""}, {"type": "text_delta", "text": "I can't"}),
        *_block(1, {"type": "fallback", "from": {"model": "claude-opus-4-7"}, "to": {"model": "claude-sonnet-4-5"},
                    "trigger": {"type": "refusal", "category": None}}),
        *_block(2, {"type": "text", "text": ""}, {"type": "text_delta", "text": "Here it is."}),
        *_end("end_turn", USAGE, context_management={"applied_edits": []},
              input_transformations=[{"type": "thinking_dropped", "path": "messages.0.content.0"}]),
    ), True),
    "compaction_delta_content_only": (_sse(
        _start(),
        *_block(0, {"type": "compaction", "content": None, "encrypted_content": "old"},
                {"type": "compaction_delta", "content": "summary only"}),
        *_end("end_turn"),
    ), True),
    "thinking_signature_citations_redacted": (_sse(
        _start(),
        *_block(0, {"type": "thinking", "thinking": "", "signature": ""}, {"type": "thinking_delta", "thinking": "Hm."},
                {"type": "signature_delta", "signature": "c2ln"}),
        *_block(1, {"type": "redacted_thinking", "data": "EmwKAhgB"}),
        *_block(2, {"type": "text", "text": "", "citations": None},
                {"type": "citations_delta", "citation": {"type": "char_location", "cited_text": "x",
                                                         "document_index": 0, "start_char_index": 0,
                                                         "end_char_index": 1}},
                {"type": "text_delta", "text": "Cited."}),
        *_end("end_turn", stop_details=None),
    ), False),
    "tool_cut_by_max_tokens_mid_string_and_number": (_sse(
        _start(),
        *_block(0, {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}, "caller": {"type": "direct"}},
                {"type": "input_json_delta", "partial_json": '{"n": 12, "nested": {"ok": true, "s": "unfini'},
                stop=False),
        *_end("max_tokens"),
    ), False),
    "stop_details_then_container": (_sse(
        _start(stop_details=None, container=None),
        *_block(0, {"type": "text", "text": ""}, {"type": "text_delta", "text": "No."}),
        {"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_sequence": None,
                                            "stop_details": {"type": "refusal", "category": "cyber"},
                                            "container": {"id": "c1", "expires_at": "2030-01-01T00:00:00Z"}},
         "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    ), False),
}
# fmt: on


@pytest.mark.parametrize("name", INLINE)
def test_inline_streams_agree_with_the_sdk(name: str) -> None:
    body, only_beta = INLINE[name]
    ours = fold([body])
    assert ours.state == "complete"
    assert not [p for p in ours.problems if p.severity == "error"]
    message = instants(ours.to_message())
    for beta in [True] if only_beta else [False, True]:
        assert message == run_sdk(body, beta=beta), f"{'beta' if beta else 'plain'} SDK"
    assert instants(fold(pieces(body, 3)).to_message()) == message


def test_the_inline_streams_say_what_they_test() -> None:
    """The fields each inline stream is about reach the final message (not a vacuous equality)."""
    mcp = fold([INLINE["mcp_tool_use_and_result"][0]]).to_message()
    assert mcp["content"][0]["input"] == {"q": "sse", "limit": 3}
    usage = fold([INLINE["every_beta_usage_field"][0]]).to_message()["usage"]
    assert usage == {**USAGE}
    fallback = fold([INLINE["fallback_mid_message_with_everything"][0]]).to_message()
    assert fallback["model"] == "claude-sonnet-4-5"
    assert fallback["context_management"] == {"applied_edits": []}
    assert fallback["input_transformations"] == [{"type": "thinking_dropped", "path": "messages.0.content.0"}]
    compaction = fold([INLINE["compaction_delta_content_only"][0]]).to_message()["content"][0]
    assert (compaction["content"], compaction["encrypted_content"]) == ("summary only", None)
    cut = fold([INLINE["tool_cut_by_max_tokens_mid_string_and_number"][0]])
    assert cut.to_message()["content"][0]["input"] == {"n": 12, "nested": {"ok": True}}  # the open string dropped
    assert cut.to_message()["content"][0]["caller"] == {"type": "direct"}
    assert cut.blocks[0].partial_input().value == {"n": 12, "nested": {"ok": True, "s": "unfini"}}  # the live view
    stop = fold([INLINE["stop_details_then_container"][0]]).to_message()
    assert stop["stop_details"] == {"type": "refusal", "category": "cyber"}
    assert stop["container"]["id"] == "c1"
