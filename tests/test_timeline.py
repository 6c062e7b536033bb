"""The stream's timeline: lanes, ticks, marks and gaps against recorded times; the SVG; the text.

Expected times are read straight from the fixture files (each event's ``: t=`` line and its
JSON), not through the fold, so a timeline that drifted from the recording would fail here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from typing import Any, Literal

import httpx
import pytest

from claude_stream_nb.agent import examples, run_agent
from claude_stream_nb.core._sse import encode_event
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.live import Claude
from claude_stream_nb.sinks._terminal_timeline import bar
from claude_stream_nb.sinks._timeline import Timeline, apply_update, timeline_of
from claude_stream_nb.sinks._timeline_agent import AgentTimeline, agent_model
from claude_stream_nb.sinks._timeline_view import EVERY, TimelineExtra
from claude_stream_nb.sinks.render._timeline_svg import render_svg
from claude_stream_nb.sinks.view import StreamView
from claude_stream_nb.sources._fixtures import Recorded, bundled_fixtures, dumps, load_fixture

FRAME = 1 / 30
SVG = "{http://www.w3.org/2000/svg}"
KEY = "sk-ant-test-timeline-0123456789abcdef"


def recorded(name: str) -> list[tuple[float, dict[str, Any]]]:
    """``(time, data)`` of every complete event of a fixture, read from its file."""
    out = []
    for event in load_fixture(name).events:
        lines = event.raw.decode().splitlines()
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        assert event.time is not None
        out.append((event.time, json.loads(data)))
    return out


def texts(svg: str, cls: str) -> list[str]:
    root = ET.fromstring(svg)
    return [el.text or "" for el in root.iter(f"{SVG}text") if cls in el.get("class", "").split()]


@pytest.mark.parametrize("name", ["thinking_tool_use", "parallel_tools", "agent_three_turns_1", "web_search"])
def test_lanes_marks_and_ticks_match_the_recorded_times(name: str) -> None:
    events = recorded(name)
    model = timeline_of(name).model()
    starts = [(t, d) for t, d in events if d["type"] == "content_block_start"]
    stops = {d["index"]: t for t, d in events if d["type"] == "content_block_stop"}
    assert [lane["i"] for lane in model["lanes"]] == [d["index"] for _, d in starts]
    for lane, (t, data) in zip(model["lanes"], starts, strict=True):
        block = data["content_block"]
        assert lane["type"] == block["type"]
        label = block.get("name", block["type"]) if block["type"].endswith("tool_use") else block["type"]
        assert lane["label"].split(" (server)")[0] == label
        assert abs(lane["start"] - t) < FRAME
        assert abs(lane["stop"] - stops[data["index"]]) < FRAME
        deltas = [dt for dt, d in events if d["type"] == "content_block_delta" and d["index"] == lane["i"]]
        p = model["lanes"].index(lane)
        ticks = [(b, c) for q, b, c in model["ticks"] if q == p]
        assert sum(c for _, c in ticks) == len(deltas)
        for bucket, _ in ticks:  # every tick sits within a frame of a delta's arrival
            assert any(abs(bucket / 30 - dt) < FRAME + 1e-9 for dt in deltas)
    marks = {m["kind"]: m["t"] for m in model["marks"]}
    first = lambda kind: next(t for t, d in events if d["type"] == kind)  # noqa: E731
    assert marks["request"] == 0
    assert abs(marks["message_start"] - first("message_start")) < FRAME
    assert abs(marks["message_delta"] - first("message_delta")) < FRAME
    assert abs(marks["end"] - first("message_stop")) < FRAME
    token = next(t for t, d in events if d["type"] == "content_block_delta" and d["delta"]["type"].endswith(
        ("text_delta", "thinking_delta", "input_json_delta")) and any(v for k, v in d["delta"].items() if k != "type"))
    assert abs(marks["first_token"] - token) < FRAME


def test_the_svg_labels_every_lane_and_mark_with_its_times() -> None:
    timeline = timeline_of("thinking_tool_use")
    svg = timeline.svg()
    assert texts(svg, "csn-tl-label") == ["thinking", "text", "get_weather"]
    assert texts(svg, "csn-tl-span") == ["0.64–1.69", "1.69–1.84", "2.28–2.37"]
    assert "first token 0.94 s" in texts(svg, "csn-tl-marklabel")
    assert "message_stop 2.40 s" in texts(svg, "csn-tl-marklabel")
    assert texts(svg, "csn-tl-summary") == ["first token 0.94 s · total 2.40 s · 48 events"]
    assert texts(svg, "csn-tl-tick")[-1] == "2.5 s"  # seconds from the request
    assert "<script" not in svg
    lanes = [el for el in ET.fromstring(svg).iter(f"{SVG}g") if "csn-tl-lane" in el.get("class", "")]
    assert [el.get("class") for el in lanes] == [
        "csn-tl-lane csn-tl-k-thinking", "csn-tl-lane csn-tl-k-text", "csn-tl-lane csn-tl-k-tool_use"]
    bars = [el.find(f"{SVG}rect") for el in lanes]
    x = [float(b.get("x")) for b in bars if b is not None]
    assert x == sorted(x)  # later blocks start further right


def test_the_text_timeline_has_a_line_per_block_and_the_times() -> None:
    text = timeline_of("parallel_tools").text()
    lines = text.splitlines()
    assert "#0 text" in lines[1]
    assert "0.63 →  1.17" in lines[1]
    assert [line.split()[1] for line in lines[1:7]] == ["text", "get_weather", "text", "get_weather", "get_time",
                                                         "list_cities"]
    assert lines[-1].strip() == "first token 0.94 s · total 3.21 s · 42 events"


def test_bars_cover_their_span_in_half_cells() -> None:
    assert bar(0, 10, 10, 10) == "█" * 10
    assert bar(0, 5, 10, 10) == "█████     "
    assert bar(1.25, 6.25, 10, 4) == "▐█▌ "
    assert bar(3.01, 3.02, 10, 10) == "   ▏      "  # too short to cover half a cell: still marked


def test_a_pause_is_a_gap() -> None:
    model = timeline_of("redacted_thinking").model()
    (gap,) = model["gaps"]
    assert gap["kind"] == "pause"
    assert gap["end"] - gap["start"] == pytest.approx(2.654, abs=0.002)
    assert gap["label"] == "pause 2.65 s"


def test_updates_fold_back_into_the_model() -> None:
    """Taken at any rhythm, the per-frame updates rebuild the whole model (what the page does)."""
    for name in ("long_markdown", "web_search", "connection_cut"):
        timeline = Timeline()
        fold = StreamFold()
        built = apply_update(Timeline().model() | {"marks": []}, {})
        sizes = []
        for i, chunk in enumerate(load_fixture(name).chunks()):
            for event, snap in fold.ifeed(chunk.raw, chunk.time):
                timeline.update(event, snap)
            if i % 7 == 0 and (update := timeline.take_update()):
                sizes.append(len(json.dumps(update)))
                apply_update(built, update)
        timeline.close(fold.close())
        apply_update(built, timeline.take_update() or {})
        assert built == timeline.model()
        assert timeline.take_update() is None  # nothing new: nothing sent
    assert max(sizes) < 400  # a frame's update is small, whatever the stream's length


def test_every_bundled_svg_stays_small_and_well_formed() -> None:
    sizes = {}
    for name, _ in bundled_fixtures():
        svg = timeline_of(name).svg()
        ET.fromstring(svg)
        sizes[name] = len(svg.encode())
    assert max(sizes.values()) <= 50_000, sizes
    longest = max(bundled_fixtures(), key=lambda f: len(load_fixture(f[0]).events))[0]
    assert longest == "long_markdown"


def test_a_ten_thousand_event_stream_draws_as_aggregated_ticks() -> None:
    items, times = [("message_start", {"type": "message_start", "message": {"id": "m", "usage": {}}})], [0.5]
    t = 0.5
    for index in range(120):  # 120 blocks of ~83 deltas
        items.append(("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {"type": "text", "text": ""}}))
        times.append(t)
        for _ in range(83):
            t += 0.004
            items.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                  "delta": {"type": "text_delta", "text": "ab"}}))
            times.append(t)
        items.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        times.append(t)
    items.append(("message_stop", {"type": "message_stop"}))
    times.append(t)
    fixture = load_fixture(dumps([Recorded(encode_event(n, d), tt) for (n, d), tt in zip(items, times, strict=True)]))
    assert len(fixture.events) > 10_000
    timeline = timeline_of(fixture)
    svg = timeline.svg()
    assert len(svg.encode()) <= 50_000
    assert "60 more rows not drawn" in svg
    assert sum(c for _, _, c in timeline.model()["ticks"]) == 120 * 83


def test_untrusted_labels_are_escaped() -> None:
    model = timeline_of("thinking_tool_use").model()
    model["lanes"][2]["label"] = '<script>alert(1)</script>"&'
    model["lanes"][1]["label"] = "two\nlines\r"
    svg = render_svg(model)
    assert "<script>" not in svg
    assert "\n" not in svg  # one line: a notebook test masks it with one regular expression
    assert texts(svg, "csn-tl-label")[1:] == ["two\nlines\r", "<script>alert(1…"]


# --- live: gaps for reconnects and retries ----------------------------------------------------


def _stream(url: str, fault: str, model: str, timeline: Timeline) -> Any:
    with httpx.Client(timeout=10, headers={"x-fault": fault}) as http, Claude(KEY, base_url=url, http_client=http) as c:
        return c.stream(model=model, max_tokens=1024, messages=[{"role": "user", "content": "hi"}], sink=timeline)


def test_a_reconnect_is_a_marked_gap_and_the_text_lane_goes_on(server: str) -> None:
    timeline = Timeline()
    message = _stream(server, "drop_after=8;attempts=1", "long_markdown", timeline)
    assert message.state == "complete"
    (marker,) = message.snapshot.reconnects
    model = timeline.model()
    (gap,) = model["gaps"]
    assert gap["kind"] == "reconnect"
    assert gap["start"] == pytest.approx(marker["at"], abs=0.001)
    assert gap["end"] - gap["start"] >= 0.5  # the client waits before it continues
    assert gap["label"].startswith("reconnect 1: ")
    (lane,) = model["lanes"]  # the continuation joins the cut text block: one lane
    assert lane["type"] == "text"
    assert not lane["cut"]
    assert lane["start"] <= gap["start"] < gap["end"] < lane["stop"]
    svg = timeline.svg()
    assert 'class="csn-tl-gap csn-tl-gap-reconnect"' in svg
    assert "1 reconnect/retry gap" in texts(svg, "csn-tl-summary")[0]
    assert "⟳ reconnect 1" in timeline.text()


def test_a_block_the_continuation_discards_is_cut_at_the_reconnect(server: str) -> None:
    timeline = Timeline()
    message = _stream(server, "drop_after=6;attempts=1", "thinking_tool_use", timeline)
    assert message.state == "complete"
    model = timeline.model()
    (gap,) = model["gaps"]
    first, *rest = model["lanes"]
    assert (first["type"], first["cut"], first["stop"]) == ("thinking", True, gap["start"])  # dropped, not continued
    assert [(lane["type"], lane["cut"]) for lane in rest] == [("thinking", False), ("text", False), ("tool_use", False)]
    assert all(lane["start"] >= gap["end"] for lane in rest)
    assert "(cut)" in timeline.text().splitlines()[1]


def test_a_retry_is_a_gap_before_the_first_event(server: str) -> None:
    timeline = Timeline()
    message = _stream(server, "status=529;retry_after=1;attempts=1", "plain_text", timeline)
    assert message.state == "complete"
    model = timeline.model()
    (gap,) = model["gaps"]
    assert gap["kind"] == "retry"
    assert gap["end"] - gap["start"] == pytest.approx(1.0, abs=0.01)
    requests = [m for m in model["marks"] if m["kind"] == "request"]
    assert [m["label"] for m in requests] == ["request", "request 2"]
    first = next(m["t"] for m in model["marks"] if m["kind"] == "message_start")
    assert gap["start"] < gap["end"] <= first + 0.05



def test_a_retry_reaches_the_timeline_inside_the_view(server: str) -> None:
    """The live client's notices go to the view; the view hands them to its timeline."""
    extra = TimelineExtra()
    view = StreamView(extras=[extra], threaded=False)
    message = _stream(server, "status=529;retry_after=1;attempts=1", "plain_text", view)  # type: ignore[arg-type]
    assert message.state == "complete"
    (gap,) = extra.timeline.model()["gaps"]
    assert gap["kind"] == "retry"
    assert "retry" in extra.transcript_html(message.snapshot)

