"""The exercise checks of tutorial 05 (the agent loop): each accepts its solution, says "not yet"
to an untouched ``...``, and rejects the typical wrong answers with a reason that names the mistake."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import pytest

from claude_stream_nb.agent import Tool, tool
from claude_stream_nb.exercises import nb05

from .verdicts import assert_right, assert_wrong


@pytest.mark.parametrize("check", [nb05.exercise_1, nb05.exercise_3], ids=lambda c: f"nb05.{c.__name__}")
def test_a_function_left_unfinished_is_not_yet_answered(check: Any) -> None:
    def unfinished(*args: Any) -> Any:
        return ...

    assert_wrong(check(unfinished), "replace the `...` in the function")


# --- 1 · the next request ---------------------------------------------------------------------------

Outcomes = dict[str, Any]


def result_block(ident: str, outcome: Any) -> dict[str, Any]:
    if isinstance(outcome, BaseException):
        return {
            "type": "tool_result",
            "tool_use_id": ident,
            "content": f"{type(outcome).__name__}: {outcome}",
            "is_error": True,
        }
    content = outcome if isinstance(outcome, str) else json.dumps(outcome)
    return {"type": "tool_result", "tool_use_id": ident, "content": content}


def calls_of(reply: dict[str, Any]) -> list[str]:
    return [b["id"] for b in reply["content"] if b["type"] == "tool_use"]


def next_messages(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
    results = [result_block(ident, outcomes[ident]) for ident in calls_of(reply)]
    return [*messages, {"role": "assistant", "content": reply["content"]}, {"role": "user", "content": results}]


def test_1_the_solution_is_right() -> None:
    assert_right(nb05.exercise_1(next_messages))


def test_1_results_may_be_a_list_of_text_blocks() -> None:
    def as_blocks(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        for block in out[-1]["content"]:
            block["content"] = [{"type": "text", "text": block["content"]}]
        return out

    assert_right(nb05.exercise_1(as_blocks))


def test_1_the_finishing_order_is_named() -> None:
    def finishing_order(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        results = [result_block(ident, outcome) for ident, outcome in outcomes.items()]
        return [*messages, {"role": "assistant", "content": reply["content"]}, {"role": "user", "content": results}]

    assert_wrong(nb05.exercise_1(finishing_order), "agent_three_turns_2", "order the tools finished in")


def test_1_one_user_message_per_result_is_named() -> None:
    def one_each(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        results = [{"role": "user", "content": [result_block(i, outcomes[i])]} for i in calls_of(reply)]
        return [*messages, {"role": "assistant", "content": reply["content"]}, *results]

    assert_wrong(nb05.exercise_1(one_each), "ONE user message")


def test_1_dropped_thinking_and_edited_signature_are_named() -> None:
    def without_thinking(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        out[-2]["content"] = [b for b in reply["content"] if b["type"] != "thinking"]
        return out

    def resigned(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        out[-2]["content"] = [{**b, "signature": ""} if b["type"] == "thinking" else b for b in reply["content"]]
        return out

    assert_wrong(nb05.exercise_1(without_thinking), "agent_three_turns_1", "thinking block is missing")
    assert_wrong(nb05.exercise_1(resigned), "signature changed")


def test_1_the_whole_reply_as_a_message_is_refused() -> None:
    def whole(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        out[-2] = dict(reply)
        return out

    assert_wrong(nb05.exercise_1(whole), "only 'role' and 'content'", "'usage'")


def test_1_a_dict_result_must_be_json_text() -> None:
    def raw(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        out[-1]["content"] = [{**b, "content": outcomes[b["tool_use_id"]]} for b in out[-1]["content"]]
        return out

    assert_wrong(nb05.exercise_1(raw), "must be text", "json.dumps")


def test_1_an_exception_must_be_an_error_result() -> None:
    def no_flag(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        out[-1]["content"] = [{k: v for k, v in b.items() if k != "is_error"} for b in out[-1]["content"]]
        return out

    def silent(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        out = next_messages(messages, reply, outcomes)
        out[-1]["content"] = [{**b, "content": "error"} if b.get("is_error") else b for b in out[-1]["content"]]
        return out

    assert_wrong(nb05.exercise_1(no_flag), "TimeoutError", "is_error: true")
    assert_wrong(nb05.exercise_1(silent), "did not answer within 5 s")


def test_1_earlier_messages_are_kept_and_a_crash_is_reported() -> None:
    def fresh(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        return next_messages(messages, reply, outcomes)[-2:]

    def crash(messages: list[Any], reply: dict[str, Any], outcomes: Outcomes) -> list[Any]:
        raise KeyError("oops")

    assert_wrong(nb05.exercise_1(fresh), "conversation so far")
    assert_wrong(nb05.exercise_1(crash), "raised KeyError")


# --- 2 · a schema from a function -----------------------------------------------------------------


def get_forecast(city: str, days: int = 3, unit: Literal["celsius", "fahrenheit"] = "celsius") -> list[Any]:
    """Daily weather forecast for a city.

    Args:
        city: The city name, e.g. "Paris".
        days: How many days ahead, 1 to 7.
    """
    return []


def test_2_the_solution_is_right_as_a_function_and_as_a_tool() -> None:
    assert Tool.from_function(get_forecast).definition() == nb05.FORECAST
    assert_right(nb05.exercise_2(get_forecast))
    assert_right(nb05.exercise_2(tool(get_forecast)))


def named(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The function under the exercise's name, so that only the mistake under test differs."""
    fn.__name__ = "get_forecast"
    return fn


