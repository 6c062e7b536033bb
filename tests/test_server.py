"""The fake Messages API over real HTTP: uvicorn on 127.0.0.1, driven by the SDK, httpx and curl."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest

from claude_stream_nb import cli
from claude_stream_nb.fake_api import serve_in_thread
from claude_stream_nb.fake_api._run import is_loopback
from claude_stream_nb.sources._fixtures import Fixture, load_fixture
from tests.test_transport import (
    API,
    ASK,
    FIXTURES,
    KEY,
    agent_loop,
    check_sdk_against_fold,
    drain,
    expected,
    sdk,
)

CURL = shutil.which("curl") or "/usr/bin/curl"
STREAM = {"model": "claude-sonnet-4-6", "max_tokens": 1024, "stream": True, "messages": ASK}


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A real uvicorn server on a free loopback port, instant unless a request sends x-speed."""
    with serve_in_thread(speed=None) as url:
        yield url


def post(url: str, fixture: str, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    with httpx.Client(base_url=url) as client:
        return client.post("/v1/messages", json={**STREAM, **body}, headers={"x-fixture": fixture, **(headers or {})})


def timed_stream(url: str, fixture: str, headers: dict[str, str]) -> tuple[float, list[tuple[float, bytes]], Any]:
    """(time to the response head, [(arrival, chunk)], the error the body ended with)."""
    with httpx.Client(base_url=url) as client:
        start = time.monotonic()
        hdrs = {"x-fixture": fixture, **headers}
        with client.stream("POST", "/v1/messages", json=STREAM, headers=hdrs) as response:
            head = time.monotonic() - start
            arrivals: list[tuple[float, bytes]] = []

            def stamped() -> Iterator[bytes]:
                for chunk in response.iter_raw():
                    arrivals.append((time.monotonic() - start, chunk))
                    yield chunk

            _, error = drain(stamped())
    return head, arrivals, error


def event_arrivals(fixture: Fixture, arrivals: list[tuple[float, bytes]]) -> list[float]:
    """When each of the fixture's events was complete at the client."""
    ends, total = [], 0
    for event in fixture.events:
        total += len(event.raw)
        ends.append(total)
    out, received, i = [], 0, 0
    for at, chunk in arrivals:
        received += len(chunk)
        while i < len(ends) and ends[i] <= received:
            out.append(at)
            i += 1
    return out


# --- the SDK, httpx and curl against the server ------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", FIXTURES)
def test_sdk_against_the_server_gives_the_fixtures_final_message(server: str, name: str, mode: str) -> None:
    check_sdk_against_fold(server, name, mode)


def test_stream_headers_and_bytes(server: str) -> None:
    response = post(server, "thinking_tool_use")
    assert response.status_code == 200
    assert response.content == load_fixture("thinking_tool_use").body
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["request-id"].startswith("req_")
    assert response.headers["transfer-encoding"] == "chunked"


@pytest.mark.skipif(not Path(CURL).exists(), reason="curl is not installed")
def test_curl_shows_events_one_by_one(server: str) -> None:
    fixture = load_fixture("tool_use")  # 30 events over 2.4 s; at 4x, 0.6 s
    command = [CURL, "-sSN", f"{server}/v1/messages", "-H", "content-type: application/json", "-H", "x-speed: 4"]
    start = time.monotonic()
    with subprocess.Popen(
        [*command, "-d", json.dumps({**STREAM, "model": "tool_use"})], stdout=subprocess.PIPE
    ) as curl:
        assert curl.stdout is not None
        arrivals = []
        while chunk := os.read(curl.stdout.fileno(), 65536):
            arrivals.append((time.monotonic() - start, chunk))
    assert curl.returncode == 0
    assert b"".join(chunk for _, chunk in arrivals) == fixture.body
    times = event_arrivals(fixture, arrivals)
    assert len({round(t, 3) for t in times}) >= 15, "events came in a few lumps, not one by one"
    for at, event in zip(times, fixture.events, strict=True):
        assert event.time is not None
        assert event.time / 4 - 0.005 <= at <= event.time / 4 + 0.6  # curl start-up and a loaded CI machine
    assert times[-1] - times[0] > 0.3  # spread over the recorded 0.43 s, not all at the end


def test_twenty_five_concurrent_clients_all_complete(server: str) -> None:
    fixture = load_fixture("tool_use")

    async def one(client: httpx.AsyncClient) -> bytes:
        response = await client.post("/v1/messages", json=STREAM, headers={"x-fixture": "tool_use", "x-speed": "8"})
        return response.content

    async def run() -> list[bytes]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=server, limits=limits, timeout=30) as client:
            return await asyncio.gather(*(one(client) for _ in range(25)))

    start = time.monotonic()
    bodies = asyncio.run(run())
    assert all(body == fixture.body for body in bodies)
    assert time.monotonic() - start < 2.5  # together, not one after another (25 x 0.3 s)


