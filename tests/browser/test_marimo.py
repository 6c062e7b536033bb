"""What a person sees in a marimo app (``marimo run``), in headless Chromium.

Each page load is a fresh marimo session that runs the notebook's cells top to bottom, so a test
opens the app and samples the page while the replay cell runs. The view is an anywidget widget:
marimo renders it inside a shadow root, which the harness reads through. Each test prints what
it saw (``pytest -rP`` or ``-s``); on a failure the server's log is printed too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from claude_stream_nb.sinks.render._change import describe_change

from .frontends import assert_inert, end_of_stream_shift
from .harness import expected_text, final_snapshot, fixture_steps, fold_space, letters, snapshot_text
from .marimo_harness import MarimoPage, MarimoServer

pytestmark = pytest.mark.browser


@pytest.fixture
def app(
    request: pytest.FixtureRequest, context: BrowserContext, marimo: MarimoServer, screenshots: Path
) -> Iterator[MarimoPage]:
    name = re.sub(r"\W+", "-", request.node.name.removeprefix("test_")).strip("-")
    page = context.new_page()
    app = MarimoPage(page, marimo, screenshots, name)
    try:
        yield app
    finally:
        try:
            app.screenshot()
        finally:
            page.close()
            print(f"--- browser console errors: {app.console}\n--- marimo log (tail):\n{marimo.log()[-2000:]}")


def test_harness_reads_an_anywidget_streaming_in_a_marimo_cell(app: MarimoPage, marimo: MarimoServer) -> None:
    app.open("tiny.py")

    def read() -> dict[str, object]:
        return app.read("""
          const text = deep('.tiny-text'), details = deep('.tiny-details');
          return {text: text?.textContent ?? null, open: details?.open ?? null,
                  done: deepAll('.output-area').some((el) => el.innerText.includes('cells done'))};
        """)

    samples = list(app.samples(read, lambda s: s["text"] is not None and len(str(s["text"]).split()) >= 10))
    app.page.locator(".tiny-details summary").click()  # a CSS locator pierces the shadow root
    clicked_at = time.monotonic()
    clicked = app.wait_for(read, lambda s: s["open"] is True, timeout=5)
    samples += list(app.samples(read, lambda s: bool(s["done"])))
    words = [len(str(s["text"] or "").split()) for s in samples]
    print(f"{len(samples)} samples; words shown {words}; the click showed in {clicked['at'] - clicked_at:.3f} s")

    growing = [n for n in words if 0 < n < 60]
    assert len(set(growing)) >= 5, "the widget's messages show while the cell runs, not all at the end"
    assert words == sorted(words)
    assert clicked["at"] - clicked_at <= 0.3, "the toggle acts at once"
    assert not clicked["done"], "while the cell runs"
    assert samples[-1]["text"] == "".join(f"w{i} " for i in range(60))
    assert samples[-1]["open"] is True, "the toggle stays as the user left it after the cell ended"


def app_state(app: MarimoPage) -> dict[str, Any]:
    """The view, and the example's last cell (the final message), once it has run."""
    final = next((text for text in app.outputs() if text.startswith("Final message")), None)
    return app.view() | {"final": final}


def test_replay_streams_progressively_in_the_example(app: MarimoPage) -> None:
    app.open("marimo_replay.py", fixture="long_markdown", speed=8)
    samples = list(app.samples(lambda: app_state(app), lambda s: s["final"] is not None, interval=0.1))
    app.screenshot("end")
    final = samples[-1]
    streaming = [s for s in samples if s["found"] and s["text"] and not s["final"] and s["state"] != "done"]
    counts = [len(letters(s["text"])) for s in streaming]
    expected = expected_text("long_markdown")
    print(f"{len(samples)} samples, {len(streaming)} with partial text; letters {counts[:3]} … {counts[-3:]}")
    print(f"final: {len(letters(final['text']))} letters (expected {len(letters(expected))}); {final['final']!r}")

    assert len(set(counts)) >= 10, "the answer grows while the cell runs"
    assert counts[0] < len(letters(expected)) / 4
    assert counts == sorted(counts), "the visible text never shrinks"
    assert final["state"] == "done"
    assert fold_space(final["textContent"]) == expected
    assert letters(final["text"]) == letters(expected)  # all of it visible
    assert "stop reason end_turn" in final["final"]
    assert f"{len(final_snapshot('long_markdown').text)} characters of text" in final["final"]