def test_2_typical_mistakes_are_named() -> None:
    def forecast(city: str, days: int = 3, unit: Literal["celsius", "fahrenheit"] = "celsius") -> list[Any]:
        """Daily weather forecast for a city.

        Args:
            city: The city name, e.g. "Paris".
            days: How many days ahead, 1 to 7.
        """
        return []

    def untyped(city: str, days=3, unit: Literal["celsius", "fahrenheit"] = "celsius") -> list[Any]:
        """Daily weather forecast for a city.

        Args:
            city: The city name, e.g. "Paris".
            days: How many days ahead, 1 to 7.
        """
        return []

    def required_days(city: str, days: int, unit: Literal["celsius", "fahrenheit"] = "celsius") -> list[Any]:
        """Daily weather forecast for a city.

        Args:
            city: The city name, e.g. "Paris".
            days: How many days ahead, 1 to 7.
        """
        return []

    def plain_unit(city: str, days: int = 3, unit: str = "celsius") -> list[Any]:
        """Daily weather forecast for a city.

        Args:
            city: The city name, e.g. "Paris".
            days: How many days ahead, 1 to 7.
        """
        return []

    def undocumented(city: str, days: int = 3, unit: Literal["celsius", "fahrenheit"] = "celsius") -> list[Any]:
        """Daily weather forecast for a city."""
        return []

    def open_ended(city: str, days: int = 3, unit: Literal["celsius", "fahrenheit"] = "celsius", **more: Any) -> Any:
        """Daily weather forecast for a city.

        Args:
            city: The city name, e.g. "Paris".
            days: How many days ahead, 1 to 7.
        """
        return []

    def undescribable(city: object) -> None:
        """Daily weather forecast for a city."""

    assert_wrong(nb05.exercise_2(forecast), "named 'forecast'")
    assert_wrong(nb05.exercise_2(named(untyped)), "days: type", "`: int`")
    assert_wrong(nb05.exercise_2(named(required_days)), "days: default", "default in the signature")
    assert_wrong(nb05.exercise_2(named(plain_unit)), "unit: enum", "Literal")
    assert_wrong(nb05.exercise_2(named(undocumented)), "city: description", "Args:")
    assert_wrong(nb05.exercise_2(named(open_ended)), "**kwargs")
    assert_wrong(nb05.exercise_2(undescribable), "Tool.from_function could not describe it")


# --- 3 · what early start saves --------------------------------------------------------------------


def saving(calls: list[tuple[float, float]], message_stop: float) -> float:
    early = max([message_stop] + [stop + took for stop, took in calls])
    late = message_stop + max(took for _, took in calls)
    return late - early


def test_3_the_solution_is_right() -> None:
    assert_right(nb05.exercise_3(saving))


def test_3_the_recorded_turns_match_the_measurement() -> None:
    """Turn 2 of agent_three_turns saves the whole 1 s (as measured); agent_weather's call, the last
    block, saves 0.02 s."""
    assert nb05.true_saving([(1.920, 1.0), (2.808, 1.0), (3.777, 1.0)], 4.875) == pytest.approx(1.0)
    assert nb05.true_saving([(1.957, 1.0)], 1.977) == pytest.approx(0.02)


Saving = Callable[[list[tuple[float, float]], float], Any]


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda calls, stop: sum(took for _, took in calls), ["agent_three_turns", "in parallel"]),
        (lambda calls, stop: max(took for _, took in calls), ["agent_weather", "0.02 s before message_stop"]),
        (lambda calls, stop: stop - min(s for s, _ in calls), ["how much sooner the calls could start"]),
        (lambda calls, stop: max(min(took, stop - s) for s, took in calls), ["a long one at the very end"]),
        (lambda calls, stop: -1.0, ["never ends a turn later"]),
        (lambda calls, stop: "1 s", ["return a number"]),
    ],
    ids=["sum", "tool time", "lead", "per-call overlap", "negative", "text"],
)
def test_3_typical_mistakes_are_named(wrong: Saving, words: list[str]) -> None:
    assert_wrong(nb05.exercise_3(wrong), *words)
