"""Checks for ``05_the_agent_loop``: the request after a tool call, a tool schema from a Python
function, and what starting tools early can save."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from ..agent import Tool
from ..core._message import Message
from ..sources._fixtures import load_fixture
from ._check import Verdict, unanswered
from .nb02 import folded

__all__ = ["FORECAST", "exercise_1", "exercise_2", "exercise_3"]


# --- 1 · the next request ------------------------------------------------------------------------


class _Case:
    """A recorded turn that ended in tool_use, and how its tools turned out (in finishing order)."""

    def __init__(self, name: str, outcomes: Callable[[dict[str, str]], dict[str, Any]]) -> None:
        self.name = name
        self.messages: list[dict[str, Any]] = load_fixture(name).meta["request"]["messages"]
        self.reply = Message(folded(name)[1])
        calls = [b for b in self.reply["content"] if b["type"] == "tool_use"]
        self.order = [str(b["id"]) for b in calls]
        self.label = {str(b["id"]): f"{b['name']}({json.dumps(b['input'])})" for b in calls}
        by_input = {json.dumps(b["input"], sort_keys=True): str(b["id"]) for b in calls}
        self.outcomes = outcomes(by_input)


def _weather(city: str) -> str:
    return json.dumps({"city": city}, sort_keys=True)


def _cases() -> list[_Case]:
    from ..agent.examples import get_weather, list_cities

    return [
        _Case("agent_three_turns_1", lambda ids: {ids["{}"]: list_cities()}),
        # finishing order: Shanghai, Paris (it raised), Cairo -- not the order of the tool_use blocks
        _Case(
            "agent_three_turns_2",
            lambda ids: {
                ids[_weather("Shanghai")]: get_weather("Shanghai"),
                ids[_weather("Paris")]: TimeoutError("the weather service did not answer within 5 s"),
                ids[_weather("Cairo")]: get_weather("Cairo"),
            },
        ),
        _Case(
            "agent_parallel_1",
            lambda ids: {ids[_weather("Paris")]: get_weather("Paris"), ids[_weather("Shanghai")]: "24 °C, light rain"},
        ),
    ]


def exercise_1(answer: Any) -> Verdict:
    """A function: (messages so far, the assistant's reply, {tool_use id: outcome}) -> the next messages."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not callable(answer):
        return Verdict(False, "give the function itself (answer = next_messages), not a call's result.")
    function: Callable[..., Any] = answer
    for case in _cases():
        args = (copy.deepcopy(case.messages), copy.deepcopy(case.reply), dict(case.outcomes))
        try:
            got = function(*args)
        except Exception as exc:  # the learner's code: say what it raised
            return Verdict(False, f"next_messages(<{case.name}>) raised {type(exc).__name__}: {exc}")
        if got is Ellipsis:
            return Verdict(False, "replace the `...` in the function with your code, then run both cells again.")
        problem = _next_problem(case, got)
        if problem is not None:
            return Verdict(False, f"for {case.name}: {problem}")
    return Verdict(
        True,
        "the assistant's content went back unchanged (the thinking block with its signature too), then one "
        "user message with every tool_result in the order of the tool_use blocks, whatever order the tools "
        "finished in, and the TimeoutError as an is_error result the model can read.",
    )


def _next_problem(case: _Case, got: Any) -> str | None:
    if not isinstance(got, list):
        return f"return the list of messages for the next request, got {type(got).__name__}."
    n = len(case.messages)
    if got[:n] != case.messages:
        return "keep the conversation so far, unchanged, at the start of the list."
    rest = got[n:]
    calls = len(case.order)
    if len(rest) == 1 + calls and calls > 1 and all(isinstance(m, dict) and m.get("role") == "user" for m in rest[1:]):
        return (
            f"{calls} user messages, one per result. All the results go back in ONE user message: every "
            "tool_use needs its tool_result in the very next message."
        )
    if len(rest) != 2:
        return (
            f"append exactly two messages (you appended {len(rest)}): the assistant's reply, then one user "
            "message with the tool results."
        )
    return _assistant_problem(case, rest[0]) or _results_problem(case, rest[1])


def _assistant_problem(case: _Case, message: Any) -> str | None:
    content = case.reply["content"]
    if not isinstance(message, Mapping) or message.get("role") != "assistant":
        return "the first message you append is the assistant's reply: role 'assistant'."
    if set(message) != {"role", "content"}:
        extra = sorted(set(message) - {"role", "content"})
        return f"a message in a request has only 'role' and 'content' (drop {extra}): use reply['content']."
    sent = message["content"]
    if sent == content:
        return None
    thinking = [b for b in content if b["type"] == "thinking"]
    sent_blocks = sent if isinstance(sent, list) else []
    sent_thinking = [b for b in sent_blocks if isinstance(b, Mapping) and b.get("type") == "thinking"]
    if thinking and not sent_thinking:
        return "the thinking block is missing. With thinking on, it goes back too, exactly as it streamed."
    if thinking and sent_thinking and sent_thinking[0].get("signature") != thinking[0]["signature"]:
        return "the thinking block's signature changed. It goes back exactly as it streamed."
    return "send the reply's content back as it is: reply['content'], every block, in order, nothing edited."


def _results_problem(case: _Case, message: Any) -> str | None:
    if not isinstance(message, Mapping) or message.get("role") != "user":
        return "the tool results go back in a user message: role 'user'."
    blocks = message.get("content")
    if not isinstance(blocks, list) or not all(isinstance(b, Mapping) for b in blocks):
        return "the user message's content is a list of tool_result blocks."
    if any(b.get("type") != "tool_result" for b in blocks):
        kinds = sorted({str(b.get("type")) for b in blocks})
        return f"the user message holds tool_result blocks only, got {kinds}."
    ids = [str(b.get("tool_use_id")) for b in blocks]
    if sorted(ids) != sorted(case.order):
        missing = [case.label[i] for i in case.order if i not in ids]
        unknown = sorted(set(ids) - set(case.order))
        if missing:
            return f"no tool_result for {', '.join(missing)}: every tool_use gets one, with its id as tool_use_id."
        return f"tool_use_id {unknown} matches no tool_use block of the reply."
    if ids != case.order:
        if ids == list(case.outcomes):
            return (
                "that is the order the tools finished in. The results go back in the order of the tool_use "
                "blocks: " + ", ".join(case.label[i] for i in case.order) + "."
            )
        return "put the results in the order of the tool_use blocks: " + ", ".join(case.label[i] for i in case.order)
    for block in blocks:
        problem = _result_problem(case, block)
        if problem is not None:
            return problem
    return None


def _result_problem(case: _Case, block: Mapping[str, Any]) -> str | None:
    ident = str(block["tool_use_id"])
    label = case.label[ident]
    outcome = case.outcomes[ident]
    text = _text(block.get("content"))
    if isinstance(outcome, BaseException):
        if block.get("is_error") is not True:
            return f"{label} raised {type(outcome).__name__}: its tool_result needs is_error: true."
        if text is None or str(outcome) not in text:
            return f"{label} raised: put what went wrong ({str(outcome)!r}) in the content, for the model to read."
        return None
    if block.get("is_error"):
        return f"{label} worked: only a failed call is marked is_error."
    if text is None:
        return (
            f"the content of {label}'s result is {type(block.get('content')).__name__}: it must be text. "
            "Send a string as it is, anything else as JSON (json.dumps)."
        )
    if isinstance(outcome, str):
        return None if text == outcome else f"{label} returned the string {outcome!r}: send it as it is."
    try:
        if json.loads(text) == outcome:
            return None
    except json.JSONDecodeError:
        pass
    return f"{label} returned {outcome!r:.80}: send it as JSON text, json.dumps(output)."


def _text(content: Any) -> str | None:
    """A tool_result's content as text: a string, or a list of text blocks (both are valid)."""
    if isinstance(content, str):
        return content
    if (
        isinstance(content, list)
        and content
        and all(isinstance(b, Mapping) and b.get("type") == "text" for b in content)
    ):
        return "".join(str(b.get("text", "")) for b in content)
    return None


# --- 2 · a schema from a function -------------------------------------------------------------------

FORECAST: dict[str, Any] = {
    "name": "get_forecast",
    "description": "Daily weather forecast for a city.",
    "input_schema": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": 'The city name, e.g. "Paris".'},
            "days": {"type": "integer", "description": "How many days ahead, 1 to 7.", "default": 3},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
        },
        "required": ["city"],
        "additionalProperties": False,
    },
}
"""The tool definition exercise 2 asks a Python function for."""

