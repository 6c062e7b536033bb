"""One response of the fake Messages API, planned: its head, its timed body, its faults.

A :class:`Plan` is data (status, headers, body chunks with their recorded times, a stall, a slow
head, a drop). :meth:`Plan.steps` turns it into "send these bytes" / "wait this long" steps with
:class:`~claude_stream_nb.sources._replay.Pacer` arithmetic, without sleeping; :func:`play` and
:func:`aplay` sleep between them and differ only in how. The server and the replay transport
both play plans, so a fault looks the same through either.

Faults (:class:`Faults`, parsed from ``"status=529;retry_after=2"``) are applied here:
:func:`stream_plan` and :func:`message_plan` build the answer to a fixture with them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

from ..core._snapshot import Snapshot
from ..sources._fixtures import Fixture, Recorded
from ..sources._replay import Pacer, synthetic_times
from ._emit import error_event

__all__ = [
    "ERRORS",
    "FAULT_KEYS",
    "Dropped",
    "Faults",
    "Plan",
    "ReadTimedOut",
    "aplay",
    "error_plan",
    "json_plan",
    "message_plan",
    "play",
    "stream_plan",
]

ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request"),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "Not found"),
    409: ("conflict_error", "Conflict"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of requests has exceeded your rate limit (offline fake)."),
    500: ("api_error", "Internal server error"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}
"""HTTP status -> (error type, default message), as in PROTOCOL.md."""

FAULT_KEYS: dict[str, str] = {
    "status": "answer with this HTTP error status (400-599) and the API's error body",
    "retry_after": "with status: seconds to send as retry-after and retry-after-ms",
    "should_retry": "with status: send x-should-retry: true|false",
    "type": "the error type for status or error_after (default: from the status; overloaded_error)",
    "error_after": "after N events, an error event (overloaded_error) ends the stream",
    "drop_after": "after N events, close the connection without finishing the body",
    "stall": "send nothing for S seconds mid-body (after stall_after events; default: half of them)",
    "stall_after": "where the stall goes, in events",
    "first_byte_delay": "wait S seconds before the response head",
    "attempts": "fault only the first N attempts (counted by the SDK's x-stainless-retry-count header)",
}
_INT = ("status", "error_after", "drop_after", "stall_after", "attempts")
_SECONDS = ("retry_after", "stall", "first_byte_delay")
# What h11 (under httpx and httpx2) says when a server closes the connection mid-body.
_CUT = "peer closed connection without sending complete message body"
_DUE = 0.0005  # a chunk this close to its time is due: no sub-millisecond sleeps


@dataclass(frozen=True, slots=True)
class Faults:
    """Parsed fault options (see :data:`FAULT_KEYS`); all unset: a normal answer."""

    status: int | None = None
    retry_after: float | None = None
    should_retry: bool | None = None
    type: str | None = None
    error_after: int | None = None
    drop_after: int | None = None
    stall: float = 0.0
    stall_after: int | None = None
    first_byte_delay: float = 0.0
    attempts: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Faults:
        """``"status=529;retry_after=2"`` (``;`` or ``,`` between pairs; ``none`` or empty: no
        faults) -> Faults. Raises ValueError naming the bad pair."""
        values: dict[str, Any] = {}
        for item in re.split(r"[;,]", text or ""):
            key, eq, value = (part.strip() for part in item.partition("="))
            key = key.replace("-", "_").lower()
            if not key or key == "none":
                continue
            if key not in FAULT_KEYS or not eq:
                raise ValueError(f"bad fault {item.strip()!r}: expected key=value, key one of {', '.join(FAULT_KEYS)}")
            try:
                values[key] = _value(key, value)
            except ValueError as exc:
                raise ValueError(f"bad fault {item.strip()!r}: {exc}") from None
        return cls(**values)

    def __str__(self) -> str:
        pairs = ((f.name, getattr(self, f.name)) for f in fields(self))
        return ";".join(f"{key}={value}" for key, value in pairs if value not in (None, 0.0))


def _value(key: str, text: str) -> Any:
    if key in _INT:
        number = int(text)
        if not ((400 <= number <= 599) if key == "status" else number >= 0):
            raise ValueError(f"{number} is out of range")
        return number
    if key in _SECONDS:
        seconds = float(text)
        if not 0 <= seconds <= 3600:
            raise ValueError(f"{text} seconds is out of range (0-3600)")
        return seconds
    if key == "should_retry":
        if text.lower() not in ("true", "false"):
            raise ValueError("expected true or false")
        return text.lower() == "true"
    if not re.fullmatch(r"[a-z_]+", text):
        raise ValueError("expected an error type such as overloaded_error")
    return text


class Dropped(Exception):
    """The plan closes the connection here, leaving the body incomplete."""


class ReadTimedOut(Exception):
    """Nothing would arrive for longer than the client's read timeout (emulated by the transport)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """One response: the head, then timed chunks, possibly stalled, possibly dropped."""

    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: tuple[Recorded, ...]
    """Body pieces with their recorded time (``None``: at once)."""
    speed: float | None = 1.0
    """Replay speed of the recorded times; ``None``: instant. Faults always take real time."""
    delay: float = 0.0
    """Seconds before the response head (a slow first byte)."""
    stall: float = 0.0
    stall_before: int = 0
    """Index of the chunk the stall comes before (``len(chunks)``: before the body ends)."""
    drop: bool = False
    """Close the connection after the chunks instead of finishing the body."""
    label: str = ""
    """What answered (fixture name, route, faults), for a log line."""

    def pacer(self) -> Pacer:
        return Pacer(self.speed or 1.0, instant=self.speed is None)

    def steps(self, pacer: Pacer, read_timeout: float | None = None) -> Iterator[bytes | float]:
        """Bytes to send and seconds to wait, in order. Raises :class:`Dropped` at the end of a
        dropped body, :class:`ReadTimedOut` when a wait would pass ``read_timeout``."""
        idle = 0.0

        def wait(seconds: float) -> Iterator[float]:
            nonlocal idle
            if read_timeout is not None and idle + seconds > read_timeout:
                yield max(read_timeout - idle, 0.0)
                raise ReadTimedOut(f"no bytes for {read_timeout} s")
            idle += seconds
            yield seconds

        for i in range(len(self.chunks) + 1):
            if self.stall and i == self.stall_before:
                pacer.pause()  # recorded time stands still while stalled
                yield from wait(self.stall)
                pacer.resume()
            if i == len(self.chunks):
                break
            chunk = self.chunks[i]
            while chunk.time is not None and (delay := pacer.wait_for(chunk.time)) > _DUE:
                yield from wait(delay)
            idle = 0.0
            yield chunk.raw
        if self.drop:
            length = dict(self.headers).get("content-length")
            sent = sum(len(c.raw) for c in self.chunks)
            how = "incomplete chunked read" if length is None else f"received {sent} bytes, expected {length}"
            raise Dropped(f"{_CUT} ({how})")


