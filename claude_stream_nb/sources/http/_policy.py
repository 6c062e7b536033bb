"""When to retry, how long to wait, and how to continue a stream that broke: pure decisions.

Retries (before the first event) follow the official SDK: ``x-should-retry`` decides first;
else 408, 409, 429 and 5xx (529 included) are retried, as are connection errors and timeouts;
the wait is ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date, up to 60 s), else
``min(0.5 * 2**n, 8)`` seconds less up to 25 % jitter.

Continuation (after the first event): the request is sent again with the partial answer as an
assistant prefill, and the new stream's blocks are folded onto the old ones -- its first text
block into the text that was cut, the rest after it. A partial tool call or thinking block is
discarded, not continued: a tool call's JSON cannot be prefilled (the API takes only text as a
prefill), and a thinking block without its signature is not accepted back. When a tool call had
already completed, there is nothing to continue (the API would want its result next), so the
stream ends incomplete instead.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any

from ...core._events import ContentBlockDelta, ContentBlockStart, ContentBlockStop, Event, MessageStart
from ...core._snapshot import Rope, Snapshot, evolve
from ...core._sse import encode_event

__all__ = ["Continuation", "continuation", "retry_delay", "should_retry"]

RETRYABLE_ERROR_EVENTS = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    flag = headers.get("x-should-retry")
    if flag == "true":
        return True
    if flag == "false":
        return False
    return status in (408, 409, 429) or status >= 500


def retry_delay(retry: int, headers: Mapping[str, str], rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (0-based)."""
    for key, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(key)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            seconds = _http_date_delay(value) if key == "retry-after" else -1
        if 0 <= seconds <= 60:
            return seconds
    base = min(0.5 * 2.0**retry, 8.0)
    return base * (1 - 0.25 * (rng or random).random())


def _http_date_delay(value: str) -> float:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return -1
    from datetime import datetime, timezone

    return (when - datetime.now(timezone.utc)).total_seconds()


@dataclass(frozen=True)
class Continuation:
    """How a continuation stream's events map onto the snapshot being continued."""

    offset: int
    """Continuation block ``k`` becomes block ``offset + k``."""
    merge: bool
    """Block 0 continues the cut text block (its ``content_block_start`` is not folded)."""

    def rewrite(self, event: Event) -> Event | None:
        """The event as the continued snapshot sees it; None for one it must not fold."""
        if isinstance(event, MessageStart):
            return None
        if isinstance(event, ContentBlockStart | ContentBlockDelta | ContentBlockStop):
            if self.merge and event.index == 0 and isinstance(event, ContentBlockStart):
                return None
            index = self.offset + event.index
            data = event.sse.json()
            data["index"] = index
            sse = event.sse._replace(raw=encode_event(event.type, data))
            return replace(event, index=index, sse=sse)
        return event


def continuation(
    snap: Snapshot, params: Mapping[str, Any], at: float | None, reason: str
) -> tuple[Snapshot, Continuation, dict[str, Any]] | None:
    """Prepare to continue ``snap``: the trimmed snapshot, the event mapping and the new
    request body. None when it cannot be continued (a tool call already completed)."""
    blocks = list(snap.blocks)
    if any(b.type == "tool_use" and b.stopped for b in blocks):
        return None
    merge = False
    if blocks and not blocks[-1].stopped:
        open_block = blocks.pop()
        text = str(open_block.text).rstrip()  # the API refuses a prefill ending in whitespace
        if open_block.type == "text" and text:
            blocks.append(evolve(open_block, text=Rope([text], 1, len(text))))
            merge = True
    offset = len(blocks) - (1 if merge else 0)
    marker = {"at": at, "block": blocks[-1].index if merge else None, "offset": len(blocks[-1].text) if merge else 0}
    trimmed = evolve(
        snap,
        blocks=tuple(blocks),
        state="streaming",
        error=None,
        end_reason=None,
        ended_at=None,
        reconnects=(*snap.reconnects, {**marker, "reason": reason}),
    )
    body = dict(params)
    prefill = [b.to_dict() for b in blocks]
    if prefill:
        body["messages"] = [*params["messages"], {"role": "assistant", "content": prefill}]
    return trimmed, Continuation(offset, merge), body
