"""The live client against a real HTTP server on 127.0.0.1 that injects faults."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from claude_stream_nb import replay
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.live import (
    AuthenticationError,
    Claude,
    ConnectionFailed,
    InvalidRequestError,
    OverloadedError,
    ashow,
    show,
)
from claude_stream_nb.sinks._terminal import TerminalRenderer
from claude_stream_nb.sinks.view import StreamView
from claude_stream_nb.sinks.view._capture import capture_comms
from claude_stream_nb.sources._fixtures import load_fixture

KEY = "sk-ant-test-KEY-never-to-be-seen-0123456789abcdef"  # shaped like a key, but not a real one
ASK = {"max_tokens": 1024, "messages": [{"role": "user", "content": "Explain SSE"}]}


_OPEN: list[httpx.Client] = []


def _http(**options: Any) -> httpx.Client:
    """An httpx client for a test, closed after it (the live client never closes one it was given)."""
    http = httpx.Client(**options)
    _OPEN.append(http)
    return http


@pytest.fixture(autouse=True)
def _close_http_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


class Log:
    """Every request the client sent: body and headers."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def client(url: str, log: Log | None = None, *, read: float = 10.0, **options: Any) -> Claude:
    hooks = {"request": [log]} if log else {}
    http = _http(timeout=httpx.Timeout(5.0, read=read), event_hooks=hooks)
    return Claude(KEY, base_url=url, http_client=http, idle_timeout=read, **options)


def quiet() -> tuple[TerminalRenderer, io.StringIO]:
    out = io.StringIO()
    return TerminalRenderer(out, color=False), out


def final_text(name: str) -> str:
    fold = StreamFold()
    fold.feed(load_fixture(name).body)
    return fold.close().text


def test_a_plain_stream_matches_the_fixture(server: str) -> None:
    sink, out = quiet()
    log = Log()
    with client(server, log) as claude:
        message = claude.stream(model="thinking_tool_use", sink=sink, **ASK)
    assert message.state == "complete"
    assert message["content"] == replay("thinking_tool_use", instant=True, sink=quiet()[0])["content"]
    (request,) = log.requests
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert json.loads(request.content)["stream"] is True
    assert "■ tool_use" in out.getvalue()


def test_bearer_auth_betas_and_version_are_configurable(server: str) -> None:
    log = Log()
    with client(server, log, auth="bearer", betas=["a-2025", "b-2026"], version="2026-10-21") as claude:
        claude.stream(model="plain_text", sink=quiet()[0], **ASK)
    headers = log.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in headers
    assert headers["anthropic-beta"] == "a-2025,b-2026"
    assert headers["anthropic-version"] == "2026-10-21"


def test_529_is_retried_after_retry_after(server: str, mode: str) -> None:
    sink, out = quiet()
    log = Log()
    began = time.monotonic()
    message = _with_fault(server, log, "status=529;retry_after=1;attempts=1", sink, mode=mode)
    assert time.monotonic() - began >= 1.0
    assert message.state == "complete"
    assert len(log.requests) == 2
    assert "retrying in 1.0 s (attempt 2)" in out.getvalue()


def _with_fault(
    url: str, log: Log, fault: str, sink: Any, model: str = "plain_text", mode: str = "stream", **options: Any
) -> Any:
    """One call with ``x-fault`` on every request, through ``stream`` or ``astream``."""
    read = options.pop("read", 10.0)
    timeout = httpx.Timeout(5.0, read=read)
    if mode == "stream":
        http = _http(timeout=timeout, headers={"x-fault": fault}, event_hooks={"request": [log]})
        with Claude(KEY, base_url=url, http_client=http, idle_timeout=read, **options) as claude:
            return claude.stream(model=model, sink=sink, **ASK)

    async def hook(request: httpx.Request) -> None:
        log(request)

    async def main() -> Any:
        hooks = {"request": [hook]}
        async with httpx.AsyncClient(timeout=timeout, headers={"x-fault": fault}, event_hooks=hooks) as http:
            claude = Claude(KEY, base_url=url, http_client=http, idle_timeout=read, **options)
            async with claude:
                return await claude.astream(model=model, sink=sink, **ASK)

    return asyncio.run(main())


