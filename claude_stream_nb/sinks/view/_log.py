"""The event log as the view shows it: every event, with the deltas of a moment on one line.

A paced answer brings hundreds of ``content_block_delta`` events a second; a line of raw JSON
for each would cost the wire ten times the answer itself. So consecutive deltas of one block
are counted on one line (flushed when another event comes, or two seconds of stream time
later), and every other event gets its own line with its data. The live log (filled in the
front end as the lines arrive, so it can be opened while a cell streams) and the transcript
show the same lines. Every single event, raw: ``play(...)`` or ``claude-stream-nb replay NAME --events``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ...core._events import ContentBlockDelta, Event
from ..render._sections import event_log_line, log_count

__all__ = ["LogBook"]

_RUN_SPAN = 2.0  # seconds of stream time one line of deltas covers at most


@dataclass
class _Run:
    """Consecutive deltas of one block, counted on one line."""

    first: Event
    index: int
    count: int = 1
    size: int = 0


class LogBook:
    """Lines for the event log: ``add(event)`` as they come, ``take()`` the new lines per frame."""

    def __init__(self, size: int = 50) -> None:
        self.lines: deque[str] = deque(maxlen=size)
        """The last ``size`` lines (what the transcript shows)."""
        self.total = 0
        """Every event seen."""
        self.made = 0
        """Lines made (more than ``size``: the oldest were dropped)."""
        self._new: list[str] = []
        self._run: _Run | None = None

    def add(self, event: Event) -> None:
        self.total += 1
        if isinstance(event, ContentBlockDelta):
            run = self._run
            if run is not None and run.index == event.index and _span(run.first, event) < _RUN_SPAN:
                run.count += 1
                run.size += len(event.sse.data)
                return
            self._end_run()
            self._run = _Run(event, event.index, 1, len(event.sse.data))
            return
        self._end_run()
        self._put(_line(event))

    def take(self, *, final: bool = False) -> list[str]:
        """The lines made since the last call (a run of deltas still growing waits, unless ``final``)."""
        if final:
            self._end_run()
        new, self._new = self._new, []
        return new

    def _end_run(self) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        self._put(self._run_line(run))

    @staticmethod
    def _run_line(run: _Run) -> str:
        if run.count == 1:
            return _line(run.first)
        what = f"×{run.count} on content[{run.index}] ({run.size:,} bytes of data)"
        return event_log_line(run.first.sse.time, "content_block_delta", what)

    def pending(self) -> str:
        """The line of the run of deltas still growing ("" if none): shown last, replaced as it grows."""
        run = self._run
        return self._run_line(run) if run is not None else ""

    @property
    def count(self) -> str:
        """The log's summary: how many events, and whether older lines were dropped."""
        dropped = self.made > len(self.lines)
        return log_count(self.total, len(self.lines) if dropped else None)

    def _put(self, line: str) -> None:
        self.made += 1
        self.lines.append(line)
        self._new.append(line)


def _line(event: Event) -> str:
    return event_log_line(event.sse.time, event.sse.event or event.type, event.sse.data)


def _span(first: Event, event: Event) -> float:
    a, b = first.sse.time, event.sse.time
    return 0.0 if a is None or b is None else b - a
