"""Views of a whole agent conversation: what one looks like, and the terminal one.

An :class:`AgentView` gets a stream sink per turn (``begin_turn``), each tool run's changes
(``tool_update``), a ``tick`` now and then while tools run, and the result at the end. Every
call comes from the runner's own thread. The notebook view is
:class:`~claude_stream_nb.agent._conversation.ConversationView`; :class:`TerminalAgentView`
prints; any plain stream sink can stand in (it sees every turn's stream, nothing else).
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast, runtime_checkable

from ..core._stream import Sink
from ..sinks import in_notebook
from ..sinks._terminal import TerminalRenderer, use_color

if TYPE_CHECKING:
    from ._runs import AgentResult, ToolRun

__all__ = ["AgentView", "SinkView", "TerminalAgentView", "as_view"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@runtime_checkable
class AgentView(Protocol):
    def begin_turn(self, number: int, note: str = "") -> Sink: ...

    def tool_update(self, turn: int, run: ToolRun, now: float) -> None: ...

    def tick(self, now: float) -> None: ...

    def close(self, result: AgentResult | None) -> None: ...


class SinkView:
    """A plain stream sink as an agent view: it sees each turn's stream."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    def begin_turn(self, number: int, note: str = "") -> Sink:
        return self.sink

    def tool_update(self, turn: int, run: ToolRun, now: float) -> None:
        pass

    def tick(self, now: float) -> None:
        pass

    def close(self, result: AgentResult | None) -> None:
        pass


class _Lines:
    """A text stream that knows whether the cursor is at the start of a line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.at_line_start = True

    def write(self, text: str) -> int:
        if text:
            self.out.write(text)
            self.at_line_start = text.endswith("\n")
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()


class TerminalAgentView:
    """Each turn streamed by the terminal renderer, with a line as each tool starts and ends."""

    def __init__(self, out: TextIO | None = None, *, color: bool | None = None) -> None:
        stream = out if out is not None else sys.stdout
        self.color = use_color(stream) if color is None else color
        self._out = _Lines(stream)

    def _line(self, text: str, code: str = "") -> None:
        out = self._out
        if not out.at_line_start:
            out.write("\n")
        out.write((f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text) + "\n")
        out.flush()

    def begin_turn(self, number: int, note: str = "") -> Sink:
        head = f"── turn {number}{f' · {note}' if note else ''} "
        self._line(head + "─" * max(3, 60 - len(head)), "1")
        return TerminalRenderer(cast(TextIO, self._out), color=self.color)

    def tool_update(self, turn: int, run: ToolRun, now: float) -> None:
        name = _safe(run.name)
        if run.status == "queued":
            self._line(f"… {name}: starts when the answer is complete (early_start=False)", "2")
        elif run.status == "running":
            self._line(f"▶ {name} started", "36")
        elif run.status == "done":
            took = f" · {run.duration:.1f} s" if run.duration is not None else ""
            self._line(f"✓ {name}{took} → {_safe(_clip(run.content, 300))}", "32")
        else:
            self._line(f"✗ {name} ({run.status}): {_safe(run.error or '')}", "31")

    def tick(self, now: float) -> None:
        pass

    def close(self, result: AgentResult | None) -> None:
        if result is not None:
            self._line(f"■ agent: {_safe(result.note)}", "1")


def default_view(title: str | None = None) -> AgentView:
    """The conversation view in a notebook, the terminal anywhere else."""
    if in_notebook():
        from ._conversation import ConversationView

        return ConversationView(title).display()
    return TerminalAgentView()


def as_view(view: Any, title: str | None = None) -> AgentView:
    """``None`` (the default view), an :class:`AgentView`, or a plain stream sink."""
    if view is None:
        return default_view(title)
    if isinstance(view, AgentView):
        return view
    if callable(getattr(view, "update", None)) and callable(getattr(view, "close", None)):
        return SinkView(view)
    raise TypeError(f"view must be an agent view or a stream sink, got {type(view).__name__}")


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
