"""One logical stream over as many HTTP attempts as it takes: the decisions, without I/O.

A :class:`Session` is told what happened -- bytes arrived, the body ended, an HTTP error
status, a network failure -- and answers with the next :class:`Step`: send the request (again),
wait, or stop. The sync and async loops in :mod:`._client` only do the I/O it asks for, so the
retry and reconnect logic exists once and a test can drive it without a network.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...core._accumulate import accumulate, finish
from ...core._events import parse_event
from ...core._message import Message
from ...core._snapshot import ErrorInfo, Snapshot, evolve
from ...core._sse import SSEDecoder
from ...core._stream import Sink
from ._errors import APIError, ClaudeError, ConnectionFailed, api_error
from ._policy import RETRYABLE_ERROR_EVENTS, Continuation, continuation, retry_delay, should_retry

__all__ = ["Session", "Step"]


@dataclass(frozen=True)
class Step:
    """What to do next: ``send`` the request body, ``wait`` first, or stop (``done``)."""

    send: dict[str, Any] | None = None
    wait: float = 0.0
    done: bool = False


class Session:
    """Retries before the first event, reconnects (and continues) after it."""

    def __init__(
        self,
        params: Mapping[str, Any],
        sinks: Sequence[Sink] = (),
        *,
        max_retries: int = 2,
        max_reconnects: int = 2,
        rng: random.Random | None = None,
    ) -> None:
        self.params = {**params, "stream": True}
        self.sinks = list(sinks)
        self.max_retries = min(max_retries, 3)
        self.max_reconnects = min(max_reconnects, 3)
        self.retries = 0
        self.reconnects = 0
        self.snapshot = Snapshot()
        self.error: ClaudeError | None = None
        self._rng = rng or random.Random()
        self._body: dict[str, Any] = self.params
        self._decoder = SSEDecoder()
        self._rewrite: Continuation | None = None
        self._started = False  # an event has arrived (in any attempt)

    def start(self) -> Step:
        return Step(send=self._body)

    # --- what happened ------------------------------------------------------------------

    def feed(self, chunk: bytes, at: float) -> None:
        """Bytes of a 200 response arrived (``at``: seconds since the session started)."""
        for sse in self._decoder.feed(chunk, at):
            event = parse_event(sse)
            if self._rewrite is not None:
                rewritten = self._rewrite.rewrite(event)
                if rewritten is None:
                    continue
                event = rewritten
            self._started = True
            self.snapshot = accumulate(self.snapshot, event)
            for sink in self.sinks:
                sink.update(event, self.snapshot)

    def ended(self, at: float) -> Step:
        """The response body ended (cleanly, as far as HTTP knows)."""
        snap = self.snapshot
        if snap.state == "complete":
            return self._finish()
        if snap.state == "errored" and snap.error is not None:
            if snap.error.type in RETRYABLE_ERROR_EVENTS and self.reconnects < self.max_reconnects:
                return self._reconnect(f"{snap.error.type}: {snap.error.message}", at, _errored_at(snap))
            return self._fail(self._error_event(snap))  # the typed error (OverloadedError...), snapshot kept
        return self._reconnect("the stream ended without message_stop", at)

    def http_error(self, status: int, headers: Mapping[str, str], body: bytes, at: float) -> Step:
        """A non-2xx answer (before any event of this attempt)."""
        error_type, text, request_id = _error_body(body, headers)
        error = api_error(status, error_type, text, request_id)
        if should_retry(status, headers) and self.retries < self.max_retries:
            return self._retry(retry_delay(self.retries, headers, self._rng), f"HTTP {status} {error.type}")
        return self._fail(error)

    def network_error(self, description: str, at: float) -> Step:
        """The connection failed: before the response, mid-body, or no byte for too long."""
        if not self._started:
            if self.retries < self.max_retries:
                return self._retry(retry_delay(self.retries, {}, self._rng), description)
            return self._fail(ConnectionFailed(f"{description} (after {self.retries} retries)"))
        return self._reconnect(description, at)

    def interrupted(self, at: float) -> None:
        self.snapshot = finish(self.snapshot, stopped=True, at=at)
        self._close()

    # --- outcomes -----------------------------------------------------------------------------

    def result(self) -> Message:
        """The final message; raises the error that ended the session, carrying it."""
        message = Message(self.snapshot)
        if self.error is not None:
            self.error.message = message
            raise self.error
        return message

    def _retry(self, wait: float, why: str) -> Step:
        self.retries += 1
        self._notice(f"retrying in {wait:.1f} s (attempt {self.retries + 1}): {why}")
        self._decoder = SSEDecoder()
        return Step(send=self._body, wait=wait)

    def _reconnect(self, why: str, at: float, snap: Snapshot | None = None) -> Step:
        base = snap or self.snapshot
        if self.reconnects >= self.max_reconnects:
            self.snapshot = finish(base, reason=f"{why}; gave up after {self.reconnects} reconnects", at=at)
            return self._fail(ConnectionFailed(f"{why} (after {self.reconnects} reconnects)"))
        plan = continuation(base, self.params, at, why)
        if plan is None:
            self.snapshot = finish(base, reason=f"{why}; a completed tool call cannot be continued", at=at)
            return self._fail(ConnectionFailed(f"{why}; the partial message ends in a tool call"))
        self.snapshot, self._rewrite, self._body = plan
        self.reconnects += 1
        self._decoder = SSEDecoder()
        self._notice(f"reconnecting to continue ({self.reconnects} of {self.max_reconnects}): {why}")
        return Step(send=self._body, wait=min(0.5 * self.reconnects, 2.0))

    def _fail(self, error: ClaudeError) -> Step:
        self.error = error
        if isinstance(error, APIError) and self.snapshot.state in ("waiting", "streaming"):
            info = ErrorInfo(error.type, error.text, error.request_id, self.snapshot.events)
            self.snapshot = evolve(self.snapshot, state="errored", error=info, end_reason=str(error))
        elif self.snapshot.state in ("waiting", "streaming"):
            self.snapshot = finish(self.snapshot, reason=str(error))
        self._close()
        return Step(done=True)

    def _finish(self) -> Step:
        self._close()
        return Step(done=True)

    def _error_event(self, snap: Snapshot) -> APIError:
        assert snap.error is not None
        return api_error(200, snap.error.type, snap.error.message, snap.error.request_id)

    def _notice(self, text: str) -> None:
        for sink in self.sinks:
            notice = getattr(sink, "notice", None)
            if notice is not None:
                notice(text)

    def _close(self) -> None:
        for sink in self.sinks:
            sink.close(self.snapshot)


def _errored_at(snap: Snapshot) -> Snapshot:
    """An errored snapshot, back to streaming so it can be continued."""
    return evolve(snap, state="streaming", error=None, ended_at=None)


def _error_body(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, str, str | None]:
    request_id = headers.get("request-id")
    try:
        data = json.loads(body)
    except ValueError:
        return None, body.decode("utf-8", "replace")[:300] or "(no body)", request_id
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None, str(data)[:300], request_id
    return error.get("type"), str(error.get("message", "")), data.get("request_id") or request_id
