"""Traps a user with SDK habits fell into, one test each: now an error that says so, or the
behaviour the SDK has."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_stream_nb import live, replay
from claude_stream_nb.sources._fixtures import load_fixture
from claude_stream_nb.sources._replay import Pacer
from claude_stream_nb.sources.http import AuthenticationError, Client, OverloadedError

from .loopback import Answer, Loopback

KEY = "sk-ant-test-TRAPS-never-to-be-seen-0123456789"
ASK: dict[str, Any] = {"model": "claude-test", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
PLAIN = load_fixture("plain_text")
UNAUTHORIZED = b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        yield running


class Quiet:
    def update(self, event: Any, snapshot: Any) -> None: ...

    def close(self, snapshot: Any) -> None: ...


# --- the default client --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_the_default_client_sees_a_key_set_after_a_failed_call(
    server: Loopback, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    def call() -> Any:
        if mode == "stream":
            return live.stream(sink=Quiet(), **ASK)

        async def main() -> Any:
            try:
                return await live.astream(sink=Quiet(), **ASK)
            finally:
                await live.default_client().aclose()

        return asyncio.run(main())

    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(live.ClaudeError, match="no API key: set ANTHROPIC_API_KEY"):
        call()
    first = live.default_client()
    script = server.play(Answer(body=PLAIN.body))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    assert call().state == "complete"
    assert script.requests[0].headers["x-api-key"] == KEY
    assert live.default_client() is live.default_client()  # kept while nothing changes
    assert live.default_client() is not first
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY + "-rotated")
    call()
    assert script.requests[1].headers["x-api-key"] == KEY + "-rotated"
    live.default_client().close()


# An async client made in an ended loop cannot be closed (its loop is gone): dropping it leaves
# its socket to the garbage collector, which says so. Better than "Event loop is closed".
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_astream_works_again_in_a_new_event_loop(server: Loopback) -> None:
    script = server.play(Answer(body=PLAIN.body))
    claude = Client(KEY, base_url=server.url)
    for _ in range(2):
        assert asyncio.run(claude.astream(**ASK)).state == "complete"
    asyncio.run(claude.aclose())
    assert len(script.requests) == 2
    gc.collect()  # the dropped client's socket is reported here, not in a later test


def test_the_record_command_sends_the_request_file_as_written(server: Loopback, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    script = server.play(Answer(body=PLAIN.body))
    request = tmp_path / "request.json"
    request.write_text(json.dumps({**ASK, "brand_new_parameter": {"on": True}}))
    env = {**os.environ, "ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_API_KEY": KEY, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "claude_stream_nb.cli", "record", str(request), "-o", str(tmp_path / "r.sse")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert script.requests[0].json() == {**ASK, "brand_new_parameter": {"on": True}, "stream": True}
    assert KEY not in result.stdout + result.stderr


# --- show() of what is not an SDK stream -----------------------------------------------------------


def _message() -> Any:
    anthropic = pytest.importorskip("anthropic")
    return anthropic.types.Message(
        id="msg_1",
        type="message",
        role="assistant",
        model="m",
        content=[],
        stop_reason="end_turn",
        stop_sequence=None,
        usage={"input_tokens": 1, "output_tokens": 1},
    )


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: [{"type": "message_start"}], "got list"),
        (_message, "a finished message (create() without stream=True)"),
        (lambda: (text for text in ["a", "b"]), "a generator (text_stream yields only text)"),
        (lambda: "event: ping\n", "got str"),
    ],
)
@pytest.mark.parametrize("which", ["show", "ashow"])
def test_show_refuses_what_is_not_an_sdk_stream(make: Any, says: str, which: str) -> None:
    thing = make()

    def run() -> Any:
        if which == "show":
            return live.show(thing, sink=Quiet())
        return asyncio.run(live.ashow(thing, sink=Quiet()))

    with pytest.raises(TypeError, match=rf"{which}\(\) takes an official-SDK stream") as raised:
        run()
    assert says in str(raised.value)


def test_show_and_ashow_point_at_each_other(server: Loopback) -> None:
    anthropic = pytest.importorskip("anthropic")
    server.play(Answer(body=PLAIN.body))
    sdk = anthropic.Anthropic(api_key=KEY, base_url=server.url)
    manager = sdk.messages.stream(**ASK)
    with pytest.raises(TypeError, match=r"that is for show\(\)"):
        asyncio.run(live.ashow(manager, sink=Quiet()))
    assert live.show(manager, sink=Quiet()).state == "complete"
    sdk.close()


# --- replay speeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("speed", [0, -2, float("nan"), float("inf")])
def test_a_speed_that_is_not_positive_is_a_value_error(speed: float) -> None:
    with pytest.raises(ValueError, match="speed must be a positive number"):
        replay("plain_text", speed=speed, sink=Quiet())
    with pytest.raises(ValueError, match="speed must be a positive number"):
        Pacer(speed)
    pacer = Pacer(1.0)
    with pytest.raises(ValueError, match="speed must be a positive number"):
        pacer.speed = speed
    assert pacer.speed == 1.0


# --- record= never destroys a good recording ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_failed_call_keeps_the_previous_recording(server: Loopback, tmp_path: Path, mode: str) -> None:
    path = tmp_path / "good.sse"
    server.play(Answer(body=PLAIN.body))
    _call(server, mode, record=path)
    good = path.read_bytes()
    assert load_fixture(path).fold().state == "complete"
    server.play(Answer(401, UNAUTHORIZED, "application/json"))
    with pytest.raises(AuthenticationError):
        _call(server, mode, record=path)
    assert path.read_bytes() == good
    server.play(Answer(529, UNAUTHORIZED.replace(b"authentication_error", b"overloaded_error"), "application/json"))
    with pytest.raises(OverloadedError):
        _call(server, mode, record=path, max_retries=0)
    assert path.read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["good.sse"]  # no temporary file left behind


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_record_partial_keeps_a_failed_attempt_beside_it(server: Loopback, tmp_path: Path, mode: str) -> None:
    path = tmp_path / "cut.sse"
    events = PLAIN.events
    body = b"".join(e.raw for e in events[:6])
    server.play(Answer(body=body + events[6].raw[:20]))
    with pytest.raises(live.ConnectionFailed):
        _call(server, mode, record=path, record_partial=True, max_reconnects=0)
    assert not path.exists()
    partial = load_fixture(tmp_path / "cut.sse.partial")
    assert partial.body == body + events[6].raw[:20]
    assert partial.fold().state == "incomplete"
    assert KEY.encode() not in (tmp_path / "cut.sse.partial").read_bytes()


def test_a_recording_is_readable_by_others(server: Loopback, tmp_path: Path) -> None:
    server.play(Answer(body=PLAIN.body))
    _call(server, "stream", record=tmp_path / "mode.sse")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "mode.sse").stat().st_mode & 0o777 == 0o666 & ~umask


def _call(server: Loopback, mode: str, **options: Any) -> Any:
    claude = Client(KEY, base_url=server.url)
    if mode == "stream":
        with claude:
            return claude.stream(**options, **ASK)

    async def main() -> Any:
        async with claude:
            return await claude.astream(**options, **ASK)

    return asyncio.run(main())


@pytest.mark.parametrize("which", ["show", "ashow"])
def test_show_record_keeps_the_previous_recording_when_the_sdk_stream_fails(
    server: Loopback, tmp_path: Path, which: str
) -> None:
    anthropic = pytest.importorskip("anthropic")
    path = tmp_path / "sdk.sse"
    error = b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'

    def run() -> Any:
        if which == "show":
            with anthropic.Anthropic(api_key=KEY, base_url=server.url, max_retries=0) as sdk:
                return live.show(sdk.messages.stream(**ASK), sink=Quiet(), record=path, record_partial=True)

        async def main() -> Any:
            async with anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, max_retries=0) as sdk:
                return await live.ashow(sdk.messages.stream(**ASK), sink=Quiet(), record=path, record_partial=True)

        return asyncio.run(main())

    server.play(Answer(body=PLAIN.body))
    assert run().state == "complete"
    good = path.read_bytes()
    server.play(Answer(body=b"".join(e.raw for e in PLAIN.events[:6]) + error))
    with pytest.raises(anthropic.APIStatusError):
        run()
    assert path.read_bytes() == good
    assert load_fixture(tmp_path / "sdk.sse.partial").fold().state == "errored"


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_sink_that_raises_leaves_no_temporary_file(server: Loopback, tmp_path: Path, mode: str) -> None:
    class Broken(Quiet):
        def update(self, event: Any, snapshot: Any) -> None:
            raise RuntimeError("the sink broke")

    server.play(Answer(body=PLAIN.body))
    with pytest.raises(RuntimeError, match="the sink broke"):
        _call(server, mode, record=tmp_path / "x.sse", sink=Broken())
    assert os.listdir(tmp_path) == []
