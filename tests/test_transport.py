"""ReplayTransport through real clients: httpx sync and async, and the official SDK on httpx2.

The SDK helpers here are shared with ``test_server.py``: a *target* is either a transport or the
base URL of a running fake server, and the same assertions must hold for both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

import anthropic
import httpx
import httpx2
import pytest

from claude_stream_nb.fake_api._scenario import FakeAPI
from claude_stream_nb.fake_api._transport import ReplayTransport
from claude_stream_nb.sources._fixtures import load_fixture
from tests.test_sdk_oracle import sdk_message

API = FakeAPI.load()
FIXTURES = sorted(API.fixtures)
COMPLETE = [name for name in FIXTURES if API.final(name).state == "complete"]
ERRORED = [name for name in FIXTURES if API.final(name).error is not None]
CUT = [name for name in FIXTURES if API.final(name).state == "incomplete"]
KEY = "sk-ant-offline-SECRET-0123456789"
URL = "http://fake.invalid"
ASK: list[Any] = [{"role": "user", "content": "hi"}]
STREAM: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 1024, "stream": True, "messages": ASK}
"""A valid streaming request (the fake checks requests as the API does)."""


def expected(name: str) -> dict[str, Any]:
    return API.final(name).to_message()


# --- the official SDK, pointed at a transport or a server ------------------------------------


def sdk(target: Any, **options: Any) -> anthropic.Anthropic:
    """The SDK on a server (``target`` is its URL) or on a transport; no retries unless asked."""
    options = {"api_key": KEY, "max_retries": 0, **options}
    if isinstance(target, str):
        return anthropic.Anthropic(base_url=target, **options)
    return anthropic.Anthropic(http_client=httpx2.Client(transport=target.for_httpx2()), **options)


def async_sdk(target: Any, **options: Any) -> anthropic.AsyncAnthropic:
    options = {"api_key": KEY, "max_retries": 0, **options}
    if isinstance(target, str):
        return anthropic.AsyncAnthropic(base_url=target, **options)
    return anthropic.AsyncAnthropic(http_client=httpx2.AsyncClient(transport=target.for_httpx2()), **options)


def sdk_stream(target: Any, name: str, **extra: Any) -> dict[str, Any]:
    """The SDK's final message for fixture ``name`` (chosen by ``model``), as the API's JSON."""
    with sdk(target) as client, client.messages.stream(model=name, max_tokens=1024, messages=ASK, **extra) as s:
        return sdk_message(s.get_final_message(), API.fixtures[name].body)


def async_sdk_stream(target: Any, name: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with (
            async_sdk(target) as client,
            client.messages.stream(model=name, max_tokens=1024, messages=ASK) as stream,
        ):
            return sdk_message(await stream.get_final_message(), API.fixtures[name].body)

    return asyncio.run(run())


RUNNERS: dict[str, Callable[[Any, str], dict[str, Any]]] = {"sync": sdk_stream, "async": async_sdk_stream}


def check_sdk_against_fold(target: Any, name: str, mode: str) -> None:
    """Complete fixtures: the SDK's final message is the fold's. Others: the SDK fails as the API would."""
    run = RUNNERS[mode]
    if name in COMPLETE:
        assert run(target, name) == expected(name)
    elif name in ERRORED:
        with pytest.raises(anthropic.APIStatusError, match=API.final(name).error.type):  # type: ignore[union-attr]
            run(target, name)
    else:
        assert name in CUT
        with pytest.raises(httpx2.RemoteProtocolError, match="incomplete chunked read"):
            run(target, name)


def drain(chunks: Iterable[bytes]) -> tuple[bytes, Exception | None]:
    """Everything a body gave before it ended, and the error it ended with (if any)."""
    received = b""
    try:
        for chunk in chunks:
            received += chunk
    except Exception as exc:
        return received, exc
    return received, None


def agent_loop(client: anthropic.Anthropic) -> list[str]:
    """Run the SDK in a tool loop until the model stops asking: the stop reason of each turn."""
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Shanghai?"}]
    reasons = []
    for _ in range(5):
        reply = client.messages.create(model="agent_loop", max_tokens=1024, messages=messages)
        reasons.append(str(reply.stop_reason))
        if reply.stop_reason != "tool_use":
            break
        messages.append({"role": "assistant", "content": [b.model_dump() for b in reply.content]})
        calls = [b for b in reply.content if b.type == "tool_use"]
        results = [{"type": "tool_result", "tool_use_id": c.id, "content": "sunny, 24 C"} for c in calls]
        messages.append({"role": "user", "content": results})
    return reasons


# --- the transport ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", FIXTURES)
def test_sdk_over_transport_gives_the_fixtures_final_message(name: str, mode: str) -> None:
    check_sdk_against_fold(ReplayTransport(), name, mode)


def test_httpx_sync_gets_the_fixture_bytes_and_api_headers() -> None:
    with httpx.Client(transport=ReplayTransport("tool_use")) as client:
        response = client.post(f"{URL}/v1/messages", json=STREAM)
    assert response.status_code == 200
    assert response.content == load_fixture("tool_use").body
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["request-id"].startswith("req_")


def test_httpx_async_with_recorded_timing() -> None:
    fixture = load_fixture("tool_use")

    async def run() -> list[tuple[float, bytes]]:
        async with (
            httpx.AsyncClient(transport=ReplayTransport("tool_use", speed=8)) as client,
            client.stream("POST", f"{URL}/v1/messages", json=STREAM) as response,
        ):
            start = time.monotonic()
            return [(time.monotonic() - start, chunk) async for chunk in response.aiter_raw()]

    got = asyncio.run(run())
    assert b"".join(chunk for _, chunk in got) == fixture.body
    for (at, _), event in zip(got, fixture.events, strict=True):
        assert event.time is not None
        assert event.time / 8 - 0.002 <= at <= event.time / 8 + 0.1  # never early, hardly late


def test_instant_by_default() -> None:
    start = time.monotonic()
    with httpx.Client(transport=ReplayTransport("long_markdown")) as client:
        client.post(f"{URL}/v1/messages", json=STREAM)  # 51 s at 1x
    assert time.monotonic() - start < 1


def test_a_fixture_file_or_object_can_be_given(tmp_path: Any) -> None:
    path = tmp_path / "mine.sse"
    path.write_bytes(load_fixture("refusal").body)
    for transport in (ReplayTransport(path), ReplayTransport(load_fixture("refusal"))):
        with httpx.Client(transport=transport) as client:
            assert client.post(f"{URL}/v1/messages", json=STREAM).content == path.read_bytes()


def test_non_stream_and_models_through_the_sdk() -> None:
    with sdk(ReplayTransport()) as client:
        for name in ("tool_use", "thinking_text", "web_search"):
            message = client.messages.create(model=name, max_tokens=1024, messages=ASK)
            assert message.to_dict() == expected(name)
        assert [m.id for m in client.models.list()] == API.names


def test_agent_loop_scenario_through_the_sdk() -> None:
    with sdk(ReplayTransport()) as client:
        assert agent_loop(client) == ["tool_use", "end_turn"]


# --- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [httpx, httpx2])
def test_drop_raises_the_librarys_remote_protocol_error_mid_body(lib: Any) -> None:
    transport = ReplayTransport("tool_use", fault="drop_after=7")
    with (
        lib.Client(transport=transport if lib is httpx else transport.for_httpx2()) as client,
        client.stream("POST", f"{URL}/v1/messages", json=STREAM) as response,
    ):
        received, error = drain(response.iter_raw())
    assert response.status_code == 200
    assert isinstance(error, lib.RemoteProtocolError)
    assert "incomplete chunked read" in str(error)
    assert received == b"".join(e.raw for e in load_fixture("tool_use").events[:7])


def test_drop_reaches_the_sdk_with_the_partial_message() -> None:
    with sdk(ReplayTransport("tool_use")) as client:
        stream = client.messages.stream(
            model="x", max_tokens=9, messages=ASK, extra_headers={"x-fault": "drop_after=4"}
        )
        with stream as s, pytest.raises(httpx2.RemoteProtocolError):
            for _ in s:
                pass
        assert s.current_message_snapshot.content[0].type == "text"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, anthropic.RateLimitError),
        (529, anthropic.OverloadedError),
        (500, anthropic.InternalServerError),
        (401, anthropic.AuthenticationError),
    ],
)
def test_status_faults_raise_the_sdks_errors(status: int, error: type[Exception]) -> None:
    with (
        sdk(ReplayTransport("tool_use", fault=f"status={status};retry_after=7")) as client,
        pytest.raises(error) as info,
    ):
        client.messages.create(model="x", max_tokens=9, messages=ASK)
    assert isinstance(info.value, anthropic.APIStatusError)
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.body == {
        "type": "error",
        "error": {"type": info.value.body["error"]["type"], "message": info.value.body["error"]["message"]},  # type: ignore[index]
        "request_id": info.value.request_id,
    }


def test_sdk_retries_through_a_fault_that_clears_after_one_attempt() -> None:
    transport = ReplayTransport("tool_use", fault="status=529;retry_after=0.01;attempts=1")
    with sdk(transport) as client:
        message = client.with_options(max_retries=2).messages.create(model="x", max_tokens=9, messages=ASK)
    assert message.stop_reason == "tool_use"


def test_error_after_n_events_reaches_the_sdk() -> None:
    with (
        sdk(ReplayTransport("tool_use", fault="error_after=5")) as client,
        client.messages.stream(model="x", max_tokens=9, messages=ASK) as stream,
        pytest.raises(anthropic.APIStatusError, match="overloaded_error"),
    ):
        stream.get_final_message()


@pytest.mark.parametrize("lib", [httpx, httpx2])
def test_stall_past_the_read_timeout_raises_read_timeout(lib: Any) -> None:
    transport = ReplayTransport("tool_use", fault="stall=30;stall_after=3")
    with lib.Client(transport=transport if lib is httpx else transport.for_httpx2(), timeout=0.2) as client:
        start = time.monotonic()
        with pytest.raises(lib.ReadTimeout):
            client.post(f"{URL}/v1/messages", json=STREAM)
    assert 0.2 <= time.monotonic() - start < 1


def test_stall_and_first_byte_delay_within_the_timeout_just_take_time() -> None:
    transport = ReplayTransport("tool_use", fault="stall=0.3;stall_after=2;first_byte_delay=0.2")
    with httpx.Client(transport=transport) as client:
        start = time.monotonic()
        with client.stream("POST", f"{URL}/v1/messages", json=STREAM) as response:
            head = time.monotonic() - start
            arrivals = [time.monotonic() - start for _ in response.iter_raw()]
    assert 0.2 <= head < 0.6
    assert arrivals[1] - head < 0.25  # no pause before the stall (instant replay)
    assert 0.3 <= arrivals[2] - arrivals[1] < 0.7


def test_slow_head_past_the_read_timeout() -> None:
    transport = ReplayTransport("tool_use", fault="first_byte_delay=30")
    with httpx.Client(transport=transport, timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
        client.post(f"{URL}/v1/messages", json=STREAM)


def test_bad_fault_is_a_400_the_sdk_reports() -> None:
    with sdk(ReplayTransport()) as client, pytest.raises(anthropic.BadRequestError, match="dorp_after"):
        client.messages.create(model="x", max_tokens=9, messages=ASK, extra_headers={"x-fault": "dorp_after=1"})


# --- the pytest plugin -----------------------------------------------------------------------


def test_plugin_replay_transport_fixture(claude_replay_transport: type[ReplayTransport]) -> None:
    with httpx.Client(transport=claude_replay_transport("refusal")) as client:
        body = client.post(f"{URL}/v1/messages", json={**STREAM, "stream": False}).json()
    assert body == expected("refusal")