# --- the agent: tool runs on the same axis ---------------------------------------------------------


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Current weather for a city (slowly: long enough to see the run)."""
    time.sleep(0.3)
    return examples.get_weather(city, unit)


def test_an_agent_run_shows_tool_bars_overlapping_the_stream(server: str) -> None:
    view = AgentTimeline()
    with httpx.Client(timeout=10, headers={"x-speed": "2"}) as http:
        result = run_agent(model="agent_three_turns", max_tokens=1024, messages=[{"role": "user", "content": "hi"}],
                           tools=[get_weather, examples.list_cities], view=view,
                           client=Claude(KEY, base_url=server, http_client=http))
    model = view.model()
    runs = [r for r in model["runs"] if r["name"] == "get_weather"]
    assert len(runs) == 3
    turn = result.turns[1]
    for run, tool_run in zip(runs, [r for r in turn.runs if r.name == "get_weather"], strict=True):
        lane = model["lanes"][run["lane"]]
        assert lane["label"] == "2: get_weather"  # beside the block that called it
        assert run["start"] == pytest.approx(tool_run.started_at, abs=0.001)
        assert lane["stop"] - FRAME <= run["start"]  # it starts when its arguments are complete...
        assert run["end"] == pytest.approx(tool_run.ended_at, abs=0.001)
        assert run["end"] - run["start"] >= 0.29  # the tool sleeps 0.3 s
    stop = next(m["t"] for m in model["marks"] if m["label"] == "message_stop 2")
    assert runs[0]["end"] < stop  # ...and ran while the model was still streaming
    later = [lane for lane in model["lanes"] if lane["start"] >= runs[0]["start"] and lane["label"].startswith("2:")]
    assert any(lane["start"] < runs[0]["end"] for lane in later)  # bars overlap the lanes after them
    assert "tools ran" in texts(view.svg(), "csn-tl-summary")[0]
    late = AgentTimeline.from_result(result).model()  # from the result alone (no ticks): the same lanes and bars
    assert late == agent_model(result)
    assert late["ticks"] == []
    assert [lane["label"] for lane in late["lanes"]] == [lane["label"] for lane in model["lanes"]]
    assert late["runs"] == model["runs"]


def test_replay_timeline_on_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "claude_stream_nb.cli", "replay", "thinking_tool_use", "--timeline",
                          "--instant", "--no-color"], capture_output=True, text=True, timeout=60, check=True).stdout
    tail = out[out.index("timeline (seconds from the request"):].splitlines()
    blocks = [line.split() for line in tail if line.strip().startswith("#")]
    assert [(b[0], b[1], b[2], b[4]) for b in blocks] == [
        ("#0", "thinking", "0.64", "1.69"), ("#1", "text", "1.69", "1.84"), ("#2", "get_weather", "2.28", "2.37")]
    assert tail[-1].strip() == "first token 0.94 s · total 2.40 s · 48 events"


def test_the_docs_show_what_the_timeline_prints() -> None:
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "timeline.md").read_text(encoding="utf-8")
    for name in ("plain_text", "long_markdown"):
        assert timeline_of(name).text(axis=60) in page, name
    assert timeline_of("thinking_tool_use").text() in page


def test_the_view_gets_a_few_small_updates_not_one_per_delta() -> None:
    from claude_stream_nb.sinks._timeline_view import TimelineExtra

    now = [0.0]
    extra = TimelineExtra(clock=lambda: now[0])
    fold = StreamFold()
    ops = []
    for chunk in load_fixture("long_markdown").chunks():  # a frame after every event, 1/24 s apart
        for event, snap in fold.ifeed(chunk.raw, chunk.time):
            extra.update(event, snap)
        now[0] += 1 / 24
        ops += extra.frame_ops(fold.snapshot, final=False)
    ops += extra.frame_ops(fold.close(), final=True)
    seconds = now[0]
    assert len(ops) <= seconds / EVERY + 2  # twice a second at most, and the final one
    assert ops[-1][1]["marks"][-1]["kind"] == "end"
    sizes = [len(json.dumps(op)) for op in ops]
    assert max(sizes[:-1]) < 400  # half a second's news is a few dozen bytes
    model = Timeline().model() | {"marks": []}
    for _, update in ops:
        apply_update(model, update)
    assert model == extra.timeline.model()
    assert extra.transcript_html(fold.snapshot) == extra.timeline.svg()
