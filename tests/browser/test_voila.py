"""The replay dashboard (``examples/voila_dashboard.ipynb``) served by Voilà, in headless Chromium.

Each test loads the dashboard (a fresh kernel runs the notebook), chooses a fixture in its
drop-down, types a speed, presses Replay, and samples the view while the click handler blocks in
``replay``. Each prints what it saw (``pytest -rP`` or ``-s``); on a failure Voilà's log too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from .frontends import assert_inert, end_of_stream_shift
from .harness import REPO, expected_text, final_snapshot, fold_space, letters
from .voila_harness import Dashboard, VoilaServer

pytestmark = pytest.mark.browser

DASHBOARD = REPO / "examples" / "voila_dashboard.ipynb"


@pytest.fixture
def theme() -> str:
    """Voilà's theme for the page (``?theme=``); a test parametrizes it to see another."""
    return "light"


@pytest.fixture
def dashboard(
    request: pytest.FixtureRequest, context: BrowserContext, voila: VoilaServer, screenshots: Path, theme: str
) -> Iterator[Dashboard]:
    name = re.sub(r"\W+", "-", request.node.name.removeprefix("test_")).strip("-")
    page = context.new_page()
    dashboard = Dashboard(page, voila, screenshots, name)
    try:
        dashboard.open(voila.add(DASHBOARD), theme)
        yield dashboard
    finally:
        try:
            dashboard.screenshot()
        finally:
            page.close()  # Voilà shuts the page's kernel down when its websocket closes
            print(f"--- browser console errors: {dashboard.console}\n--- Voilà log (tail):\n{voila.log()[-2000:]}")


def state(dashboard: Dashboard) -> dict[str, Any]:
    return dashboard.view() | dashboard.summary()


def start(dashboard: Dashboard, fixture: str, speed: float) -> None:
    dashboard.choose(fixture)
    assert dashboard.set_speed(speed) == f"{speed:.2f}"
    dashboard.replay()


def test_dashboard_replay_streams_progressively(dashboard: Dashboard) -> None:
    start(dashboard, "long_markdown", 8)
    samples = list(dashboard.samples(lambda: state(dashboard), lambda s: s["summary"] is not None and s["ready"]))
    final = samples[-1]
    streaming = [s for s in samples if s["found"] and s["text"] and s["summary"] is None and s["state"] != "done"]
    counts = [len(letters(s["text"])) for s in streaming]
    expected = expected_text("long_markdown")
    print(f"{len(samples)} samples, {len(streaming)} with partial text; letters {counts[:3]} … {counts[-3:]}")
    print(f"final: {len(letters(final['text']))} letters (expected {len(letters(expected))}); {final['summary']!r}")

    assert len(set(counts)) >= 10, "the answer grows while the handler runs"
    assert counts[0] < len(letters(expected)) / 4
    assert counts == sorted(counts), "the visible text never shrinks"
    assert not any(s["ready"] for s in streaming), "Replay is disabled while it plays"
    assert final["state"] == "done"
    assert fold_space(final["textContent"]) == expected
    assert letters(final["text"]) == letters(expected)
    assert "stop reason end_turn" in final["summary"]
    assert f"{len(final_snapshot('long_markdown').text)} characters of text" in final["summary"]
    style = dashboard.markdown_style()
    print(f"answer styles: {style}")
    assert style["h1"]["size"] >= 1.5 * style["p"]["size"], "a heading is larger than the text"
    assert style["ul"]["bullets"] != "none", "a list has bullets"
    assert style["ul"]["indent"] >= 16


def test_dashboard_thinking_toggle_acts_at_once_and_stays(dashboard: Dashboard) -> None:
    start(dashboard, "thinking_text", 0.5)  # 4.5 s of thinking, then 1.5 s of answer
    before = dashboard.wait_for(lambda: state(dashboard), lambda s: bool(s["text"]) and s["thinking"] is not None)
    assert before["summary"] is None
    assert before["thinking"]["open"] is False, "collapsed when the answer starts"
    dashboard.thinking_summary().click()
    clicked_at = time.monotonic()
    opened = dashboard.wait_for(lambda: state(dashboard), lambda s: (s["thinking"] or {}).get("open"), timeout=5)
    dashboard.screenshot("clicked")
    final = dashboard.wait_for(lambda: state(dashboard), lambda s: s["summary"] is not None and s["ready"])
    dashboard.page.wait_for_timeout(1000)  # the kernel hears the click now that the handler returned
    after = state(dashboard)
    print(f"panel opened {opened['at'] - clicked_at:.3f} s after the click; {opened['state']=}")
    print(f"at the end: {final['thinking']}, a second later: {after['thinking']} (views {after.get('views')})")

    assert opened["at"] - clicked_at <= 0.3, "the click acts at once"
    assert opened["summary"] is None, "while the handler runs"
    assert final["thinking"]["open"], "still as the user left it when the stream ended"
    assert after["thinking"]["open"], "and after the kernel heard the click"
    assert fold_space(after["textContent"]) == expected_text("thinking_text")


