"""The live client's options and what it refuses, against a scripted server on 127.0.0.1.

Every test that calls the client runs twice, through ``stream`` and through ``astream``.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sources._fixtures import load_fixture
from claude_stream_nb.sources.http import (
    Client,
    ConnectionFailed,
    InvalidRequestError,
    OverloadedError,
    UnexpectedResponseError,
)
from claude_stream_nb.sources.http._options import MAX_ATTEMPTS
from claude_stream_nb.sources.http._policy import retry_delay

from .loopback import Answer, Loopback

KEY = "sk-ant-test-OPTIONS-never-to-be-seen-0123456789"
ASK: dict[str, Any] = {"model": "claude-test", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
PLAIN = load_fixture("plain_text").body
TOOL = load_fixture("tool_use")
OVERLOADED = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}'

Call = Callable[..., Any]


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        yield running


@pytest.fixture(params=["stream", "astream"])
def call(request: pytest.FixtureRequest) -> Call:
    """``call(client, **kwargs)``: one streamed message, sync or async (the client is closed after)."""

    def sync(client: Client, **kwargs: Any) -> Any:
        with client:
            return client.stream(**kwargs)

    def run_async(client: Client, **kwargs: Any) -> Any:
        async def main() -> Any:
            async with client:
                return await client.astream(**kwargs)

        return asyncio.run(main())

    return sync if request.param == "stream" else run_async


def client(server: Loopback, **options: Any) -> Client:
    return Client(KEY, base_url=server.url, **options)


def diagnosis(body: bytes) -> tuple[str | None, list[str]]:
    """What a replay of ``body`` says about how it ended."""
    fold = StreamFold()
    fold.feed(body)
    snap = fold.close()
    return snap.end_reason, [p.message for p in snap.problems]


# --- where each option goes ---------------------------------------------------------------------


def test_per_call_options_go_where_the_sdk_sends_them(server: Loopback, call: Call) -> None:
    script = server.play(Answer(body=PLAIN))
    claude = client(server, default_headers={"x-team": "a"}, default_query={"region": "eu"}, betas=["b-1"])
    message = call(
        claude,
        timeout=20,
        max_retries=0,
        max_reconnects=0,
        idle_timeout=15,
        extra_headers={"x-trace": "t-42", "x-team": "b"},
        extra_query={"beta": "true"},
        extra_body={"top_k": 5, "metadata": {"user_id": "u-1"}},
        betas=["b-2"],
        system="Be brief.",
        **ASK,
    )
    assert message.state == "complete"
    (seen,) = script.requests
    assert seen.path == "/v1/messages"
    assert seen.query == {"region": ["eu"], "beta": ["true"]}
    assert seen.headers["x-trace"] == "t-42"
    assert seen.headers["x-team"] == "b"  # extra_headers win over the client's, as in the SDK
    assert seen.headers["anthropic-beta"] == "b-1,b-2"
    assert seen.headers["x-api-key"] == KEY
    body = seen.json()
    assert body == {**ASK, "system": "Be brief.", "top_k": 5, "metadata": {"user_id": "u-1"}, "stream": True}


def test_an_auth_token_is_sent_as_a_bearer_token(server: Loopback, call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", KEY)
    script = server.play(Answer(body=PLAIN))
    call(Client(base_url=server.url), **ASK)
    assert script.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in script.requests[0].headers
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY + "-key")  # the key first, as the SDK: the token unused
    call(Client(base_url=server.url), **ASK)
    assert script.requests[1].headers["x-api-key"] == KEY + "-key"
    assert "authorization" not in script.requests[1].headers


def test_an_unknown_keyword_is_a_type_error_before_anything_is_sent(server: Loopback, call: Call) -> None:
    script = server.play(Answer(body=PLAIN))
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'max_retry' \(did you mean 'max_retries'\?\)"):
        call(client(server), max_retry=0, **ASK)
    with pytest.raises(TypeError, match="always streams"):
        call(client(server), stream=True, **ASK)
    assert script.requests == []


def test_the_signatures_name_every_option() -> None:
    from claude_stream_nb import live

    options = {"timeout", "max_retries", "extra_headers", "extra_query", "extra_body", "idle_timeout"}
    options |= {"max_reconnects", "record", "record_partial", "title", "sink"}
    for function in (Client.stream, Client.astream, live.stream, live.astream):
        assert options <= set(inspect.signature(function).parameters), function
    constructor = set(inspect.signature(Client).parameters)
    assert {"api_key", "auth_token", "base_url", "timeout", "max_retries", "default_headers"} <= constructor
    assert {"default_query", "http_client"} <= constructor
    for function in (live.show, live.ashow):
        assert {"record", "record_partial", "sink", "title"} <= set(inspect.signature(function).parameters)


def test_a_per_call_timeout_is_honoured(server: Loopback, call: Call) -> None:
    script = server.play(Answer(body=PLAIN, delay=2.0))
    began = time.monotonic()
    with pytest.raises(ConnectionFailed, match=r"no byte for 0.3 s") as raised:
        call(client(server), timeout=0.3, max_retries=0, **ASK)
    assert time.monotonic() - began < 1.8
    assert len(script.requests) == 1
    assert KEY not in str(raised.value)


def test_a_per_call_idle_timeout_reconnects_a_stall(server: Loopback, call: Call) -> None:
    cut = PLAIN.index(b"event: content_block_delta")
    script = server.play(Answer(body=PLAIN, stall=3.0, stall_at=cut), Answer(body=PLAIN))
    began = time.monotonic()
    message = call(client(server, idle_timeout=30), idle_timeout=0.4, **ASK)
    assert time.monotonic() - began < 2.5
    assert message.state == "complete"
    assert len(script.requests) == 2
    assert "no byte for 0.4 s" in message.snapshot.reconnects[0]["reason"]


@pytest.mark.parametrize("retries", [0, 1, 4])
def test_max_retries_per_call_is_honoured_not_clamped(server: Loopback, call: Call, retries: int) -> None:
    script = server.play(Answer(529, OVERLOADED, "application/json", {"retry-after-ms": "0"}))
    with pytest.raises(OverloadedError):
        call(client(server, max_retries=2), max_retries=retries, **ASK)
    assert len(script.requests) == retries + 1
    assert [r.headers["x-stainless-retry-count"] for r in script.requests] == [str(n) for n in range(retries + 1)]


@pytest.mark.slow  # the reconnect waits: 0.5 + 1 + 1.5 + 2 s
def test_max_reconnects_per_call_is_honoured_not_clamped(server: Loopback, call: Call) -> None:
    events = load_fixture("plain_text").events
    cut = Answer(body=PLAIN, cut=len(b"".join(e.raw for e in events[:5])) + 10)
    script = server.play(cut)
    began = time.monotonic()
    with pytest.raises(ConnectionFailed, match=r"\(after 4 reconnects\)"):
        call(client(server, max_reconnects=2), max_reconnects=4, **ASK)
    assert len(script.requests) == 5
    assert time.monotonic() - began < 8  # waits 0.5, 1, 1.5, 2 s between them
    assert [len(r.json()["messages"]) for r in script.requests] == [1, 2, 2, 2, 2]  # each one continues


@pytest.mark.parametrize("option", ["max_retries", "max_reconnects"])
@pytest.mark.parametrize("value", [MAX_ATTEMPTS + 1, -1])
def test_counts_out_of_range_are_refused(server: Loopback, call: Call, option: str, value: int) -> None:
    script = server.play(Answer(body=PLAIN))
    with pytest.raises(ValueError, match=rf"{option}={value} is out of range: 0 to {MAX_ATTEMPTS}"):
        call(client(server), **{option: value}, **ASK)
    with pytest.raises(ValueError, match=rf"{option}={value} is out of range"):
        Client(KEY, **{option: value})
    assert script.requests == []


# --- the retry policy's promises -------------------------------------------------------------------


def test_retry_after_as_an_http_date_is_waited_for(server: Loopback, call: Call) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: waits 1 to 2 s
    script = server.play(Answer(529, OVERLOADED, "application/json", {"retry-after": when}), Answer(body=PLAIN))
    began = time.monotonic()
    message = call(client(server), **ASK)
    took = time.monotonic() - began
    assert message.state == "complete"
    assert len(script.requests) == 2
    assert 0.9 <= took < 4


@pytest.mark.parametrize(("status", "flag", "attempts"), [(529, "false", 1), (400, "true", 2), (409, None, 2)])
def test_x_should_retry_decides_first(
    server: Loopback, call: Call, status: int, flag: str | None, attempts: int
) -> None:
    headers = {"retry-after-ms": "0", **({"x-should-retry": flag} if flag else {})}
    kinds = {529: b"overloaded_error", 400: b"invalid_request_error", 409: b"conflict_error"}
    error = OVERLOADED.replace(b"overloaded_error", kinds[status])
    script = server.play(Answer(status, error, "application/json", headers), Answer(body=PLAIN))
    if attempts == 1:
        with pytest.raises(OverloadedError):
            call(client(server), **ASK)
    else:
        assert call(client(server), **ASK).state == "complete"
    assert len(script.requests) == attempts


def test_the_backoff_is_capped_and_a_long_retry_after_is_not_obeyed() -> None:
    import random

    rng = random.Random(1)
    assert all(6.0 <= retry_delay(n, {}, rng) <= 8.0 for n in range(4, 30))
    assert 0.375 <= retry_delay(0, {}, rng) <= 0.5
    assert retry_delay(0, {"retry-after": "120"}, rng) <= 0.5  # over 60 s: the backoff instead
    assert retry_delay(0, {"retry-after-ms": "1500"}, rng) == 1.5
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert retry_delay(1, {"retry-after": past}, rng) <= 1.0


def test_a_stream_is_not_continued_after_a_finished_tool_call(server: Loopback, call: Call) -> None:
    body = TOOL.body
    cut = len(b"".join(e.raw for e in TOOL.events[:28]))  # after the tool block's stop
    script = server.play(Answer(body=body, cut=cut), Answer(body=body))
    with pytest.raises(ConnectionFailed, match="the partial message ends in a tool call") as raised:
        call(client(server), **ASK)
    assert len(script.requests) == 1
    partial = raised.value.message
    assert partial.state == "incomplete"
    assert [b.type for b in partial.snapshot.blocks] == ["text", "tool_use"]
    assert "a completed tool call cannot be continued" in str(partial.snapshot.end_reason)


def test_an_error_event_that_is_not_retryable_is_raised_typed(server: Loopback, call: Call) -> None:
    error = b'event: error\ndata: {"type":"error","error":{"type":"invalid_request_error","message":"bad"}}\n\n'
    head = b"".join(e.raw for e in load_fixture("plain_text").events[:4])
    script = server.play(Answer(body=head + error))
    with pytest.raises(InvalidRequestError):
        call(client(server), **ASK)
    assert len(script.requests) == 1


# --- a 200 that is not the stream, and streams that end badly -----------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "shown"),
    [
        ("text/html; charset=utf-8", b"<html><body>Sign in to the proxy</body></html>", "<html><body>Sign in"),
        ("application/json", b'{"id":"msg_1","type":"message","content":[]}', '{\\"id\\":\\"msg_1\\"'),
    ],
)
def test_a_200_that_is_not_sse_fails_at_once_saying_what_came(
    server: Loopback, call: Call, content_type: str, body: bytes, shown: str
) -> None:
    script = server.play(Answer(body=body, content_type=content_type))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(client(server, max_retries=2, max_reconnects=2), **ASK)
    text = str(raised.value)
    assert f"HTTP 200 with {content_type}, not an event stream" in text
    assert shown in text
    assert len(script.requests) == 1  # not retried, not "continued"
    assert KEY not in text
    assert raised.value.message.state == "incomplete"


def test_html_labelled_as_sse_gets_the_replay_diagnosis(server: Loopback, call: Call) -> None:
    html = b"<!doctype html>\n<html><body>Gateway login</body></html>\n"
    script = server.play(Answer(body=html))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(client(server), **ASK)
    _, problems = diagnosis(html)
    assert problems
    assert problems[0].startswith("no SSE events in ")
    assert problems[0] in str(raised.value)
    assert problems[0] in [p.message for p in raised.value.message.snapshot.problems]
    assert len(script.requests) == 1


def test_a_stream_cut_mid_event_gets_the_replay_diagnosis(server: Loopback, call: Call) -> None:
    events = load_fixture("plain_text").events
    body = b"".join(e.raw for e in events[:5]) + events[5].raw[:30]  # HTTP-wise complete
    script = server.play(Answer(body=body))
    reason, _ = diagnosis(body)
    assert reason is not None
    assert reason.startswith("the stream was cut inside event 6")
    with pytest.raises(ConnectionFailed) as raised:
        call(client(server), max_reconnects=0, **ASK)
    assert str(raised.value) == f"{reason} (after 0 reconnects)"
    assert len(script.requests) == 1
    assert raised.value.message.text


@pytest.mark.parametrize(
    "body",
    [PLAIN.rstrip(b"\n") + b"\n", PLAIN.rstrip(b"\n"), PLAIN + b"event: stray\ndata: {"],
    ids=["lf", "eof", "after"],
)
def test_live_and_replay_agree_on_how_a_stream_ended(server: Loopback, call: Call, body: bytes) -> None:
    script = server.play(Answer(body=body))
    message = call(client(server), **ASK)
    fold = StreamFold()
    fold.feed(body)
    fold.close()
    assert message.state == "complete"
    assert len(script.requests) == 1  # nothing to reconnect for
    assert [p.message for p in message.snapshot.problems] == [p.message for p in fold.snapshot.problems]
    assert message.snapshot.problems  # a warning says what was odd


def test_a_stream_cut_mid_event_is_continued(server: Loopback, call: Call) -> None:
    fixture = load_fixture("plain_text")
    body = b"".join(e.raw for e in fixture.events[:5]) + fixture.events[5].raw[:30]
    script = server.play(Answer(body=body), Answer(body=PLAIN))
    message = call(client(server), **ASK)
    assert len(script.requests) == 2
    assert message.snapshot.reconnects[0]["reason"].startswith("the stream was cut inside event 6")
    assert script.requests[1].json()["messages"][-1]["role"] == "assistant"


# --- the client's own traps ------------------------------------------------------------------------


def test_transport_and_http_client_together_are_refused() -> None:
    with httpx.Client() as http, pytest.raises(ValueError, match="transport would be ignored"):
        Client(KEY, transport=httpx.MockTransport(lambda r: httpx.Response(200)), http_client=http)


def test_close_leaves_a_given_http_client_open(server: Loopback) -> None:
    server.play(Answer(body=PLAIN))
    with httpx.Client() as http:
        with Client(KEY, base_url=server.url, http_client=http) as claude:
            claude.stream(**ASK)
        assert not http.is_closed
        http.get(server.url + "/ignored", timeout=5)  # still usable (a 501 from the server is fine)
    own = Client(KEY, base_url=server.url)
    own.stream(**ASK)
    made = own._http
    own.close()
    assert made is not None
    assert made.is_closed


def test_async_with_closes_what_it_made_and_nothing_else(server: Loopback) -> None:
    server.play(Answer(body=PLAIN))

    async def main() -> tuple[httpx.AsyncClient, httpx.AsyncClient | None]:
        given = httpx.AsyncClient()
        async with Client(KEY, base_url=server.url, http_client=given) as claude:
            await claude.astream(**ASK)
        async with Client(KEY, base_url=server.url) as own:
            await own.astream(**ASK)
            made = own._ahttp
        assert not given.is_closed
        await given.aclose()
        return given, made

    _, made = asyncio.run(main())
    assert made is not None
    assert made.is_closed


def test_a_word_used_as_a_key_is_not_redacted_from_what_the_server_says(server: Loopback, call: Call) -> None:
    """The tutorials' key is "offline": too short to be a credential, so a request id such as
    ``req_offline…`` in an error reaches the reader as the server sent it."""
    error = b'{"type":"invalid_request_error","message":"offline fake"}'
    body = b'{"type":"error","error":' + error + b',"request_id":"req_offline1"}'
    server.play(Answer(400, body))
    with pytest.raises(InvalidRequestError) as raised:
        call(Client("offline", base_url=server.url, max_retries=0), **ASK)
    assert "offline fake" in str(raised.value)
    assert "[redacted]" not in str(raised.value)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(body=b"<html>your key: " + KEY.encode() + b"</html>", content_type="text/html"),
        Answer(400, b'{"type":"error","error":{"type":"invalid_request_error","message":"' + KEY.encode() + b'"}}'),
        Answer(502, b"upstream said: x-api-key=" + KEY.encode(), "text/plain"),
    ],
)
def test_the_key_never_shows_even_when_a_body_echoes_it(
    server: Loopback, call: Call, answer: Answer, tmp_path: Any
) -> None:
    server.play(answer)
    with pytest.raises(Exception) as raised:  # noqa: PT011 (each answer raises its own type)
        call(client(server, max_retries=0), record=tmp_path / "x.sse", record_partial=True, **ASK)
    error = raised.value
    for text in (str(error), repr(error), str(error.message), repr(error.message.snapshot)):
        assert KEY not in text
        assert KEY[:20] not in text
    assert "[redacted]" in str(error)
    partial = tmp_path / "x.sse.partial"
    assert not partial.exists() or KEY.encode() not in partial.read_bytes()
