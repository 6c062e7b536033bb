"""The exercise checks of tutorials 01-04: each accepts its solution, says "not yet" to an
untouched ``...``, and rejects the typical wrong answers with a reason that names the mistake."""

from __future__ import annotations

import json
from typing import Any

from claude_stream_nb import SSEDecoder, StreamFold, load_fixture
from claude_stream_nb.exercises import nb01, nb02, nb03, nb04

from .verdicts import assert_right, assert_wrong


def events_of(name: str) -> list[Any]:
    fold = StreamFold()
    return [event for rec in load_fixture(name).events for event, _ in fold.feed(rec.raw, rec.time)]


def deltas(name: str, kind: str) -> list[Any]:
    return [e.delta for e in events_of(name) if e.type == "content_block_delta" and e.delta.type == kind]


def final_content(name: str) -> list[dict[str, Any]]:
    fold = StreamFold()
    for rec in load_fixture(name).events:
        fold.feed(rec.raw, rec.time)
    content: list[dict[str, Any]] = fold.close().to_message()["content"]
    return content


# --- 01 · anatomy of a stream -------------------------------------------------------------------


def test_01_1_event_names() -> None:
    names = [
        line.removeprefix(b"event: ").decode()
        for block in load_fixture("refusal").body.split(b"\n\n")
        for line in block.split(b"\n")
        if line.startswith(b"event: ")
    ]
    assert_right(nb01.exercise_1(names))
    assert_wrong(nb01.exercise_1([n for n in names if n != "ping"]), "ping")
    assert_wrong(nb01.exercise_1(list(dict.fromkeys(names))), "repeats")
    assert_wrong(nb01.exercise_1([n.encode() for n in names]), "bytes")
    assert_wrong(nb01.exercise_1(list(reversed(names))), "order")
    assert_wrong(nb01.exercise_1([f"event: {n}" for n in names]), "only the name")


def test_01_2_tricky_bytes() -> None:
    decoder = SSEDecoder()
    data = [sse.data for i in range(len(nb01.TRICKY)) for sse in decoder.feed(nb01.TRICKY[i : i + 1])]
    assert_right(nb01.exercise_2(data))
    # decoding each one-byte chunk on its own breaks the multi-byte characters
    broken = data[0].encode().decode("ascii", "replace")
    assert_wrong(nb01.exercise_2([broken, data[1]]), "Split lines on bytes")
    assert_wrong(nb01.exercise_2([data[0], "twolines"]), "'\\n'")
    assert_wrong(nb01.exercise_2(["keep-alive", *data]), "comment")
    assert_wrong(nb01.exercise_2([data[0] + "\r", data[1]]), "CR LF")


def test_01_3_stop_reason() -> None:
    assert_right(nb01.exercise_3("message_delta"))
    assert_right(nb01.exercise_3(" `message_delta` "))
    assert_wrong(nb01.exercise_3("message_stop"), "one event earlier")
    assert_wrong(nb01.exercise_3("message_start"), "null")


# --- 02 · text ------------------------------------------------------------------------------------


def test_02_1_text_from_deltas() -> None:
    pieces = [d.text for d in deltas("unicode", "text_delta")]
    assert_right(nb02.exercise_1("".join(pieces)))
    assert_wrong(nb02.exercise_1(" ".join(pieces)), "join them with ''")
    assert_wrong(nb02.exercise_1(pieces), "list of pieces")
    assert_wrong(nb02.exercise_1("".join(pieces[:10])), "take every text_delta")


def test_02_2_time_to_first_token() -> None:
    events = events_of("long_markdown")
    first_token = next(e.sse.time for e in events if e.type == "content_block_delta")
    assert_right(nb02.exercise_2(first_token))
    assert_right(nb02.exercise_2(round(first_token, 2)))
    assert_wrong(nb02.exercise_2(events[0].sse.time), "message_start")
    assert_wrong(nb02.exercise_2(events[-1].sse.time), "total time")
    assert_wrong(nb02.exercise_2(first_token * 1000), "milliseconds")


def test_02_3_usage_is_cumulative() -> None:
    usage: dict[str, Any] = {}
    added = 0
    for event in events_of("web_search"):
        if event.type == "message_start":
            usage.update(event.message["usage"])
            added += event.message["usage"]["input_tokens"]
        elif event.type == "message_delta" and event.usage:
            usage.update(event.usage)
            added += event.usage["input_tokens"]
    assert_right(nb02.exercise_3(usage["input_tokens"]))
    assert_wrong(nb02.exercise_3(added), "cumulative")
    assert_wrong(nb02.exercise_3(2134), "message_start")


# --- 03 · thinking --------------------------------------------------------------------------------