_TYPE_HINTS = {"string": "annotate it `: str`", "integer": "annotate it `: int`"}
_HINTS = {
    "enum": 'annotate it `: Literal["celsius", "fahrenheit"]`',
    "default": "give it a default in the signature",
    "description": "describe it on its own line in the docstring's `Args:` section",
}


def exercise_2(answer: Any) -> Verdict:
    """A Python function whose derived tool definition is :data:`FORECAST`."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if isinstance(answer, Tool):
        tool = answer
    elif callable(answer):
        try:
            tool = Tool.from_function(answer)
        except Exception as exc:  # the learner's function: say what went wrong
            return Verdict(False, f"Tool.from_function could not describe it: {exc}")
    else:
        return Verdict(False, "give the function itself (answer = get_forecast), not a call's result.")
    got = tool.definition()
    problem = _definition_problem(got)
    if problem is not None:
        return Verdict(False, problem)
    return Verdict(
        True,
        "name from the function, description from the docstring, a type per parameter from its hint, "
        "`default` and not required where the signature has a default, descriptions from the `Args:` lines.",
    )


def _definition_problem(got: dict[str, Any]) -> str | None:
    if got == FORECAST:
        return None
    if got.get("name") != FORECAST["name"]:
        return f"the tool is named {got.get('name')!r}: the name comes from the function's, so call it get_forecast."
    if got.get("description") != FORECAST["description"]:
        return (
            f"the description is {got.get('description')!r}: it is the docstring (without its Args: section), "
            f"and should be {FORECAST['description']!r}."
        )
    schema, expected = got.get("input_schema", {}), FORECAST["input_schema"]
    props, want = schema.get("properties", {}), expected["properties"]
    if set(props) != set(want):
        missing, extra = sorted(set(want) - set(props)), sorted(set(props) - set(want))
        return f"the parameters should be city, days and unit (missing {missing}, not wanted {extra})."
    for param, spec in want.items():
        have = props[param]
        for key in ("type", "enum", "default", "description"):
            if have.get(key) == spec.get(key):
                continue
            hint = _TYPE_HINTS.get(str(spec["type"]), "") if key == "type" else _HINTS[key]
            if key == "default" and "default" not in spec:
                return f"{param} has a default ({have['default']!r}) but should be required: give it none."
            detail = f"{param}: {key} is {have.get(key)!r}, expected {spec.get(key)!r}"
            return f"{detail}; {hint}." if hint else f"{detail}."
        if have != spec:
            return f"{param}: the schema {have} should be {spec}."
    if schema.get("required") != expected["required"]:
        return f"required is {schema.get('required')}: only parameters with no default are required, so just city."
    if schema.get("additionalProperties") is not False:
        return "additionalProperties is true: drop the **kwargs, so no other argument is accepted."
    return f"the definition differs: {json.dumps(got)[:200]}"


# --- 3 · what early start saves ----------------------------------------------------------------------

Calls = list[tuple[float, float]]

_SAVING_CASES: list[tuple[str, Calls, float]] = [
    ("agent_three_turns turn 2, tools of 1 s", [(1.920, 1.0), (2.808, 1.0), (3.777, 1.0)], 4.875),
    ("agent_weather turn 1, a tool of 1 s", [(1.957, 1.0)], 1.977),
    ("one 3 s tool whose block stops 1 s before message_stop", [(1.0, 3.0)], 2.0),
    ("a short call early, a long one late", [(0.5, 0.2), (1.5, 2.0)], 2.0),
    ("a long call early, a short one late", [(0.5, 4.0), (1.8, 0.5)], 2.0),
    ("a short call early, a long one at the very end", [(0.0, 1.0), (1.9, 3.0)], 2.0),
]


def true_saving(calls: Calls, message_stop: float) -> float:
    """Seconds by which the turn is over sooner when each tool starts at its block stop instead
    of all of them at ``message_stop`` (tools run in parallel; the turn is over when the answer
    is complete and every tool has ended)."""
    early = max([message_stop, *(stop + took for stop, took in calls)])
    late = message_stop + max((took for _, took in calls), default=0.0)
    return late - early


def exercise_3(answer: Any) -> Verdict:
    """A function: (calls as (block stop, duration), message_stop) -> seconds early start saves."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not callable(answer):
        return Verdict(False, "give the function itself (answer = saving), not a call's result.")
    function: Callable[[Calls, float], Any] = answer
    for what, calls, stop in _SAVING_CASES:
        call = f"saving({calls}, {stop})"
        try:
            got = function(list(calls), stop)
        except Exception as exc:  # the learner's code: say what it raised
            return Verdict(False, f"{call} raised {type(exc).__name__}: {exc}")
        if got is Ellipsis:
            return Verdict(False, "replace the `...` in the function with your code, then run both cells again.")
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return Verdict(False, f"{call} gave {got!r}: return a number of seconds.")
        expected = true_saving(calls, stop)
        if abs(got - expected) < 1e-6:
            continue
        return Verdict(False, f"{what}: {call} gave {got:.3f}, expected {expected:.3f}. {_why(got, calls, stop)}")
    return Verdict(
        True,
        "early start ends the turn at the later of message_stop and the last tool's end; without it the turn "
        "ends at message_stop plus the longest tool. So it saves at most the overlap: the tool time that fits "
        "between a block's stop and message_stop.",
    )


def _why(got: float, calls: Calls, stop: float) -> str:
    def near(value: float) -> bool:
        return abs(got - value) < 1e-6

    if got < -1e-9:
        return "Early start never ends a turn later: a tool that starts sooner ends sooner."
    if len(calls) > 1 and near(sum(took for _, took in calls)):
        return (
            "That adds the tool times up, but the tools run in parallel: without early start they all start at "
            "message_stop together, and the turn ends after the longest one."
        )
    if near(max(took for _, took in calls)):
        last = max(s for s, _ in calls)
        return (
            "A tool can't start before its block stops, so the saving is at most the time from a block's stop to "
            f"message_stop: here the last call's block stops only {stop - last:.2f} s before message_stop."
        )
    if near(stop - min(s for s, _ in calls)) or near(sum(stop - s for s, _ in calls)):
        return (
            "That is how much sooner the calls could start, but a tool that finishes before message_stop saves "
            "only its own duration: the turn still waits for the answer to end."
        )
    return (
        "Work out when the turn is over both ways: the later of message_stop and the end of every tool, with each "
        "tool starting at its block stop (early) or at message_stop (late)."
    )
