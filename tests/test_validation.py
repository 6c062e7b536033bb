"""The fake API refuses what the real API refuses, with the real API's answer -- over a real
loopback server and through ReplayTransport alike (every test runs on both)."""

from __future__ import annotations

import contextlib
import json
import typing
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import httpx
import httpx2
import pytest

from claude_stream_nb.fake_api import serve_in_thread
from claude_stream_nb.fake_api._transport import ReplayTransport
from claude_stream_nb.fake_api._validate import BETA_KEYS, KNOWN_KEYS, MAX_BODY

ASK = [{"role": "user", "content": "hi"}]
VALID: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 64, "stream": True, "messages": ASK}
KEY = "sk-ant-test-validation-0123456789"
Make = Callable[..., httpx.Client]


@pytest.fixture(scope="module")
def shared_server() -> Iterator[str]:
    with serve_in_thread(speed=None) as url:
        yield url


@pytest.fixture(params=["server", "transport"])
def fake(request: pytest.FixtureRequest, shared_server: str) -> Iterator[Make]:
    """``fake(**options)``: an httpx client on the fake API (FakeAPI options: ``require_key``,
    ``max_body``), over 127.0.0.1 or through the transport."""
    with contextlib.ExitStack() as stack:

        def make(**options: Any) -> httpx.Client:
            if request.param == "transport":
                transport = ReplayTransport(**options)
                return stack.enter_context(httpx.Client(base_url="http://fake.invalid", transport=transport))
            url = shared_server if not options else stack.enter_context(serve_in_thread(speed=None, **options))
            return stack.enter_context(httpx.Client(base_url=url, timeout=30))

        yield make


