"""The agent loop: stream a turn, run its tools (early), send the results, until the answer.

:class:`Conversation` makes every decision -- what the next request is, when the loop ends and
why -- and :func:`agent_steps` is the loop itself, both without I/O (httpcore-style: one source).
:func:`run_agent` and :func:`arun_agent` are the two short drivers around it that do the
streaming and the waiting; they differ only in ``await``, so they cannot drift apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import live
from ..core._message import Message
from ..live import Claude
from ._batch import ToolBatch, TurnSink
from ._display import AgentView, as_view
from ._launch import Launcher, LoopLauncher, ThreadLauncher
from ._runs import AgentResult, Turn
from ._tools import Tool, Toolbox

__all__ = ["Conversation", "StreamTurn", "WaitForTools", "agent_steps", "arun_agent", "run_agent"]

ToolLike = Tool | Callable[..., Any] | Mapping[str, Any]
_ENDS = {
    "end_turn": "the model answered",
    "stop_sequence": "a stop sequence ended the answer",
    "max_tokens": "the answer hit max_tokens",
    "refusal": "the model declined to answer (refusal)",
    "model_context_window_exceeded": "the conversation filled the model's context window",
}


class Conversation:
    """The messages so far, the turns taken, and what comes next."""

    def __init__(
        self,
        params: Mapping[str, Any],
        messages: Sequence[Mapping[str, Any]],
        toolbox: Toolbox,
        view: AgentView,
        *,
        max_turns: int = 10,
        tool_timeout: float | None = None,
        early_start: bool = True,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self.params = dict(params)
        self.messages: list[dict[str, Any]] = [dict(m) for m in messages]
        self.toolbox = toolbox
        self.view = view
        self.max_turns = max_turns
        self.tool_timeout = tool_timeout
        self.early_start = early_start
        self.turns: list[Turn] = []
        self.reason: str | None = None
        self.note = ""
        self._paused = False
        # An answer continues the last assistant message: a prefill, or one resent after pause_turn.
        self._merge = bool(self.messages) and self.messages[-1].get("role") == "assistant"
        self._start = time.monotonic()

    def clock(self) -> float:
        """Seconds since the conversation started (every time in the result is on this clock)."""
        return time.monotonic() - self._start

    def request(self) -> dict[str, Any] | None:
        """The next request's parameters, or ``None``: the loop is over."""
        if self.reason is not None:
            return None
        tools = {"tools": self.toolbox.definitions} if self.toolbox.definitions else {}
        return {**self.params, **tools, "messages": list(self.messages)}

    def begin_turn(self, launcher: Launcher) -> ToolBatch:
        number = len(self.turns) + 1
        note = "continuing after pause_turn" if self._paused else ""
        return ToolBatch(
            number,
            self.toolbox,
            launcher,
            self.view,
            self.clock,
            self.view.begin_turn(number, note),
            early_start=self.early_start,
            timeout=self.tool_timeout,
            resent=self._paused,
        )

    def end_turn(self, batch: ToolBatch, message: Message) -> None:
        """The turn's answer is in and its tools have settled: decide what happens next."""
        turn = batch.turn(message)
        self.turns.append(turn)
        content = message["content"]  # unchanged: thinking signatures, redacted thinking and all
        if self._merge:
            self.messages[-1] = {"role": "assistant", "content": [*_blocks(self.messages[-1]["content"]), *content]}
        else:
            self.messages.append({"role": "assistant", "content": content})
        self._paused = self._merge = False
        stop = turn.stop_reason
        if stop == "tool_use" and batch.runs:
            self.messages.append({"role": "user", "content": batch.results()})
        elif stop == "pause_turn":
            self._paused = self._merge = True
        else:
            self._end(stop or "unknown", self._why(turn))
            return
        if len(self.turns) >= self.max_turns:
            wants = "tool results" if stop == "tool_use" else "to continue (pause_turn)"
            self._end(
                "max_turns",
                f"stopped after {len(self.turns)} turns (max_turns={self.max_turns}) while the model still wanted "
                f"{wants}; `messages` holds the conversation so far: pass it to run_agent again to go on",
            )

    def _why(self, turn: Turn) -> str:
        stop = turn.stop_reason
        why = _ENDS.get(stop or "", f"the answer ended with stop_reason {stop}")
        if stop == "tool_use":
            why = "the model asked for tools but sent no tool_use block"
        elif stop == "stop_sequence":
            why = f"a stop sequence ({turn.message.get('stop_sequence')!r}) ended the answer"
        why += f" in turn {turn.number}"
        cut = [f"{run.name} ({run.id})" for run in turn.runs if run.status == "cut_off"]
        if cut:
            why += f": it cut off the arguments of {', '.join(cut)}, which was not run; raise max_tokens"
        return why

    def _end(self, reason: str, note: str) -> None:
        self.reason, self.note = reason, note

    def result(self) -> AgentResult:
        last = self.turns[-1]
        runs = sum(len(t.runs) for t in self.turns)
        ok = sum(run.ok for t in self.turns for run in t.runs)
        tools = f"; {runs} tool run{'s' if runs != 1 else ''} ({ok} ok)" if runs else ""
        note = f"{self.note}{tools}; {self.clock():.1f} s"
        return AgentResult(last.message, self.messages, tuple(self.turns), self.reason or "unknown", note, self.clock())


