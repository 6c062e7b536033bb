"""One logical stream over as many HTTP attempts as it takes: the decisions, without I/O.

A :class:`Session` is told what happened -- bytes arrived, the body ended, an HTTP error
status, a 200 that is not an event stream, a network failure -- and answers with the next
:class:`Step`: send the request (again), wait, or stop. The sync and async loops in
:mod:`._client` only do the I/O it asks for, so the retry and reconnect logic exists once and a
test can drive it without a network. The bytes go through the same stream fold as every other
source (:class:`~claude_stream_nb.sources._continue.JoinedFold`), so a live stream that ends
badly is diagnosed as a replay is.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ...core._accumulate import finish
from ...core._events import Event
from ...core._message import Message
from ...core._snapshot import ErrorInfo, Snapshot, evolve
from ...core._stream import Sink, notify
from .._continue import JoinedFold
from ._errors import APIError, ClaudeError, ConnectionFailed, UnexpectedResponseError, api_error
from ._options import check_count
from ._policy import RETRYABLE_ERROR_EVENTS, retry_delay, should_retry

__all__ = ["Session", "Step", "Tape"]

_SECRET_MIN = 16  # characters: API keys are about a hundred


@dataclass(frozen=True)
class Step:
    """What to do next: ``send`` the request body, ``wait`` first, or stop (``done``)."""

    send: dict[str, Any] | None = None
    wait: float = 0.0
    done: bool = False


class Tape(Protocol):
    """Where the wire bytes of every attempt go (``record=``: :class:`~.._record.WireRecorder`)."""

    def connect(self, status: int, at: float, why: str | None = None) -> None: ...

    def data(self, chunk: bytes, at: float) -> None: ...

    def finish(self, snapshot: Snapshot) -> object: ...


class Session:
    """Retries before the first event, reconnects (and continues) after it."""

    def __init__(
        self,
        params: Mapping[str, Any],
        sinks: Sequence[Sink] = (),
        *,
        max_retries: int = 2,
        max_reconnects: int = 2,
        tape: Tape | None = None,
        secrets: Sequence[str] = (),
        rng: random.Random | None = None,
    ) -> None:
        self.params = {**params, "stream": True}
        self.sinks = list(sinks)
        self.max_retries = check_count("max_retries", max_retries)
        self.max_reconnects = check_count("max_reconnects", max_reconnects)
        self.retries = 0
        self.reconnects = 0
        self.fold = JoinedFold()
        self.error: ClaudeError | None = None
        self.tape = tape
        # Never shown, even when a body echoes them. A value too short to be a real credential
        # ("offline", "test") is a word, not a secret: replacing it would garble request ids.
        self._secrets = tuple(s.encode() for s in secrets if len(s) >= _SECRET_MIN)
        self._rng = rng or random.Random()
        self._body: dict[str, Any] = self.params
        self._why: str | None = None  # why the next connection is made (for the recording's seam)

    @property
    def snapshot(self) -> Snapshot:
        return self.fold.snapshot

    def start(self) -> Step:
        return Step(send=self._body)

    # --- what happened ------------------------------------------------------------------

    def response(self, status: int, at: float) -> None:
        """An answer's head arrived (any status): a new connection for the recording."""
        if self.tape is not None:
            self.tape.connect(status, at, self._why)
        self._why = None

    def feed(self, chunk: bytes, at: float) -> None:
        """Bytes of a 200 response arrived (``at``: seconds since the session started)."""
        if self.tape is not None:
            self.tape.data(chunk, at)
        self._show(self.fold.feed(chunk, at))

    def _show(self, pairs: Iterable[tuple[Event, Snapshot]]) -> None:
        for event, snap in pairs:
            for sink in self.sinks:
                sink.update(event, snap)

    def ended(self, at: float) -> Step:
        """The response body ended (cleanly, as far as HTTP knows)."""
        self._show(self.fold.flush(at))
        snap = self.fold.end(at=at)
        if snap.state == "complete":
            return self._finish()
        if snap.state == "errored" and snap.error is not None:
            if snap.error.type in RETRYABLE_ERROR_EVENTS and self.reconnects < self.max_reconnects:
                return self._reconnect(f"{snap.error.type}: {snap.error.message}", at, _errored_at(snap))
            return self._fail(self._error_event(snap))  # the typed error (OverloadedError...), snapshot kept
        if not self.fold.started:  # never try to continue a stream that never started
            problems = "; ".join(p.message for p in snap.problems) or str(snap.end_reason)
            return self._fail(UnexpectedResponseError(f"HTTP 200, but {problems}"))
        return self._reconnect(str(snap.end_reason or "the stream ended without message_stop"), at, snap)

    def not_sse(self, status: int, content_type: str, preview: bytes, at: float) -> Step:
        """A 2xx answer that is not an event stream (a proxy's login page, JSON from a wrong URL)."""
        text = self._redact(preview)[:120].decode("utf-8", "replace")
        shown = json.dumps(text, ensure_ascii=False)[1:-1] + ("…" if len(preview) > 120 else "")
        what = content_type or "no content type"
        error = UnexpectedResponseError(
            f"HTTP {status} with {what}, not an event stream: `{shown}` "
            "(is base_url the Messages API? a proxy or a login page may have answered)"
        )
        return self._fail(error)

    def http_error(self, status: int, headers: Mapping[str, str], body: bytes, at: float) -> Step:
        """A non-2xx answer (before any event of this attempt)."""
        error_type, text, request_id = _error_body(self._redact(body), headers)
        error = api_error(status, error_type, text, request_id)
        if should_retry(status, headers) and self.retries < self.max_retries:
            return self._retry(retry_delay(self.retries, headers, self._rng), f"HTTP {status} {error.type}")
        return self._fail(error)

    def network_error(self, description: str, at: float) -> Step:
        """The connection failed: before the response, mid-body, or no byte for too long."""
        self._why = description
        if not self.fold.started:
            if self.retries < self.max_retries:
                return self._retry(retry_delay(self.retries, {}, self._rng), description)
            return self._fail(ConnectionFailed(f"{description} (after {self.retries} retries)"))
        self._show(self.fold.flush(at))
        return self._reconnect(description, at, self.fold.end(reason=description, at=at))

    def interrupted(self, at: float) -> None:
        self.fold.stop(at)
        self._close()

    def broken(self, exc: BaseException, at: float) -> None:
        """Something failed outside the protocol (a sink raised): end it, keeping what came."""
        if self.snapshot.state in ("waiting", "streaming"):
            self.fold.snapshot = finish(self.snapshot, reason=f"{type(exc).__name__}: {exc}", at=at)
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
        self._why = why
        self._notice(f"retrying in {wait:.1f} s (attempt {self.retries + 1}): {why}")
        self.fold.retry()
        return Step(send=self._body, wait=wait)

    def _reconnect(self, why: str, at: float, base: Snapshot) -> Step:
        """Continue ``base`` (the snapshot as this connection ended)."""
        self._why = why
        if self.reconnects >= self.max_reconnects:
            self._end(base, f"{why}; gave up after {self.reconnects} reconnects", at)
            return self._fail(ConnectionFailed(f"{why} (after {self.reconnects} reconnects)"))
        plan = self.fold.resume(self.params, at, why, base)
        if plan is None:
            self._end(base, f"{why}; a completed tool call cannot be continued", at)
            return self._fail(ConnectionFailed(f"{why}; the partial message ends in a tool call"))
        self._body = plan[0]
        self.reconnects += 1
        self._notice(f"reconnecting to continue ({self.reconnects} of {self.max_reconnects}): {why}")
        return Step(send=self._body, wait=min(0.5 * self.reconnects, 2.0))

    def _end(self, base: Snapshot, reason: str, at: float) -> None:
        self.fold.snapshot = evolve(_errored_at(base), state="incomplete", end_reason=reason, ended_at=at)

    def _fail(self, error: ClaudeError) -> Step:
        self.error = error
        snap = self.fold.snapshot
        if isinstance(error, APIError) and snap.state in ("waiting", "streaming", "incomplete"):
            info = ErrorInfo(error.type, error.text, error.request_id, snap.events)
            self.fold.snapshot = evolve(snap, state="errored", error=info, end_reason=str(error))
        elif snap.state in ("waiting", "streaming"):
            self.fold.snapshot = finish(snap, reason=str(error))
        self._close()
        return Step(done=True)

    def _finish(self) -> Step:
        self._close()
        return Step(done=True)

    def _error_event(self, snap: Snapshot) -> APIError:
        assert snap.error is not None
        return api_error(200, snap.error.type, snap.error.message, snap.error.request_id)

    def _redact(self, data: bytes) -> bytes:
        for secret in self._secrets:
            data = data.replace(secret, b"[redacted]")
        return data

    def _notice(self, text: str) -> None:
        notify(self.sinks, text)

    def _close(self) -> None:
        if self.tape is not None:
            self.tape.finish(self.snapshot)
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