def refused(response: httpx.Response, status: int, kind: str) -> str:
    """The API's error answer (shape, request id in body and header, no retry): its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"type", "error", "request_id"}
    assert body["type"] == "error"
    assert set(body["error"]) == {"type", "message"}
    assert body["error"]["type"] == kind
    assert body["request_id"].startswith("req_")
    assert response.headers["request-id"] == body["request_id"]
    assert response.headers["x-should-retry"] == "false"
    message: str = body["error"]["message"]
    return message


def bad_request(client: httpx.Client, body: Any, **headers: str) -> str:
    return refused(client.post("/v1/messages", json=body, headers=headers), 400, "invalid_request_error")


# --- 400: the body --------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["timeout", "max_retries", "extra_headers", "extra_query", "extra_body"])
def test_every_leaked_per_call_option_is_an_extra_input(fake: Make, option: str) -> None:
    value = {"timeout": 5, "max_retries": 0}.get(option, {"x-thing": "1"})
    assert bad_request(fake(), {**VALID, option: value}) == f"{option}: Extra inputs are not permitted"


@pytest.mark.parametrize("key", ["foo", "prompt", "n", "response_format", "user"])
def test_unknown_keys_are_extra_inputs(fake: Make, key: str) -> None:
    assert bad_request(fake(), {**VALID, key: 1}) == f"{key}: Extra inputs are not permitted"


@pytest.mark.parametrize("field", ["model", "max_tokens", "messages"])
def test_a_missing_required_field(fake: Make, field: str) -> None:
    body = {k: v for k, v in VALID.items() if k != field}
    assert bad_request(fake(), body) == f"{field}: Field required"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_tokens": "lots"}, "max_tokens: Input should be a valid integer, unable to parse string as an integer"),
        ({"max_tokens": 1.5}, "max_tokens: Input should be a valid integer, got a number with a fractional part"),
        ({"max_tokens": None}, "max_tokens: Input should be a valid integer"),
        ({"max_tokens": [64]}, "max_tokens: Input should be a valid integer"),
        ({"max_tokens": -1}, "max_tokens: Input should be greater than or equal to 0"),
        ({"model": 4}, "model: Input should be a valid string"),
        ({"messages": "hi"}, "messages: Input should be a valid list"),
        ({"messages": []}, "messages: at least one message is required"),
        ({"stream": "maybe"}, "stream: Input should be a valid boolean"),
        ({"stop_sequences": "STOP"}, "stop_sequences: Input should be a valid list"),
        ({"stop_sequences": ["ok", 3]}, "stop_sequences.1: Input should be a valid string"),
        ({"tools": {"name": "x"}}, "tools: Input should be a valid list"),
        ({"thinking": "on"}, "thinking: Input should be a valid dictionary"),
        ({"temperature": "hot"}, "temperature: Input should be a valid number, unable to parse string as a number"),
        ({"system": 3}, "system: Input should be a valid string or a list of text blocks"),
    ],
)
def test_wrong_types(fake: Make, change: dict[str, Any], message: str) -> None:
    assert bad_request(fake(), {**VALID, **change}) == message


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([{"role": "system", "content": "be brief"}, *ASK], "messages.0.role: Input should be 'user' or 'assistant'"),
        ([*ASK, {"role": "tool", "content": "x"}], "messages.1.role: Input should be 'user' or 'assistant'"),
        ([{"content": "hi"}], "messages.0.role: Field required"),
        ([{"role": "user"}], "messages.0.content: Field required"),
        ([{"role": "user", "content": "hi", "name": "ann"}], "messages.0.name: Extra inputs are not permitted"),
        (["hi"], "messages.0: Input should be a valid dictionary"),
        (
            [{"role": "user", "content": 7}],
            "messages.0.content: Input should be a valid string or a list of content blocks",
        ),
        (
            [{"role": "user", "content": [{"text": "hi"}]}],
            "messages.0.content.0: Unable to extract tag using discriminator 'type'",
        ),
        (
            [*ASK, {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": "{}"}]}],
            "messages.1.content.0.tool_use.input: Input should be a valid dictionary",
        ),
        ([{"role": "user", "content": [{"type": "text"}]}], "messages.0.content.0.text.text: Field required"),
        (
            [{"role": "user", "content": ""}, {"role": "assistant", "content": "ok"}],
            "messages.0: all messages must have non-empty content except for the optional final assistant message",
        ),
    ],
)
def test_bad_messages_say_which_message_and_field(fake: Make, messages: list[Any], message: str) -> None:
    assert bad_request(fake(), {**VALID, "messages": messages}) == message


TOOL_USE = {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_01", "content": "18 °C"}


def test_a_tool_use_needs_its_tool_result_in_the_next_message(fake: Make) -> None:
    unanswered = [*ASK, {"role": "assistant", "content": [TOOL_USE]}, {"role": "user", "content": "and?"}]
    assert bad_request(fake(), {**VALID, "messages": unanswered}) == (
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
    )
    stray = [{"role": "user", "content": [RESULT]}]
    assert bad_request(fake(), {**VALID, "messages": stray}) == (
        "messages.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01. "
        "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
    )
    answered = [*ASK, {"role": "assistant", "content": [TOOL_USE]}, {"role": "user", "content": [RESULT]}]
    assert fake().post("/v1/messages", json={**VALID, "messages": answered}).status_code == 200


def test_what_the_api_accepts_is_accepted(fake: Make) -> None:
    client = fake()
    accepted = [
        {**VALID, "max_tokens": 1024.0},  # pydantic's lax mode: an integral float is an integer
        {**VALID, "max_tokens": "1024"},
        {**VALID, "max_tokens": 0},  # pre-warms the prompt cache
        {**VALID, "messages": [{"role": "assistant", "content": "Hello."}, *ASK]},  # assistant first
        {**VALID, "messages": [*ASK, {"role": "assistant", "content": ""}]},  # an empty final prefill
        {**VALID, "messages": [*ASK, *ASK]},  # consecutive user turns are combined
        {**VALID, "stream": False},
        {k: v for k, v in VALID.items() if k != "stream"},
        {
            **VALID,
            "system": [{"type": "text", "text": "Be brief."}],
            "stop_sequences": ["STOP"],
            "temperature": 0.2,
            "top_p": 0.9,
            "top_k": 5,
            "metadata": {"user_id": "u1"},
            "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "auto"},
            "thinking": {"type": "enabled", "budget_tokens": 2000},
            "service_tier": "auto",
            "cache_control": {"type": "ephemeral"},
            "output_config": {},
            "inference_geo": "us",
            "container": None,
            "diagnostics": None,
            "speed": "standard",
        },
    ]
    for body in accepted:
        response = client.post("/v1/messages", json=body)
        assert response.status_code == 200, (body, response.text)


def test_beta_keys_need_an_anthropic_beta_header(fake: Make) -> None:
    body = {**VALID, "context_management": {"edits": []}}
    assert bad_request(fake(), body) == "context_management: Extra inputs are not permitted"
    beta = {"anthropic-beta": "context-management-2025-06-27"}
    assert fake().post("/v1/messages", json=body, headers=beta).status_code == 200


def test_a_body_that_is_not_a_json_object(fake: Make) -> None:
    client = fake()
    not_json = client.post("/v1/messages", content=b"{model: x", headers={"content-type": "application/json"})
    assert refused(not_json, 400, "invalid_request_error").startswith("the body is not valid JSON")
    assert bad_request(client, [VALID]).startswith("Input should be a valid dictionary")


def test_the_known_keys_are_the_installed_sdks() -> None:
    """Pinned against ``anthropic.types``: a key the SDK adds shows up here, not as a 400 in a tutorial."""
    from anthropic.types import message_create_params as ga
    from anthropic.types.beta import message_create_params as beta

    headers = {"user_profile_id", "workspace_id", "betas"}  # the SDK sends these as headers

    def keys(module: Any) -> set[str]:
        return {*typing.get_type_hints(module.MessageCreateParamsStreaming)} - headers

    assert keys(ga) == KNOWN_KEYS - {"temperature", "top_p", "top_k"}
    assert keys(beta) - keys(ga) == BETA_KEYS


def test_the_sdk_raises_its_bad_request_error_with_the_message(fake: Make) -> None:
    client = fake()
    transport: Any = client._transport
    if isinstance(transport, ReplayTransport):
        sdk = anthropic.Anthropic(api_key=KEY, http_client=httpx2.Client(transport=transport.for_httpx2()))
    else:
        sdk = anthropic.Anthropic(api_key=KEY, base_url=str(client.base_url))
    with sdk, pytest.raises(anthropic.BadRequestError) as caught:
        sdk.messages.create(model="claude-sonnet-4-6", max_tokens=64, messages=ASK, extra_body={"timeout": 5})  # type: ignore[arg-type]
    assert caught.value.status_code == 400
    assert "timeout: Extra inputs are not permitted" in str(caught.value)
    assert caught.value.request_id is not None


# --- 401, 404, 413 ----------------------------------------------------------------------------------


def test_a_missing_key_is_401_when_keys_are_required(fake: Make) -> None:
    client = fake(require_key=True)
    message = refused(client.post("/v1/messages", json=VALID), 401, "authentication_error")
    assert message == "x-api-key header is required"
    refused(client.get("/v1/models"), 401, "authentication_error")
    assert client.post("/v1/messages", json=VALID, headers={"x-api-key": KEY}).status_code == 200
    assert client.post("/v1/messages", json=VALID, headers={"authorization": f"Bearer {KEY}"}).status_code == 200
    assert fake().post("/v1/messages", json=VALID).status_code == 200  # off by default


def test_one_required_key_refuses_the_others_without_saying_them(fake: Make) -> None:
    client = fake(require_key=KEY)
    wrong = "sk-ant-test-wrong-9876543210"
    response = client.post("/v1/messages", json=VALID, headers={"x-api-key": wrong})
    assert refused(response, 401, "authentication_error") == "invalid x-api-key"
    assert wrong not in response.text
    assert KEY not in response.text
    assert client.post("/v1/messages", json=VALID, headers={"x-api-key": KEY}).status_code == 200


@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/complete"), ("GET", "/v1/messages"), ("GET", "/")])
def test_unknown_paths_are_404(fake: Make, method: str, path: str) -> None:
    message = refused(fake().request(method, path, json=VALID), 404, "not_found_error")
    assert "POST /v1/messages" in message


def test_a_body_past_the_limit_is_413(fake: Make) -> None:
    client = fake(max_body=2000)
    big = {**VALID, "messages": [{"role": "user", "content": "x" * 2000}]}
    message = refused(client.post("/v1/messages", json=big), 413, "request_too_large")
    assert message.startswith("Request exceeds the maximum allowed number of bytes")
    chunked = client.post("/v1/messages", content=iter([json.dumps(big).encode()]))  # no content-length
    assert "content-length" not in chunked.request.headers
    refused(chunked, 413, "request_too_large")
    assert client.post("/v1/messages", json=VALID).status_code == 200


@pytest.mark.slow
def test_the_default_limit_is_the_apis_32_mb(fake: Make) -> None:
    assert MAX_BODY == 32 * 1024 * 1024
    client = fake()
    padding = MAX_BODY - len(json.dumps(VALID)) - 200
    under = {**VALID, "system": "x" * padding}
    assert client.post("/v1/messages", json=under).status_code == 200
    over = {**VALID, "system": "x" * (padding + 400)}
    refused(client.post("/v1/messages", json=over), 413, "request_too_large")


def test_a_status_fault_still_answers_before_the_body_is_checked(fake: Make) -> None:
    """Tests of retry code send whatever body they like with ``x-fault: status=429``."""
    response = fake().post("/v1/messages", json={"messages": []}, headers={"x-fault": "status=429"})
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
