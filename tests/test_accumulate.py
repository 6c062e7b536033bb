"""The fold: how each event changes the snapshot."""

from __future__ import annotations

from claude_stream_nb.core._accumulate import accumulate
from claude_stream_nb.core._events import parse_event
from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._sse import decode_all

from .streams import (
    delta,
    encode,
    fold,
    json_piece,
    message_delta,
    message_start,
    message_stop,
    start,
    stop,
    text,
    text_stream,
)


def test_text_appends_and_the_message_has_the_api_shape() -> None:
    snap = fold(text_stream("Hel", "lo", ", world"))
    assert snap.state == "complete"
    assert snap.to_message() == {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": "Hello, world"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20},
    }


def test_thinking_appends_and_the_signature_replaces() -> None:
    snap = fold(
        [
            message_start(),
            start(0, {"type": "thinking", "thinking": "", "signature": ""}),
            delta(0, type="thinking_delta", thinking="Let me "),
            delta(0, type="thinking_delta", thinking="think."),
            delta(0, type="signature_delta", signature="sig-A"),
            delta(0, type="signature_delta", signature="sig-B"),
            stop(0),
            message_delta(),
            message_stop(),
        ]
    )
    assert snap.to_message()["content"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": "sig-B"}
    ]


def test_citations_append_to_their_text_block() -> None:
    cite = {"type": "web_search_result_location", "url": "https://a.example", "cited_text": "x"}
    snap = fold(
        [
            message_start(),
            start(0, {"type": "text", "text": ""}),
            delta(0, type="citations_delta", citation=cite),
            text(0, "cited"),
            delta(0, type="citations_delta", citation={**cite, "url": "https://b.example"}),
            stop(0),
            message_delta(),
            message_stop(),
        ]
    )
    (block,) = snap.to_message()["content"]
    assert block["text"] == "cited"
    assert [c["url"] for c in block["citations"]] == ["https://a.example", "https://b.example"]


def test_usage_is_cumulative_so_it_overwrites_and_never_adds() -> None:
    usage = {"input_tokens": 50, "output_tokens": 1, "cache_read_input_tokens": 7}
    snap = fold(
        [
            message_start(usage),
            message_delta(usage={"output_tokens": 15}),
            message_delta(usage={"output_tokens": 30, "input_tokens": None}),
            message_stop(),
        ]
    )
    assert snap.usage == {"input_tokens": 50, "output_tokens": 30, "cache_read_input_tokens": 7}


def test_tool_input_is_parsed_once_at_block_stop() -> None:
    items = [
        message_start(),
        start(0, {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}),
    ]
    items += [json_piece(0, p) for p in ["", '{"city": "Pa', 'ris", "days": 1', "2}"]]
    block = fold(items[:-1]).blocks[0]
    assert not block.stopped
    assert block.partial_input().value == {"city": "Paris"}
    assert block.partial_input().pending == "1"  # "12" once the next delta arrives
    done = fold([*items, stop(0), message_delta("tool_use"), message_stop()])
    assert done.to_message()["content"][0]["input"] == {"city": "Paris", "days": 12}
    assert done.blocks[0].json_error is None


