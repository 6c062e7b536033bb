"""The step-through player, driven through its buttons and slider in a real page.

``play("tool_use")`` is the cell's last expression; every click comes after the cell has
finished, so the kernel handles it between cells and a background thread plays. Each check
prints what it saw (shown with ``pytest -rP`` or ``-s``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator

from claude_stream_nb.core._summary import metrics, outcome
from claude_stream_nb.sinks.render._change import describe_change

from .harness import Notebook, fixture_steps, letters, snapshot_text

pytestmark = pytest.mark.browser

FIXTURE = "tool_use"
STEPS = fixture_steps(FIXTURE)
TOTAL = len(STEPS)  # 30 events, 2.43 s
PLAY, PAUSE, STEP, START = "▶ Play", "▮▮ Pause", "▶| Step", "|◀ Start"

# The player's controls and panels (player.js documents the DOM; VIEW_STATE reads its view).
# Written for one root (an output area, or a shadow root in marimo).
PLAYER_STATE = """(area) => {
  const root = area.querySelector('.csn-player');
  const q = (selector) => root?.querySelector(selector) ?? null;
  const status = q('.csn-player-status')?.innerText ?? null;
  const at = status?.match(/^event (\\d+) of (\\d+) · (\\d+\\.\\d\\d) s$/);
  return {
    status,
    position: at ? Number(at[1]) : null,
    total: at ? Number(at[2]) : null,
    time: at ? at[3] : null,
    raw: q('.csn-player-raw')?.innerText ?? null,
    change: q('.csn-player-change')?.innerText ?? null,
    buttons: root ? [...root.querySelectorAll('.csn-player-bar button')].map((b) => b.innerText) : [],
    speed: q('.csn-player-readout')?.value ?? null,
    views: area.querySelectorAll('.csn-player-stage .csn-host').length,
  };
}"""


class PlayerPage:
    """The player widget in a notebook's cell output: click its buttons, set its speed, read it."""

    def __init__(self, notebook: Notebook, index: int = 0) -> None:
        self.notebook = notebook
        self.index = index
        self.page = notebook.page
        self.output = notebook.output(index)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.output.evaluate(PLAYER_STATE)
        return state

    def view(self) -> dict[str, Any]:
        return self.notebook.view(self.index)

    def button(self, name: str) -> Locator:
        return self.output.get_by_role("button", name=name, exact=True)

    def click(self, name: str) -> None:
        self.button(name).click()

    def wait_for(self, test: Callable[[dict[str, Any]], bool], what: str, timeout: float = 15) -> dict[str, Any]:
        """Poll until ``test(state)`` holds; that state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if test(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"the player did not reach {what} within {timeout} s; it shows {state}")
            self.page.wait_for_timeout(50)

    def wait_for_position(self, position: int, timeout: float = 15) -> dict[str, Any]:
        return self.wait_for(lambda s: s["position"] == position, f"event {position}", timeout)

    def wait_for_button(self, name: str, timeout: float = 15) -> None:
        """Until a button reads ``name``: the kernel changed its label, so it has handled the click."""
        self.button(name).wait_for(timeout=timeout * 1000)

    def speed_key(self, key: str) -> str:
        """Press a key on the speed slider (Home, End, arrows), as a keyboard user would; the readout after it."""
        self.output.get_by_role("slider", name="speed").focus()
        self.page.keyboard.press(key)
        return self.output.locator(".csn-player-readout").input_value()

    def type_speed(self, value: str) -> str:
        """Type a speed into the slider's readout and press Enter; the readout after it."""
        readout = self.output.locator(".csn-player-readout")
        readout.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.type(value)
        self.page.keyboard.press("Enter")
        return readout.input_value()

    def sample(self, seconds: float, interval: float = 0.1) -> list[dict[str, Any]]:
        """The player's state every ``interval`` for ``seconds``."""
        samples = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            samples.append(self.state() | {"view": self.view(), "at": time.monotonic()})
            self.page.wait_for_timeout(interval * 1000)
        return samples


def status(position: int) -> str:
    at = (STEPS[position - 1][0].sse.time or 0.0) if position else 0.0
    return f"event {position} of {TOTAL} · {at:.2f} s"