def test_thinking_toggle_acts_at_once_and_stays_after_the_stream(app: MarimoPage) -> None:
    app.open("marimo_replay.py", fixture="thinking_text", speed=0.5)  # 4.5 s of thinking, 1.5 s of answer
    before = app.wait_for(lambda: app_state(app), lambda s: bool(s["text"]) and s["thinking"] is not None)
    assert before["final"] is None
    assert before["thinking"]["open"] is False, "collapsed when the answer starts"
    app.thinking_summary().click()
    clicked_at = time.monotonic()
    opened = app.wait_for(lambda: app_state(app), lambda s: (s["thinking"] or {}).get("open"), timeout=5)
    app.screenshot("clicked")
    final = app.wait_for(lambda: app_state(app), lambda s: s["final"] is not None)
    app.page.wait_for_timeout(1000)  # whatever the kernel does once the cell is over
    after = app_state(app)
    print(f"panel opened {opened['at'] - clicked_at:.3f} s after the click; {opened['state']=}")
    print(f"at the end: {final['thinking']}, a second later: {after['thinking']}, views {after.get('views')}")

    assert opened["at"] - clicked_at <= 0.3, "the click acts at once"
    assert opened["final"] is None, "while the cell runs"
    assert final["thinking"]["open"], "still as the user left it when the stream ended"
    assert after["thinking"]["open"], "and after the kernel was free again"
    assert fold_space(after["textContent"]) == expected_text("thinking_text")


def cells_done(app: MarimoPage) -> dict[str, Any]:
    """The view, and whether the notebook's last cell ("cells done: ...") has run."""
    done = next((text for text in app.outputs() if text.startswith("cells done")), None)
    return app.view() | {"done": done}


def test_show_streams_an_sdk_stream_in_a_marimo_cell(app: MarimoPage) -> None:
    """``show(sdk_stream)``: the official SDK over ReplayTransport, at the recorded pace."""
    app.open("show.py")
    samples = list(app.samples(lambda: cells_done(app), lambda s: s["done"] is not None))
    partial = {len(letters(s["text"])) for s in samples if s["found"] and s["text"] and s["state"] != "done"}
    final = samples[-1]
    print(f"{len(samples)} samples, {len(partial)} partial lengths; final {final['state']}, {final['done']!r}")
    assert len(partial) >= 3, "the answer grows while the SDK streams"
    assert final["state"] == "done"
    assert final["done"] == "cells done: Message"
    assert fold_space(final["textContent"]) == expected_text("thinking_text")


# The player's status and panels (player.js documents the DOM), read through marimo's shadow roots.
PLAYER = """
const q = (selector) => deep('.csn-player ' + selector);
const status = q('.csn-player-status')?.innerText ?? null;
const at = status?.match(/^event (\\d+) of (\\d+) · /);
return {status, position: at ? Number(at[1]) : null, total: at ? Number(at[2]) : null,
        raw: q('.csn-player-raw')?.innerText ?? null, change: q('.csn-player-change')?.innerText ?? null,
        buttons: deepAll('.csn-player-bar button').map((b) => b.innerText),
        views: deepAll('.csn-player-stage .csn[data-csn-view]').length};
"""