def test_empty_tool_input_is_an_empty_object() -> None:
    tool = {"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}}
    for pieces in ([], [""], ["", ""]):
        snap = fold(
            [message_start(), start(0, tool), *(json_piece(0, p) for p in pieces), stop(0), message_stop()]
        )
        assert snap.to_message()["content"][0]["input"] == {}


def test_invalid_tool_json_marks_the_block_and_the_stream_goes_on() -> None:
    snap = fold(
        [
            message_start(),
            start(0, {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}),
            json_piece(0, '{"a": 1,, "b": 2}'),
            stop(0),
            start(1, {"type": "text", "text": ""}),
            text(1, "still here"),
            stop(1),
            message_delta("end_turn"),
            message_stop(),
        ]
    )
    assert snap.state == "complete"
    assert snap.blocks[0].json_error is not None
    assert "invalid JSON" in snap.blocks[0].json_error
    assert snap.text == "still here"
    assert snap.problems == ()


def test_a_delta_for_a_block_that_never_started_is_a_problem_not_a_crash() -> None:
    snap = fold([message_start(), text(3, "orphan"), *text_stream("ok")[1:]])
    assert snap.state == "complete"
    assert snap.text == "ok"
    (problem,) = snap.problems
    assert problem.event == 2
    assert "block 3, which never started" in str(problem)
    assert "event 2, byte " in str(problem)


def test_events_before_message_start_are_kept() -> None:
    snap = fold([start(0, {"type": "text", "text": ""}), text(0, "early"), stop(0), message_stop()])
    assert snap.text == "early"
    assert "before message_start" in str(snap.problems[0])


def test_a_stream_without_usage_completes() -> None:
    snap = fold(
        [message_start(usage=False), *text_stream("fine")[1:-2], message_delta(usage=False), message_stop()]
    )
    assert snap.state == "complete"
    assert snap.text == "fine"
    assert snap.usage == {}
    assert not snap.usage_final
    assert snap.output_tokens == 1  # estimated from the 4 characters streamed


def test_an_error_event_keeps_the_partial_message() -> None:
    items = text_stream("partial ", "answer")[:4]
    items.append(("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
    snap = fold(items)
    assert snap.state == "errored"
    assert snap.error is not None
    assert (snap.error.type, snap.error.message, snap.error.event) == ("overloaded_error", "Overloaded", 5)
    assert snap.text == "partial answer"


def test_a_stream_cut_mid_event_is_incomplete_and_says_where() -> None:
    body = encode(text_stream("kept")[:3]) + b'event: content_block_delta\ndata: {"type":"content_b'
    snap = fold(body)
    assert snap.state == "incomplete"
    assert snap.text == "kept"
    assert snap.end_reason is not None
    assert "cut inside event 4" in snap.end_reason


def test_unknown_events_deltas_and_blocks_are_kept() -> None:
    snap = fold(
        [
            message_start(),
            ("content_block_annotation", {"type": "content_block_annotation", "note": 1}),
            start(0, {"type": "hologram", "frames": [1, 2]}),
            delta(0, type="emphasis_delta", level=2),
            stop(0),
            message_stop(),
        ]
    )
    assert snap.state == "complete"
    assert snap.to_message()["content"] == [{"type": "hologram", "frames": [1, 2]}]
    kinds = [getattr(e, "name", None) or e.delta.type for e in snap.unknown_events]
    assert kinds == ["content_block_annotation", "emphasis_delta"]


def test_malformed_json_data_is_a_problem_naming_the_event() -> None:
    body = (
        encode(text_stream("a")[:2])
        + b"event: content_block_delta\ndata: {not json\n\n"
        + encode(text_stream("a")[2:])
    )
    snap = fold(body)
    assert snap.text == "a"
    assert snap.state == "complete"
    (problem,) = snap.problems
    assert problem.event == 3
    assert "data is not JSON" in problem.message


def test_a_stream_without_event_lines_folds_by_the_json_type() -> None:
    body = b"".join(
        line
        for line in encode(text_stream("no names")).splitlines(keepends=True)
        if not line.startswith(b"event:")
    )
    snap = fold(body)
    assert (snap.state, snap.text) == ("complete", "no names")


def test_metrics_come_from_arrival_times() -> None:
    items = [message_start(), start(0, {"type": "thinking", "thinking": "", "signature": ""})]
    items += [delta(0, type="thinking_delta", thinking="hm"), stop(0), start(1, {"type": "text", "text": ""})]
    items += [text(1, "a"), text(1, "b"), stop(1), message_delta(usage={"output_tokens": 40}), message_stop()]
    times = [0.3, 0.35, 0.6, 1.6, 1.6, 1.7, 2.0, 2.0, 2.6, 2.6]
    snap = fold(items, times)
    assert snap.time_to_first_byte == 0.3
    assert snap.time_to_first_token == 0.6
    assert snap.total_time == 2.6
    assert snap.tokens_per_second == 40 / (2.6 - 0.35)  # from the first block, not the first visible token
    assert snap.blocks[0].duration == 1.6 - 0.35


def test_phase_follows_the_open_block() -> None:
    items = [message_start(), start(0, {"type": "thinking", "thinking": "", "signature": ""}), stop(0)]
    items += [start(1, {"type": "tool_use", "id": "t", "name": "f", "input": {}}), stop(1), message_stop()]
    snap = Snapshot()
    phases = [snap.phase]
    for sse in decode_all([encode(items)]):
        snap = accumulate(snap, parse_event(sse))
        phases.append(snap.phase)
    assert phases == ["waiting", "streaming", "thinking", "streaming", "calling a tool", "streaming", "done"]


def test_the_fold_never_changes_the_snapshot_it_is_given() -> None:
    events = [parse_event(sse) for sse in decode_all([encode(text_stream("one ", "two ", "three"))])]
    snapshots = [Snapshot()]
    for event in events:
        snapshots.append(accumulate(snapshots[-1], event))
    assert [s.text for s in snapshots] == [
        "",
        "",
        "",
        "one ",
        "one two ",
        "one two three",
        *["one two three"] * 3,
    ]
    # Branch from an early snapshot: neither branch sees the other's text.
    branch = accumulate(snapshots[3], events[3])
    other = accumulate(snapshots[3], events[4])
    assert (branch.text, other.text, snapshots[4].text) == ("one two ", "one three", "one two ")
    assert snapshots[-1].state == "complete"
    assert snapshots[3].state == "streaming"


def test_a_compaction_delta_replaces_content_and_encrypted_content() -> None:
    block = {"type": "compaction", "content": None, "encrypted_content": None, "signature": "s"}
    items = [
        message_start(),
        start(0, block),
        delta(0, type="compaction_delta", content="first", encrypted_content="E1"),
        delta(0, type="compaction_delta", content="second", encrypted_content="E2"),
        stop(0),
        message_delta(),
        message_stop(),
    ]
    snap = fold(items)
    assert snap.to_message()["content"] == [{**block, "content": "second", "encrypted_content": "E2"}]
    assert snap.problems == ()


def test_a_fallback_block_makes_the_answering_model_the_messages_model() -> None:
    fallback = {"type": "fallback", "from": {"model": "claude-test"}, "to": {"model": "claude-other"}, "trigger": {}}
    snap = fold([message_start(), start(0, fallback), stop(0), *text_stream("hi")[1:]])
    message = snap.to_message()
    assert message["model"] == "claude-other"
    assert message["content"][0] == fallback


def test_message_delta_sets_the_stop_fields_and_the_known_top_level_fields() -> None:
    extra = {
        "context_management": {"applied_edits": [{"type": "clear_tool_uses_20250919"}]},
        "input_transformations": [],
        "vendor_field": {"kept": "on the event only"},
    }
    end = (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal", "container": {"id": "c"}, "new_field": 1},
            "usage": {"output_tokens": 5, "iterations": [{"type": "message"}], "cache_creation": {"x": 1}},
            **extra,
        },
    )
    snap = fold([message_start(stop_details={"type": "refusal"}), end, message_stop()])
    message = snap.to_message()
    # stop_reason/stop_sequence/stop_details: the delta's, null when it leaves one out (as the SDK).
    assert (message["stop_reason"], message["stop_sequence"], message["stop_details"]) == ("refusal", None, None)
    assert message["container"] == {"id": "c"}
    assert message["new_field"] == 1  # a delta field is a change to the message
    assert message["context_management"] == extra["context_management"]
    assert message["input_transformations"] == []
    assert "vendor_field" not in message
    assert message["usage"] == {"input_tokens": 10, "output_tokens": 5, "iterations": [{"type": "message"}],
                                "cache_creation": {"x": 1}}  # fmt: skip


def test_problems_and_unknown_events_are_append_only_and_earlier_snapshots_keep_theirs() -> None:
    items = [message_start()]
    items += [(f"vendor_{i}", {"type": f"vendor_{i}"}) for i in range(5)]
    items += [text(7, "orphan")]
    snaps = [Snapshot()]
    for sse in decode_all([encode(items)]):
        snaps.append(accumulate(snaps[-1], parse_event(sse)))
    assert [len(s.unknown_events) for s in snaps] == [0, 0, 1, 2, 3, 4, 5, 5]
    assert [len(s.problems) for s in snaps] == [0, 0, 0, 0, 0, 0, 0, 1]
    # A branch from an earlier snapshot does not show up in the later ones, nor they in it.
    branch = accumulate(snaps[3], parse_event(decode_all([encode([("other", {"type": "other"})])])[0]))
    assert [e.name for e in branch.unknown_events] == ["vendor_0", "vendor_1", "other"]
    assert [e.name for e in snaps[-1].unknown_events] == [f"vendor_{i}" for i in range(5)]
    assert snaps[3].unknown_events[-1].name == "vendor_1"
    assert snaps[-1].problems[0].severity == "error"


def test_the_message_lists_a_missing_final_blank_line_as_a_warning() -> None:
    from claude_stream_nb.core._message import Message
    from claude_stream_nb.core._stream import StreamFold

    body = encode(text_stream("done"))[:-1]  # `data: {"type":"message_stop"}\n` then EOF
    stream = StreamFold()
    stream.feed(body)
    message = Message(stream.close())
    assert message.state == "complete"
    (warning,) = message.problems
    assert (warning.severity, warning.offset) == ("warning", len(body))
    assert "final blank line" in str(warning)


def test_after_message_stop_a_keep_alive_comment_is_fine_and_other_bytes_are_a_warning() -> None:
    from claude_stream_nb.core._stream import StreamFold

    body = encode(text_stream("done"))
    for tail, warned in ((b": keep-alive\n", False), (b"\n\n", False), (b"event: late\ndata: {", True)):
        stream = StreamFold()
        stream.feed(body + tail)
        snap = stream.close()
        assert snap.state == "complete"
        warnings = [p for p in snap.problems if p.severity == "warning"]
        assert bool(warnings) is warned
        if warned:
            assert warnings[0].offset == len(body)
            assert "event: late" in warnings[0].message