def test_non_stream_json(server: str) -> None:
    for name in ("tool_use", "web_search", "unicode"):
        response = post(server, name, stream=False)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == expected(name)
    with sdk(server) as client:
        assert client.messages.create(model="thinking_text", max_tokens=9, messages=ASK).to_dict() == expected(
            "thinking_text"
        )


def test_models(server: str) -> None:
    with sdk(server) as client:
        assert [m.id for m in client.models.list()] == API.names
        assert client.models.retrieve("tool_use").display_name == load_fixture("tool_use").description
    with httpx.Client(base_url=server) as client:
        page = client.get("/v1/models", params={"limit": 3}).json()
        missing = client.get("/v1/models/nope")
        unknown = client.get("/v1/complete")
    assert page["has_more"] is True
    assert len(page["data"]) == 3
    assert missing.status_code == unknown.status_code == 404
    assert unknown.json()["error"]["type"] == "not_found_error"


def test_agent_loop_scenario(server: str) -> None:
    with sdk(server) as client:
        assert agent_loop(client) == ["tool_use", "end_turn"]


def test_scenario_file_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    scenario = {"description": "weather, then the answer", "turns": ["tool_use", "plain_text"]}
    (tmp_path / "scenarios" / "two_turn.json").write_text(json.dumps(scenario))
    (tmp_path / "greeting.sse").write_bytes(load_fixture("refusal").body)
    with serve_in_thread(tmp_path, speed=None, default="two_turn") as url, sdk(url) as client:
        first = client.messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=ASK)
        assert first.stop_reason == "tool_use"
        call = next(b for b in first.content if b.type == "tool_use")
        turn2 = [
            *ASK,
            {"role": "assistant", "content": [b.model_dump() for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]},
        ]
        second = client.messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=turn2)
        assert second.to_dict() == expected("plain_text")
        assert "greeting" in [m.id for m in client.models.list()]


# --- faults over the wire ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 529, 500, 401])
def test_status_fault(server: str, status: int) -> None:
    response = post(server, "tool_use", {"x-fault": f"status={status};retry_after=2"})
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"type", "error", "request_id"}
    assert body["type"] == "error"
    assert body["request_id"] == response.headers["request-id"]
    assert response.headers["retry-after"] == "2"
    assert response.headers["retry-after-ms"] == "2000"


