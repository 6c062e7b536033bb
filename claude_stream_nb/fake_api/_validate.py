"""What the real Messages API refuses before it looks for an answer: the fake refuses the same.

One set of checks for the server and :class:`~claude_stream_nb.fake_api._transport.ReplayTransport`
(both go through :meth:`FakeAPI.respond <claude_stream_nb.fake_api._scenario.FakeAPI.respond>`),
so a request that passes offline passes online, and one the API would refuse is refused here,
with the status, error type and message the API gives:

- 413 ``request_too_large``: a body over :data:`MAX_BODY` (32 MB, the Messages API's limit);
- 401 ``authentication_error``: no ``x-api-key`` / ``Authorization: Bearer`` key, when keys are
  required (``require_key``: off by default; a string accepts only that key);
- 400 ``invalid_request_error``, one problem per answer, worded as the API words it
  (``timeout: Extra inputs are not permitted``, ``max_tokens: Field required``,
  ``max_tokens: Input should be a valid integer``, ``messages.0.role: Input should be 'user' or
  'assistant'``, ``messages: at least one message is required``, a ``tool_use`` without its
  ``tool_result`` in the next message...).

The known top-level keys are the official SDK's (``anthropic.types.message_create_params``; the
beta keys of ``anthropic.types.beta`` only with an ``anthropic-beta`` header, as the API wants
for beta features) plus ``temperature``, ``top_p`` and ``top_k``, which the API documents for
older models though the SDK no longer lists them. Types are checked as the API's validator
(pydantic, lax mode) checks them: ``1024.0`` and ``"1024"`` are integers, ``1.5`` is not.
What the real API decides per model (``max_tokens`` limits, prefill support, a thinking budget)
is not checked: the fake has no models. A first message from the assistant is accepted, as
the API accepts it. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "BETA_KEYS",
    "KNOWN_KEYS",
    "MAX_BODY",
    "BadRequest",
    "check_key",
    "check_size",
    "messages_body",
]

MAX_BODY = 32 * 1024 * 1024
"""The Messages API's request size limit (bytes)."""

KNOWN_KEYS = frozenset(
    {
        "max_tokens",
        "messages",
        "model",
        "cache_control",
        "container",
        "diagnostics",
        "inference_geo",
        "metadata",
        "output_config",
        "service_tier",
        "speed",
        "stop_sequences",
        "stream",
        "system",
        "thinking",
        "tool_choice",
        "tools",
        "temperature",
        "top_k",
        "top_p",
    }
)
"""Top-level keys of a Messages request. (The SDK's ``user_profile_id``, ``workspace_id`` and
``betas`` are sent as headers, never in the body.)"""

BETA_KEYS = frozenset(
    {
        "billing_policy",
        "compaction",
        "context_management",
        "fallback_credit_token",
        "fallbacks",
        "mcp_servers",
        "thread",
    }
)
"""Keys only the beta Messages API knows: accepted with an ``anthropic-beta`` header."""

_REQUIRED = ("max_tokens", "messages", "model")
_ROLES = ("user", "assistant")
_MESSAGE_KEYS = frozenset({"role", "content"})
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


class BadRequest(ValueError):
    """The API would refuse this request: answered with ``status`` and the API's error body."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_size(length: int, limit: int | None) -> None:
    """413 past ``limit`` bytes (``None``: no limit)."""
    if limit is not None and length > limit:
        raise BadRequest(f"Request exceeds the maximum allowed number of bytes ({length} > {limit}).", 413)


def check_key(headers: Mapping[str, str], require_key: bool | str) -> None:
    """401 without a key when keys are required (``headers``: lower-case names). Never says the key."""
    if require_key is False:
        return
    bearer = headers.get("authorization", "")
    key = headers.get("x-api-key") or (bearer[7:].strip() if bearer[:7].lower() == "bearer " else "")
    if not key:
        raise BadRequest("x-api-key header is required", 401)
    if isinstance(require_key, str) and key != require_key:
        raise BadRequest("invalid x-api-key", 401)


def messages_body(raw: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The request body as a dict, or :class:`BadRequest` saying what is wrong and where."""
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("Input should be a valid dictionary (the body must be a JSON object)")
    for key in _REQUIRED:
        if key not in body:
            raise BadRequest(f"{key}: Field required")
    _integer("max_tokens", body["max_tokens"], minimum=0)
    if not isinstance(body["model"], str):
        raise BadRequest("model: Input should be a valid string")
    _messages(body["messages"])
    for key, check in _CHECKS.items():
        if key in body:
            check(key, body[key])
    known = KNOWN_KEYS | (BETA_KEYS if headers.get("anthropic-beta") else frozenset())
    for key in body:
        if key not in known:
            raise BadRequest(f"{key}: Extra inputs are not permitted")
    if "stream" in body:
        body["stream"] = _truth(body["stream"])
    return body


