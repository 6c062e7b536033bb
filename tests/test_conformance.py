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
