"""One turn's tool calls: started the moment their block stops, settled, answered in order.

:class:`TurnSink` sits in front of the turn's view as the stream's sink. At each tool_use
block's ``content_block_stop`` it hands the finished block to :class:`ToolBatch`, which checks
the arguments (valid JSON, a known tool, the schema) and starts the call at once -- while the
model goes on streaming -- or, with ``early_start=False``, queues it until the answer is
complete. Calls end on other threads; their outcomes wait in a queue until the runner's thread
polls, so the view and the records are only ever touched from one thread.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..core._events import ContentBlockStop, Event, MessageStop
from ..core._message import Message
from ..core._snapshot import BlockState, Snapshot
from ..core._stream import Sink
from ._display import AgentView
from ._launch import Cancel, Launcher, Outcome
from ._runs import ToolRun, Turn
from ._tools import Tool, Toolbox

__all__ = ["ToolBatch", "TurnSink"]

TICK = 0.25  # seconds between view refreshes (elapsed times) while tools run


class ToolBatch:
    """The tool runs of one turn, keyed by block index."""

    def __init__(
        self,
        number: int,
        toolbox: Toolbox,
        launcher: Launcher,
        view: AgentView,
        clock: Callable[[], float],
        display: Sink,
        *,
        early_start: bool = True,
        timeout: float | None = None,
        resent: bool = False,
    ) -> None:
        self.number = number
        self.toolbox = toolbox
        self.launcher = launcher
        self.view = view
        self.clock = clock
        self.early_start = early_start
        self.timeout = timeout
        self.resent = resent
        self.started_at = clock()
        self.message_stop_at: float | None = None
        self.runs: dict[int, ToolRun] = {}
        self._calls: dict[int, tuple[Tool, dict[str, Any]]] = {}  # checked, not started yet
        self._cancel: dict[int, Cancel] = {}
        self._deadlines: dict[int, tuple[float, float]] = {}  # index -> (deadline, timeout)
        self._done: queue.SimpleQueue[tuple[int, Outcome]] = queue.SimpleQueue()
        self.sink = TurnSink(display, self)
        """The sink to stream this turn into: ``display`` (the turn's view) first, then this batch."""

    # --- as the stream goes -------------------------------------------------------------------

    def block_stopped(self, block: BlockState) -> None:
        """A tool_use block is complete: check its arguments; start it (early start) or queue it."""
        if block.type != "tool_use" or block.index in self.runs:
            return
        start = block.start
        ident, name = str(start.get("id", "")), str(start.get("name", ""))
        run = ToolRun(block.index, ident, name, block.input, arguments_at=self.clock())
        if block.json_error:
            error = f"the arguments of {run.name} were not valid JSON, so it was not run ({block.json_error})"
            self._set(replace(run, status="invalid", error=error))
            return
        tool, problem = self.toolbox.find(run.name)
        kwargs = None
        if tool is not None:
            kwargs, problem = tool.check(block.input)
        if tool is None or kwargs is None:
            self._set(replace(run, status="unknown" if tool is None else "invalid", error=problem))
            return
        self._calls[block.index] = (tool, kwargs)
        if self.early_start:
            self.runs[block.index] = run
            self._start(block.index)
        else:
            self._set(run)  # queued until the answer is complete

    def stream_ended(self, message: Message) -> None:
        """The answer is complete: start what is queued if the model wants the results, else skip it."""
        snap = message.snapshot
        for block in snap.blocks:
            if block.stopped:
                self.block_stopped(block)
        if snap.stop_reason == "max_tokens":
            self._mark_cut_off(snap)
        for index in sorted(self._calls):
            if snap.stop_reason == "tool_use":
                self._start(index)
            else:
                del self._calls[index]
                why = f"the turn ended with stop_reason {snap.stop_reason}, so {self.runs[index].name} was not run"
                self._set(replace(self.runs[index], status="skipped", error=why))

    def _mark_cut_off(self, snap: Snapshot) -> None:
        """``max_tokens`` inside the last block's arguments: say so (it was never run)."""
        last = snap.blocks[-1] if snap.blocks else None
        if last is None or last.type != "tool_use":
            return
        run = self.runs.get(last.index)
        if run is None:  # no content_block_stop came for it
            run = ToolRun(last.index, str(last.start.get("id", "")), str(last.start.get("name", "")), last.input)
        elif run.status != "invalid" or not last.json_error:
            return
        error = f"max_tokens cut off the arguments of {run.name}, so it was not run"
        self._set(replace(run, status="cut_off", error=error))

    def _start(self, index: int) -> None:
        tool, kwargs = self._calls.pop(index)

        def report(outcome: Outcome) -> None:  # any thread
            self._done.put((index, outcome))

        assert tool.fn is not None
        now = self.clock()
        self._cancel[index] = self.launcher.start(tool.fn, kwargs, tool.is_async, report)
        timeout = tool.timeout if tool.timeout is not None else self.timeout
        if timeout is not None:
            self._deadlines[index] = (now + timeout, timeout)
        self._set(replace(self.runs[index], status="running", started_at=now))  # "done" comes at a later poll

    # --- settling --------------------------------------------------------------------------------

    def poll(self) -> None:
        """Take in calls that ended, time out the ones past their deadline, refresh the view."""
        while True:
            try:
                index, outcome = self._done.get_nowait()
            except queue.Empty:
                break
            self._settle(index, outcome)
        now = self.clock()
        for index, (deadline, timeout) in list(self._deadlines.items()):
            if now >= deadline:
                del self._deadlines[index]
                self._cancel[index]()
                run = self.runs[index]
                error = f"{run.name} timed out after {timeout:g} s; its result will not come"
                self._set(replace(run, status="timeout", ended_at=now, error=error))
        self.view.tick(now)

    def _settle(self, index: int, outcome: Outcome) -> None:
        run = self.runs[index]
        if run.settled:  # it timed out before it ended
            return
        self._deadlines.pop(index, None)
        if outcome.error is None:
            self._set(replace(run, status="done", output=outcome.value, ended_at=outcome.ended_at))
        else:
            error = f"{type(outcome.error).__name__}: {outcome.error}"
            self._set(replace(run, status="error", error=error, ended_at=outcome.ended_at))

    def _set(self, run: ToolRun) -> None:
        self.runs[run.index] = run
        self.view.tool_update(self.number, run, self.clock())

    @property
    def settled(self) -> bool:
        return not self._calls and all(run.settled for run in self.runs.values())

    def next_wait(self) -> float:
        """How long the runner may wait before the next poll."""
        now = self.clock()
        soonest = min((deadline for deadline, _ in self._deadlines.values()), default=now + TICK)
        return max(min(TICK, soonest - now), 0.001)

    def cancel(self) -> None:
        """The loop is being abandoned (an error, Ctrl-C): stop what can be stopped -- coroutines
        are cancelled, a thread runs on unheard -- and say so on each run still going."""
        self._calls.clear()
        now = self.clock()
        for index, run in list(self.runs.items()):
            if run.status == "running":
                self._cancel[index]()
                error = f"{run.name} was cancelled: the agent loop stopped before it ended"
                self.runs[index] = replace(run, status="error", error=error, ended_at=now)
                with contextlib.suppress(Exception):  # the view may be what failed
                    self.view.tool_update(self.number, self.runs[index], now)

    # --- the outcome -----------------------------------------------------------------------------

    def results(self) -> list[dict[str, Any]]:
        """``tool_result`` blocks in the order of the ``tool_use`` blocks."""
        return [self.runs[index].tool_result() for index in sorted(self.runs)]

    def turn(self, message: Message) -> Turn:
        runs = tuple(self.runs[index] for index in sorted(self.runs))
        return Turn(self.number, message, runs, self.started_at, self.message_stop_at, self.clock(), resent=self.resent)


class TurnSink:
    """The stream's sink for one turn: the view first, then the tool batch."""

    def __init__(self, inner: Sink, batch: ToolBatch) -> None:
        self.inner = inner
        self.batch = batch

    def update(self, event: Event, snapshot: Snapshot) -> None:
        self.inner.update(event, snapshot)
        if isinstance(event, ContentBlockStop):
            block = next((b for b in snapshot.blocks if b.index == event.index), None)
            if block is not None and block.stopped:
                self.batch.block_stopped(block)
        elif isinstance(event, MessageStop):
            self.batch.message_stop_at = self.batch.clock()
        self.batch.poll()

    def notice(self, text: str) -> None:
        notice = getattr(self.inner, "notice", None)
        if notice is not None:
            notice(text)

    def close(self, snapshot: Snapshot) -> None:
        self.inner.close(snapshot)
