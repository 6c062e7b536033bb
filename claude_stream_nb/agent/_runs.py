"""What an agent run did: each tool run, each turn, and the result -- plain values.

Times are seconds since the run started (one clock for the whole conversation), so a tool's
``started_at`` compares directly with the ``message_stop_at`` of its turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..core._message import Message
from ._tools import result_text

__all__ = ["AgentResult", "RunStatus", "ToolRun", "Turn", "status_text"]

RunStatus = Literal["queued", "running", "done", "error", "timeout", "invalid", "cut_off", "unknown", "skipped"]
"""queued: waiting for ``message_stop`` (``early_start=False``); running; done; error (it raised);
timeout; invalid (bad JSON or arguments: not run); cut_off (``max_tokens`` inside the arguments:
not run); unknown (no function for that name: not run); skipped (the turn ended without
``tool_use``, so it was not started)."""

_SETTLED = frozenset({"done", "error", "timeout", "invalid", "cut_off", "unknown", "skipped"})


@dataclass(frozen=True)
class ToolRun:
    """One ``tool_use`` block and what became of it."""

    index: int
    """The block's index in the assistant message."""
    id: str
    name: str
    input: Any = field(repr=False)
    status: RunStatus = "queued"
    output: Any = field(default=None, repr=False)
    """What the function returned (``status == "done"``)."""
    error: str | None = None
    """What went wrong, as sent to the model (``is_error``)."""
    started_at: float | None = None
    ended_at: float | None = None
    arguments_at: float | None = field(default=None, repr=False)
    """When its ``content_block_stop`` arrived (the arguments were complete)."""

    @property
    def settled(self) -> bool:
        return self.status in _SETTLED

    @property
    def ok(self) -> bool:
        return self.status == "done"

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    @property
    def content(self) -> str:
        """The ``tool_result`` content: the output as text (JSON unless a string), or the error."""
        return result_text(self.output) if self.ok else (self.error or self.status)

    def tool_result(self) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": self.id, "content": self.content}
        if not self.ok:
            block["is_error"] = True
        return block


def status_text(run: ToolRun, now: float) -> str:
    """The card's badge: ``running · 0.4 s``, ``done · 1.0 s``, ``error: timed out after 2 s``..."""
    took = f" · {run.duration:.1f} s" if run.duration is not None else ""
    if run.status == "running":
        return f"running · {max(now - (run.started_at or now), 0.0):.1f} s"
    return {
        "queued": "queued: starts at message_stop",
        "done": f"done{took}",
        "error": f"error{took}",
        "timeout": f"error: timed out{took}",
        "invalid": "invalid arguments: not run",
        "cut_off": "cut off by max_tokens: not run",
        "unknown": "error: no function to run it",
        "skipped": "not run (the turn did not end in tool_use)",
    }[run.status]


@dataclass(frozen=True)
class Turn:
    """One request and its streamed answer, with the tools it called."""

    number: int
    message: Message = field(repr=False)
    runs: tuple[ToolRun, ...] = ()
    started_at: float = 0.0
    message_stop_at: float | None = None
    """When ``message_stop`` arrived (``None``: it never did)."""
    ended_at: float = 0.0
    """When the answer had streamed and every tool it started had settled."""
    resent: bool = False
    """This request resent a ``pause_turn`` answer to let the model continue."""

    @property
    def stop_reason(self) -> str | None:
        return self.message.snapshot.stop_reason

    def __repr__(self) -> str:
        tools = ", ".join(f"{r.name} {r.status}" for r in self.runs)
        return f"<Turn {self.number} {self.stop_reason or '-'}{f' [{tools}]' if tools else ''}>"


@dataclass(frozen=True)
class AgentResult:
    """The conversation after the loop: the final message, every message, and every turn."""

    message: Message = field(repr=False)
    """The last assistant message (the answer, when the loop ended at ``end_turn``)."""
    messages: list[dict[str, Any]] = field(repr=False)
    """The whole conversation, ready to continue: append a user message and run again."""
    turns: tuple[Turn, ...] = field(repr=False)
    reason: str = "end_turn"
    """Why the loop ended: the last ``stop_reason``, or ``max_turns``."""
    note: str = ""
    """The reason in a sentence, with anything the caller should know (a cut-off tool call...)."""
    total_time: float = field(default=0.0, repr=False)

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def stop_reason(self) -> str | None:
        return self.message.snapshot.stop_reason

    @property
    def tool_runs(self) -> list[ToolRun]:
        return [run for turn in self.turns for run in turn.runs]

    def __repr__(self) -> str:
        runs = self.tool_runs
        tools = ", ".join(f"{r.name} {'✓' if r.ok else '✗ ' + r.status}" for r in runs[:6])
        tools += ", …" if len(runs) > 6 else ""
        text = self.text.strip().replace("\n", " ")
        text = repr(text[:40] + "…" if len(text) > 40 else text)
        turns = f"{len(self.turns)} turn{'s' if len(self.turns) != 1 else ''}"
        return f"<AgentResult {self.reason} · {turns} · tools: {tools or 'none'} · {text}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))
