"""A Messages API stream built from what the message says: its events, their bytes, their times.

:func:`event` and :func:`error_event` are one event's bytes as the API sends them (the fake
API's injected errors and its prefill continuations are written with them). :func:`emit_response`
turns a *response definition* -- the message's blocks and how it ends, plain data -- into the
timed events of one streamed response; the bundled fixtures are written this way, from the
definitions in ``scripts/fixtures/``. A definition is a mapping:

- ``model``, ``input_tokens``; ``tps`` (output tokens per second; default: drawn, 30-120).
- ``content``: the blocks in order, each as in the final message. ``text`` (a string, or a
  list: a delta boundary falls between strings, and a ``{delta = {...}}`` item is one delta of
  its own), ``citations`` on a text block; ``thinking`` with ``signature`` and
  ``hidden_tokens`` (reasoning billed but not shown); ``redacted_thinking`` with ``data`` and
  ``hidden_tokens``; ``tool_use``/``server_tool_use`` with ``name`` and ``input`` (``{}``
  streams one empty ``partial_json``, as the API does) or ``partial_json`` (exactly what
  streams, maybe never valid JSON). Any other type arrives whole in ``content_block_start``. An
  item with ``event`` (and ``data``) is a raw event between blocks. ``after = [lo, hi]``: it
  starts lo-hi seconds after the event before it; ``open = true``: the stream ends inside it.
- ``end``: ``stop_reason`` (with ``output_tokens`` and extra ``usage`` if given), or ``error``
  (an error event, no ``message_stop``), or ``cut`` (these bytes, then the connection drops).

Opaque values are made up from the seed: ids, and any string ``"<opaque LO-HI bytes>"`` (a
base64 blob, like a signature or encrypted content); ``"<tool id>"`` is the last tool call's id.
Pacing imitates the real API: ``message_start`` after 0.3-0.8 s, first token by 1.0 s, then
``tps`` with jitter (about 4 characters per token, 1-3 tokens per delta, an occasional
hiccup), a ``ping`` after ``message_start`` and every 5-10 s. One seed, the same bytes.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from ..core._sse import encode_event
from ..sources._fixtures import Fixture, Recorded

__all__ = ["Emitter", "emit_response", "error_event", "event"]

_B62 = string.ascii_letters + string.digits
_OPAQUE = re.compile(r"<opaque (\d+)-(\d+) bytes>")
_CONTROL = ("after", "open")


def event(kind: str, data: Mapping[str, Any]) -> bytes:
    """One event's bytes: ``event: kind`` and its compact JSON, whose ``type`` comes first."""
    return encode_event(kind, {"type": kind, **data})


def error_event(error: Mapping[str, Any], request_id: str) -> bytes:
    """The ``error`` event the API sends mid-stream (after HTTP 200)."""
    return event("error", {"error": dict(error), "request_id": request_id})


