"""Serve the rest of a recording after an assistant prefill, as the real API continues one.

When a request ends with an assistant message -- a prefill, or the live client continuing a
stream whose connection dropped -- the API answers with what comes *after* it: a new message
whose first text block carries on from the prefill's last text. :func:`continue_fixture` does
the same to a recording: the blocks the prefill already holds are left out, the text it already
has is cut from the front of its block, the remaining blocks are numbered from there, and the
pacing of what is left is kept (shifted to start as a fresh response does).
"""

from __future__ import annotations

import json
from typing import Any

from ..core._sse import SSEDecoder
from ..sources._fixtures import Fixture, Recorded
from ._emit import event

__all__ = ["continue_fixture"]


def continue_fixture(fixture: Fixture, prefill: Any) -> Fixture:
    """``fixture`` as the answer to a request whose last (assistant) message is ``prefill``."""
    blocks = [{"type": "text", "text": prefill}] if isinstance(prefill, str) else list(prefill or [])
    if not blocks:
        return fixture
    last = blocks[-1] if isinstance(blocks[-1], dict) else {}
    merge = last.get("type") == "text"
    done = len(blocks) - 1 if merge else len(blocks)  # fixture blocks the prefill holds whole
    already = len(str(last.get("text", ""))) if merge else 0  # characters of block `done` it holds
    shift = done  # fixture block i becomes i - shift
    events: list[Recorded] = []
    cut_time: float | None = None
    for recorded in fixture.events:
        for sse in SSEDecoder().feed(recorded.raw):
            data = json.loads(sse.data)
            index = data.get("index")
            if not isinstance(index, int):  # message-level events (and pings) stay
                events.append(recorded)
                continue
            if index < done:
                continue
            if index == done and merge and data.get("type") == "content_block_delta":
                text = data["delta"].get("text", "")
                if already >= len(text):
                    already -= len(text)
                    continue
                data["delta"]["text"], already = text[already:], 0
            if cut_time is None:
                cut_time = recorded.time
            data["index"] = index - shift
            events.append(Recorded(event(sse.event or data["type"], data), recorded.time))
    return Fixture(fixture.name, tuple(_repace(events, cut_time)), fixture.trailing, fixture.meta)


def _repace(events: list[Recorded], cut: float | None) -> list[Recorded]:
    """Keep the message_start's time; what follows the cut comes right after it."""
    if cut is None or not events or events[0].time is None:
        return events
    start = events[0].time
    gap = max(cut - start - 0.3, 0.0)
    return [events[0], *(Recorded(e.raw, None if e.time is None else max(e.time - gap, start)) for e in events[1:])]
