"""The step-through player, in-process (the browser tests click it for real).

The page talks to the kernel as these tests do: a click is one custom message on the controls'
widget (``{"action": "step"}``), the speed slider sets the ``speed`` trait.
"""

from __future__ import annotations

import time

from claude_stream_nb import play
from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sinks.render._change import describe_change
from claude_stream_nb.sinks.view import Player
from claude_stream_nb.sources._fixtures import load_fixture


def click(player: Player, action: str) -> None:
    """What a button in the page sends: one custom message per click."""
    player.controls._handle_custom_msg({"action": action}, [])


def test_step_shows_exactly_one_event_per_click() -> None:
    player = play("tool_use")
    assert player.position == 0
    assert player.status == f"event 0 of {len(player.steps)} · 0.00 s"
    for expected in range(1, 8):
        click(player, "step")
        assert player.position == expected
        assert player.controls.position == expected
        assert player.view.snapshot.events == expected
        event = player.steps[expected - 1][0]
        assert player.status == f"event {expected} of {len(player.steps)} · {event.sse.time:.2f} s"
        assert player.controls.raw.startswith(f"#{event.sse.number}  {event.sse.time:.3f} s\nevent: {event.type}\n")
    assert player.controls.change == describe_change(*player.steps[6][1:], player.steps[6][0])


def test_an_unknown_message_changes_nothing() -> None:
    player = play("tool_use")
    for content in ({"action": "rewind"}, {"hello": 3}, ["step"]):
        player.controls._handle_custom_msg(content, [])
    assert player.position == 0
    assert not player.playing


def test_play_runs_to_the_end_and_pause_stops_it() -> None:
    player = play("plain_text", speed=8)
    click(player, "toggle")
    assert player.playing
    assert player.controls.playing  # the button reads Pause
    time.sleep(0.1)
    click(player, "toggle")  # pause
    stopped_at = player.position
    time.sleep(0.3)
    assert not player.playing
    assert not player.controls.playing
    assert player.position == stopped_at
    assert 0 < stopped_at < len(player.steps)
    player.controls.set_state({"speed": 32})  # the slider, as the page sets it
    assert player.pacer.speed == 32
    player.play()
    player.wait(30)
    assert player.position == len(player.steps)
    assert player.view.snapshot.state == "complete"
    assert not player.playing
    assert player.controls.change == "the message is complete"
    view_id = player.view.widget.view_id
    click(player, "toggle")  # Play once it has ended: from the start again, in a fresh view
    assert player.view.widget.view_id != view_id
    assert player.position < len(player.steps)
    player.wait(30)
    assert player.position == len(player.steps)
    assert player.view.snapshot.state == "complete"


def test_the_speed_stays_on_the_slider() -> None:
    player = play("plain_text", speed=100)
    assert player.controls.speed == player.pacer.speed == 32
    player.controls.set_state({"speed": 0.01})
    assert player.pacer.speed == 0.25


def test_speed_changes_mid_play() -> None:
    duration = load_fixture("plain_text").events[-1].time or 0
    player = play("plain_text", speed=0.25)
    began = time.monotonic()
    player.play()
    time.sleep(0.2)
    player.controls.set_state({"speed": 32})
    player.wait(30)
    took = time.monotonic() - began
    assert player.position == len(player.steps)
    assert took < duration / 0.25 / 4, "much faster than a quarter of the pace"


def test_playback_keeps_the_recorded_pacing_scaled_by_speed() -> None:
    duration = load_fixture("plain_text").events[-1].time or 0
    player = play("plain_text", speed=4)
    began = time.monotonic()
    player.play()
    player.wait(30)
    took = time.monotonic() - began
    assert duration / 4 * 0.8 <= took <= duration / 4 + 1.5


def test_back_to_start_gives_a_fresh_view() -> None:
    player = play("thinking_text")
    for _ in range(10):
        player.step()
    first_view, first_id = player.view, player.view.widget.view_id
    assert player.controls.raw
    click(player, "back")
    assert player.position == 0
    assert player.view is not first_view
    assert player.view.snapshot.events == 0
    # The same widget (marimo opens none outside a cell's run), a new view in it; the page renders it again.
    assert player.view.widget is first_view.widget is player.controls.view
    assert player.view.widget.view_id != first_id
    assert player.controls.restarts == 1
    assert player.view.frames == 1  # the fresh view's shell, header "waiting"
    assert first_view.widget._msg_callbacks.callbacks == [player.view._on_msg]  # the old view hears nothing more
    assert player.controls.raw == player.controls.change == ""
    assert player.status == f"event 0 of {len(player.steps)} · 0.00 s"


def test_the_change_panel_says_what_each_event_touched() -> None:
    fold, before = StreamFold(), Snapshot()
    lines = []
    for event, after in fold.feed(load_fixture("tool_use").body):
        lines.append(describe_change(before, after, event))
        before = after
    joined = "\n".join(lines)
    assert lines[0].startswith("the message begins: id msg_")
    assert "nothing: a keep-alive" in joined
    assert "content[1] starts: tool_use get_weather" in joined
    assert "input JSON text += " in joined
    assert "still arriving" in joined  # a number cut across deltas
    assert "input parsed once: {\"city\": \"Shanghai\"" in joined
    assert "it replaces" in joined  # cumulative usage
    assert lines[-1] == "the message is complete"


def test_the_player_bundle_has_a_static_fallback() -> None:
    player = play("web_search")
    bundle = player._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == player.controls.model_id
    assert "search results" in bundle["text/html"]
    assert bundle["text/plain"] == "<Player web_search: 88 events, at 0>"
    assert player._display_() is player.controls  # marimo: the anywidget itself