def test_fault_in_the_query(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        response = client.post("/v1/messages", params={"fault": "status=529;retry_after=1"}, json=STREAM)
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "overloaded_error"


def test_error_after_n_events(server: str) -> None:
    body = post(server, "tool_use", {"x-fault": "error_after=5"}).content
    events = load_fixture("tool_use").events
    head = b"".join(e.raw for e in events[:5])
    assert body.startswith(head)
    assert body[len(head) :].startswith(b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"')


def test_drop_after_n_events_leaves_the_body_incomplete(server: str) -> None:
    _, arrivals, error = timed_stream(server, "tool_use", {"x-fault": "drop_after=7"})
    assert isinstance(error, httpx.RemoteProtocolError)
    assert "incomplete chunked read" in str(error)
    assert b"".join(c for _, c in arrivals) == b"".join(e.raw for e in load_fixture("tool_use").events[:7])


def test_stall_mid_stream(server: str) -> None:
    fixture = load_fixture("tool_use")
    _, arrivals, error = timed_stream(server, "tool_use", {"x-fault": "stall=0.5;stall_after=3"})
    times = event_arrivals(fixture, arrivals)
    assert error is None
    assert len(times) == len(fixture.events)
    assert times[2] < 0.4
    assert 0.45 <= times[3] - times[2] < 1.0  # a 0.5 s stall, as the client clock sees it
    assert times[-1] - times[3] < 0.4


def test_first_byte_delay(server: str) -> None:
    head, arrivals, _ = timed_stream(server, "tool_use", {"x-fault": "first_byte_delay=0.4"})
    assert 0.4 <= head < 1.0
    assert b"".join(c for _, c in arrivals) == load_fixture("tool_use").body


def test_sdk_retries_on_the_servers_retry_after(server: str) -> None:
    with sdk(server, max_retries=2) as client:
        fault = {"x-fault": "status=529;retry_after=0.05;attempts=2"}
        message = client.messages.create(model="refusal", max_tokens=9, messages=ASK, extra_headers=fault)
    assert message.stop_reason == "refusal"


# --- secrets, the CLI, the plugin --------------------------------------------------------------


def test_keys_are_never_logged(server: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with httpx.Client(base_url=server, headers={"x-api-key": KEY, "authorization": f"Bearer {KEY}"}) as client:
        client.post("/v1/messages", json=STREAM)
        client.post("/v1/messages", json=STREAM, headers={"x-fault": "status=401"})
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v1/messages", json=STREAM, headers={"x-fault": "drop_after=2"})
        client.get("/v1/models")
    assert "POST /v1/messages -> 200" in caplog.text
    assert "Exception in ASGI application" not in caplog.text  # a drop on purpose is not an error
    assert KEY not in caplog.text


def test_cli_serve_starts_fast_never_logs_keys_and_stops_on_ctrl_c() -> None:
    command = [sys.executable, "-m", "claude_stream_nb.cli", "serve", "--port", "0"]
    start = time.monotonic()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        banner = "".join(iter(proc.stdout.readline, "Ctrl-C stops it.\n"))
        url = banner.split(" on ", 1)[1].split()[0]
        with httpx.Client(base_url=url, headers={"x-api-key": KEY, "authorization": f"Bearer {KEY}"}) as client:
            assert client.get("/v1/models").status_code == 200
            started = time.monotonic() - start
            assert post(url, "tool_use", {"x-api-key": KEY, "x-speed": "instant"}).status_code == 200
            assert client.post("/v1/messages", json=STREAM, headers={"x-fault": "status=401"}).status_code == 401
            assert client.post("/v1/messages", content=b"{bad json", headers={"x-fault": "x"}).status_code == 400
            with pytest.raises(httpx.RemoteProtocolError):
                client.post("/v1/messages", json=STREAM, headers={"x-fault": "drop_after=3", "x-speed": "0"})
            # Ctrl-C with a stream still playing (long_markdown takes 51 s at 1x).
            with client.stream("POST", "/v1/messages", json={**STREAM, "model": "long_markdown"}) as response:
                chunks = response.iter_raw()
                next(chunks)
                proc.send_signal(signal.SIGINT)
                _, error = drain(chunks)
            stopping = time.monotonic()
        out, err = proc.communicate(timeout=10)
        stopped = time.monotonic() - stopping
    assert started < 2, f"took {started:.2f} s to answer"
    assert banner.startswith("Fake Messages API on http://127.0.0.1:")
    assert "ANTHROPIC_BASE_URL" in banner
    assert "curl -N" in banner
    assert proc.returncode == 0
    assert out == "claude-stream-nb serve: stopped\n"
    assert stopped < 3
    assert isinstance(error, httpx.RemoteProtocolError)
    assert "Traceback" not in err
    assert "POST /v1/messages -> 401" in err
    assert KEY not in banner + out + err


def test_cli_serve_can_require_a_key_and_limit_the_body(capsys: pytest.CaptureFixture[str]) -> None:
    command = [sys.executable, "-m", "claude_stream_nb.cli", "serve", "--port", "0", "--instant"]
    with subprocess.Popen(
        [*command, "--require-key", "--max-body", "4096"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        banner = "".join(iter(proc.stdout.readline, "Ctrl-C stops it.\n"))
        url = banner.split(" on ", 1)[1].split()[0]
        with httpx.Client(base_url=url) as client:
            keyless = client.post("/v1/messages", json=STREAM)
            keyed = client.post("/v1/messages", json=STREAM, headers={"x-api-key": KEY})
            big = {**STREAM, "messages": [{"role": "user", "content": "x" * 4096}]}
            too_big = client.post("/v1/messages", json=big, headers={"x-api-key": KEY})
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert "an API key is required" in banner
    assert (keyless.status_code, keyless.json()["error"]["type"]) == (401, "authentication_error")
    assert keyed.status_code == 200
    assert (too_big.status_code, too_big.json()["error"]["type"]) == (413, "request_too_large")
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--max-body", "0"])
    assert exited.value.code == 2
    assert "expected a positive number of bytes, got '0'" in capsys.readouterr().err


def test_cli_refuses_a_busy_port_and_warns_off_loopback(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    port = server.rsplit(":", 1)[1]
    assert cli.main(["serve", "--port", port]) == 2
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
    # 192.0.2.1 is a documentation address: the warning shows, then binding fails (nothing exposed).
    assert cli.main(["serve", "--host", "192.0.2.1", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "WARNING: listening on 192.0.2.1" in err
    assert "cannot listen on 192.0.2.1" in err
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")


def test_plugin_server_fixture(claude_fixture_server: str) -> None:
    with (
        anthropic.Anthropic(base_url=claude_fixture_server, api_key="offline", max_retries=0) as client,
        client.messages.stream(model="tool_use", max_tokens=9, messages=ASK) as stream,
    ):
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"


def test_plugin_import_is_light() -> None:
    heavy = "{'starlette', 'uvicorn', 'httpx2', 'anthropic'}"
    code = f"import sys, claude_stream_nb.pytest_plugin; print(sorted({heavy} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_without_streaming_the_answer_comes_after_the_whole_recording(server: str) -> None:
    duration = load_fixture("plain_text").events[-1].time or 0
    body = {**STREAM, "model": "plain_text", "stream": False}
    began = time.monotonic()
    response = httpx.post(f"{server}/v1/messages", json=body, headers={"x-speed": "4"}, timeout=30)
    took = time.monotonic() - began
    assert response.status_code == 200
    assert response.json()["content"][0]["type"] == "text"
    assert duration / 4 <= took < duration / 4 + 1.0
