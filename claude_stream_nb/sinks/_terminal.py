"""A terminal sink: the stream as it arrives, then a status line.

Thinking is dimmed and labelled, text is written as it comes, tool calls show their arguments
filling in and then the parsed input (or why it is invalid). Model output is untrusted: control
characters (ANSI escapes included) are shown escaped, never sent to the terminal as such.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, TextIO

from ..core._events import (
    CitationsDelta,
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    ErrorEvent,
    Event,
    InputJsonDelta,
    MalformedEvent,
    TextDelta,
    ThinkingDelta,
    UnknownDelta,
    UnknownEvent,
)
from ..core._snapshot import BlockState, Snapshot
from ..core._summary import metrics, outcome

__all__ = ["EventLog", "TerminalRenderer", "status_line"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    """Escape control characters (ANSI escapes included) from untrusted text."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class _Style:
    def __init__(self, color: bool) -> None:
        self.on = color

    def __call__(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on and text else text


def use_color(out: TextIO) -> bool:
    return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


class TerminalRenderer:
    """Writes a stream to a text stream as events arrive."""

    def __init__(self, out: TextIO, *, color: bool | None = None) -> None:
        self.out = out
        self.style = _Style(use_color(out) if color is None else color)
        self._at_line_start = True
        self._citations = 0

    def _write(self, text: str, code: str = "") -> None:
        if not text:
            return
        self.out.write(self.style(code, text) if code else text)
        self.out.flush()
        self._at_line_start = text.endswith("\n")

    def _line(self, text: str, code: str = "") -> None:
        if not self._at_line_start:
            self._write("\n")
        self._write(text, code)
        self._write("\n")

    def update(self, event: Event, snapshot: Snapshot) -> None:
        if isinstance(event, ContentBlockDelta):
            self._delta(event)
        elif isinstance(event, ContentBlockStart):
            self._start(snapshot.blocks[-1])
        elif isinstance(event, ContentBlockStop):
            block = next((b for b in snapshot.blocks if b.index == event.index), None)
            if block is not None:
                self._stop(block, snapshot)
        elif isinstance(event, ErrorEvent):
            self._line(f"✗ {_safe(event.error_type)}: {_safe(event.message)}", "1;31")
        elif isinstance(event, UnknownEvent):
            self._line(f"[unknown event {_safe(event.name)!r}: {_safe(_compact(event.data))}]", "2;33")
        elif isinstance(event, MalformedEvent):
            self._line(f"[malformed event {event.sse.number}: {_safe(event.problem)}]", "2;31")

    def _start(self, block: BlockState) -> None:
        kind, data = block.type, block.start
        if kind == "thinking":
            self._line("💭 thinking", "2;3")
        elif kind == "redacted_thinking":
            size = len(str(data.get("data", "")))
            self._line(f"🔒 redacted thinking ({size} characters, encrypted; goes back unchanged)", "2;3")
        elif block.is_tool_use:
            icon = "⚙" if kind == "tool_use" else "🔎"
            self._line(f"{icon} {_safe(str(data.get('name', '?')))} ({_safe(str(data.get('id', '')))})", "1;36")
            self._write("  ")
        elif kind != "text":
            self._line(_describe_result(data), "36")

    def _delta(self, event: ContentBlockDelta) -> None:
        delta = event.delta
        if isinstance(delta, TextDelta):
            self._write(_safe(delta.text))
        elif isinstance(delta, ThinkingDelta):
            self._write(_safe(delta.thinking), "2;3")
        elif isinstance(delta, InputJsonDelta):
            self._write(_safe(delta.partial_json), "2")
        elif isinstance(delta, CitationsDelta):
            self._citations += 1
            self._write(f"[{self._citations}]", "34")
        elif isinstance(delta, UnknownDelta):
            self._write(f"[unknown delta {_safe(delta.type)!r}]", "2;33")

    def _stop(self, block: BlockState, snapshot: Snapshot) -> None:
        took = f" · {block.duration:.1f} s" if block.duration is not None else ""
        if block.type == "thinking":
            if not block.text:
                self._line("(thinking not shown: display omitted; the signature is kept)", "2;3")
            self._line(f"— thought{took}", "2;3")
        elif block.is_tool_use:
            if block.json_error:
                cut = " (cut off by max_tokens)" if snapshot.stop_reason == "max_tokens" else ""
                self._line(f"✗ input is not valid JSON{cut}: {_safe(block.json_error)}", "31")
            else:
                self._line(f"→ input {_safe(_compact(block.input))}{took}", "2")

    def notice(self, text: str) -> None:
        """A word from the source: retrying, reconnecting."""
        self._line(f"⟳ {_safe(text)}", "33")

    def close(self, snapshot: Snapshot) -> None:
        citations = [c for block in snapshot.blocks for c in block.citations]
        if citations:
            self._line("")
        for number, citation in enumerate(citations, 1):
            where = citation.get("url") or citation.get("document_title") or citation.get("type")
            title = citation.get("title") or ""
            self._line(f"[{number}] {_safe(str(title))} {_safe(str(where))}", "34")
        self._line(status_line(snapshot), "1")
        for line in warnings(snapshot):
            self._line(line, "33")


def warnings(snap: Snapshot) -> list[str]:
    """The snapshot's warning problems, one line each (errors are the caller's to report)."""
    return [f"⚠ {_safe(str(p))}" for p in snap.problems if p.severity == "warning"]


def status_line(snap: Snapshot) -> str:
    """One line: how it ended, tokens, time to first token, tokens/s, total time."""
    return " · ".join(_safe(part) for part in [f"■ {outcome(snap)}", *metrics(snap)])


class EventLog:
    """The raw events as ``curl -N`` shows them, each with its time since the start."""

    def __init__(self, out: TextIO, *, color: bool | None = None) -> None:
        self.out = out
        self.style = _Style(use_color(out) if color is None else color)

    def update(self, event: Event, snapshot: Snapshot) -> None:
        sse = event.sse
        stamp = f"{sse.time:8.3f}s" if sse.time is not None else " " * 9
        lines = sse.raw.decode("utf-8", "replace").splitlines() or [""]
        lines = [line for line in lines if line.strip()] or [""]
        note = f"  ← {event.type}" if event.type in ("unknown", "malformed") else ""
        first, *rest = lines
        self.out.write(f"{self.style('2', stamp)} {_safe(first)}{self.style('33', note)}\n")
        for line in rest:
            self.out.write(f"{' ' * 9} {_safe(line)}\n")
        self.out.flush()

    def close(self, snapshot: Snapshot) -> None:
        self.out.write(status_line(snapshot) + "\n")
        for line in warnings(snapshot):
            self.out.write(self.style("33", line) + "\n")
        self.out.flush()


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _describe_result(data: dict[str, Any]) -> str:
    kind = str(data.get("type", "?"))
    content = data.get("content")
    if kind == "web_search_tool_result" and isinstance(content, list):
        lines = [f"↳ {kind}: {len(content)} results"]
        lines += [f"    {_safe(str(r.get('title', '')))} {_safe(str(r.get('url', '')))}" for r in content]
        return "\n".join(lines)
    if kind in ("text", "thinking", "tool_use"):
        return kind
    known = "↳" if kind.endswith(("_result", "_upload")) else "[unknown block"
    text = f"{known} {_safe(kind)}: {_safe(_compact(data))[:200]}"
    return text + ("]" if known != "↳" else "")