@pytest.fixture(params=["stream", "astream"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_429_waits_retry_after_ms(server: str, mode: str) -> None:
    log = Log()
    began = time.monotonic()
    message = _with_fault(server, log, "status=429;retry_after=0.4;attempts=2", quiet()[0], mode=mode)
    took = time.monotonic() - began
    assert message.state == "complete"
    assert len(log.requests) == 3
    assert 0.8 <= took < 3


def test_401_is_not_retried_and_never_shows_the_key(
    server: str, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    caplog.set_level(logging.DEBUG)
    sink, out = quiet()
    log = Log()
    with pytest.raises(AuthenticationError) as raised:
        _with_fault(server, log, "status=401", sink, mode=mode)
    error = raised.value
    assert len(log.requests) == 1
    assert (error.status, error.type) == (401, "authentication_error")
    assert error.request_id
    for text in (str(error), repr(error), out.getvalue(), caplog.text, repr(Claude(KEY))):
        assert KEY not in text
        assert KEY[:20] not in text


def test_a_dropped_connection_is_continued_without_duplicate_text(server: str, mode: str) -> None:
    sink, out = quiet()
    log = Log()
    message = _with_fault(server, log, "drop_after=8;attempts=1", sink, model="long_markdown", mode=mode)
    assert message.state == "complete"
    assert len(log.requests) == 2
    second = log.bodies()[1]
    prefill = second["messages"][-1]
    assert prefill["role"] == "assistant"
    partial = prefill["content"][-1]["text"]
    assert partial
    assert final_text("long_markdown").startswith(partial)
    assert message.text == final_text("long_markdown")
    assert len(message.snapshot.reconnects) == 1
    assert "reconnecting to continue (1 of 2)" in out.getvalue()


def test_a_stall_fires_the_idle_timeout_and_reconnects(server: str, mode: str) -> None:
    log = Log()
    began = time.monotonic()
    message = _with_fault(server, log, "stall=5;stall_after=6;attempts=1", quiet()[0], read=0.5, mode=mode)
    assert time.monotonic() - began < 4
    assert message.state == "complete"
    assert message.text == final_text("plain_text")
    assert len(log.requests) == 2


def test_reconnects_are_bounded(server: str, mode: str) -> None:
    log = Log()
    with pytest.raises(ConnectionFailed) as raised:
        _with_fault(server, log, "drop_after=8", quiet()[0], max_reconnects=1, mode=mode)
    assert len(log.requests) == 2
    partial = raised.value.message
    assert partial is not None
    assert partial.state == "incomplete"
    assert partial.text
    assert final_text("plain_text").startswith(partial.text.rstrip()[:20])


def test_an_error_event_mid_stream_is_a_typed_error_with_the_partial_message(server: str, mode: str) -> None:
    log = Log()
    with pytest.raises(InvalidRequestError) as raised:
        _with_fault(server, log, "error_after=6;type=invalid_request_error", quiet()[0], mode=mode)
    assert raised.value.status == 200
    assert len(log.requests) == 1  # not retryable: no reconnect
    partial = raised.value.message
    assert partial.state == "errored"
    assert partial.text
    assert final_text("plain_text").startswith(partial.text)


def test_an_overloaded_error_event_is_continued(server: str, mode: str) -> None:
    log = Log()
    message = _with_fault(server, log, "error_after=6;attempts=1", quiet()[0], mode=mode)
    assert message.state == "complete"
    assert message.text == final_text("plain_text")
    assert len(log.requests) == 2


def test_overloaded_error_event_every_time_raises_overloaded(server: str, mode: str) -> None:
    log = Log()
    with pytest.raises(OverloadedError) as raised:
        _with_fault(server, log, "error_after=6", quiet()[0], max_reconnects=1, mode=mode)
    assert len(log.requests) == 2  # one reconnect, then the typed error
    partial = raised.value.message
    assert partial.state == "errored"
    assert partial.snapshot.error.type == "overloaded_error"
    assert partial.text


def test_idle_timeout_wins_over_the_http_clients_timeout(server: str) -> None:
    log = Log()
    fault = {"x-fault": "stall=5;stall_after=6;attempts=1"}
    http = _http(timeout=30.0, headers=fault, event_hooks={"request": [log]})  # it would wait 30 s
    began = time.monotonic()
    with Claude(KEY, base_url=server, http_client=http, idle_timeout=0.5) as claude:
        message = claude.stream(model="plain_text", sink=quiet()[0], **ASK)
    assert time.monotonic() - began < 4
    assert message.text == final_text("plain_text")


def test_the_view_shows_notices_and_the_transcript_keeps_the_join(server: str) -> None:
    view = StreamView("dropped", threaded=False)
    log = Log()
    hooks = {"request": [log, lambda request: request.headers.__setitem__("x-fault", "drop_after=8;attempts=1")]}
    with Claude(KEY, base_url=server, http_client=_http(event_hooks=hooks)) as claude:
        claude.stream(model="plain_text", sink=view, **ASK)
    transcript = view.transcript()
    assert "reconnecting to continue" in transcript
    assert 'class="csn-join"' in transcript
    assert "reconnected 1×" in transcript


def test_an_http_error_leaves_an_errored_snapshot(server: str, mode: str) -> None:
    with pytest.raises(AuthenticationError) as raised:
        _with_fault(server, Log(), "status=401", quiet()[0], mode=mode)
    assert raised.value.message.state == "errored"
    assert raised.value.message.snapshot.error.type == "authentication_error"


def test_record_writes_a_fixture_that_replays_to_the_same_message(server: str, tmp_path: Path) -> None:
    path = tmp_path / "recorded.sse"
    with client(server) as claude:
        message = claude.stream(model="web_search", sink=quiet()[0], record=path, **ASK)
    data = path.read_bytes()
    assert KEY.encode() not in data
    assert b"x-api-key" not in data
    again = replay(path, instant=True, sink=quiet()[0])
    assert again["content"] == message["content"]
    assert again.snapshot.state == "complete"
    assert load_fixture(path).meta["request"]["messages"] == ASK["messages"]


def test_the_view_and_its_widget_state_never_hold_the_key(server: str) -> None:
    with capture_comms() as sent:
        view = StreamView("live", threaded=False)
        with client(server) as claude:
            claude.stream(model="thinking_tool_use", sink=view, **ASK)
    everything = json.dumps([data for _, data in sent.messages], default=str) + view.transcript()
    assert KEY not in everything
    assert "thinking" in everything


def test_the_official_sdk_stream_shows_in_the_same_view(server: str, tmp_path: Path) -> None:
    anthropic = pytest.importorskip("anthropic")
    sdk = anthropic.Anthropic(api_key=KEY, base_url=server)
    path = tmp_path / "sdk.sse"
    view = StreamView("sdk", threaded=False)
    message = show(sdk.messages.stream(model="parallel_tools", **ASK), sink=view, record=path)
    assert message["content"] == replay("parallel_tools", instant=True, sink=quiet()[0])["content"]
    assert view.snapshot.state == "complete"
    assert replay(path, instant=True, sink=quiet()[0])["content"] == message["content"]
    assert KEY.encode() not in path.read_bytes()
    sdk.close()


async def _async_sdk(server: str) -> Any:
    anthropic = pytest.importorskip("anthropic")
    sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url=server)
    try:
        return await ashow(sdk.messages.stream(model="tool_use", **ASK), sink=quiet()[0])
    finally:
        await sdk.close()


def test_the_async_sdk_stream_too(server: str) -> None:
    import asyncio

    message = asyncio.run(_async_sdk(server))
    assert message["content"] == replay("tool_use", instant=True, sink=quiet()[0])["content"]


def test_astream_runs_in_an_event_loop(server: str) -> None:
    import asyncio

    async def main() -> Any:
        claude = Claude(KEY, base_url=server)
        try:
            return await claude.astream(model="unicode", sink=quiet()[0], **ASK)
        finally:
            await claude.aclose()

    message = asyncio.run(main())
    assert message.text == final_text("unicode")


def test_no_key_for_the_real_api_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    with pytest.raises(Exception, match="no API key: set ANTHROPIC_API_KEY"):
        Claude().stream(model="claude-sonnet-4-6", sink=quiet()[0], **ASK)


def test_the_record_command_saves_a_fixture_without_the_key(server: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    request = tmp_path / "request.json"
    request.write_text(json.dumps({"model": "thinking_text", **ASK}))
    output = tmp_path / "recorded.sse"
    env = {**os.environ, "ANTHROPIC_BASE_URL": server, "ANTHROPIC_API_KEY": KEY, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "claude_stream_nb.cli", "record", str(request), "-o", str(output)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "■ end_turn" in result.stdout
    assert KEY not in result.stdout + result.stderr
    assert KEY.encode() not in output.read_bytes()
    assert replay(output, instant=True, sink=quiet()[0]).text == final_text("thinking_text")


def test_the_record_command_reports_a_bad_request_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    command = [sys.executable, "-m", "claude_stream_nb.cli", "record", str(bad), "-o", str(tmp_path / "x.sse")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "is not JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_interrupt_closes_the_connection_and_keeps_the_partial_answer(server: str) -> None:
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    view = StreamView("interrupted", threaded=False)
    http = _http(timeout=httpx.Timeout(5.0, read=10.0), headers={"x-speed": "1"})
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with Claude(KEY, base_url=server, http_client=http) as claude:
            signal.setitimer(signal.ITIMER_REAL, 1.5)
            with pytest.raises(KeyboardInterrupt):
                claude.stream(model="long_markdown", sink=view, **ASK)
            pool = http._transport._pool  # type: ignore[attr-defined]
            assert all(connection.is_closed() for connection in pool.connections)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert view.snapshot.state == "stopped"
    assert 0 < len(view.snapshot.text) < len(final_text("long_markdown"))
    assert "stopped" in view.transcript()
