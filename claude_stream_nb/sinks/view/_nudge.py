"""An empty output beside a live view, so that Notebook 7 sizes the output while it grows.

Notebook 7 (its *Auto Scroll Outputs* setting, on by default) turns a cell's output taller than
about 1,820 px into a scroll box -- but it looks only when the cell's outputs change, and a
widget that grows changes none. Left alone, a long answer would become a scroll box the moment
the transcript replaces the live view: at the end of the stream, everything below its first
screen jumping away. So a displayed view puts this empty output (``text/html`` of nothing:
0 px tall, in every front end) after itself and re-sends it every two seconds while it
streams, and once more just before the transcript: Notebook 7 applies its own rule (its
setting, the cell's ``scrolled`` choice) while the answer grows, as it does for a long print
loop, and the end of the stream changes nothing. Elsewhere it costs a short message every two
seconds (~0.15 B per character of a fast paced replay; ``benchmarks/bench_view.py`` counts it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["Nudge"]

EVERY = 2.0
"""Seconds between two nudges at least."""

_EMPTY = {"text/html": ""}


class Nudge:
    """The empty output; :meth:`poke` re-sends it (rate-limited unless ``force``)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        from IPython.display import display

        self._clock = clock
        self._last = clock()
        self._handle: Any = display(_EMPTY, raw=True, display_id=True)
        self.pokes = 0

    def poke(self, *, force: bool = False) -> None:
        now = self._clock()
        if force or now - self._last >= EVERY:
            self._last = now
            self.pokes += 1
            self._handle.update(_EMPTY, raw=True)
