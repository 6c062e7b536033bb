"""The fake API's decisions, without I/O: fixture choice, scenarios, faults, plans and their steps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from claude_stream_nb.core._sse import decode_all
from claude_stream_nb.fake_api._plan import ERRORS, Dropped, Faults, Plan, ReadTimedOut, play
from claude_stream_nb.fake_api._scenario import BUNDLED_SCENARIOS, FakeAPI, Request, Scenario
from claude_stream_nb.sources._fixtures import Recorded, load_fixture, read_fixture
from claude_stream_nb.sources._replay import Pacer

API = FakeAPI.load()
TOOL_USE = load_fixture("tool_use")


BASE = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "stream": True,
    "messages": [{"role": "user", "content": "hi"}],
}


def post(body: dict[str, Any] | None = None, api: FakeAPI = API, **headers: str) -> Plan:
    """A valid streaming request (``body`` overrides its keys) through ``api``."""
    data = json.dumps({**BASE, **(body or {})}).encode()
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    return api.respond(Request("POST", "/v1/messages", hdrs, {}, data), request_id="req_test")


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def served(plan: Plan) -> str:
    return dict(plan.headers)["x-fixture"]


def json_body(plan: Plan) -> Any:
    return json.loads(b"".join(c.raw for c in plan.chunks))


def events(plan: Plan) -> list[str]:
    return [e.event for e in decode_all([b"".join(c.raw for c in plan.chunks)])]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_steps(plan: Plan, read_timeout: float | None = None) -> tuple[list[tuple[float, bytes]], float]:
    """Drive :meth:`Plan.steps` on a fake clock: (time each chunk went out, bytes), end time."""
    clock = FakeClock()
    pacer = Pacer(plan.speed or 1.0, instant=plan.speed is None, clock=clock)
    sent = []
    for step in plan.steps(pacer, read_timeout):
        if isinstance(step, float):
            clock.now += step
        else:
            sent.append((clock.now, step))
    return sent, clock.now


# --- choosing the fixture ----------------------------------------------------------------------


def test_precedence_header_then_model_then_keyword_then_default() -> None:
    hinted = {"model": "refusal", "messages": [user("fixture:unicode please")]}
    assert served(post(hinted, x_fixture="tool_use")) == "tool_use"
    assert served(post(hinted)) == "refusal"
    assert served(post({**hinted, "model": "claude-sonnet-4-6"})) == "unicode"
    assert served(post({"model": "claude-sonnet-4-6", "messages": [user("hello")]})) == "plain_text"
    query = API.respond(Request("POST", "/v1/messages", {}, {"fixture": "refusal"}, json.dumps(BASE).encode()))
    assert served(query) == "refusal"


def test_unknown_name_is_the_apis_not_found_error() -> None:
    plan = post(x_fixture="nope")
    assert plan.status == 404
    body = json_body(plan)
    assert body["type"] == "error"
    assert body["error"]["type"] == "not_found_error"
    assert "'nope'" in body["error"]["message"]
    assert "tool_use" in body["error"]["message"]
    assert body["request_id"] == dict(plan.headers)["request-id"] == "req_test"


def test_workshop_scenario_picks_by_keyword() -> None:
    assert served(post({"messages": [user("What's the WEATHER in Paris?")]})) == "tool_use"
    assert served(post({"messages": [user("think hard: is 1001 prime?")]})) == "thinking_text"
    assert served(post({"messages": [user("hello")]})) == "plain_text"


def test_agent_loop_turn_comes_from_the_request_alone() -> None:
    turn1 = [user("weather in Shanghai?")]
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    turn2 = [
        *turn1,
        {"role": "assistant", "content": [tool_use]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]},
    ]
    turn3 = [*turn2, {"role": "assistant", "content": "It is sunny."}, user("thanks")]
    # Interleaved, as concurrent clients would be: no state between requests.
    continuation = [*turn1, {"role": "assistant", "content": "I'll check the"}]  # resent after a drop
    for messages, expected in [
        (turn2, "plain_text"),
        (turn1, "tool_use"),
        (turn3, "plain_text"),
        (continuation, "tool_use"),
        (turn1, "tool_use"),
    ]:
        assert served(post({"model": "agent_loop", "messages": messages})) == expected


def test_scenario_file_format_and_validation() -> None:
    scenario = Scenario.from_json(
        "demo",
        {"turns": ["tool_use", {"fixture": "plain_text", "fault": "stall=1"}], "keywords": {"poem": "unicode"}},
    )
    assert scenario.turns == (("tool_use", None), ("plain_text", "stall=1"))
    assert scenario.pick([user("a poem")]) == ("unicode", None)
    for bad in [{}, {"turns": []}, {"turns": [3]}, {"turns": ["a"], "keywords": []}, []]:
        with pytest.raises(ValueError, match="scenario demo"):
            Scenario.from_json("demo", bad)
    with pytest.raises(ValueError, match="bad fault"):
        Scenario.from_json("demo", {"turns": [{"fixture": "tool_use", "fault": "explode=1"}]})
    with pytest.raises(ValueError, match="no fixture or scenario named missing"):
        FakeAPI(API.fixtures, {"x": Scenario("x", (("missing", None),))})


def test_folder_fixtures_and_scenarios(tmp_path: Any) -> None:
    (tmp_path / "mine.sse").write_bytes(load_fixture("refusal").body)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "default.json").write_text(json.dumps({"turns": ["mine", "tool_use"]}))
    api = FakeAPI.load(tmp_path)
    assert api.default == "default"
    assert "mine" in api.names
    assert "tool_use" in api.names
    assert served(post({"messages": [user("hi")]}, api)) == "mine"
    assert (
        served(post({"messages": [user("hi"), {"role": "assistant", "content": "x"}, user("go")]}, api)) == "tool_use"
    )
    with pytest.raises(FileNotFoundError):
        FakeAPI.load(tmp_path / "nope")


def test_turn_fault_and_fixture_header_fault_apply_unless_overridden() -> None:
    fixture = read_fixture(b": claude-stream-nb fixture 1\n: fault: drop_after=2\n\n" + TOOL_USE.body, "flaky")
    scenarios = {**BUNDLED_SCENARIOS, "s": Scenario("s", (("tool_use", "error_after=1"),))}
    api = FakeAPI({**API.fixtures, "flaky": fixture}, scenarios)
    assert post(x_fixture="flaky", api=api).drop
    assert len(post(x_fixture="flaky", api=api).chunks) == 2
    assert not post(x_fixture="flaky", x_fault="none", api=api).drop
    assert events(post(x_fixture="s", api=api)) == ["message_start", "error"]
    assert events(post(x_fixture="s", x_fault="none", api=api))[-1] == "message_stop"
    assert post(api=api.__class__(api.fixtures, fault="status=500")).status == 500


# --- faults -----------------------------------------------------------------------------------


def test_fault_syntax() -> None:
    faults = Faults.parse(" status=529; retry-after=2.5 , should_retry=false;type=overloaded_error ")
    assert faults == Faults(status=529, retry_after=2.5, should_retry=False, type="overloaded_error")
    assert Faults.parse("stall=3;stall_after=4;first_byte_delay=0.5;attempts=2") == Faults(
        stall=3.0, stall_after=4, first_byte_delay=0.5, attempts=2
    )
    assert Faults.parse("none") == Faults.parse("") == Faults.parse(None) == Faults()
    assert str(Faults.parse("drop_after=7;stall=1")) == "drop_after=7;stall=1.0"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("explode=1", "key one of status"),
        ("drop_after", "expected key=value"),
        ("status=200", "out of range"),
        ("status=abc", "invalid literal"),
        ("stall=-1", "out of range"),
        ("should_retry=maybe", "true or false"),
        ("type=Bad Type", "error type"),
    ],
)
def test_bad_faults_are_400_naming_the_pair(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Faults.parse(text)
    plan = post(x_fault=text)
    assert plan.status == 400
    assert json_body(plan)["error"]["type"] == "invalid_request_error"
    assert complaint in json_body(plan)["error"]["message"]


@pytest.mark.parametrize("status", sorted(ERRORS))
def test_status_fault_is_the_apis_error_response(status: int) -> None:
    plan = post(x_fault=f"status={status};retry_after=2;should_retry=true")
    headers = dict(plan.headers)
    assert plan.status == status
    assert json_body(plan) == {
        "type": "error",
        "error": {"type": ERRORS[status][0], "message": ERRORS[status][1]},
        "request_id": "req_test",
    }
    assert headers["content-type"] == "application/json"
    assert headers["request-id"] == "req_test"
    assert (headers["retry-after"], headers["retry-after-ms"], headers["x-should-retry"]) == ("2", "2000", "true")


def test_status_without_retry_after_has_no_retry_headers_and_type_can_change() -> None:
    plan = post(x_fault="status=418;type=teapot_error")
    assert "retry-after" not in dict(plan.headers)
    assert json_body(plan)["error"] == {"type": "teapot_error", "message": "Error"}


def test_attempts_faults_only_the_first_tries() -> None:
    assert post(x_fault="status=529;attempts=2").status == 529
    assert post(x_fault="status=529;attempts=2", x_stainless_retry_count="1").status == 529
    assert post(x_fault="status=529;attempts=2", x_stainless_retry_count="2").status == 200


def test_error_after_n_events() -> None:
    plan = post(x_fixture="tool_use", x_fault="error_after=5")
    got = decode_all([b"".join(c.raw for c in plan.chunks)])
    assert [e.raw for e in got[:5]] == [e.raw for e in TOOL_USE.events[:5]]
    assert len(got) == 6
    assert got[5].event == "error"
    assert got[5].json() == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": "req_test",
    }
    assert plan.chunks[5].time == TOOL_USE.events[5].time  # in place of the event it replaces
    assert not plan.drop


def test_drop_after_n_events() -> None:
    plan = post(x_fixture="tool_use", x_fault="drop_after=7")
    assert plan.drop
    assert [c.raw for c in plan.chunks] == [e.raw for e in TOOL_USE.events[:7]]
    with pytest.raises(Dropped, match=r"incomplete chunked read"):
        list(play(plan, Pacer(instant=True)))


def test_recorded_cut_is_replayed_as_a_cut() -> None:
    plan = post(x_fixture="connection_cut")
    cut = load_fixture("connection_cut")
    assert plan.drop
    assert b"".join(c.raw for c in plan.chunks) == cut.body


def test_stall_and_first_byte_delay_take_real_time_at_any_speed() -> None:
    plan = post(x_fixture="tool_use", x_fault="stall=3;stall_after=4;first_byte_delay=0.5", x_speed="instant")
    assert plan.delay == 0.5
    assert plan.speed is None
    sent, _end = run_steps(plan)
    assert [t for t, _ in sent[:4]] == [0.0] * 4
    assert [t for t, _ in sent[4:]] == [3.0] * (len(sent) - 4)
    default = post(x_fixture="tool_use", x_fault="stall=1")
    assert default.stall_before == len(TOOL_USE.events) // 2


def test_steps_follow_the_recorded_times_scaled_by_speed() -> None:
    plan = post(x_fixture="tool_use", x_speed="4")
    sent, _ = run_steps(plan)
    assert b"".join(raw for _, raw in sent) == TOOL_USE.body
    for (at, _), event in zip(sent, TOOL_USE.events, strict=True):
        assert event.time is not None
        assert at == pytest.approx(event.time / 4, abs=1e-3)  # "due" within 0.5 ms


def test_stall_freezes_recorded_time() -> None:
    plan = post(x_fixture="tool_use", x_fault="stall=2;stall_after=10")
    sent, _ = run_steps(plan)
    times = [e.time or 0.0 for e in TOOL_USE.events]
    assert [at for at, _ in sent] == pytest.approx([t + (2 if i >= 10 else 0) for i, t in enumerate(times)], abs=1e-3)


def test_read_timeout_is_emulated() -> None:
    plan = post(x_fixture="tool_use", x_fault="stall=5;stall_after=3", x_speed="instant")
    with pytest.raises(ReadTimedOut):
        run_steps(plan, read_timeout=1.0)
    run_steps(post(x_fixture="tool_use"), read_timeout=1.0)  # gaps under the timeout are fine


# --- non-streaming, models, routing -----------------------------------------------------------


def test_non_stream_is_the_folded_message() -> None:
    plan = post({"stream": False, "model": "tool_use"})
    assert plan.status == 200
    assert plan.chunks[0].time is None
    assert json_body(plan) == API.final("tool_use").to_message()
    headers = dict(plan.headers)
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(plan.chunks[0].raw))


def test_non_stream_of_an_error_fixture_is_its_error_status_and_of_a_cut_one_a_cut_body() -> None:
    errored = post({"stream": False, "model": "error_overloaded"})
    assert errored.status == 529
    assert json_body(errored)["error"]["type"] == "overloaded_error"
    cut = post({"stream": False, "model": "connection_cut"})
    assert cut.status == 200
    assert cut.drop
    with pytest.raises(Dropped, match=r"received \d+ bytes, expected \d+"):
        list(play(cut, Pacer(instant=True)))


def test_models_list_in_the_apis_shape_with_paging() -> None:
    page = json.loads(API.respond(Request("GET", "/v1/models", query={"limit": "100"})).chunks[0].raw)
    assert [m["id"] for m in page["data"]] == API.names
    assert page["has_more"] is False
    assert page["first_id"] == API.names[0]
    assert page["last_id"] == API.names[-1]
    assert {m["type"] for m in page["data"]} == {"model"}
    first = json.loads(API.respond(Request("GET", "/v1/models", query={"limit": "10"})).chunks[0].raw)
    rest = json.loads(API.respond(Request("GET", "/v1/models", query={"after_id": first["last_id"]})).chunks[0].raw)
    assert first["has_more"] is True
    assert [m["id"] for m in first["data"] + rest["data"]] == API.names
    one = json.loads(API.respond(Request("GET", "/v1/models/tool_use")).chunks[0].raw)
    assert one["id"] == "tool_use"
    assert one["display_name"] == TOOL_USE.description


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/v1/messages", b"", 404),
        ("POST", "/v1/complete", b"{}", 404),
        ("GET", "/v1/models/nope", b"", 404),
        ("POST", "/v1/messages", b"{not json", 400),
        ("POST", "/v1/messages", b"[1]", 400),
    ],
)
def test_routing_errors(method: str, path: str, body: bytes, status: int) -> None:
    plan = API.respond(Request(method, path, {}, {}, body))
    assert plan.status == status
    assert json_body(plan)["type"] == "error"


def test_speed_per_request() -> None:
    assert post().speed == 1.0
    assert post(x_speed="2.5").speed == 2.5
    assert post(x_speed="0").speed is None
    instant = FakeAPI(API.fixtures, speed=None)
    assert instant.respond(Request("POST", "/v1/messages", body=json.dumps(BASE).encode())).speed is None
    assert post(x_speed="fast").status == 400


def test_bundled_scenarios_only_name_bundled_fixtures() -> None:
    for scenario in BUNDLED_SCENARIOS.values():
        assert scenario.fixtures <= set(API.fixtures)


def test_plain_capture_without_timing_gets_synthetic_pacing() -> None:
    api = FakeAPI({**API.fixtures, "plain": read_fixture(TOOL_USE.body, "plain")})
    plan = post(x_fixture="plain", api=api)
    assert all(isinstance(c, Recorded) and c.time is not None for c in plan.chunks)
    assert b"".join(c.raw for c in plan.chunks) == TOOL_USE.body
