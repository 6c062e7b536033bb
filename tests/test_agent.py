"""The agent loop through the real streaming path: the fake API on 127.0.0.1, or ReplayTransport."""

from __future__ import annotations

import asyncio
import enum
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import pytest

from claude_stream_nb.agent import (
    AgentResult,
    TerminalAgentView,
    Tool,
    arun_agent,
    function_schema,
    run_agent,
    validate,
)
from claude_stream_nb.agent._conversation import ConversationView
from claude_stream_nb.agent.examples import get_weather, list_cities
from claude_stream_nb.core._sse import SSEDecoder, encode_event
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.fake_api._scenario import FakeAPI
from claude_stream_nb.fake_api._transport import ReplayTransport
from claude_stream_nb.live import Claude
from claude_stream_nb.sinks.view._capture import capture_comms
from claude_stream_nb.sources._fixtures import Fixture, Recorded, load_fixture

from .test_notebook_export import notebook, visible_text

SCENARIOS = ["agent_weather", "agent_parallel", "agent_tool_error", "agent_three_turns"]


class Log:
    """The body of every request the client sent (``route``: body -> fixture to serve, or None)."""

    def __init__(self, route: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.route = route

    def __call__(self, request: httpx.Request) -> None:
        body = json.loads(request.content)
        self.bodies.append(body)
        fixture = self.route(body) if self.route else None
        if fixture:
            request.headers["x-fixture"] = fixture


class Wire(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The network (or a ReplayTransport) for both the sync and the async client, with a log of
    what was sent and extra request headers (``headers``, changeable between runs)."""

    def __init__(self, inner: ReplayTransport | None, log: Log | None, headers: dict[str, str]) -> None:
        self.sync: httpx.BaseTransport = inner or httpx.HTTPTransport()
        self.async_: httpx.AsyncBaseTransport = inner or httpx.AsyncHTTPTransport()
        self.log = log
        self.headers = headers

    def _prepare(self, request: httpx.Request) -> None:
        request.headers.update(self.headers)
        if self.log is not None:
            self.log(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._prepare(request)
        return self.sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._prepare(request)
        return await self.async_.handle_async_request(request)

    def close(self) -> None:
        self.sync.close()

    async def aclose(self) -> None:
        await self.async_.aclose()


def claude(
    url: str,
    log: Log | None = None,
    speed: float | None = None,
    *,
    transport: ReplayTransport | None = None,
    fault: str | None = None,
    **options: Any,
) -> Claude:
    """A client of the fake API at ``url`` (or of ``transport``), for run_agent and arun_agent."""
    headers = {"x-speed": str(speed)} if speed else {}
    if fault is not None:
        headers["x-fault"] = fault
    return Claude("offline", base_url=url, transport=Wire(transport, log, headers), **options)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Every agent test runs twice: through run_agent and through arun_agent."""
    param: str = request.param
    return param


def run(mode: str, client: Claude, **options: Any) -> AgentResult:
    """run_agent (``mode="sync"``) or arun_agent on its own event loop, closing ``client`` after."""
    if mode == "sync":
        with client:
            return run_agent(client=client, **options)

    async def main() -> AgentResult:
        try:
            return await arun_agent(client=client, **options)
        finally:
            await client.aclose()

    return asyncio.run(main())


def agent(mode: str, client: Claude, model: str, prompt: str = "hi", **options: Any) -> tuple[AgentResult, str]:
    """The agent on a bundled scenario, quietly; the result and what the terminal view printed."""
    out = io.StringIO()
    options.setdefault("tools", [get_weather, list_cities])
    options.setdefault("max_tokens", 1024)
    options.setdefault("messages", [{"role": "user", "content": prompt}])
    result = run(mode, client, model=model, view=TerminalAgentView(out), **options)
    return result, out.getvalue()


def final(name: str) -> dict[str, Any]:
    fold = StreamFold()
    fold.feed(load_fixture(name).body)
    return fold.close().to_message()


def edited(name: str, edit: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> Fixture:
    """A bundled fixture with its events rewritten (``edit``: one event's data -> the events for it)."""
    fixture = load_fixture(name)
    events = []
    for recorded in fixture.events:
        for sse in SSEDecoder().feed(recorded.raw):
            for data in edit(json.loads(sse.data)):
                events.append(Recorded(encode_event(data["type"], data), recorded.time))
    return Fixture(f"{name}_edited", tuple(events), None, fixture.meta)


def transport_with(**fixtures: Fixture) -> ReplayTransport:
    api = FakeAPI.load()
    return ReplayTransport(api=FakeAPI({**api.fixtures, **fixtures}, api.scenarios, speed=None))


# --- the loop, end to end ----------------------------------------------------------------------------


def test_the_weather_example_runs_the_tool_and_sends_its_result_back(mode: str, server: str) -> None:
    log = Log()
    result, printed = agent(mode, claude(server, log), "agent_weather", "What's the weather in Paris right now?")
    assert result.reason == "end_turn"
    assert [turn.stop_reason for turn in result.turns] == ["tool_use", "end_turn"]
    (run,) = result.turns[0].runs
    assert (run.name, run.status, run.input) == ("get_weather", "done", {"city": "Paris", "unit": "celsius"})
    assert run.output == get_weather("Paris")
    sent = log.bodies[1]["messages"]
    assert sent[1] == {"role": "assistant", "content": final("agent_weather_1")["content"]}
    assert sent[2] == {"role": "user", "content": [run.tool_result()]}
    assert json.loads(sent[2]["content"][0]["content"]) == get_weather("Paris")
    assert result.messages == [*sent, {"role": "assistant", "content": final("agent_weather_2")["content"]}]
    assert "18 °C" in result.text
    assert (
        repr(result)
        == '<AgentResult end_turn · 2 turns · tools: get_weather ✓ · "It\'s **18 °C** and partly cloudy in Pari…">'
    )
    assert "▶ get_weather started" in printed
    assert "✓ get_weather" in printed
    assert "■ agent: the model answered in turn 2; 1 tool run (1 ok)" in printed


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_bundled_scenario_gets_the_requests_its_fixtures_recorded(mode: str, server: str, name: str) -> None:
    log = Log()
    first = load_fixture(f"{name}_1").meta["request"]
    extra = {"thinking": first["thinking"]} if "thinking" in first else {}
    extra["tools"] = [{"get_weather": get_weather, "list_cities": list_cities}[t["name"]] for t in first["tools"]]
    result, _ = agent(
        mode, claude(server, log), name, first["messages"][0]["content"], max_tokens=first["max_tokens"], **extra
    )
    assert result.reason == "end_turn"
    assert len(log.bodies) == len(result.turns) >= 2
    for number, body in enumerate(log.bodies, 1):
        recorded = load_fixture(f"{name}_{number}").meta["request"]
        assert body["messages"] == recorded["messages"]
        assert body["tools"] == recorded["tools"]


def test_tools_start_the_moment_their_block_stops_before_message_stop(mode: str, server: str) -> None:
    request = load_fixture("agent_three_turns_2").meta["request"]
    ask = {"messages": request["messages"], "max_tokens": 4096, "tools": [get_weather, list_cities]}
    for early in (True, False):
        result, _ = agent(mode, claude(server, speed=4), "agent_three_turns", early_start=early, **ask)
        turn = result.turns[0]
        stop = turn.message_stop_at
        assert stop is not None
        starts = [run.started_at or 0.0 for run in turn.runs]
        assert len(starts) == 3
        if early:
            assert all(start < stop for start in starts)
            assert stop - starts[0] > 0.5  # the first call started ~2.9 s (at 1x) before message_stop
            for run in turn.runs:  # each started as its arguments completed
                assert run.started_at is not None
                assert run.arguments_at is not None
                assert run.started_at - run.arguments_at < 0.05
        else:
            assert all(start >= stop for start in starts)


def test_results_go_back_in_tool_use_order_when_tools_finish_out_of_order(mode: str, server: str) -> None:
    def slow_in_shanghai(city: str) -> str:
        """Weather."""
        time.sleep(0.3 if city == "Shanghai" else 0.0)
        return f"sunny in {city}"

    log = Log()
    result, _ = agent(
        mode, claude(server, log), "agent_parallel", tools=[Tool.from_function(slow_in_shanghai, name="get_weather")]
    )
    shanghai, paris = result.turns[0].runs
    assert (shanghai.input, paris.input) == ({"city": "Shanghai"}, {"city": "Paris"})
    assert paris.ended_at is not None
    assert shanghai.ended_at is not None
    assert paris.ended_at < shanghai.ended_at
    assert max(shanghai.started_at or 0, paris.started_at or 0) < paris.ended_at  # they overlapped
    sent = log.bodies[1]["messages"][-1]["content"]
    assert [(b["tool_use_id"], b["content"]) for b in sent] == [
        (shanghai.id, "sunny in Shanghai"),
        (paris.id, "sunny in Paris"),
    ]


def test_a_tool_that_raises_becomes_an_is_error_result_and_the_loop_goes_on(mode: str, server: str) -> None:
    log = Log()
    result, printed = agent(mode, claude(server, log), "agent_tool_error", "What's the weather in Atlantis?")
    (run,) = result.turns[0].runs
    assert run.status == "error"
    (sent,) = log.bodies[1]["messages"][-1]["content"]
    assert sent == {
        "type": "tool_result",
        "tool_use_id": run.id,
        "content": "ValueError: no weather data for 'Atlantis' (known cities: Cairo, Paris, Shanghai)",
        "is_error": True,
    }
    assert result.reason == "end_turn"
    assert "couldn't get the weather for Atlantis" in result.text
    assert "✗ get_weather (error): ValueError" in printed


def test_timeouts_become_error_results_and_the_loop_goes_on(mode: str, server: str) -> None:
    release = threading.Event()
    cancelled = threading.Event()

    def stuck(city: str, unit: str = "celsius") -> str:
        """Never answers in time."""
        release.wait(10)
        return "late"

    async def stuck_async(city: str, unit: str = "celsius") -> str:
        """Never answers in time either."""
        try:
            await asyncio.sleep(30)
        finally:
            cancelled.set()
        return "late"

    try:
        for tool, options in [
            (Tool.from_function(stuck, name="get_weather"), {"tool_timeout": 0.2}),
            (Tool.from_function(stuck_async, name="get_weather", timeout=0.2), {}),
        ]:
            log = Log()
            began = time.monotonic()
            result, _ = agent(mode, claude(server, log), "agent_weather", tools=[tool], **options)
            assert time.monotonic() - began < 3
            (run,) = result.turns[0].runs
            assert run.status == "timeout"
            assert run.duration == pytest.approx(0.2, abs=0.15)
            (sent,) = log.bodies[1]["messages"][-1]["content"]
            assert sent["is_error"] is True
            assert "timed out after 0.2 s" in sent["content"]
            assert result.reason == "end_turn"
        assert cancelled.is_set()  # the coroutine was cancelled; the thread cannot be
    finally:
        release.set()


@pytest.mark.parametrize("kind", ["coroutine", "function"])
def test_parallel_calls_run_concurrently(mode: str, kind: str) -> None:
    spans: list[tuple[float, float]] = []

    async def get_weather(city: str) -> str:
        """Weather."""
        began = time.monotonic()
        await asyncio.sleep(0.2)
        spans.append((began, time.monotonic()))
        return f"fine in {city}"

    def get_weather_sync(city: str) -> str:
        """Weather."""
        began = time.monotonic()
        time.sleep(0.2)
        spans.append((began, time.monotonic()))
        return f"fine in {city}"

    tool = get_weather if kind == "coroutine" else Tool.from_function(get_weather_sync, name="get_weather")
    result, _ = agent(mode, claude("http://offline", transport=ReplayTransport()), "agent_parallel", tools=[tool])
    assert [run.output for run in result.turns[0].runs] == ["fine in Shanghai", "fine in Paris"]
    assert result.reason == "end_turn"
    first, second = spans
    assert max(first[0], second[0]) < min(first[1], second[1])  # both calls ran at once


class Recording:
    """An agent view that keeps what it was told (and streams nowhere)."""

    def __init__(self) -> None:
        self.closed: list[AgentResult | None] = []
        self.statuses: list[str] = []

    def begin_turn(self, number: int, note: str = "") -> Any:
        return self

    def update(self, event: Any, snapshot: Any) -> None:
        pass

    def tool_update(self, turn: int, run: Any, now: float) -> None:
        self.statuses.append(run.status)

    def tick(self, now: float) -> None:
        pass

    def close(self, result: Any) -> None:
        if not isinstance(result, AgentResult | None):  # the turn's stream closing, with its snapshot
            return
        self.closed.append(result)


# The tool block of agent_weather_1 is complete after its 16th event; the stream then stalls
# (time for the tool to start) and the connection drops, with no reconnect allowed.
DROP_AFTER_THE_TOOL = "stall=0.5;stall_after=16;drop_after=16"


@pytest.mark.parametrize("kind", ["coroutine", "function"])
def test_a_failed_turn_cancels_the_tools_it_started_and_raises(mode: str, kind: str, server: str) -> None:
    from claude_stream_nb.live import ConnectionFailed

    started, cancelled, release = threading.Event(), threading.Event(), threading.Event()

    async def slow_async(city: str, unit: str = "celsius") -> str:
        """Weather, eventually."""
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"

    def slow(city: str, unit: str = "celsius") -> str:
        """Weather, eventually (a thread cannot be cancelled: the loop must not wait for it)."""
        started.set()
        release.wait(30)
        return "late"

    view = Recording()
    client = claude(server, fault=DROP_AFTER_THE_TOOL, max_reconnects=0)
    options: dict[str, Any] = {
        "model": "agent_weather",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Paris?"}],
        "tools": [Tool.from_function(slow_async if kind == "coroutine" else slow, name="get_weather")],
        "client": client,
        "view": view,
    }

    def sync() -> bool:
        """Whether the tool was cancelled when the error reached the caller."""
        with client, pytest.raises(ConnectionFailed):
            run_agent(**options)
        return cancelled.is_set()

    async def in_loop() -> bool:  # asserted inside the loop: asyncio.run cancels leftovers itself
        try:
            with pytest.raises(ConnectionFailed):
                await arun_agent(**options)
            return cancelled.is_set()
        finally:
            await client.aclose()

    began = time.monotonic()
    try:
        cancelled_first = sync() if mode == "sync" else asyncio.run(in_loop())
        assert time.monotonic() - began < 5
        assert started.is_set()
        assert view.statuses == ["running", "error"]  # the card does not spin on
        assert view.closed == [None]  # the view was told the loop stopped, with no result
        assert cancelled_first is (kind == "coroutine")  # a thread runs on; its result is dropped
    finally:
        release.set()


def test_both_launchers_report_outcomes_wake_the_runner_and_cancel_coroutines(mode: str) -> None:
    """ThreadLauncher (run_agent's) and LoopLauncher (arun_agent's) keep the same promises."""
    from claude_stream_nb.agent._launch import LoopLauncher, Outcome, ThreadLauncher

    cancelled = threading.Event()

    def double(x: int) -> int:
        time.sleep(0.05)
        return 2 * x

    def fail() -> None:
        raise ValueError("no")

    async def forever() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def triple(x: int) -> int:
        await asyncio.sleep(0.05)
        return 3 * x

    def check(outcomes: dict[str, Outcome], woke: float) -> None:
        assert woke < 2  # woken by the first call to end, not by the 5 s timeout
        assert outcomes["double"].value == 42
        assert outcomes["triple"].value == 63
        assert isinstance(outcomes["fail"].error, ValueError)
        assert "forever" not in outcomes  # cancelled: no outcome
        assert cancelled.is_set()

    def start(launcher: Any, outcomes: dict[str, Outcome]) -> Any:
        def report(name: str) -> Callable[[Outcome], None]:
            return lambda outcome: outcomes.__setitem__(name, outcome)

        launcher.start(double, {"x": 21}, False, report("double"))
        launcher.start(fail, {}, False, report("fail"))
        launcher.start(triple, {"x": 21}, True, report("triple"))
        return launcher.start(forever, {}, True, report("forever"))

    outcomes: dict[str, Outcome] = {}
    if mode == "sync":
        with ThreadLauncher(time.monotonic) as launcher:
            cancel = start(launcher, outcomes)
            began = time.monotonic()
            launcher.wait(5)
            woke = time.monotonic() - began
            while len(outcomes) < 3:
                launcher.wait(0.1)
            cancel()
        check(outcomes, woke)
        return

    async def in_loop() -> float:
        launcher = LoopLauncher(time.monotonic)
        cancel = start(launcher, outcomes)
        began = time.monotonic()
        await launcher.wait(5)
        woke = time.monotonic() - began
        while len(outcomes) < 3:
            await launcher.wait(0.1)
        cancel()
        await launcher.aclose()
        return woke

    check(outcomes, asyncio.run(in_loop()))


def test_the_loop_is_one_generator_both_drivers_share() -> None:
    """No I/O in the loop itself: driven by hand, it asks to stream, then to wait, then ends."""
    from claude_stream_nb.agent._launch import ThreadLauncher
    from claude_stream_nb.agent._loop import Conversation, StreamTurn, WaitForTools, agent_steps
    from claude_stream_nb.agent._tools import Toolbox

    def final_message(name: str) -> Any:
        fold = StreamFold()
        fold.feed(load_fixture(name).body)
        from claude_stream_nb.core._message import Message

        return Message(fold.close())

    view = Recording()
    ask = [{"role": "user", "content": "Paris?"}]
    params = {"model": "agent_weather", "max_tokens": 1024}
    conversation = Conversation(params, ask, Toolbox([get_weather]), view)  # type: ignore[arg-type]
    with ThreadLauncher(conversation.clock) as launcher:
        steps = agent_steps(conversation, launcher)
        first = next(steps)
        assert isinstance(first, StreamTurn)
        assert first.request["messages"] == ask
        step = steps.send(final_message("agent_weather_1"))
        while isinstance(step, WaitForTools):
            launcher.wait(step.seconds)
            step = steps.send(None)
        assert isinstance(step, StreamTurn)
        assert step.request["messages"][-1]["content"][0]["type"] == "tool_result"
        with pytest.raises(StopIteration) as done:
            steps.send(final_message("agent_weather_2"))
    assert done.value.value.reason == "end_turn"
    assert view.closed == [done.value.value]


# --- arguments that must never run --------------------------------------------------------------------


def test_invalid_json_arguments_are_never_run_and_the_model_is_told(mode: str) -> None:
    calls: list[Any] = []

    def get_weather(city: str, unit: str = "celsius") -> str:
        """Weather."""
        calls.append(city)
        return "sunny"

    def extra_brace(data: dict[str, Any]) -> list[dict[str, Any]]:
        if data["type"] == "content_block_stop" and data["index"] == 1:
            return [
                {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "}"}},
                data,
            ]
        return [data]

    log = Log(lambda body: "bad_json" if len(body["messages"]) == 1 else None)
    transport = transport_with(bad_json=edited("agent_weather_1", extra_brace))
    result, printed = agent(
        mode, claude("http://offline", log, transport=transport), "agent_weather", tools=[get_weather]
    )
    assert calls == []
    (run,) = result.turns[0].runs
    assert run.status == "invalid"
    (sent,) = log.bodies[1]["messages"][-1]["content"]
    assert sent["is_error"] is True
    assert "not valid JSON" in sent["content"]
    assert result.reason == "end_turn"
    assert "invalid" in printed


def test_max_tokens_inside_a_tool_argument_is_never_run_and_reported(mode: str, server: str) -> None:
    calls: list[str] = []

    def write_file(path: str, content: str) -> str:
        """Write a text file."""
        calls.append(path)
        return "ok"

    log = Log()
    result, printed = agent(mode, claude(server, log), "max_tokens_in_tool", tools=[write_file])
    assert calls == []
    assert len(log.bodies) == 1
    assert result.reason == "max_tokens"
    (run,) = result.turns[0].runs
    assert run.status == "cut_off"
    assert result.note.startswith("the answer hit max_tokens in turn 1: it cut off the arguments of write_file")
    assert "raise max_tokens" in result.note
    assert "cut_off" in printed


def test_arguments_that_break_the_schema_are_never_run(mode: str, server: str) -> None:
    calls: list[str] = []

    def get_weather(town: str) -> str:
        """Weather by town."""
        calls.append(town)
        return "sunny"

    log = Log()
    result, _ = agent(mode, claude(server, log), "agent_weather", tools=[get_weather])
    assert calls == []
    (sent,) = log.bodies[1]["messages"][-1]["content"]
    assert sent["is_error"] is True
    assert sent["content"] == (
        "invalid arguments for get_weather: missing required argument 'town'; "
        "unexpected argument 'city' (allowed: town); unexpected argument 'unit' (allowed: town)"
    )
    assert result.reason == "end_turn"


# --- how the loop ends, and what goes back -------------------------------------------------------------


def test_max_turns_stops_the_loop_and_the_messages_continue_it(mode: str, server: str) -> None:
    log = Log()
    result, printed = agent(mode, claude(server, log), "agent_three_turns", max_turns=2)
    assert result.reason == "max_turns"
    assert len(result.turns) == 2
    assert "max_turns=2" in result.note
    assert result.messages[-1]["role"] == "user"
    assert [b["type"] for b in result.messages[-1]["content"]] == ["tool_result"] * 3
    assert "■ agent: stopped after 2 turns (max_turns=2)" in printed
    more, _ = agent(mode, claude(server), "agent_three_turns", messages=result.messages)
    assert more.reason == "end_turn"
    assert len(more.turns) == 1
    assert "Cairo" in more.text


def test_thinking_blocks_go_back_unchanged_with_their_signatures(mode: str, server: str) -> None:
    log = Log()
    agent(
        mode,
        claude(server, log),
        "agent_three_turns", thinking={"type": "enabled", "budget_tokens": 2000}, max_tokens=4096
    )
    thinking = final("agent_three_turns_1")["content"][0]
    assert thinking["type"] == "thinking"
    assert len(thinking["signature"]) > 200
    for body in log.bodies[1:]:
        assert body["messages"][1]["content"][0] == thinking


def test_pause_turn_resends_the_answer_so_far_and_merges_the_rest(mode: str) -> None:
    kept = 4

    def pause_early(data: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal kept
        if data["type"] == "content_block_delta":
            kept -= 1
            return [data] if kept >= 0 else []
        if data["type"] == "message_delta":
            return [{**data, "delta": {"stop_reason": "pause_turn", "stop_sequence": None}}]
        return [data]

    paused = edited("plain_text", pause_early)
    log = Log(lambda body: "plain_text" if body["messages"][-1]["role"] == "assistant" else None)
    result, _ = agent(mode, claude("http://offline", log, transport=transport_with(paused=paused)), "paused")
    assert [turn.stop_reason for turn in result.turns] == ["pause_turn", "end_turn"]
    assert result.turns[1].resent
    first = log.bodies[0]["messages"]
    assert log.bodies[1]["messages"] == [*first, {"role": "assistant", "content": result.turns[0].message["content"]}]
    assert [m["role"] for m in result.messages] == ["user", "assistant"]
    assert "".join(b["text"] for b in result.messages[1]["content"]) == final("plain_text")["content"][0]["text"]
    assert result.reason == "end_turn"


def test_a_prefill_is_continued_in_the_same_assistant_message(mode: str, server: str) -> None:
    prefill = {"role": "assistant", "content": "I'll check the"}
    log = Log()
    result, _ = agent(
        mode, claude(server, log), "agent_weather", messages=[{"role": "user", "content": "Paris?"}, prefill]
    )
    assert [m["role"] for m in result.messages] == ["user", "assistant", "user", "assistant"]
    text = "".join(b["text"] for b in result.messages[1]["content"] if b["type"] == "text")
    assert text == "I'll check the current weather in Paris."
    assert log.bodies[1]["messages"][1] == result.messages[1]
    assert result.reason == "end_turn"


# --- tools from functions --------------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_schemas_come_from_type_hints_defaults_and_docstrings() -> None:
    def paint(
        wall: str,
        coats: int,
        area: float,
        color: Color,
        glossy: bool = False,
        finish: Literal["matte", "satin"] = "matte",
        tags: list[str] | None = None,
        mix: dict[str, int] | None = None,
        note: Annotated[str, "A note for the painter."] = "",
        sizes: tuple[int, ...] = (),
        anything: Any = None,
    ) -> str:
        """Paint a wall.

        Args:
            wall: Which wall.
            coats: How many coats,
                at least one.
        """
        return ""

    tool = Tool.from_function(paint)
    assert (tool.name, tool.description) == ("paint", "Paint a wall.")
    assert tool.input_schema == {
        "type": "object",
        "properties": {
            "wall": {"type": "string", "description": "Which wall."},
            "coats": {"type": "integer", "description": "How many coats, at least one."},
            "area": {"type": "number"},
            "color": {"type": "string", "enum": ["red", "blue"]},
            "glossy": {"type": "boolean", "default": False},
            "finish": {"type": "string", "enum": ["matte", "satin"], "default": "matte"},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}, "default": None},
            "mix": {"type": ["object", "null"], "additionalProperties": {"type": "integer"}, "default": None},
            "note": {"type": "string", "description": "A note for the painter.", "default": ""},
            "sizes": {"type": "array", "items": {"type": "integer"}, "default": []},
            "anything": {"default": None},
        },
        "required": ["wall", "coats", "area", "color"],
        "additionalProperties": False,
    }
    kwargs, problem = tool.check({"wall": "north", "coats": 2.0, "area": 3, "color": "blue", "sizes": [1, 2]})
    assert problem is None
    assert kwargs == {"wall": "north", "coats": 2, "area": 3, "color": Color.BLUE, "sizes": (1, 2)}
    assert isinstance(kwargs["coats"], int)
    with pytest.raises(TypeError, match=r"parameter 'x'.*explicit input_schema"):
        Tool.from_function(_needs_object)


def _needs_object(x: object) -> None:
    """Unsupported."""


def test_validation_says_what_is_wrong_in_the_models_terms() -> None:
    schema, _ = function_schema(get_weather)
    assert validate(schema, {"city": "Paris"}) == []
    assert validate(schema, {"city": 5, "unit": "kelvin", "days": 3}) == [
        "city: expected string, got number 5",
        'unit: "kelvin" is not one of "celsius", "fahrenheit"',
        "unexpected argument 'days' (allowed: city, unit)",
    ]
    assert validate({"type": "integer"}, True) == ["expected integer, got boolean true"]
    assert validate({"type": "array", "items": {"type": "number"}}, [1, "2"]) == [
        '[1]: expected number, got string "2"'
    ]
    assert validate({"anyOf": [{"type": "string"}, {"type": "null"}]}, 3) == ["expected string or null, got number 3"]
    assert validate({"type": "object", "minProperties": 9}, {}) == []  # keywords outside the subset are not checked


def test_explicit_definitions_and_server_tools(mode: str, server: str) -> None:
    spec = {
        "name": "get_weather",
        "description": "Weather.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 1}
    log = Log()
    tools = [Tool.from_dict(spec, lambda **args: args), search]
    result, _ = agent(mode, claude(server, log), "agent_weather", tools=tools)
    assert log.bodies[0]["tools"] == [spec, search]
    assert result.turns[0].runs[0].output == {"city": "Paris", "unit": "celsius"}
    log = Log()
    agent(mode, claude(server, log), "agent_weather", tools=[spec])
    assert (
        log.bodies[1]["messages"][-1]["content"][0]["content"]
        == "the tool 'get_weather' has no Python function here to run it"
    )


# --- views --------------------------------------------------------------------------------------------------


def test_in_a_notebook_each_turn_streams_below_and_cards_go_running_then_done(mode: str) -> None:
    def slow_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
        """Weather."""
        time.sleep(0.05)
        return get_weather(city)

    with capture_comms() as sent:
        view = ConversationView("weather", threaded=False)
        result = run(
            mode,
            claude("http://offline", transport=ReplayTransport()),
            model="agent_weather",
            max_tokens=1024,
            messages=[{"role": "user", "content": "Paris?"}],
            tools=[Tool.from_function(slow_weather, name="get_weather")],
            view=view,
        )
    assert len(view.turns) == 2
    assert list(view.body.children) == [turn.widget for turn in view.turns]
    card = view.turns[0].tool_card(1)
    assert card is not None
    ops = sent.ops(view.turns[0].widget.model_id)
    heads = [op[3] for op in ops if op[:3] == ["slot", 1, "head"]] + [card.head]
    heads.insert(0, next(op[2] for op in ops if op[:2] == ["part", 1]))  # the card's first head
    states = [next((s for s in ("streaming", "running ·", "done ·") if s in head), None) for head in heads]
    assert states.index("streaming") < states.index("running ·") < states.index("done ·")
    assert "done" in card.head
    assert '<details data-csn-key="result-1"><summary>result' in card.result
    html = view.transcript()
    assert html.count("Turn ") >= 2
    assert "done · " in html
    assert "partly cloudy" in html
    assert "end_turn" in view.footer.value
    assert result.reason == "end_turn"
    # the whole run on one time axis, closed, live and saved: both turns' lanes and the tool's bar
    timeline = html[html.index('<details class="csn-timeline"') :]
    assert timeline.startswith('<details class="csn-timeline" data-csn-key="timeline"><summary>Timeline')
    assert "<svg" in timeline
    assert "get_weather" in timeline
    assert '<details class="csn-timeline"' in view.footer.value


def test_an_api_error_ends_the_loop_with_that_error_and_the_view_says_so(mode: str, server: str) -> None:
    from claude_stream_nb.live import InvalidRequestError

    with capture_comms():
        view = ConversationView(threaded=False)
        first, _ = agent(mode, claude(server, fault="none"), "agent_weather", tools=[get_weather], max_turns=1)
        with pytest.raises(InvalidRequestError):
            run(
                mode,
                claude(server, fault="status=400"),
                model="agent_weather",
                max_tokens=1024,
                messages=first.messages,
                view=view,
            )
    assert first.reason == "max_turns"
    assert len(view.turns) == 1
    assert "stopped with an error" in view.footer.value
    assert "csn-timeline" not in view.footer.value  # no result, no timeline


def test_outside_a_notebook_the_default_view_prints(mode: str, server: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        mode,
        claude(server),
        model="agent_weather",
        max_tokens=1024,
        messages=[{"role": "user", "content": "Paris?"}],
        tools=[get_weather],
    )
    out = capsys.readouterr().out
    assert out.index("── turn 1") < out.index("▶ get_weather started") < out.index("── turn 2") < out.index("■ agent")


def test_run_agent_is_exported_lazily() -> None:
    import claude_stream_nb

    assert claude_stream_nb.run_agent is run_agent
    assert claude_stream_nb.arun_agent is arun_agent


@pytest.mark.slow
def test_every_bundled_scenario_runs_in_a_real_notebook_and_leaves_its_transcript(tmp_path: Path) -> None:
    setup = (
        "from claude_stream_nb import run_agent\n"
        "from claude_stream_nb.live import Claude\n"
        "from claude_stream_nb.fake_api._transport import ReplayTransport\n"
        "from claude_stream_nb.agent.examples import get_weather, list_cities\n"
        'client = Claude("offline", base_url="http://offline", transport=ReplayTransport(speed=20))'
    )
    cells = [setup]
    for name in SCENARIOS:
        ask = [{"role": "user", "content": load_fixture(f"{name}_1").meta["request"]["messages"][0]["content"]}]
        cells.append(
            f"run_agent(model={name!r}, max_tokens=4096, messages={ask!r}, "
            "tools=[get_weather, list_cities], client=client)"
        )
    path = tmp_path / "agents.ipynb"
    path.write_text(json.dumps(notebook(cells)))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    jupyter = Path(sys.executable).with_name("jupyter")
    result = subprocess.run(
        [str(jupyter), "nbconvert", "--execute", "--to", "notebook", "--ExecutePreprocessor.timeout=60", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    executed = json.loads((tmp_path / "agents.nbconvert.ipynb").read_text())
    for name, cell in zip(SCENARIOS, executed["cells"][1:], strict=True):
        html = "".join(
            "".join(out["data"]["text/html"]) for out in cell["outputs"] if "text/html" in out.get("data", {})
        )
        shown = visible_text(html)
        turns = int(name == "agent_three_turns") + 2
        assert all(f"Turn {n}" in shown for n in range(1, turns + 1)), name
        assert visible_text(final(f"{name}_{turns}")["content"][0]["text"]).split()[-1] in shown, name
        assert ("error · " if name == "agent_tool_error" else "done · ") in shown, name
        assert "end_turn" in shown, name
        text = "".join("".join(out.get("data", {}).get("text/plain", "")) for out in cell["outputs"])
        assert "<AgentResult end_turn" in text, name