def raw_event(position: int) -> list[str]:
    """What the current-event panel should show for event ``position`` (1-based), line by line."""
    sse = STEPS[position - 1][0].sse
    lines = [line for line in sse.raw.decode().splitlines() if line.strip()]
    return [f"#{sse.number}  {sse.time:.3f} s", *lines]


def assert_at(player: PlayerPage, position: int) -> dict[str, Any]:
    """The status, the current-event panel, what-it-changed and the view all show ``position``."""
    state = player.wait_for_position(position)
    view = player.view()
    assert state["status"] == status(position)
    assert state["total"] == TOTAL
    if position:
        event, before, after = STEPS[position - 1]
        assert state["raw"].startswith(f"#{position} ")
        assert [line.rstrip() for line in state["raw"].splitlines()] == raw_event(position)
        assert state["change"] == describe_change(before, after, event)
        assert letters(view["text"]) == letters(snapshot_text(after)), "the view shows the text so far"
    assert view["live"]
    assert not view["widgetError"]
    assert state["views"] == 1
    return state | {"view": view}


def play_cell(notebook: Notebook) -> PlayerPage:
    notebook.write(f"from claude_stream_nb import play\nplay({FIXTURE!r})")
    notebook.open()
    notebook.run()
    notebook.prompt(0, r"\[\d+\]").wait_for()  # the cell has finished: every click below comes after it
    player = PlayerPage(notebook)
    player.button(STEP).wait_for()
    return player