def _blocks(content: Any) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


@dataclass(frozen=True, slots=True)
class StreamTurn:
    """The loop's step: stream ``request`` into ``sink``, send back the final message."""

    request: dict[str, Any]
    sink: TurnSink


@dataclass(frozen=True, slots=True)
class WaitForTools:
    """The loop's step: wait up to ``seconds`` for a tool to end (or a deadline), send back ``None``."""

    seconds: float


Step = StreamTurn | WaitForTools


def agent_steps(conversation: Conversation, launcher: Launcher) -> Generator[Step, Any, AgentResult]:
    """The whole loop without I/O: what to do next, as steps; the result at the end.

    :func:`run_agent` and :func:`arun_agent` drive it, doing each step (``for`` vs ``await``)
    and throwing any exception it raised back in, so failure is handled here, once, for both:
    the turn's running tools are cancelled and the view is closed before the error goes on.
    """
    batch: ToolBatch | None = None
    try:
        while (request := conversation.request()) is not None:
            batch = conversation.begin_turn(launcher)
            message: Message = yield StreamTurn(request, batch.sink)
            batch.stream_ended(message)
            while not batch.settled:
                yield WaitForTools(batch.next_wait())
                batch.poll()
            conversation.end_turn(batch, message)
    except BaseException:
        if batch is not None:
            batch.cancel()
        conversation.view.close(None)
        raise
    result = conversation.result()
    conversation.view.close(result)
    return result


def _setup(
    client: Claude | None,
    messages: Sequence[Mapping[str, Any]],
    tools: Iterable[ToolLike],
    view: Any,
    params: dict[str, Any],
    **options: Any,
) -> tuple[Claude, Conversation]:
    toolbox = Toolbox(tools)
    title = str(params.get("model", "")) or None
    conversation = Conversation(params, messages, toolbox, as_view(view, title), **options)
    return client or live.default_client(), conversation


def run_agent(
    *,
    model: str,
    max_tokens: int,
    messages: Sequence[Mapping[str, Any]],
    tools: Iterable[ToolLike] = (),
    client: Claude | None = None,
    max_turns: int = 10,
    tool_timeout: float | None = None,
    early_start: bool = True,
    view: Any = None,
    **params: Any,
) -> AgentResult:
    """Stream turns and run their tools until the model answers (or ``max_turns``).

    ``tools``: functions (schema from their type hints), :class:`Tool` objects, or dicts sent as
    they are (server tools). Each tool starts the moment its ``tool_use`` block is complete,
    while the answer streams on (``early_start=False``: after ``message_stop``); plain
    functions run on threads, ``async def`` ones on an event loop. ``view``: the notebook view
    or the terminal by default; an agent view or any stream sink. Other keyword arguments
    (``system``, ``thinking``, ``tool_choice``...) go into every request, with ``model`` and
    ``max_tokens``. Returns an :class:`AgentResult`: the final message, the whole conversation
    (``messages``, ready to continue), and every turn with its tool runs and their times.
    If a turn fails (an API error, a dropped stream, Ctrl-C), the tools it started are
    cancelled (coroutines; a thread cannot be stopped) and the error is raised.
    """
    params = {"model": model, "max_tokens": max_tokens, **params}
    options = {"max_turns": max_turns, "tool_timeout": tool_timeout, "early_start": early_start}
    claude, conversation = _setup(client, messages, tools, view, params, **options)
    with ThreadLauncher(conversation.clock) as launcher:
        steps = agent_steps(conversation, launcher)
        step = next(steps)
        while True:
            try:
                reply: Message | None = None
                if isinstance(step, StreamTurn):
                    reply = claude.stream(sink=step.sink, **step.request)
                else:
                    launcher.wait(step.seconds)
            except BaseException as exc:
                step = steps.throw(exc)  # re-raised once the tools are cancelled
                continue
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]


async def arun_agent(
    *,
    model: str,
    max_tokens: int,
    messages: Sequence[Mapping[str, Any]],
    tools: Iterable[ToolLike] = (),
    client: Claude | None = None,
    max_turns: int = 10,
    tool_timeout: float | None = None,
    early_start: bool = True,
    view: Any = None,
    **params: Any,
) -> AgentResult:
    """:func:`run_agent` for code that already runs an event loop (tools share that loop)."""
    params = {"model": model, "max_tokens": max_tokens, **params}
    options = {"max_turns": max_turns, "tool_timeout": tool_timeout, "early_start": early_start}
    claude, conversation = _setup(client, messages, tools, view, params, **options)
    launcher = LoopLauncher(conversation.clock)
    try:
        steps = agent_steps(conversation, launcher)
        step = next(steps)
        while True:
            try:
                reply: Message | None = None
                if isinstance(step, StreamTurn):
                    reply = await claude.astream(sink=step.sink, **step.request)
                else:
                    await launcher.wait(step.seconds)
            except BaseException as exc:
                step = steps.throw(exc)  # re-raised once the tools are cancelled
                continue
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
    finally:
        await launcher.aclose()