class Emitter:
    """Writes one response event by event, keeping its clock, its token count and its pings."""

    def __init__(self, seed: str, model: str, input_tokens: int, tps: float | None = None) -> None:
        self.rng = random.Random(seed)
        self.model, self.input_tokens = model, input_tokens
        self.tps = tps or self.rng.uniform(30, 120)
        self.t = 0.0
        self.events: list[Recorded] = []
        self.trailing: Recorded | None = None
        self.index = 0  # the next content block's index
        self.output_tokens = 0
        self.tool_id = ""  # the last tool call's id
        self._first_token_at: float | None = None
        self._next_ping = float("inf")

    def fixture(self, name: str, **meta: Any) -> Fixture:
        return Fixture(name, tuple(self.events), self.trailing, dict(meta))

    # -- made-up values ----------------------------------------------------------------------
    def ident(self, prefix: str, n: int = 22) -> str:
        return prefix + "".join(self.rng.choice(_B62) for _ in range(n))

    def opaque(self, value: Any) -> Any:
        """``value`` with its ``"<opaque LO-HI bytes>"`` and ``"<tool id>"`` strings filled in."""
        if isinstance(value, Mapping):
            return {k: self.opaque(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.opaque(v) for v in value]
        if value == "<tool id>":
            return self.tool_id
        if isinstance(value, str) and (m := _OPAQUE.fullmatch(value)):
            size = self.rng.randint(int(m[1]), int(m[2]))
            return base64.b64encode(b"\x12" + self.rng.randbytes(size - 1)).decode()  # like the API's, "E..."
        return value

    def pause(self, after: Sequence[float] | None, default: tuple[float, float] = (0.0005, 0.004)) -> float:
        lo, hi = after or default
        return self.rng.uniform(lo, hi)

    # -- events ------------------------------------------------------------------------------
    def emit(self, kind: str, data: Mapping[str, Any] | None = None, dt: float = 0.0) -> None:
        self.t += max(dt, 0.0)
        if self.t >= self._next_ping:  # the API sends a keep-alive now and then
            self.events.append(Recorded(event("ping", {}), round(self.t, 3)))
            self._next_ping = self.t + self.rng.uniform(5, 10)
        self.events.append(Recorded(event(kind, data or {}), round(self.t, 3)))

    def message_start(self) -> None:
        self.t = self.rng.uniform(0.3, 0.8)
        self._first_token_at = self.rng.uniform(max(self.t + 0.06, 0.4), 1.0)
        usage = {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": self.rng.randint(1, 5),
            "service_tier": "standard",
        }
        message: dict[str, Any] = {
            "id": self.ident("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        self.emit("message_start", {"message": message})
        self.emit("ping", dt=self.pause(None))
        self._next_ping = self.t + self.rng.uniform(5, 10)

    def start(self, block: Mapping[str, Any], dt: float) -> None:
        self.emit("content_block_start", {"index": self.index, "content_block": block}, dt=dt)
        self.index += 1

    def stop(self) -> None:
        self.emit("content_block_stop", {"index": self.index - 1}, dt=self.pause((0.001, 0.05)))

    def delta(self, delta: Mapping[str, Any], tokens: int = 1, dt: float | None = None) -> None:
        if self._first_token_at is not None:  # the response's first delta: time to first token
            dt, self._first_token_at = max(dt or 0.0, self._first_token_at - self.t), None
        elif dt is None:
            dt = max(tokens, 0.5) / self.tps * self.rng.lognormvariate(0, 0.4)
            if self.rng.random() < 0.01:  # an occasional hiccup
                dt += self.rng.uniform(0.15, 0.6)
        self.emit("content_block_delta", {"index": self.index - 1, "delta": delta}, dt=dt)
        self.output_tokens += tokens

    def deltas(self, kind: str, field: str, text: str | Sequence[Any], words: bool = True) -> None:
        """Deltas of ``text``; in a list, strings in a row are cut apart first, a table is one delta."""
        parts: list[Any] = [text] if isinstance(text, str) else list(text)
        while parts:
            run: list[str] = []
            while parts and isinstance(parts[0], str):
                run.append(parts.pop(0))
            for piece in [p for segment in run for p in self._pieces(segment, words)]:
                self.delta({"type": kind, field: piece}, tokens=max(1, round(len(piece) / 4)))
            if parts:
                self.delta(parts.pop(0)["delta"], tokens=0)

    def _pieces(self, text: str, words: bool) -> list[str]:
        """Cut ``text`` the way deltas arrive: 1-3 tokens (~4 characters each) a piece."""
        out: list[str] = []
        i = 0
        while i < len(text):
            j = min(len(text), i + 4 * self.rng.randint(1, 3) + self.rng.randint(-1, 2))
            if words:  # tokens usually end just before a space
                k = j
                while k < len(text) and k - j < 6 and not text[k].isspace():
                    k += 1
                if k < len(text) and text[k].isspace() and k > i:
                    j = k
            out.append(text[i:j])
            i = j
        return out

    # -- blocks ------------------------------------------------------------------------------
    def block(self, spec: Mapping[str, Any]) -> None:
        """One item of a definition's ``content`` (see the module docstring)."""
        if "event" in spec:
            self.emit(spec["event"], self.opaque(spec.get("data", {})), dt=self.pause(spec.get("after")))
            return
        kind, after = spec["type"], spec.get("after")
        if kind == "text":
            citations = self.opaque(spec.get("citations", []))
            self.start({"type": "text", "text": ""}, dt=self.pause(after))
            for citation in citations:
                self.delta({"type": "citations_delta", "citation": citation}, tokens=0)
            self.deltas("text_delta", "text", spec["text"])
        elif kind == "thinking":
            self.start({"type": "thinking", "thinking": "", "signature": ""}, dt=self.pause(after))
            self.deltas("thinking_delta", "thinking", spec["thinking"])
            hidden = spec.get("hidden_tokens", 0)
            self.output_tokens += hidden
            wait = hidden / self.tps + self.rng.uniform(0.05, 0.3)
            self.delta({"type": "signature_delta", "signature": self.opaque(spec["signature"])}, 0, dt=wait)
        elif kind == "redacted_thinking":
            self.output_tokens += spec["hidden_tokens"]
            data = self.opaque(spec["data"])
            first, self._first_token_at = self._first_token_at, None
            wait = spec["hidden_tokens"] / self.tps if first is None else first - self.t
            self.start({"type": kind, "data": data}, dt=wait)
        elif kind in ("tool_use", "server_tool_use"):
            self._tool_use(spec)
        else:  # results and unknown types arrive whole
            block = self.opaque({k: v for k, v in spec.items() if k not in _CONTROL})
            self.start(block, dt=self.pause(after))
        if not spec.get("open"):
            self.stop()

    def _tool_use(self, spec: Mapping[str, Any]) -> None:
        kind = spec["type"]
        self.tool_id = self.ident("srvtoolu_01" if kind == "server_tool_use" else "toolu_01")
        json_text = spec.get("partial_json")
        if json_text is None:  # the arguments as the model writes them (", " and ": ")
            json_text = json.dumps(spec["input"], ensure_ascii=False) if spec["input"] else ""
        self.output_tokens += 8  # the call's own framing tokens
        block = {"type": kind, "id": self.tool_id, "name": spec["name"], "input": {}}
        self.start(block, dt=self.pause(spec.get("after"), (0.15, 0.5)))
        if not "".join(json_text) or self.rng.random() < 0.7:
            self.delta({"type": "input_json_delta", "partial_json": ""}, 0, dt=self.pause((0.001, 0.01)))
        self.deltas("input_json_delta", "partial_json", json_text, words=False)

    # -- the end -----------------------------------------------------------------------------
    def end(self, spec: Mapping[str, Any]) -> None:
        """The definition's ``end``: a stop reason, an error event, or a cut connection."""
        if "error" in spec:
            request_id = self.ident("req_011", 21)
            self.emit("error", {"error": dict(spec["error"]), "request_id": request_id}, dt=self.rng.uniform(0.3, 1.5))
        elif "cut" in spec:
            self.trailing = Recorded(spec["cut"].encode(), round(self.t + self.rng.uniform(0.02, 0.1), 3))
        else:
            tokens = spec.get("output_tokens", self.output_tokens)
            delta = {"stop_reason": spec["stop_reason"], "stop_sequence": None}
            usage = {**spec.get("usage", {}), "output_tokens": tokens}
            self.emit("message_delta", {"delta": delta, "usage": usage}, dt=self.pause((0.01, 0.08)))
            self._next_ping = float("inf")
            self.emit("message_stop", dt=self.pause(None))


def emit_response(response: Mapping[str, Any], seed: str) -> Emitter:
    """The streamed response a definition describes; ``.fixture(name, **meta)`` holds it."""
    emitter = Emitter(seed, response["model"], response["input_tokens"], response.get("tps"))
    emitter.message_start()
    for spec in response["content"]:
        emitter.block(spec)
    emitter.end(response["end"])
    return emitter