def test_03_1_the_assistant_message_to_send_back() -> None:
    content = final_content("thinking_tool_use")
    assert_right(nb03.exercise_1({"role": "assistant", "content": content}))
    without_thinking = {"role": "assistant", "content": content[1:]}
    assert_wrong(nb03.exercise_1(without_thinking), "thinking block is missing")
    no_signature = [{**content[0], "signature": ""}, *content[1:]]
    assert_wrong(nb03.exercise_1({"role": "assistant", "content": no_signature}), "no signature")
    glued = [{**content[0], "signature": content[0]["signature"] * 2}, *content[1:]]
    assert_wrong(nb03.exercise_1({"role": "assistant", "content": glued}), "signature was changed")
    stripped = [{**content[0], "thinking": content[0]["thinking"][:-1]}, *content[1:]]
    assert_wrong(nb03.exercise_1({"role": "assistant", "content": stripped}), "thinking text was changed")
    whole = {"id": "msg_x", "role": "assistant", "content": content, "usage": {}}
    assert_wrong(nb03.exercise_1(whole), "only 'role' and 'content'")


def test_03_2_visible_thinking() -> None:
    def visible_thinking(name: str) -> str:
        return "".join(d.thinking for d in deltas(name, "thinking_delta"))

    def with_signatures(name: str) -> str:
        return visible_thinking(name) + "".join(d.signature for d in deltas(name, "signature_delta"))

    def with_redacted(name: str) -> str:
        redacted = [b.get("data", "") for b in final_content(name) if b["type"] == "redacted_thinking"]
        return "".join(redacted) + visible_thinking(name)

    def crashes(name: str) -> str:
        raise KeyError(name)

    assert_right(nb03.exercise_2(visible_thinking))
    assert_wrong(nb03.exercise_2(with_signatures), "signature")
    assert_wrong(nb03.exercise_2(with_redacted), "encrypted")
    assert_wrong(nb03.exercise_2(crashes), "raised KeyError")
    assert_wrong(nb03.exercise_2(visible_thinking("thinking_text")), "the function itself")


def test_03_3_append_or_replace() -> None:
    right = {
        "text_delta": "append",
        "thinking_delta": "append",
        "input_json_delta": "append",
        "signature_delta": "replace",
    }
    assert_right(nb03.exercise_3(right))
    assert_wrong(nb03.exercise_3({**right, "signature_delta": "append"}), "signature_delta replaces")
    assert_wrong(nb03.exercise_3({**right, "text_delta": "replace"}), "text_delta")
    assert_wrong(nb03.exercise_3({**right, "thinking_delta": ...}), "replace each `...`")


# --- 04 · tool use --------------------------------------------------------------------------------


def tool_inputs(name: str, *, empty_is_an_object: bool = True) -> dict[str, Any]:
    ids: dict[int, str] = {}
    buffers: dict[int, str] = {}
    inputs: dict[str, Any] = {}
    for event in events_of(name):
        if event.type == "content_block_start" and event.content_block.type == "tool_use":
            ids[event.index], buffers[event.index] = event.content_block.data["id"], ""
        elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
            buffers[event.index] += event.delta.partial_json
        elif event.type == "content_block_stop" and event.index in buffers:
            text = buffers.pop(event.index)
            inputs[ids[event.index]] = {} if empty_is_an_object and not text.strip() else json.loads(text)
    return inputs


def test_04_1_parse_once() -> None:
    text = "".join(d.partial_json for d in deltas("tool_use", "input_json_delta"))
    assert_right(nb04.exercise_1(json.loads(text)))
    assert_wrong(nb04.exercise_1(text), "still JSON text")
    assert_wrong(nb04.exercise_1({**json.loads(text), "lon": 12}), "parse at the stop")
    assert_wrong(nb04.exercise_1({"city": "Shanghai"}), "keys missing")


def test_04_2_tool_inputs() -> None:
    def loads_every_text(name: str) -> dict[str, Any]:  # forgets that "" means {}
        return tool_inputs(name, empty_is_an_object=False)

    def loads_each_delta(name: str) -> dict[str, Any]:
        return {str(i): json.loads(d.partial_json) for i, d in enumerate(deltas(name, "input_json_delta"))}

    def keyed_by_name(name: str) -> dict[str, Any]:
        return {b["name"]: b["input"] for b in final_content(name) if b["type"] == "tool_use"}

    assert_right(nb04.exercise_2(tool_inputs))
    assert_wrong(nb04.exercise_2(loads_every_text), "empty input streams as ''")
    assert_wrong(nb04.exercise_2(loads_each_delta), "never a single delta")
    assert_wrong(nb04.exercise_2(keyed_by_name), "expected")


def test_04_3_what_is_final() -> None:
    assert_right(nb04.exercise_3({"city": "Paris"}))
    assert_wrong(nb04.exercise_3({"city": "Paris", "days": 1}), "pending")
    assert_wrong(nb04.exercise_3({}), "closing quote")


def test_04_4_should_run_tools() -> None:
    def has_a_tool_call(message: Any) -> bool:
        return any(block["type"] == "tool_use" for block in message["content"])

    def not_max_tokens(message: Any) -> bool:
        return has_a_tool_call(message) and message["stop_reason"] != "max_tokens"

    assert_right(nb04.exercise_4(lambda message: message["stop_reason"] == "tool_use"))
    assert_wrong(nb04.exercise_4(has_a_tool_call), "max_tokens_in_tool must not run")
    assert_wrong(nb04.exercise_4(not_max_tokens), "xss must not run")
    assert_wrong(nb04.exercise_4(lambda message: message.stop_reason), "raised AttributeError")
