"""Checks for ``04_tool_use``: tool input JSON, parsed once, shown honestly, run only when whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..core._message import Message
from ._check import Verdict, unanswered
from .nb02 import folded

__all__ = ["exercise_1", "exercise_2", "exercise_3", "exercise_4"]


def _inputs(name: str) -> dict[str, Any]:
    return {str(b.start["id"]): b.input for b in folded(name)[1].blocks if b.is_tool_use}


def _texts(name: str) -> list[str]:
    return [str(b.text) for b in folded(name)[1].blocks if b.is_tool_use]


def exercise_1(answer: Any) -> Verdict:
    """The parsed input of the get_weather call in ``tool_use``."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    block = next(b for b in folded("tool_use")[1].blocks if b.is_tool_use)
    expected = block.input
    if isinstance(answer, str):
        return Verdict(False, "that is still JSON text: parse it, once, with json.loads (at content_block_stop).")
    if not isinstance(answer, dict):
        return Verdict(False, f"give the parsed input (a dict), got a {type(answer).__name__}.")
    if answer == expected:
        return Verdict(
            True,
            f"{len(expected)} keys, nested 'include' and all. The {block.deltas} pieces were valid JSON only "
            "together, at content_block_stop.",
        )
    if answer.get("lon") == 12 or answer.get("lat") == 31:
        return Verdict(False, "a number was taken before it finished ('12' became '121.47'): parse at the stop.")
    missing = sorted(set(expected) - set(answer))
    if missing:
        return Verdict(False, f"keys missing: {missing}. Append every input_json_delta before parsing.")
    return Verdict(False, f"not the input that streamed: expected {json.dumps(expected)}.")


def exercise_2(answer: Any) -> Verdict:
    """A function: fixture name -> {tool_use id: parsed input}, for every tool call."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not callable(answer):
        return Verdict(False, "give the function itself (answer = tool_inputs), not a call's result.")
    function: Callable[[str], Any] = answer
    for name in ("tool_use", "parallel_tools", "thinking_tool_use", "plain_text"):
        try:
            got = function(name)
        except json.JSONDecodeError as exc:
            if exc.doc == "" and "" in _texts(name):
                return Verdict(
                    False,
                    f"tool_inputs({name!r}): json.loads('') failed. An empty input streams as "
                    "'' (list_cities has no arguments): treat an empty text as {}.",
                )
            return Verdict(
                False,
                f"tool_inputs({name!r}): json.loads failed ({exc}). Parse only the whole text, "
                "at content_block_stop, never a single delta.",
            )
        except Exception as exc:  # the learner's code: say what it raised
            return Verdict(False, f"tool_inputs({name!r}) raised {type(exc).__name__}: {exc}")
        if got is Ellipsis:
            return Verdict(False, "replace the `...` in the function with your code, then run both cells again.")
        expected = _inputs(name)
        if got != expected:
            if isinstance(got, dict) and set(got) == set(expected):
                bad = next(k for k in expected if got[k] != expected[k])
                return Verdict(False, f"tool_inputs({name!r})[{bad!r}] is {got[bad]!r}, expected {expected[bad]!r}.")
            return Verdict(False, f"tool_inputs({name!r}) gave {got!r:.100}; expected {expected!r:.100}.")
    return Verdict(
        True,
        "four tool calls in parallel_tools, each parsed once at its own content_block_stop, and list_cities's "
        "empty '' became {}.",
    )


def exercise_3(answer: Any) -> Verdict:
    """What a display may show as final while the input so far is ``{"city": "Paris", "days": 1``."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, dict):
        return Verdict(False, "give a dict: the keys and values that are certain so far.")
    if answer == {"city": "Paris"}:
        return Verdict(
            True,
            "'Paris' is closed by its quote, so it is final; 1 may still become 12 or 1.5, so it is pending "
            "until a ',' or '}' arrives.",
        )
    if answer.get("days") == 1:
        return Verdict(
            False,
            "days = 1 is not certain: the next delta may be '2' (12) or '.5' (1.5). Show it as pending, not final.",
        )
    if answer == {}:
        return Verdict(False, "'Paris' is complete: its closing quote arrived, and nothing can change it now.")
    return Verdict(False, f"{answer!r} is not what the text so far says for certain.")


def exercise_4(answer: Any) -> Verdict:
    """A function: final message -> True when its tool calls may be run."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not callable(answer):
        return Verdict(False, "give the function itself (answer = should_run_tools), not a call's result.")
    function: Callable[[Message], Any] = answer
    cases = {
        "tool_use": True,
        "parallel_tools": True,
        "thinking_tool_use": True,
        "plain_text": False,
        "max_tokens_in_tool": False,
        "xss": False,
    }
    why = {
        "plain_text": "it has no tool call at all (stop_reason end_turn).",
        "max_tokens_in_tool": "it stopped at max_tokens inside write_file's arguments: the input is cut off.",
        "xss": "it ended in an error event: stop_reason is None, the turn never finished.",
    }
    for name, expected in cases.items():
        message = Message(folded(name)[1])
        try:
            got = function(message)
        except Exception as exc:  # the learner's code: say what it raised
            return Verdict(False, f"should_run_tools(<{name}>) raised {type(exc).__name__}: {exc}")
        if got is Ellipsis:
            return Verdict(False, "replace the `...` in the function with your code, then run both cells again.")
        if bool(got) != expected:
            reason = why.get(name, f"it is a whole tool call (stop_reason {message['stop_reason']!r}).")
            verb = "should" if expected else "must not"
            return Verdict(False, f"{name} {verb} run: {reason}")
    return Verdict(
        True,
        "run tools only when stop_reason is 'tool_use': max_tokens can cut an argument mid-string, and an "
        "error event can end the turn after a call that looks whole.",
    )