def play(plan: Plan, pacer: Pacer, read_timeout: float | None = None) -> Iterator[bytes]:
    """Run :meth:`Plan.steps`, sleeping in between."""
    for step in plan.steps(pacer, read_timeout):
        if isinstance(step, bytes):
            yield step
        else:
            time.sleep(step)


async def aplay(
    plan: Plan,
    pacer: Pacer,
    read_timeout: float | None = None,
    sleep: Callable[[float], Awaitable[object]] | None = None,
) -> AsyncIterator[bytes]:
    """:func:`play` for an event loop (``sleep``: a server's, that wakes up when it stops;
    ``asyncio.sleep`` by default, imported only here: the CLI's start-up need not load asyncio)."""
    if sleep is None:
        import asyncio

        sleep = asyncio.sleep
    for step in plan.steps(pacer, read_timeout):
        if isinstance(step, bytes):
            yield step
        else:
            await sleep(step)


# --- building plans ------------------------------------------------------------------------


def json_plan(status: int, data: Any, rid: str, *, label: str = "") -> Plan:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    headers = (("content-type", "application/json"), ("request-id", rid), ("content-length", str(len(body))))
    return Plan(status, headers, (Recorded(body, None),), label=label)


def error_plan(status: int, rid: str, message: str | None = None, faults: Faults | None = None) -> Plan:
    """The API's error response, ``{"type":"error","error":{"type","message"},"request_id"}``,
    with ``retry-after``/``retry-after-ms``/``x-should-retry`` and the stall ``faults`` ask for."""
    faults = faults or Faults()
    body = {"type": "error", "error": error_body(status, faults.type, message), "request_id": rid}
    plan = json_plan(status, body, rid, label=f"error {status}")
    extra: list[tuple[str, str]] = []
    if faults.retry_after is not None:
        extra += [
            ("retry-after", f"{faults.retry_after:g}"),
            ("retry-after-ms", f"{faults.retry_after * 1000:.0f}"),
        ]
    if faults.should_retry is not None:
        extra.append(("x-should-retry", str(faults.should_retry).lower()))
    return replace(plan, headers=(*plan.headers, *extra), stall=faults.stall)