def _messages(messages: Any) -> None:
    if not isinstance(messages, list):
        raise BadRequest("messages: Input should be a valid list")
    if not messages:
        raise BadRequest("messages: at least one message is required")
    for n, message in enumerate(messages):
        where = f"messages.{n}"
        if not isinstance(message, dict):
            raise BadRequest(f"{where}: Input should be a valid dictionary")
        for key in ("role", "content"):
            if key not in message:
                raise BadRequest(f"{where}.{key}: Field required")
        if message["role"] not in _ROLES:
            raise BadRequest(f"{where}.role: Input should be 'user' or 'assistant'")
        for key in message:
            if key not in _MESSAGE_KEYS:
                raise BadRequest(f"{where}.{key}: Extra inputs are not permitted")
        content = message["content"]
        if isinstance(content, list):
            for i, block in enumerate(content):
                if not isinstance(block, dict):
                    raise BadRequest(f"{where}.content.{i}: Input should be a valid dictionary")
                if not isinstance(block.get("type"), str):
                    raise BadRequest(f"{where}.content.{i}: Unable to extract tag using discriminator 'type'")
                _block(f"{where}.content.{i}.{block['type']}", block)
        elif not isinstance(content, str):
            raise BadRequest(f"{where}.content: Input should be a valid string or a list of content blocks")
        last_assistant = n == len(messages) - 1 and message["role"] == "assistant"
        if not content and not last_assistant:
            raise BadRequest(
                f"{where}: all messages must have non-empty content except for the optional final assistant message"
            )
    _tool_pairs(messages)


_BLOCK_FIELDS: dict[str, tuple[tuple[str, type, str], ...]] = {
    "text": (("text", str, "a valid string"),),
    "tool_use": (("id", str, "a valid string"), ("name", str, "a valid string"), ("input", dict, "a valid dictionary")),
    "tool_result": (("tool_use_id", str, "a valid string"),),
}
"""Fields the API requires of the blocks a client sends most (others are passed as they are)."""


def _block(where: str, block: dict[str, Any]) -> None:
    for key, kind, what in _BLOCK_FIELDS.get(block["type"], ()):
        if key not in block:
            raise BadRequest(f"{where}.{key}: Field required")
        if not isinstance(block[key], kind):
            raise BadRequest(f"{where}.{key}: Input should be {what}")


def _tool_pairs(messages: list[Any]) -> None:
    """Each ``tool_use`` answered by a ``tool_result`` in the next turn, and no result unasked.
    Consecutive messages of one role are one turn, as the API combines them."""
    asked: list[str] = []
    asked_at = 0
    for n, message in enumerate(messages):
        if message["role"] == "assistant":
            if n and messages[n - 1]["role"] == "user":
                asked = []
            asked += [str(b.get("id")) for b in _blocks(message) if b["type"] == "tool_use"]
            asked_at = n
            continue
        if n + 1 < len(messages) and messages[n + 1]["role"] == "user":
            continue  # the turn goes on
        turn = messages[_turn_start(messages, n) : n + 1]
        answered = [str(b.get("tool_use_id")) for m in turn for b in _blocks(m) if b["type"] == "tool_result"]
        missing = [ident for ident in asked if ident not in answered]
        if missing:
            raise BadRequest(
                f"messages.{asked_at}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block "
                "in the next message."
            )
        unasked = [ident for ident in answered if ident not in asked]
        if unasked:
            raise BadRequest(
                f"messages.{n}: unexpected `tool_use_id` found in `tool_result` blocks: {', '.join(unasked)}. "
                "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
            )
        asked = []


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message["content"]
    return content if isinstance(content, list) else []


def _turn_start(messages: list[Any], n: int) -> int:
    role = messages[n]["role"]
    while n > 0 and messages[n - 1]["role"] == role:
        n -= 1
    return n


# --- types, as pydantic's lax mode has them ------------------------------------------------------


def _integer(key: str, value: Any, minimum: int | None = None) -> None:
    number: int | None = None
    if isinstance(value, int):
        number = int(value)
    elif isinstance(value, float):
        if not value.is_integer():
            raise BadRequest(f"{key}: Input should be a valid integer, got a number with a fractional part")
        number = int(value)
    elif isinstance(value, str):
        if not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise BadRequest(f"{key}: Input should be a valid integer, unable to parse string as an integer")
        number = int(value)
    else:
        raise BadRequest(f"{key}: Input should be a valid integer")
    if minimum is not None and number < minimum:
        raise BadRequest(f"{key}: Input should be greater than or equal to {minimum}")


def _number(key: str, value: Any) -> None:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            raise BadRequest(f"{key}: Input should be a valid number, unable to parse string as a number") from None
    elif not isinstance(value, int | float):
        raise BadRequest(f"{key}: Input should be a valid number")


def _boolean(key: str, value: Any) -> None:
    if _truth(value) is None:
        raise BadRequest(f"{key}: Input should be a valid boolean")


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = value.strip().lower() if isinstance(value, str) else None
    return True if text in _TRUE else False if text in _FALSE else None


def _object(key: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise BadRequest(f"{key}: Input should be a valid dictionary")


def _list(key: str, value: Any) -> None:
    if not isinstance(value, list):
        raise BadRequest(f"{key}: Input should be a valid list")


def _strings(key: str, value: Any) -> None:
    _list(key, value)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise BadRequest(f"{key}.{i}: Input should be a valid string")


def _system(key: str, value: Any) -> None:
    if isinstance(value, list):
        for i, block in enumerate(value):
            if not isinstance(block, dict) or block.get("type") != "text":
                raise BadRequest(f"{key}.{i}: Input should be a text block ({{'type': 'text', 'text': ...}})")
    elif not isinstance(value, str):
        raise BadRequest(f"{key}: Input should be a valid string or a list of text blocks")


_CHECKS: dict[str, Callable[[str, Any], None]] = {
    "stream": _boolean,
    "system": _system,
    "stop_sequences": _strings,
    "tools": _list,
    "tool_choice": _object,
    "thinking": _object,
    "metadata": _object,
    "temperature": _number,
    "top_p": _number,
    "top_k": _integer,
}