def test_play_shows_the_player_in_a_marimo_cell(app: MarimoPage) -> None:
    """``play(..., autoplay=True)``: the whole player renders and plays; then Start, Step ×5
    (exactly five events), Play to the end -- every click handled by the kernel after the cell."""
    steps = fixture_steps("thinking_text")

    def player() -> dict[str, Any]:
        state: dict[str, Any] = app.read(PLAYER)
        return state | {"view": app.view()}

    def button(name: str) -> Any:
        return app.page.get_by_role("button", name=name, exact=True)

    app.open("play.py")
    final = app.wait_for(lambda: cells_done(app), lambda s: s["done"] is not None)
    assert final["done"] == "cells done: Player"
    played = app.wait_for(player, lambda s: s["position"] == len(steps) and s["view"]["state"] == "done", timeout=15)
    print(f"autoplayed: {played['status']!r}, buttons {played['buttons']}, changed {played['change']!r}")
    assert played["buttons"] == ["|◀ Start", "▶ Play", "▶| Step"]  # Pause turned back to Play at the end
    assert played["total"] == len(steps)
    assert played["change"] == "the message is complete"
    assert fold_space(played["view"]["textContent"]) == expected_text("thinking_text")

    button("|◀ Start").click()
    # Start redraws the stage with the fresh view: wait until it is there (one view, waiting)
    start = app.wait_for(
        player, lambda s: s["position"] == 0 and s["views"] == 1 and s["view"]["state"] == "waiting", timeout=10
    )
    for _ in range(5):
        button("▶| Step").click()
    five = app.wait_for(player, lambda s: s["position"] == 5, timeout=10)
    app.page.wait_for_timeout(800)
    settled = player()  # and not one event more
    app.screenshot("stepped")
    event, before, after = steps[4]
    print(f"Start: {start['status']!r}, {start['views']} view; Step ×5: {five['status']!r}, raw {five['raw']!r}")
    assert start["raw"] == start["change"] == ""
    assert start["views"] == 1, "the fresh view replaced the old one"
    assert settled["position"] == 5
    assert settled["raw"].splitlines()[0] == f"#{event.sse.number}  {event.sse.time:.3f} s"
    assert settled["change"] == describe_change(before, after, event)
    assert letters(settled["view"]["text"]) == letters(snapshot_text(after))

    button("▶ Play").click()
    button("▮▮ Pause").wait_for(timeout=5000)
    end = app.wait_for(player, lambda s: s["position"] == len(steps) and s["buttons"][1] == "▶ Play", timeout=15)
    print(f"Play: {end['status']!r}, footer {end['view']['footer']!r}")
    assert end["view"]["state"] == "done"
    assert fold_space(end["view"]["textContent"]) == expected_text("thinking_text")


def test_markdown_looks_like_markdown_in_marimo(app: MarimoPage) -> None:
    app.open("marimo_replay.py", fixture="long_markdown", speed=8)
    app.wait_for(lambda: app.view(), lambda s: s["state"] == "done")
    style = app.markdown_style()
    print(f"answer styles in marimo: {style}")
    assert style["h1"]["size"] >= 1.5 * style["p"]["size"], "a heading is larger than the text"
    assert style["h2"]["size"] > style["p"]["size"]
    assert style["ul"]["bullets"] != "none", "a list has bullets"
    assert style["ul"]["indent"] >= 16


def test_choosing_another_fixture_replays_it(app: MarimoPage) -> None:
    """marimo runs the replay cell again when the drop-down changes: one view, the new answer."""
    app.open("marimo_replay.py", fixture="plain_text", speed=8)
    first = app.wait_for(lambda: app_state(app), lambda s: s["final"] is not None and s["state"] == "done")
    app.page.get_by_role("combobox").select_option("thinking_text")
    final = app.wait_for(
        lambda: app_state(app), lambda s: s["final"] not in (None, first["final"]) and s["state"] == "done"
    )
    print(f"first {first['final']!r}; then {final['final']!r}; views on the page: {final['views']}")
    assert fold_space(first["textContent"]) == expected_text("plain_text")
    assert final["views"] == 1
    assert fold_space(final["textContent"]) == expected_text("thinking_text")
    assert f"{len(final_snapshot('thinking_text').text)} characters of text" in final["final"]


