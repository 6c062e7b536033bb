"""Checks for ``06_errors_and_reconnection``: retries, fault headers, continuation, partial answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core._stream import StreamFold
from ..fake_api._plan import Faults
from ..sources._fixtures import load_fixture
from ._check import Verdict, check, unanswered

__all__ = ["PARTIAL", "QUESTION", "STATUSES", "exercise_1", "exercise_2", "exercise_3", "exercise_4"]

STATUSES = (400, 401, 403, 408, 429, 500, 529)
"""The statuses exercise 1 asks about."""
_RETRIED = {408, 429, 500, 529}
_WHY = {
    400: "400 (invalid request) fails the same way every time: fix the request instead",
    401: "401 (authentication) is a wrong key: retrying cannot make it right",
    403: "403 (permission) is a decision, not a hiccup",
    408: "408 (request timeout) is transient: the SDK retries it",
    429: "429 (rate limit) passes once the limit resets: wait retry-after, then retry",
    500: "500 (api_error) is the server's own failure: retried, like every 5xx",
    529: "529 (overloaded) is retried after retry-after: it is the API asking you to come back later",
}

QUESTION: list[dict[str, Any]] = [{"role": "user", "content": "What is SSE?"}]
"""Exercise 3: the request's messages."""
PARTIAL = "Server-Sent Events (SSE) is a simple HTTP format for "
"""Exercise 3: the text that arrived before the connection dropped (note the trailing space)."""


def exercise_1(answer: Any) -> Verdict:
    """The set of statuses, among :data:`STATUSES`, that the client retries."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    try:
        if isinstance(answer, (str, bytes, int)):
            raise TypeError
        chosen = {int(s) for s in answer}
    except (TypeError, ValueError):
        return Verdict(False, f"give a set of status numbers, like {{429, 529}}; got {answer!r}.")
    unknown = chosen - set(STATUSES)
    if unknown:
        return Verdict(False, f"{sorted(unknown)} is not among the statuses asked about: {list(STATUSES)}.")
    extra, missing = sorted(chosen - _RETRIED), sorted(_RETRIED - chosen)
    if extra:
        return Verdict(False, f"{_WHY[extra[0]]} -- so {extra[0]} is not retried.")
    if missing:
        return Verdict(False, f"{_WHY[missing[0]]} -- so {missing[0]} belongs in the set.")
    return Verdict(True, "408, 429 and 5xx (529 included) are retried; 400, 401 and 403 would fail again.")


def exercise_2(answer: Any) -> Verdict:
    """An ``x-fault`` value: the first attempt gets a 429 with ``retry-after: 2``, later ones succeed."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, str):
        return Verdict(False, f"the header value is a string like 'status=529;attempts=1'; got {answer!r}.")
    try:
        faults = Faults.parse(answer)
    except ValueError as exc:
        return Verdict(False, f"the server would refuse it: {exc}.")
    if faults.status != 429:
        return Verdict(False, f"a rate limit is HTTP 429; this asks for status={faults.status}.")
    if faults.retry_after != 2:
        return Verdict(False, f"the server should say `retry-after: 2`: add retry_after=2 (got {faults.retry_after}).")
    if faults.attempts != 1:
        return Verdict(
            False,
            "without attempts=1 every attempt gets the 429, so the retries fail too"
            if faults.attempts is None
            else f"attempts={faults.attempts} fails {faults.attempts} attempts; only the first should fail.",
        )
    others = [f for f in ("error_after", "drop_after", "first_byte_delay", "stall") if getattr(faults, f)]
    return check(
        not others and faults.should_retry is not False,
        "the first attempt gets 429 + retry-after: 2; the client waits 2 s and the retry streams.",
        f"only the 429 was asked for; drop {', '.join(others) or 'should_retry=false'}.",
    )


def exercise_3(answer: Any) -> Verdict:
    """The ``messages`` of the request that continues :data:`PARTIAL` after :data:`QUESTION`."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, list) or not all(isinstance(m, Mapping) for m in answer):
        return Verdict(False, "give a list of messages: [{'role': ..., 'content': ...}, ...].")
    if len(answer) != len(QUESTION) + 1:
        return Verdict(
            False, f"expected the question then one assistant message ({len(QUESTION) + 1}), got {len(answer)}."
        )
    if list(answer[: len(QUESTION)]) != QUESTION:
        return Verdict(False, "keep the original messages unchanged, in order, before the prefill.")
    last = answer[-1]
    if last.get("role") != "assistant":
        return Verdict(False, "the partial answer goes back as the *assistant's* message (a prefill), not the user's.")
    text = _text_of(last.get("content"))
    if text is None:
        return Verdict(False, "the content is the partial text: a string, or [{'type': 'text', 'text': ...}].")
    if text == PARTIAL:
        return Verdict(False, "the API refuses a final assistant message that ends in whitespace: `.rstrip()` it.")
    return check(
        text == PARTIAL.rstrip(),
        "the model continues its own words; the fake server (and the API) send only what comes after them.",
        f"the prefill should be exactly the partial text (stripped); got {text!r}.",
    )


def exercise_4(answer: Any) -> Verdict:
    """The text that survived a ``plain_text`` stream cut by ``error_after=10`` (no reconnects)."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    from ..live import ClaudeError

    if isinstance(answer, ClaudeError):
        return Verdict(
            False, "that is the error itself; the partial message is `err.message`, its text `err.message.text`."
        )
    if not isinstance(answer, str):
        return Verdict(False, f"answer with the text (a string); got {type(answer).__name__}.")
    expected, whole = _text_after("plain_text", 10), _text_after("plain_text", None)
    if answer == whole:
        return Verdict(
            False,
            "that is the whole answer: the fault did not hit (x-fault header?) or the client reconnected "
            "(max_reconnects=0?).",
        )
    return check(
        answer == expected,
        f"{len(expected)} characters survived the error event; nothing that arrived was lost.",
        f"expected the text of the first 10 events ({len(expected)} characters), got {len(answer)}: "
        "stream model='plain_text' with x-fault 'error_after=10' and max_reconnects=0.",
    )


def _text_of(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list) and len(content) == 1 and isinstance(content[0], Mapping):
        block = content[0]
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            return str(block["text"])
    return None


def _text_after(name: str, events: int | None) -> str:
    fold = StreamFold()
    for recorded in load_fixture(name).events[:events]:
        fold.feed(recorded.raw, recorded.time)
    return fold.close().text