def error_body(status: int, kind: str | None = None, message: str | None = None) -> dict[str, str]:
    fallback = ("api_error" if status >= 500 else "invalid_request_error", "Error")
    default_kind, default_message = ERRORS.get(status, fallback)
    return {"type": kind or default_kind, "message": message or default_message}


def stream_plan(fixture: Fixture, faults: Faults, rid: str) -> Plan:
    """The fixture's bytes with their recorded times, faults applied (a recorded cut stays a cut)."""
    if faults.status is not None:
        return error_plan(faults.status, rid, faults=faults)
    chunks = fixture.chunks()
    if not all(c.time is not None for c in chunks):
        chunks = [Recorded(c.raw, t) for c, t in zip(chunks, synthetic_times(chunks), strict=True)]
    drop = fixture.trailing is not None
    if (n := faults.error_after) is not None:
        events = chunks[: len(fixture.events)]
        at = events[min(n, len(events) - 1)].time if events else 0.0
        chunks, drop = [*events[:n], Recorded(error_event(error_body(529, faults.type), rid), at)], False
    if faults.drop_after is not None:
        chunks, drop = chunks[: faults.drop_after], True
    headers = (
        ("content-type", "text/event-stream; charset=utf-8"),
        ("cache-control", "no-cache"),
        ("request-id", rid),
        ("x-accel-buffering", "no"),
        ("x-fixture", fixture.name),
    )
    stall_after = len(chunks) // 2 if faults.stall_after is None else faults.stall_after
    return Plan(200, headers, tuple(chunks), stall=faults.stall, stall_before=min(stall_after, len(chunks)), drop=drop)


def message_plan(fixture: Fixture, final: Snapshot, faults: Faults, rid: str) -> Plan:
    """The non-streaming answer: ``final`` (the fixture folded) as one Message. A fixture that
    ends in an error event answers with that error's status; a cut one with a cut body."""
    if faults.status is not None:
        return error_plan(faults.status, rid, faults=faults)
    if faults.error_after is not None or final.error is not None:
        kind = faults.type or (final.error.type if final.error else "overloaded_error")
        status = next((s for s, (t, _) in ERRORS.items() if t == kind), 500)
        return error_plan(status, rid, faults=replace(faults, type=kind))
    plan = json_plan(200, final.to_message(), rid)
    plan = replace(plan, headers=(*plan.headers, ("x-fixture", fixture.name)), stall=faults.stall)
    if final.state != "complete" or faults.drop_after is not None:
        body = plan.chunks[0].raw
        plan = replace(plan, chunks=(Recorded(body[: len(body) // 2], None),), drop=True)
    return plan
