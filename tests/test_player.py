"""The step-through player, in-process (the browser tests click it for real)."""

from __future__ import annotations

import time

from claude_stream_nb import play
from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sinks.render._change import describe_change
from claude_stream_nb.sources._fixtures import load_fixture


def test_step_shows_exactly_one_event_per_click() -> None:
    player = play("tool_use")
    assert player.position == 0
    for expected in range(1, 8):
        player.step_button.click()
        assert player.position == expected
        assert player.view.snapshot.events == expected
        assert f"event <b>{expected}</b> of {len(player.steps)}" in player.status.value
    assert "content_block_delta" in player.raw.value or "content_block_start" in player.raw.value


def test_play_runs_to_the_end_and_pause_stops_it() -> None:
    player = play("plain_text", speed=8)
    player.play_button.click()
    assert player.playing
    time.sleep(0.1)
    player.play_button.click()  # pause
    stopped_at = player.position
    time.sleep(0.3)
    assert not player.playing
    assert player.position == stopped_at
    assert 0 < stopped_at < len(player.steps)
    player.speed.value = 32
    player.play()
    player.wait(30)
    assert player.position == len(player.steps)
    assert player.view.snapshot.state == "complete"
    assert not player.playing


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
    first_view = player.view
    player.back_button.click()
    assert player.position == 0
    assert player.view is not first_view
    assert player.view.snapshot.events == 0
    assert player.stage.children == (player.view.widget,)


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
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "search results" in bundle["text/html"]
    assert bundle["text/plain"] == "<Player web_search: 88 events, at 0>"
