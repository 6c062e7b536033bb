"""Checks for ``08_performance``: first token vs total, the naive view's growth, the longest silence."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ..core._stream import StreamFold
from ..sources._fixtures import load_fixture
from ._check import Verdict, check, unanswered

__all__ = ["exercise_1", "exercise_2", "exercise_3"]

_TOLERANCE = 0.0015  # recorded times have millisecond resolution


def exercise_1(answer: Any) -> Verdict:
    """``(time_to_first_token, total)`` of the ``web_search`` recording, in seconds."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    try:
        first, total = (float(x) for x in answer)
    except (TypeError, ValueError):
        return Verdict(False, f"give a pair of seconds: (first_token, total); got {answer!r}.")
    snap = _final("web_search")
    want_first, want_total = snap.time_to_first_token, snap.total_time
    assert want_first is not None
    assert want_total is not None
    if _near(first, want_total) and _near(total, want_first):
        return Verdict(False, "the two are swapped: the first token comes first.")
    if not _near(total, want_total):
        return Verdict(
            False,
            f"total should be when the last event arrived ({_near_hint(total, want_total)}): `snapshot.total_time`.",
        )
    return check(
        _near(first, want_first),
        f"the first words show after {want_first:.2f} s; without streaming the reader would wait "
        f"{want_total:.2f} s, {want_total / want_first:.0f}x longer.",
        f"the first token is the first text (or thinking) delta, not message_start ({_near_hint(first, want_first)}): "
        "`snapshot.time_to_first_token`.",
    )


def exercise_2(answer: Any) -> Verdict:
    """The naive view on an answer twice as long sends about: (a) 2x the bytes, (b) 4x, (c) the same."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    choice = str(answer).strip().lower().strip("()")
    if choice not in ("a", "b", "c"):
        return Verdict(False, f"answer 'a', 'b' or 'c'; got {answer!r}.")
    if choice == "a":
        return Verdict(
            False,
            "twice the deltas, but each one re-sends the whole answer so far, which is also twice as long: 2 x 2.",
        )
    if choice == "c":
        return Verdict(False, "every delta re-sends everything so far: a longer answer costs more, a lot more.")
    return Verdict(
        True, "n deltas each re-sending up to n pieces is ~n²/2: twice the length, about four times the bytes."
    )


def exercise_3(answer: Any) -> Verdict:
    """The longest silence (seconds between two consecutive events) in the ``web_search`` recording."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    try:
        seconds = float(answer)
    except (TypeError, ValueError):
        return Verdict(False, f"give a number of seconds; got {answer!r}.")
    times = [e.time for e in load_fixture("web_search").events if e.time is not None]
    gaps = [b - a for a, b in pairwise(times)]
    longest = max(gaps)
    if _near(seconds, times[0]):
        return Verdict(False, "that is the wait for the first event; look for the longest gap *between* two events.")
    if _near(seconds, times[-1] - times[0]) or _near(seconds, times[-1]):
        return Verdict(False, "that is the whole stream; take the differences of consecutive arrival times.")
    return check(
        _near(seconds, longest),
        f"{longest:.2f} s of silence while the server ran the search: a view should say so, "
        "and an idle timeout must allow for it.",
        f"not the longest gap ({_near_hint(seconds, longest)}): max of t[i+1] - t[i] over the events' times.",
    )


def _final(name: str) -> Any:
    fold = StreamFold()
    for recorded in load_fixture(name).events:
        fold.feed(recorded.raw, recorded.time)
    return fold.close()


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= _TOLERANCE


def _near_hint(got: float, want: float) -> str:
    return f"yours is {'too long' if got > want else 'too short'}"