def test_player_steps_plays_pauses_and_restarts(notebook: Notebook) -> None:
    player = play_cell(notebook)
    first = assert_at(player, 0)
    assert first["buttons"] == [START, PLAY, STEP]
    assert first["view"]["text"] == ""
    assert first["view"]["state"] == "waiting"

    # Step: one event per click, also when the clicks come faster than the kernel answers them.
    player.click(STEP)
    one = assert_at(player, 1)
    for _ in range(6):
        player.click(STEP)
    seven = assert_at(player, 7)
    notebook.page.wait_for_timeout(800)
    settled = assert_at(player, 7)  # and not one event more
    print(f"Step ×1: {one['status']!r}, panel {one['raw'].splitlines()[0]!r}, changed {one['change'][:40]!r}…")
    print(f"Step ×6 more: {seven['status']!r}, panel {seven['raw'].splitlines()[0]!r}; changed {seven['change']!r}")
    print(f"the view after 7 events: {settled['view']['text']!r}")
    assert letters(seven["view"]["text"]) == letters("I'll get the three-day forecast for Shanghai,")
    notebook.screenshot("stepped")

    # Play slowly (the slider's handle, Home: its minimum), then Pause.
    slow = player.speed_key("Home")
    assert slow == "0.250"
    clicked = time.monotonic()
    player.click(PLAY)
    player.wait_for_button(PAUSE)
    playing = player.sample(1.5)
    player.click(PAUSE)
    player.wait_for_button(PLAY)
    paused_at = player.state()
    paused = player.sample(1.0)
    positions = [s["position"] for s in playing]
    times = [float(s["time"]) for s in playing]
    # The status's time never runs ahead of the player's clock, which started at the click.
    rate = (times[-1] - float(seven["time"])) / (playing[-1]["at"] - clicked)
    print(f"speed {slow}: while playing {positions} (recorded {times[0]:.2f}→{times[-1]:.2f} s, ×{rate:.2f})")
    print(f"paused at {paused_at['status']!r}; for 1 s after: {sorted({s['position'] for s in paused})}")

    assert positions == sorted(positions), "playing never goes back"
    assert len(set(positions)) >= 3, "the number grows while it plays"
    assert positions[-1] > 7
    assert rate <= 0.3, "a quarter of the recorded pace (the slider's speed reached the player)"
    assert 7 < paused_at["position"] < TOTAL
    assert {s["position"] for s in paused} == {paused_at["position"]}, "Pause stops it"
    assert {s["view"]["text"] for s in paused} == {paused[0]["view"]["text"]}
    assert {json.dumps(s["view"]["tools"]) for s in paused} == {json.dumps(paused[0]["view"]["tools"])}
    assert all(s["buttons"] == [START, PLAY, STEP] for s in paused)
    assert_at(player, paused_at["position"])

    # Faster (typed into the slider's readout: its maximum), then Play to the end.
    fast = player.type_speed("32")
    assert fast == "32.0"
    left = (STEPS[-1][0].sse.time or 0) - (STEPS[paused_at["position"] - 1][0].sse.time or 0)
    began = time.monotonic()
    player.click(PLAY)
    end = player.wait_for(lambda s: s["position"] == TOTAL, "the end")
    took = time.monotonic() - began
    player.wait_for_button(PLAY)  # it stops by itself
    final = assert_at(player, TOTAL)
    snap = STEPS[-1][2]
    tool = next(b for b in snap.blocks if b.is_tool_use)
    print(f"speed {fast}: {left:.2f} recorded s left played in {took:.2f} s; then {end['status']!r}")
    print(f"final footer: {final['view']['footer']!r}; tool badge {final['view']['tools'][0]['badge']!r}")

    assert took < left / 0.25 / 2, "much faster than at a quarter of the pace"
    assert final["view"]["footer"] == " · ".join([outcome(snap), *metrics(snap)])
    assert final["view"]["state"] == "done"
    assert final["view"]["tools"][0]["badge"].startswith("arguments complete")
    assert final["view"]["tools"][0]["args"] == json.dumps(tool.input, indent=2, ensure_ascii=False)
    assert final["change"] == "the message is complete"
    notebook.screenshot("ended")

    # Back to the start: nothing shown, a fresh view.
    clicked = time.monotonic()
    player.click(START)
    player.wait_for(lambda s: s["position"] == 0 and player.view()["state"] == "waiting", "the fresh view")
    shown = time.monotonic() - clicked
    start = assert_at(player, 0)
    print(f"Start: the fresh view showed {shown:.3f} s after the click")
    assert shown < 0.9, "at once, not after the page's one-second ask for missed frames"
    print(
        f"Start: {start['status']!r}, view {start['view']['state']!r} text {start['view']['text']!r}, "
        f"tools {start['view']['tools']}, footer {start['view']['footer']!r}; panel {start['raw'][:12]!r}"
    )
    assert start["view"]["text"] == ""
    assert start["view"]["tools"] == []
    assert start["view"]["state"] == "waiting"
    assert not start["view"]["footer"]
    assert start["buttons"] == [START, PLAY, STEP]
    assert start["raw"] == ""  # the side panel starts over too
    assert start["change"] == ""

    # And it steps again from there: the fresh view (in the same widget) shows the new frames.
    for _ in range(7):
        player.click(STEP)
    again = assert_at(player, 7)
    print(f"Step ×7 after Start: {again['status']!r}, view {again['view']['text']!r}")
    assert again["view"]["text"] == seven["view"]["text"]


@pytest.mark.parametrize("ui", ["notebook"])
def test_player_smoke(notebook: Notebook) -> None:
    """Notebook 7: Step, Play, Pause, Play to the end, Start -- at the default speed."""
    player = play_cell(notebook)
    for _ in range(3):
        player.click(STEP)
    three = assert_at(player, 3)
    player.click(PLAY)
    player.wait_for_button(PAUSE)
    player.wait_for(lambda s: s["position"] >= 10, "event 10")
    player.click(PAUSE)
    player.wait_for_button(PLAY)
    paused_at = player.state()["position"]
    paused = {s["position"] for s in player.sample(0.6)}
    player.click(PLAY)
    player.wait_for_position(TOTAL)
    player.wait_for_button(PLAY)
    final = assert_at(player, TOTAL)
    player.click(START)
    start = assert_at(player, 0)
    print(
        f"Step ×3: {three['status']!r}; paused at {paused_at} (for 0.6 s: {sorted(paused)}); "
        f"end: {final['status']!r}, footer {final['view']['footer']!r}; Start: {start['status']!r}"
    )
    assert paused == {paused_at}
    assert final["view"]["state"] == "done"
    assert start["view"]["text"] == ""
    assert start["view"]["tools"] == []
