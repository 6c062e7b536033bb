"""Checks for ``02_text``: text deltas, time to first token, cumulative usage."""

from __future__ import annotations

from typing import Any

from ..core._events import ContentBlockDelta, MessageDelta, MessageStart, TextDelta
from ..core._snapshot import Snapshot
from ..core._stream import StreamFold
from ..sources._fixtures import load_fixture
from ._check import Verdict, unanswered

__all__ = ["exercise_1", "exercise_2", "exercise_3", "folded"]


def folded(name: str) -> tuple[list[Any], Snapshot]:
    """A bundled recording's typed events and final snapshot, with the recorded times."""
    fold = StreamFold()
    events = [event for rec in load_fixture(name).events for event, _ in fold.feed(rec.raw, rec.time)]
    return events, fold.close()


def _number(answer: Any) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return None
    return float(answer)


def exercise_1(answer: Any) -> Verdict:
    """The answer text of ``unicode``, rebuilt from its text deltas."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    events, _ = folded("unicode")
    pieces = [e.delta.text for e in events if isinstance(e, ContentBlockDelta) and isinstance(e.delta, TextDelta)]
    expected = "".join(pieces)
    if isinstance(answer, (list, tuple)):
        return Verdict(False, "that is a list of pieces: join them into one str ('' as the separator).")
    if not isinstance(answer, str):
        return Verdict(False, f"give the text as a str, got a {type(answer).__name__}.")
    if answer == expected:
        return Verdict(
            True,
            f"{len(pieces)} pieces, {len(expected)} characters. The family emoji 👩‍👩‍👧‍👦 came in two deltas: "
            "only the joined text is safe to render.",
        )
    for sep in (" ", "\n", "|"):
        if answer == sep.join(pieces):
            return Verdict(False, f"joined with {sep!r}: deltas are raw pieces (not words), join them with ''.")
    if answer.strip() == expected.strip():
        return Verdict(False, "almost: keep the text exactly, without stripping whitespace.")
    if expected.startswith(answer):
        return Verdict(False, f"only the first {len(answer)} of {len(expected)} characters: take every text_delta.")
    return Verdict(False, f"expected {len(expected)} characters starting {expected[:30]!r}; got {len(answer)}.")


def exercise_2(answer: Any) -> Verdict:
    """Time to first token of ``long_markdown``, in recorded seconds."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    events, snap = folded("long_markdown")
    value = _number(answer)
    if value is None:
        return Verdict(False, f"give a number of seconds (a float), got {answer!r:.60}.")
    expected = snap.time_to_first_token or 0.0
    close = abs(value - expected) <= 0.0051  # rounding to 2 decimals is fine
    if close:
        total = snap.total_time or 0.0
        return Verdict(
            True,
            f"{expected:.3f} s to the first word, {total:.1f} s to the last: streaming puts text on screen "
            f"{total / expected:.0f}× sooner than waiting for the whole answer.",
        )
    first_event = snap.time_to_first_byte or 0.0
    if abs(value - first_event) <= 0.0051:
        return Verdict(False, "that is the first event (message_start): no text yet. Take the first text_delta.")
    start = next((e.sse.time for e in events if e.type == "content_block_start"), None)
    if start is not None and abs(value - start) <= 0.0051:
        return Verdict(False, "that is content_block_start: the block opens empty. Take the first text_delta.")
    if abs(value - (snap.total_time or 0.0)) <= 0.0051:
        return Verdict(False, "that is the total time (the last event). Time to first token is much shorter.")
    if abs(value / 1000 - expected) <= 0.0051:
        return Verdict(False, "recorded times are seconds, not milliseconds.")
    return Verdict(False, f"{value:g} s is not when the first text_delta arrived (event.sse.time).")


def exercise_3(answer: Any) -> Verdict:
    """The true ``input_tokens`` of ``web_search``."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    events, snap = folded("web_search")
    start = next(e for e in events if isinstance(e, MessageStart)).message["usage"]["input_tokens"]
    last = [e for e in events if isinstance(e, MessageDelta)][-1].usage or {}
    expected = snap.usage["input_tokens"]
    if isinstance(answer, bool) or not isinstance(answer, int):
        return Verdict(False, f"give the token count as an int, got {answer!r:.60}.")
    if answer == expected:
        return Verdict(
            True,
            f"{expected}: message_delta's usage is cumulative, so it replaces message_start's {start} "
            f"(which did not include the search results yet). Adding them would bill {start + expected}.",
        )
    if answer == start + last.get("input_tokens", 0):
        return Verdict(
            False,
            f"{answer} is message_start + message_delta added up: usage is cumulative. "
            "A later count replaces an earlier one; it never adds to it.",
        )
    if answer == start:
        return Verdict(
            False,
            f"{start} is what message_start said, before the search results were read. "
            "A later message_delta brought a new count.",
        )
    return Verdict(False, f"{answer} is not what the stream says in the end (look at every usage it carries).")
