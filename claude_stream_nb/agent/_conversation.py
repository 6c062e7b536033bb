"""ConversationView: an agent conversation in the notebook, one StreamView per turn.

Each turn streams into its own :class:`~._widget.StreamView`, stacked below the last. The tool
cards of a turn then carry the runner's state in their badge -- *arguments streaming* (the
StreamView's own), *running · 1.2 s*, *done · 1.0 s* or *error* -- and the result, or the error
sent back to the model, in a collapsible ``<details>`` under the arguments. When the
conversation ends, a displayed view leaves the static transcript of every turn in the cell.

It is an agent view (:class:`claude_stream_nb.agent.AgentView`): the runner calls it from its
own thread, while each StreamView may also paint from its refresher thread, so card changes
are made under the StreamView's lock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..sinks.view._nudge import Nudge
from ..sinks.view._widget import FPS, StreamView

if TYPE_CHECKING:
    from ._runs import AgentResult, ToolRun

__all__ = ["ConversationView", "run_result_html"]

_TICK = 0.25  # seconds between refreshes of running tools' elapsed time
_RESULT_LIMIT = 20_000


class ConversationView:
    """The live view of a whole agent run (``begin_turn`` / ``tool_update`` / ``tick`` / ``close``)."""

    def __init__(
        self,
        title: str | None = None,
        *,
        fps: float = FPS,
        threaded: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.title = title
        self.turns: list[StreamView] = []
        self.result: AgentResult | None = None
        self._fps = fps
        self._threaded = threaded
        self._clock = clock
        self._runs: dict[tuple[int, int], ToolRun] = {}
        self._last_tick = -1e9
        self._handle: Any = None
        self._nudge: Nudge | None = None
        self._timeline = ""
        self._closed = False
        self.header = w.HTML(self._header_html())
        self.body = w.VBox()
        self.footer = w.HTML()
        self.widget = w.VBox([self.header, self.body, self.footer])
        self.widget.add_class("csn")

    # --- the agent view ---------------------------------------------------------------------------

    def begin_turn(self, number: int, note: str = "") -> StreamView:
        """A new StreamView below the others: the sink for turn ``number``'s stream."""
        title = f"Turn {number}{f' · {note}' if note else ''}"
        view = StreamView(title, fps=self._fps, threaded=self._threaded, clock=self._clock)
        view.on_choice = self._on_choice
        self.turns.append(view)
        self.body.children = (*self.body.children, view.widget)
        self.header.value = self._header_html()
        return view

    def tool_update(self, turn: int, run: ToolRun, now: float) -> None:
        self._runs[(turn, run.index)] = run
        self._paint(turn, run, now)
        self.header.value = self._header_html()

    def tick(self, now: float) -> None:
        """Refresh the elapsed time of running tools (at most 4 times a second)."""
        if now - self._last_tick < _TICK:
            return
        self._last_tick = now
        if self._nudge is not None:
            self._nudge.poke()
        for (turn, _), run in self._runs.items():
            if run.status == "running":
                self._paint(turn, run, now)

    def close(self, result: AgentResult | None) -> None:
        """The conversation ended (``None``: it failed); a displayed view becomes its transcript."""
        self.result = result
        for (turn, _), run in self._runs.items():  # the final state, whatever a frame painted last
            self._paint(turn, run, run.ended_at or 0.0)
        self.header.value = self._header_html()
        self._timeline = self._timeline_html()  # drawn once: the footer and every transcript show it
        self.footer.value = self._footer_html() + self._timeline
        self._closed = True
        if self._handle is not None:
            if self._nudge is not None:
                self._nudge.poke(force=True)  # Notebook 7 sizes the output at its final height, still live
            self._handle.update(_Static(self.transcript(), repr(self)))

    def _on_choice(self) -> None:
        """A user's choice in a turn reached the kernel: the transcript keeps it."""
        if self._closed and self._handle is not None:
            self._handle.update(_Static(self.transcript(), repr(self)))

    # --- painting --------------------------------------------------------------------------------------

    def _paint(self, turn: int, run: ToolRun, now: float) -> None:
        from ._runs import status_text

        self.turns[turn - 1].set_tool_state(run.index, status_text(run, now), run_result_html(run))

    def _header_html(self) -> str:
        parts = [f"<b>{escape(self.title)}</b>"] if self.title else []
        parts.append("agent")
        if self.turns:
            parts.append(f"turn {len(self.turns)}")
        running = sum(run.status == "running" for run in self._runs.values())
        if running:
            parts.append(f"{running} tool{'s' if running != 1 else ''} running")
        if self.result is not None:  # the reason is the footer's word: said once
            parts.append('<span class="csn-state">done</span>')
        return f'<div class="csn-header">{" · ".join(parts)}</div>'

    def _timeline_html(self) -> str:
        """The whole run on one time axis (turns' lanes, tool runs as bars), closed; once it ended."""
        if self.result is None or not self.turns:
            return ""
        from ..sinks._timeline_agent import AgentTimeline
        from ..sinks.render._sections import timeline_html

        return timeline_html(AgentTimeline.from_result(self.result).svg())

    def _footer_html(self) -> str:
        if self.result is None:
            return '<div class="csn-footer csn-error">the agent loop stopped with an error</div>'
        return f'<div class="csn-footer"><b>{escape(self.result.reason)}</b> · {escape(self.result.note)}</div>'

    # --- display -----------------------------------------------------------------------------------------

    def display(self) -> ConversationView:
        """Show the view in the current cell; when the conversation ends it becomes the transcript."""
        from IPython.display import display

        self._handle = display(self, display_id=True)
        self._nudge = Nudge(self._clock)
        return self

    def transcript(self) -> str:
        """Static HTML of every turn (with tool states and results), and how it ended."""
        from ..sinks.render._html import CSS

        turns = "<hr>".join(view.transcript().replace(CSS, "", 1) for view in self.turns)
        end = self._footer_html() + self._timeline
        return f'{CSS}<div class="csn">{self._header_html()}{turns}{end}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        end = self.result.reason if self.result is not None else "running"
        return f"<ConversationView {len(self.turns)} turns, {len(self._runs)} tool runs, {end}>"


def run_result_html(run: ToolRun) -> str:
    """A tool run's result (or error) as a collapsible ``<details>``; nothing while it runs."""
    if run.status in ("queued", "running"):
        return ""
    if run.ok:
        took = f" · {run.duration:.1f} s" if run.duration is not None else ""
        output = run.output if isinstance(run.output, str) else json.dumps(run.output, indent=2, default=str)
        body = escape(_clip(output), quote=False)
        return (
            f'<details data-csn-key="result-{run.index}"><summary>result{took}</summary>'
            f'<pre class="csn-args">{body}</pre></details>'
        )
    label = "error" if run.status in ("error", "timeout", "unknown") else "not run"
    body = escape(_clip(run.error or run.status), quote=False)
    summary = f'<summary class="csn-error">{label}: sent back to the model as is_error</summary>'
    return f'<details data-csn-key="result-{run.index}" open>{summary}<pre class="csn-args">{body}</pre></details>'


def _clip(text: str) -> str:
    return text if len(text) <= _RESULT_LIMIT else f"{text[:_RESULT_LIMIT]}\n… ({len(text):,} characters)"


class _Static:
    """What a finished conversation leaves in the cell: static HTML and a short text repr."""

    def __init__(self, html: str, text: str) -> None:
        self._html = html
        self._text = text

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return {"text/html": self._html, "text/plain": self._text}