def test_untrusted_content_stays_inert_live_and_after_the_end(app: MarimoPage) -> None:
    """The ``xss`` recording (script, img onerror, javascript: links, an iframe, in the thinking,
    the text, the tool's input and the error), chosen in the drop-down and played at speed 2,
    probed while it streams and after it ended: nothing injected, no handler, no javascript: URL,
    the title unchanged, no dialog -- and every payload shows as text. marimo keeps the live widget
    (no transcript takes its place), so "saved" here is the view after the stream ended."""
    app.open("marimo_replay.py", fixture="plain_text", speed=2)
    first = app.wait_for(lambda: app_state(app), lambda s: s["final"] is not None and s["state"] == "done")
    title = app.page.title()
    app.page.get_by_role("combobox").select_option("xss")

    def probe() -> dict[str, Any]:
        return app.xss() | app_state(app)

    probes = list(app.samples(probe, lambda s: s["final"] not in (None, first["final"])))
    for _ in range(5):  # and once it has settled
        app.page.wait_for_timeout(200)
        probes.append(probe())
    app.thinking_summary().click()  # its text painted too
    app.page.locator("details.csn-thinking-panel[open]").last.wait_for()
    probes.append(probe())
    final = probes[-1]
    ended = [p for p in probes if p["final"] == final["final"]]
    live = [p for p in probes if p["found"] and p["state"] not in (first["state"], final["state"])]  # the xss view
    shown = [p for p in live if "<script>alert('xss')</script>" in p["shown"]]
    print(f"{len(probes)} probes: {len(live)} of the xss view while it streamed ({len(shown)} showing the script "
          f"as text), {len(ended)} after the end; {final['elements']} elements in the view at the end; "
          f"title {title!r}; state {final['state']!r}; dialogs {app.dialogs}; {final['final']!r}")  # fmt: skip

    assert len(live) >= 3, "several probes while it streams"
    assert shown, "the payload shows as text while live"
    assert len(ended) >= 6
    assert_inert(probes, title, app.dialogs)
    assert final["views"] == 1
    assert "stop reason None" in final["final"], "the stream ended with the recorded error"


def test_ending_moves_nothing(app: MarimoPage) -> None:
    """The end of the stream moves no line (marimo keeps the live widget)."""
    app.open("marimo_replay.py", fixture="thinking_tool_use", speed=1)
    app.wait_for(lambda: app.view(), lambda s: s["found"])
    app.record_layout()
    app.wait_for(lambda: app_state(app), lambda s: s["final"] is not None)
    app.page.wait_for_timeout(500)
    shift = end_of_stream_shift(app.layout())
    print(f"at the end of the stream: {shift}")
    assert shift["points"] >= 2
    assert shift["moved"] <= 4, "no line moves more than 4 px"
    assert shift["grew"] <= 4, "the view's height changes by 4 px at most"


@pytest.mark.parametrize(
    "scheme",
    [
        "light",
        "dark",
    ],
)
def test_text_contrast_in_marimo(app: MarimoPage, scheme: str) -> None:
    """Every kind of body text is readable (WCAG contrast ≥ 4.5) in marimo's light and dark theme."""
    app.page.emulate_media(color_scheme=scheme)  # the harness's marimo follows the page's colour scheme
    app.open("marimo_replay.py", fixture="thinking_tool_use", speed=8)
    app.wait_for(lambda: app_state(app), lambda s: s["final"] is not None)
    app.thinking_summary().click()  # open, so its text is painted
    app.page.locator("details.csn-thinking-panel[open]").last.wait_for()
    ratios = app.contrast()
    print(f"contrast in marimo {scheme}: {ratios}")
    assert None not in ratios.values(), "every kind of text is on the page"
    low = {name: ratio for name, ratio in ratios.items() if ratio is not None and ratio < 4.5}
    assert not low, f"text below 4.5:1 in marimo {scheme}"
