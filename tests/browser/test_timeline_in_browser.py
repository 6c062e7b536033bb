"""The timeline in a real page: the live renderer against the saved SVG, and in JupyterLab.

The live front end (``static/timeline.js``) and the saved transcript (``render/_timeline_svg.py``)
are two renderers of one model; the first check runs the JavaScript in Chromium on every bundled
fixture's model and compares it with the Python SVG element by element (tag, attributes, text).
The JupyterLab checks open the Timeline section while a paced replay streams, watch it grow,
measure its labels' contrast from their computed colours in the Light and Dark themes, and find
the SVG in the saved notebook reopened from disk.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sinks._timeline import Timeline, timeline_of
from claude_stream_nb.sinks._timeline_view import timeline_js
from claude_stream_nb.sinks.render._timeline_svg import render_svg
from claude_stream_nb.sources._fixtures import bundled_fixtures, load_fixture

from .harness import JupyterServer, Notebook

pytestmark = pytest.mark.browser

# (tag, attributes, text) of every element, in document order; ``xmlns`` is the serializer's
TREE = "(svg) => [svg, ...svg.querySelectorAll('*')].map((el) => [el.localName, "
TREE += "Object.fromEntries([...el.attributes].filter((a) => a.name !== 'xmlns').map((a) => [a.name, a.value])), "
TREE += "el.children.length ? '' : el.textContent])"


def python_tree(svg: str) -> list[list[Any]]:
    root = ET.fromstring(svg)
    return [[el.tag.split("}")[-1], dict(el.attrib), "" if len(el) else (el.text or "")] for el in root.iter()]


@pytest.fixture
def blank(context: BrowserContext) -> Any:
    page = context.new_page()
    page.set_content("<!doctype html><body></body>")
    page.add_script_tag(content=timeline_js())
    yield page
    page.close()


def test_the_live_renderer_draws_the_saved_svg_element_for_element(blank: Page) -> None:
    names = [name for name, _ in bundled_fixtures()]
    for name in names:
        timeline = timeline_of(name)
        js = blank.evaluate(f"(m) => ({TREE})(csnTimeline.render(m))", timeline.model())
        assert js == python_tree(timeline.svg()), name
    stretched = timeline_of("plain_text").model() | {"axis": 60, "note": "a note"}
    js = blank.evaluate(f"(m) => ({TREE})(csnTimeline.render(m))", stretched)
    assert js == python_tree(render_svg(stretched))
    print(f"{len(names)} fixtures: the same elements, attributes and labels from both renderers")


def test_updates_applied_in_the_page_draw_the_final_svg(blank: Page) -> None:
    timeline, fold, updates = Timeline(), StreamFold(), []
    for i, chunk in enumerate(load_fixture("web_search").chunks()):
        for event, snap in fold.ifeed(chunk.raw, chunk.time):
            timeline.update(event, snap)
        if i % 5 == 0 and (update := timeline.take_update()):
            updates.append(update)
    timeline.close(fold.close())
    updates.append(timeline.take_update())
    js = blank.evaluate(
        f"(us) => {{ const m = csnTimeline.empty(); for (const u of us) csnTimeline.apply(m, u); "
        f"return ({TREE})(csnTimeline.render(m)); }}",
        updates,
    )
    assert js == python_tree(timeline.svg())


# --- in JupyterLab -----------------------------------------------------------------------------------

TIMELINE = """(area) => {
  const details = area.querySelector('details.csn-timeline');
  const svg = details?.querySelector('svg.csn-tl');
  const bars = svg ? [...svg.querySelectorAll('.csn-tl-lane .csn-tl-bar')] : [];
  return {
    shown: !!details && details.checkVisibility(),
    open: !!details && details.open,
    live: !!area.querySelector('.csn-host'),
    svg: !!svg && svg.checkVisibility(),
    lanes: svg ? svg.querySelectorAll('.csn-tl-lane').length : 0,
    width: bars.reduce((sum, bar) => sum + bar.getBoundingClientRect().width, 0),
    summary: svg?.querySelector('.csn-tl-summary')?.textContent ?? null,
    labels: svg ? [...svg.querySelectorAll('.csn-tl-label')].map((el) => el.textContent) : [],
  };
}"""

# WCAG contrast of every text of the timeline against what is painted behind it (the first
# ancestor with a background, alpha composited), from the computed styles.
CONTRAST = """(area) => {
  const rgba = (text) => { const m = text.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m[3] ?? 1]; };
  const over = (fg, bg) => [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => { const [r, g, b] = c.map(linear); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const svg = area.querySelector('svg.csn-tl');
  const bg = over(background(svg.parentElement), [255, 255, 255]);
  return [...svg.querySelectorAll('text')].map((el) => {
    const style = getComputedStyle(el);
    const fg = over(rgba(style.fill), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return { text: el.textContent, cls: el.getAttribute('class'), fill: style.fill, ratio: (a + 0.05) / (b + 0.05) };
  });
}"""


def timeline(notebook: Notebook) -> dict[str, Any]:
    state: dict[str, Any] = notebook.output().evaluate(TIMELINE)
    return state


def done(notebook: Notebook, timeout: float = 60) -> None:
    """Until the cell has run and the transcript replaced the live view."""
    notebook.prompt(0, r"\[\d+\]").wait_for(timeout=timeout * 1000)
    notebook.page.wait_for_function(
        "(area) => !area.querySelector('.csn-host') && !!area.querySelector('.csn')",
        arg=notebook.output().element_handle(), timeout=timeout * 1000,
    )


def open_timeline(notebook: Notebook) -> None:
    notebook.output().locator("details.csn-timeline > summary").click()


def test_the_timeline_opens_while_a_paced_replay_streams_and_grows(notebook: Notebook) -> None:
    notebook.write("from claude_stream_nb import replay\nmessage = replay('long_markdown', speed=4)")
    notebook.open()
    notebook.run()
    notebook.page.wait_for_function(
        "(area) => area.querySelector('details.csn-timeline')?.checkVisibility()",
        arg=notebook.output().element_handle(), timeout=30_000,
    )
    before = timeline(notebook)
    assert before["live"]
    assert not before["open"]  # closed by default...
    assert not before["svg"]  # ...and nothing is drawn while it is closed
    open_timeline(notebook)
    notebook.page.wait_for_timeout(300)
    first = timeline(notebook)
    notebook.screenshot("timeline-streaming")
    notebook.page.wait_for_timeout(1500)
    later = timeline(notebook)
    print(f"opened while streaming: {first['summary']!r} bar {first['width']:.0f} px; "
          f"1.5 s later: {later['summary']!r} bar {later['width']:.0f} px")
    assert first["live"]
    assert later["live"], "the replay should still be streaming"
    assert first["svg"]
    assert first["labels"] == ["text"]
    assert "so far" in first["summary"]
    assert later["width"] > first["width"] + 5, "the open lane grows while the stream goes on"
    seconds = [float(re.search(r"(\d+\.\d+) s so far", s["summary"]).group(1)) for s in (first, later)]
    assert seconds[1] - seconds[0] >= 1.5 * 4 * 0.5  # recorded seconds, at speed 4
    done(notebook)
    final = timeline(notebook)
    assert not final["live"]
    assert final["open"], "the section the user opened stays open in the transcript"
    assert final["summary"] == "first token 0.92 s · total 50.56 s · 1137 events"
    ratios = notebook.output().evaluate(CONTRAST)
    worst = min(ratios, key=lambda r: r["ratio"])
    print(f"light: {len(ratios)} labels, lowest contrast {worst['ratio']:.2f} ({worst['cls']}, {worst['fill']})")
    assert worst["ratio"] >= 4.5


def test_the_saved_notebook_shows_the_svg(notebook: Notebook, jupyter: JupyterServer) -> None:
    notebook.write("from claude_stream_nb import replay\nmessage = replay('thinking_tool_use', speed=4)")
    notebook.open()
    notebook.run()
    done(notebook)
    notebook.save()
    outputs = [out for cell in notebook.read()["cells"] for out in cell["outputs"]]
    html = "".join("".join(out.get("data", {}).get("text/html", "")) for out in outputs)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="csn-tl"' in html
    assert "<script" not in html[html.index("csn-tl") :].split("</svg>")[0]
    jupyter.shut_down_kernel_of(notebook.path)
    notebook.reload()  # the output as saved on disk, no widget state
    open_timeline(notebook)
    shown = timeline(notebook)
    print(f"reopened: {shown['labels']} · {shown['summary']!r}")
    assert shown["svg"]
    assert shown["labels"] == ["thinking", "text", "get_weather"]
    assert shown["summary"] == "first token 0.94 s · total 2.40 s · 48 events"


def _theme(page: Page, name: str) -> None:
    """Settings > Theme > ``name``, from the menu bar, as a person would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(name)}$")).click()
    dark = name.endswith("Dark")
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{'false' if dark else 'true'}'")


def test_timeline_labels_are_readable_in_dark(notebook: Notebook, screenshots: Path) -> None:
    notebook.write("from claude_stream_nb import replay\nmessage = replay('agent_three_turns_2', instant=True)")
    notebook.open()
    _theme(notebook.page, "JupyterLab Dark")
    try:
        notebook.run()
        done(notebook)
        open_timeline(notebook)
        ratios = notebook.output().evaluate(CONTRAST)
        notebook.output().locator("svg.csn-tl").screenshot(path=str(screenshots / "timeline-dark.png"))
    finally:
        _theme(notebook.page, "JupyterLab Light")  # the setting is the server's: put it back
    worst = min(ratios, key=lambda r: r["ratio"])
    print(f"dark: {len(ratios)} labels, lowest contrast {worst['ratio']:.2f} ({worst['cls']}, {worst['fill']})")
    print(json.dumps(sorted({r["fill"] for r in ratios})))
    assert len(ratios) > 10
    assert worst["ratio"] >= 4.5


OVERLAPS = """(svg) => {
  document.body.replaceChildren(svg);
  const boxes = [...svg.querySelectorAll('.csn-tl-marklabel, .csn-tl-label, .csn-tl-span, .csn-tl-tick')]
    .map((el) => ({ text: el.textContent, box: el.getBoundingClientRect() }));
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
    const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
    const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
    if (x > 1 && y > 1) hits.push([a.text, b.text]);
  }));
  const svgBox = svg.getBoundingClientRect();
  const out = (a) => a.box.left < svgBox.left - 1 || a.box.right > svgBox.right + 1;
  const outside = boxes.filter(out).map((a) => a.text);
  return { hits, outside };
}"""


def test_no_label_covers_another(blank: Page) -> None:
    """Measured in the page: the text of marks, lanes, times and the axis never overlaps, and stays inside."""
    models = {name: timeline_of(name).model() for name, _ in bundled_fixtures()}
    models["plain_text on a 60 s axis"] = models["plain_text"] | {"axis": 60}
    for name, model in models.items():
        found = blank.evaluate(f"(m) => ({OVERLAPS})(csnTimeline.render(m))", model)
        assert found == {"hits": [], "outside": []}, name