def test_dashboard_replays_again(dashboard: Dashboard) -> None:
    """A second replay replaces the first: one view, the new fixture's answer."""
    start(dashboard, "plain_text", 8)
    dashboard.wait_for(lambda: state(dashboard), lambda s: s["summary"] is not None and s["ready"])
    start(dashboard, "thinking_text", 2)
    dashboard.wait_for(lambda: state(dashboard), lambda s: s["summary"] is None)  # the old summary went first
    final = dashboard.wait_for(lambda: state(dashboard), lambda s: s["summary"] is not None and s["ready"])
    print(f"after two replays: {final.get('views')} view(s), {final['summary']!r}")
    assert final["views"] == 1
    assert fold_space(final["textContent"]) == expected_text("thinking_text")


def test_dashboard_ending_moves_nothing(dashboard: Dashboard) -> None:
    """The end of the stream moves no line. (The view is shown in the dashboard's ``Output``
    widget, which ignores display updates: the live view stays, no transcript takes its place.)"""
    start(dashboard, "thinking_tool_use", 1)
    dashboard.record_layout()
    dashboard.wait_for(lambda: state(dashboard), lambda s: s["summary"] is not None and s["ready"])
    dashboard.page.wait_for_timeout(500)
    shift = end_of_stream_shift(dashboard.layout())
    print(f"at the end of the stream: {shift}")
    assert shift["points"] >= 2
    assert shift["moved"] <= 4, "no line moves more than 4 px"
    assert shift["grew"] <= 4, "the view's height changes by 4 px at most"


def test_dashboard_untrusted_content_stays_inert_live_and_after_the_end(dashboard: Dashboard) -> None:
    """The ``xss`` recording (script, img onerror, javascript: links, an iframe, in the thinking,
    the text, the tool's input and the error) played at speed 2, probed while it streams and after
    it ended: nothing injected, no handler, no javascript: URL, the title unchanged, no dialog -- and
    every payload shows as text. A Voilà page saves nothing, and the view stays the live widget
    after the end (shown in an ``Output`` widget: no transcript takes its place, ``live`` says which
    the probes saw), so "saved" here is the view once the stream ended."""
    title = dashboard.page.title()
    start(dashboard, "xss", 2)

    def probe() -> dict[str, Any]:
        return dashboard.xss() | state(dashboard)

    probes = list(dashboard.samples(probe, lambda s: s["summary"] is not None and s["ready"]))
    for _ in range(5):  # and once it has settled
        dashboard.page.wait_for_timeout(200)
        probes.append(probe())
    dashboard.thinking_summary().click()  # its text painted too
    dashboard.page.locator("details.csn-thinking-panel[open]").last.wait_for()
    probes.append(probe())
    final = probes[-1]
    streaming = [p for p in probes if p["found"] and p["summary"] is None and p["state"] != final["state"]]
    shown = [p for p in streaming if "<script>alert('xss')</script>" in p["shown"]]
    ended = [p for p in probes if p["summary"] is not None]
    print(f"{len(probes)} probes: {len(streaming)} while it streamed ({len(shown)} showing the script as text), "
          f"{len(ended)} after the end (live widget: {sorted({p['live'] for p in ended})}); "
          f"{final['elements']} elements in the view at the end; title {title!r}; dialogs {dashboard.dialogs}; "
          f"{final['summary']!r}")  # fmt: skip

    assert len(streaming) >= 3, "several probes while it streams"
    assert shown, "the payload shows as text while it streams"
    assert len(ended) >= 6
    assert_inert(probes, title, dashboard.dialogs)
    assert final["roots"] == 1
    assert "stop reason None" in final["summary"], "the stream ended with the recorded error"


# A colour as [r, g, b] from computed styles, and the page's background behind the view.
BACKGROUND = """
const el = deep('.csn[data-csn-view]');
for (let e = el; e; e = e.parentElement) {
  const c = getComputedStyle(e).backgroundColor.match(/[\\d.]+/g).map(Number);
  if (c.length < 4 || c[3] > 0.5) return c.slice(0, 3);
}
return [255, 255, 255];
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_dashboard_text_contrast(dashboard: Dashboard, theme: str) -> None:
    """Every kind of body text is readable (WCAG contrast >= 4.5) in Voilà's light and dark theme
    (``?theme=dark``: the same server), from the computed styles of the view once the stream
    ended (the thinking opened, so its text is painted)."""
    start(dashboard, "thinking_tool_use", 8)
    dashboard.wait_for(lambda: state(dashboard), lambda s: s["summary"] is not None and s["ready"])
    dashboard.thinking_summary().click()
    dashboard.page.locator("details.csn-thinking-panel[open]").last.wait_for()
    ratios = dashboard.contrast()
    background = dashboard.read(BACKGROUND)
    print(f"contrast in Voilà {theme}: {ratios}; behind the view rgb{tuple(background)}")

    assert (sum(background) / 3 < 80) == (theme == "dark"), f"the page is in the {theme} theme"
    for kind in ("answer", "tool name", "footer"):
        assert ratios[kind] is not None, f"{kind} was measured"
    assert None not in ratios.values(), "every kind of text is on the page"
    low = {kind: ratio for kind, ratio in ratios.items() if ratio is not None and ratio < 4.5}
    assert not low, f"text below 4.5:1 in Voilà {theme}"
