"""Checks for ``01_anatomy_of_a_stream``: the bytes, the framing, the event types."""

from __future__ import annotations

from typing import Any

from ..core._sse import SSEDecoder
from ..sources._fixtures import load_fixture
from ._check import Verdict, check, unanswered

__all__ = ["TRICKY", "exercise_1", "exercise_2", "exercise_3"]

TRICKY: bytes = (
    b": keep-alive\r\n"
    b"\r\n"
    b"event: content_block_delta\r\n"
    b'data: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"caf\xc3\xa9 \xf0\x9f\x91\x8d"}}\r\n'
    b"\r\n"
    b"event: note\n"
    b"data: two\n"
    b"data:lines\n"
    b"\n"
)
"""Exercise 2's stream: a comment, CRLF line ends, multi-byte characters, two ``data`` lines."""


def _names(body: bytes) -> list[str]:
    return [sse.event for sse in SSEDecoder().feed(body)]


def exercise_1(answer: Any) -> Verdict:
    """The event names of the ``refusal`` recording, in order, one per event."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    expected = _names(load_fixture("refusal").body)
    if not isinstance(answer, (list, tuple)):
        return Verdict(False, f"give a list of names (one str per event), got a {type(answer).__name__}.")
    if any(isinstance(name, bytes) for name in answer):
        return Verdict(False, "those are bytes: decode each name (b'ping'.decode() is 'ping').")
    got = [str(name).strip() for name in answer]
    if any(name.startswith(("event:", "data:")) for name in got):
        return Verdict(False, "keep only the name: 'event: ping' → 'ping' (and skip the data: lines).")
    if got == expected:
        return Verdict(
            True,
            f"{len(expected)} events. Each one is an `event:` line, a `data:` line and a blank line; "
            "ping is a real event too, and even a refusal is an ordinary stream that ends in message_stop.",
        )
    if [n for n in expected if n != "ping"] == got:
        return Verdict(False, "ping is missing: it is a real event (`event: ping`), not a comment. Keep it.")
    if len(set(got)) == len(got) and len(got) < len(expected):
        return Verdict(False, "one name per event, repeats included (there are several content_block_delta).")
    if sorted(got) == sorted(expected):
        return Verdict(False, "the right names, in the wrong order: keep them in the order they arrive.")
    return Verdict(False, f"expected {len(expected)} names, starting with {expected[:3]}; you have {len(got)}.")


def exercise_2(answer: Any) -> Verdict:
    """The ``data`` of every event in :data:`TRICKY`, fed to a decoder one byte at a time."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    expected = [sse.data for sse in SSEDecoder().feed(TRICKY)]
    if not isinstance(answer, (list, tuple)) or not all(isinstance(d, str) for d in answer):
        return Verdict(False, "give a list of str: the `data` of each event (sse.data).")
    got = list(answer)
    if got == expected:
        return Verdict(
            True,
            "2 events: the comment block dispatches nothing; CRLF is one line end; 'café 👍' survives "
            "because lines are split on bytes and decoded after; two data lines join with '\\n'.",
        )
    joined = "".join(got)
    if "\ufffd" in joined:
        return Verdict(
            False,
            "a � replacement character: a chunk was decoded on its own and cut a character "
            "in half. Split lines on bytes first, decode whole lines.",
        )
    if any("keep-alive" in d for d in got):
        return Verdict(False, "a comment line (`: keep-alive`) is not data: decoders skip it.")
    if any(d.endswith("\r") or "\r" in d for d in got):
        return Verdict(False, "a '\\r' was kept: CR LF together is one line end.")
    if "twolines" in got or "two lines" in got:
        return Verdict(False, "several data lines join with '\\n' (so 'two\\nlines').")
    if "two\n lines" in got or any(d.startswith(" ") for d in got):
        return Verdict(False, "the one space after `data:` is dropped; without a space nothing is dropped.")
    return Verdict(False, f"expected {len(expected)} data strings; you have {len(got)}: {got!r:.120}")


def exercise_3(answer: Any) -> Verdict:
    """Which event carries the ``stop_reason``."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    got = str(answer).strip().strip("`'\"").lower()
    if got == "message_stop":
        return Verdict(False, "message_stop carries nothing but its type. Look one event earlier.")
    if got == "message_start":
        return Verdict(False, "message_start has `stop_reason: null`: nobody knows yet how the answer will end.")
    return check(
        got == "message_delta",
        "message_delta: its `delta.stop_reason` (end_turn, tool_use, max_tokens, refusal...) and the "
        "final cumulative usage arrive together, just before message_stop.",
        f"{answer!r} is not one of the events that says why the message ended.",
    )
