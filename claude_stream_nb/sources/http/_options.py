"""What a call may say, and where each part goes: the body, the headers, the URL or the client.

The Messages API parameters are named as the official SDK's ``messages.stream`` names them
(plain and beta, ``anthropic`` 2.16), and only they go into the JSON body -- with ``extra_body``
merged over them, for parameters newer than this list. ``betas`` becomes the ``anthropic-beta``
header, as in the SDK's beta client. Anything else is a ``TypeError`` naming it, before a
request is sent, as Python says it for an unknown keyword.

Per-call options have the SDK's meaning: ``timeout`` (seconds for every phase, or an
``httpx.Timeout``), ``max_retries``, ``extra_headers``, ``extra_query``, ``extra_body``; ours are
``idle_timeout`` (seconds without a byte mid-stream: the read timeout) and ``max_reconnects``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import httpx

if TYPE_CHECKING:
    from ...core._stream import Sink

__all__ = [
    "API_PARAMETERS",
    "MAX_ATTEMPTS",
    "CallOptions",
    "MessageParams",
    "check_count",
    "check_params",
    "timeout_of",
]

MAX_ATTEMPTS = 10
"""The most retries (and reconnects) a call may ask for: with the 8 s backoff cap, about a minute
of waiting. More is refused rather than quietly cut."""


class MessageParams(TypedDict, total=False):
    """The Messages API's request parameters (the JSON body), as the SDK names them."""

    model: str
    max_tokens: int
    messages: list[Any]
    system: str | list[Any]
    tools: list[Any]
    tool_choice: dict[str, Any]
    thinking: dict[str, Any]
    temperature: float
    top_p: float
    top_k: int
    stop_sequences: list[str]
    metadata: dict[str, Any]
    service_tier: str
    cache_control: dict[str, Any] | None
    container: Any
    context_management: dict[str, Any] | None
    diagnostics: dict[str, Any] | None
    inference_geo: str | None
    mcp_servers: list[Any]
    output_config: dict[str, Any]
    speed: str | None
    user_profile_id: str
    workspace_id: str
    billing_policy: dict[str, Any] | None
    compaction: dict[str, Any] | None
    fallback_credit_token: Any
    fallbacks: Any
    thread: dict[str, Any] | None
    betas: list[str]
    """Not in the body: the ``anthropic-beta`` header (joined with the client's ``betas``)."""


API_PARAMETERS = frozenset(MessageParams.__annotations__)


@dataclass(frozen=True)
class CallOptions:
    """A call's options (everything but the Messages API parameters), in signature order."""

    timeout: float | httpx.Timeout | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    idle_timeout: float | None = None
    max_reconnects: int | None = None
    record: str | Path | None = None
    record_partial: bool = False
    title: str | None = None
    sink: Sink | None = None


_OPTIONS = tuple(f.name for f in fields(CallOptions))


def check_params(params: Mapping[str, Any], where: str) -> None:
    """Refuse a keyword that is neither a Messages API parameter nor an option of ``where``."""
    unknown = [name for name in params if name not in API_PARAMETERS]
    if not unknown:
        return
    name = unknown[0]
    if name == "stream":
        raise TypeError(f"{where}() always streams: drop stream={params[name]!r}")
    close = difflib.get_close_matches(name, [*API_PARAMETERS, *_OPTIONS], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise TypeError(
        f"{where}() got an unexpected keyword argument {name!r}{hint}: it takes the Messages API's "
        "parameters and the per-call options; a parameter newer than this client goes in extra_body={...}"
    )


def check_count(name: str, value: object) -> int:
    """``max_retries``/``max_reconnects``: a whole number from 0 to :data:`MAX_ATTEMPTS`, honoured."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not 0 <= value <= MAX_ATTEMPTS:
        raise ValueError(f"{name}={value} is out of range: 0 to {MAX_ATTEMPTS} (each waits up to 8 s)")
    return value


def timeout_of(timeout: float | httpx.Timeout | None, idle_timeout: float | None, base: httpx.Timeout) -> httpx.Timeout:
    """The httpx timeout for one call: ``timeout`` as the SDK reads it (a number: every phase;
    an ``httpx.Timeout``: as it says), else ``base``; ``idle_timeout``, when given, is the read
    timeout."""
    if isinstance(timeout, httpx.Timeout):
        chosen = timeout
    elif timeout is None:
        chosen = base
    else:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds or an httpx.Timeout, got {timeout!r}")
        chosen = httpx.Timeout(float(timeout))
    if idle_timeout is None:
        return chosen
    if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, int | float) or idle_timeout <= 0:
        raise ValueError(f"idle_timeout must be a positive number of seconds, got {idle_timeout!r}")
    return httpx.Timeout(connect=chosen.connect, read=float(idle_timeout), write=chosen.write, pool=chosen.pool)
