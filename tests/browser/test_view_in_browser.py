"""What a person sees when a cell streams, in a real JupyterLab 4 and Notebook 7 page.

Each check writes a notebook, opens it in headless Chromium, runs its cells with Shift+Enter and
reads the view back from the DOM while it plays and after the static transcript replaced it.
Each prints what it saw (shown with ``pytest -rP`` or ``-s``).
"""

from __future__ import annotations

import itertools
import json
import re
import time

import pytest

from claude_stream_nb.core._summary import metrics
from claude_stream_nb.sinks.view._widget import FPS

from .harness import RATE_LIMIT_SIGNS, REPO, Notebook, expected_text, final_snapshot, fold_space, letters

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("ui", ["lab", "notebook"])


def replay_cell(name: str, args: str) -> str:
    return f"from claude_stream_nb import replay\nmessage = replay({name!r}, {args})"


@BOTH
def test_text_types_in_smoothly_and_nothing_moves_when_the_stream_ends(notebook: Notebook) -> None:
    notebook.write(replay_cell("long_markdown", "speed=4"))  # 11.6 K characters over 13 s
    notebook.open()
    notebook.record_frames()
    notebook.run()
    samples = []
    for state in notebook.watch():
        samples.append(state)
        if len(samples) == 40:
            notebook.screenshot("streaming")
    final = samples[-1]
    streaming = [s for s in samples if s["live"] and s["text"] and s["state"] != "done"]
    frames = notebook.frames()
    shrinking = [(i, a, b) for i, (a, b) in enumerate(itertools.pairwise(frames)) if b < a]
    steps = [b - a for a, b in itertools.pairwise(frames) if b > a]
    duration = 51.0 / 4
    before, after = notebook.end_positions()
    moved = {key: (before["rects"][key], rect) for key, rect in after["rects"].items() if key in before["rects"]}
    shift = {key: max(abs(a[0] - b[0]), abs(a[1] - b[1])) for key, (a, b) in moved.items()}
    worst = max(shift.values())
    print("moved more than 4 px:", {key: round(v, 1) for key, v in shift.items() if v > 4})
    print(f"widths and margins (root, text, table): live {before['sizes']}, saved {after['sizes']}")
    print(f"only live: {set(before['rects']) - set(after['rects'])}; only saved: "
          f"{set(after['rects']) - set(before['rects'])}")  # fmt: skip
    print(f"{len(samples)} samples, {len(streaming)} with partial text; {len(frames)} animation frames, "
          f"{len(set(frames))} different lengths; median step {sorted(steps)[len(steps) // 2]} letters")  # fmt: skip
    print(f"shrinking frames: {shrinking[:5]}; at the end {len(moved)} known lines moved at most {worst:.1f} px, "
          f"height {before['height']:.0f} -> {after['height']:.0f} px, scroll box {before['scrolled']} -> "
          f"{after['scrolled']}")  # fmt: skip

    assert len(streaming) >= 10, "the text appears while it streams, not only at the end"
    assert not [s for s in streaming if "```" in s["text"]], "an open code fence shows as code, never as backticks"
    assert frames == sorted(frames), "no frame shows less text than the one before"
    # The kernel sends at most FPS frames a second; the page shows many more lengths than that: typing, not bursts.
    assert len(set(frames)) > 2 * FPS * duration
    assert sorted(steps)[len(steps) // 2] <= 2 * frames[-1] / len(frames), "even steps, no bursts"
    assert len(letters(final["text"])) * 0.9 <= frames[-1] <= len(letters(final["text"]))
    assert fold_space(final["textContent"]) == expected_text("long_markdown")
    assert len(moved) >= 20
    assert worst <= 4, "no line moves when the transcript replaces the live view"
    assert abs(after["height"] - before["height"]) <= 4
    # Notebook 7 made this long output a scroll box while it streamed (its default), not at the end.
    assert before["scrolled"] == after["scrolled"] == (notebook.ui == "notebook")


def test_with_reduced_motion_each_frame_shows_at_once(notebook: Notebook) -> None:
    # prefers-reduced-motion: no typing animation; what a frame brings is drawn at once.
    notebook.page.emulate_media(reduced_motion="reduce")
    notebook.write(replay_cell("long_markdown", "speed=8"))  # 11.6 K characters over 6.4 s
    notebook.open()
    notebook.record_frames()
    notebook.run()
    *_, final = notebook.watch()
    frames = notebook.frames()
    duration = 51.0 / 8
    lengths = sorted(set(frames))
    steps = [b - a for a, b in itertools.pairwise(lengths)]
    median = sorted(steps)[len(steps) // 2]
    print(f"{len(frames)} animation frames, {len(lengths)} different lengths over {duration:.1f} s "
          f"(the kernel sends at most {FPS:g} frames a second); median step {median}")  # fmt: skip
    assert frames == sorted(frames), "no frame shows less text than the one before"
    assert len(lengths) >= 10, "the text still appears while it streams"
    assert len(lengths) <= FPS * duration + 10, "whole frames, not typed in between"
    assert fold_space(final["textContent"]) == expected_text("long_markdown")


# Every animation frame of a cell's output after a re-run starts: [ms, output height, view state or null].
RERUN_WATCH = """(cell) => {
  const seen = (window.csnRerun = []);
  const t0 = performance.now();
  const look = () => {
    const area = cell.querySelector('.jp-OutputArea');
    const root = cell.querySelector('.csn');
    const state = root ? root.querySelector('.csn-state')?.textContent ?? '' : null;
    seen.push([performance.now() - t0, area ? area.getBoundingClientRect().height : 0, state]);
    if (performance.now() - t0 < 3000) requestAnimationFrame(look);
  };
  look();
}"""


@BOTH
def test_a_cell_run_again_shows_its_new_view_at_once_waiting_for_the_first_event(notebook: Notebook) -> None:
    # JupyterLab clears a cell's output when it runs again; the new view is drawn at once, saying it
    # waits, not when the first event comes (here 0.3 s later).
    notebook.write(replay_cell("thinking_tool_use", "speed=2"))
    notebook.open()
    notebook.run()
    notebook.finished()
    notebook.cell(0).evaluate(RERUN_WATCH)
    notebook.run()
    notebook.page.wait_for_timeout(3200)
    seen = notebook.page.evaluate("() => window.csnRerun")
    blank = [t for t, _, state in seen if state is None]
    old = [t for t, _, state in seen if state == "done" and t < (blank or [0])[0]]
    assert blank, "the output was cleared (JupyterLab does so when a cell runs)"
    new = [(t, state) for t, _, state in seen if state is not None and t > blank[0]]
    print(f"old view until {old[-1]:.0f} ms; blank {len(blank)} frames ({blank[0]:.0f}-{blank[-1]:.0f} ms); "
          f"new view from {new[0][0]:.0f} ms saying {new[0][1]!r}; then {sorted({s for _, s in new})}")  # fmt: skip
    assert new[0][0] - blank[0] <= 250, "the new view is drawn within a quarter of a second of the clear"
    assert new[0][1] == "waiting", "before the first event it says it waits"
    assert {"thinking", "streaming"} <= {state for _, state in new}, "then it streams"


# From a click on a summary to its <details> changing, measured in the page (not Playwright's round trip).
CLICK_TIMER = """(summary) => {
  window.csnClickTimes = [];
  let at = 0;
  summary.addEventListener('click', () => { at = performance.now(); }, true);
  new MutationObserver(() => window.csnClickTimes.push(performance.now() - at))
    .observe(summary.parentElement, { attributes: true, attributeFilter: ['open'] });
}"""


@BOTH
def test_a_toggle_acts_at_once_while_the_cell_blocks_and_stays_as_the_user_left_it(notebook: Notebook) -> None:
    notebook.write(replay_cell("thinking_text", "speed=0.5"))  # 3 s of thinking, then 1.5 s of answer
    notebook.open()
    notebook.run()
    summary = notebook.output().locator("details.csn-thinking-panel > summary")
    phases: list[tuple[str, bool]] = []
    clicks: list[float] = []
    for state in notebook.watch(interval=0.05):
        if not (state["live"] and state["thinking"]):
            continue
        phase = "thinking" if state["state"] == "thinking" else "answer" if state["text"] else None
        if phase is None:
            continue
        phases.append((phase, state["thinking"]["open"]))
        if phase == "thinking" and len(clicks) < 2 and len(phases) > 3:
            summary.evaluate(CLICK_TIMER)
            for expected in (False, True):  # close it, then open it again, by hand, while the kernel is busy
                began = time.monotonic()
                summary.click()
                while summary.evaluate("(s) => s.parentElement.open") != expected:
                    assert time.monotonic() - began < 2, "the click did nothing"
            clicks = [ms / 1000 for ms in notebook.page.evaluate("() => window.csnClickTimes")]
    answer = [is_open for phase, is_open in phases if phase == "answer"]
    final = notebook.view()["thinking"]
    time.sleep(1.0)  # the kernel hears the choice once the cell is done, and re-saves the transcript with it
    later = notebook.view()["thinking"]
    print(f"clicks took {[round(c * 1000) for c in clicks]} ms; while answering the panel was open in "
          f"{sum(answer)} of {len(answer)} samples; transcript {final}, a second later {later}")  # fmt: skip

    assert len(clicks) == 2
    assert max(clicks) < 0.3, "a click acts within 300 ms while the cell is blocked"
    assert answer, "the answer streamed while the test watched"
    assert all(answer), "the automatic collapse never overrides the user's choice"
    assert final["open"], "the transcript keeps the user's choice"
    assert later["open"]
    assert re.fullmatch(r"Thinking · \d\.\d s", final["title"])
    saved = notebook.output().evaluate("(a) => a.querySelector('details.csn-thinking-panel').outerHTML")
    assert "open" in saved.split(">", 1)[0]


def test_tool_arguments_stream_open_then_pretty(notebook: Notebook) -> None:
    notebook.write(replay_cell("tool_use", "speed=0.5"))  # the arguments stream for 1.7 s
    notebook.open()
    notebook.run()
    cards = [s["tools"][0] for s in notebook.watch(interval=0.05) if s["tools"]]
    final = cards[-1]
    tool = next(b for b in final_snapshot("tool_use").blocks if b.is_tool_use)
    pretty = json.dumps(tool.input, indent=2, ensure_ascii=False)
    partial = list(dict.fromkeys(c["args"] for c in cards if c["badge"] == "arguments streaming…"))
    example = partial[len(partial) // 2]
    print(f"{len(cards)} samples of the card, {len(partial)} different partial arguments, e.g. {example!r}")
    print(f"final: {final['badge']!r}, {len(final['args'].splitlines())} lines of arguments")

    assert all(c["name"] == "get_weather" for c in cards)
    assert len([a for a in partial if a != pretty]) >= 3, "the arguments fill in while they stream"
    assert all(pretty.startswith(a) for a in partial), "pretty-printed as they come, never redrawn"
    assert not any(a.endswith("}") for a in partial if a != pretty), "unfinished arguments never look closed"
    assert final["badge"].startswith("arguments complete")
    assert final["args"] == pretty


def test_footer_shows_estimates_then_counts_never_a_question_mark(notebook: Notebook) -> None:
    notebook.write(replay_cell("plain_text", "speed=2"))
    notebook.open()
    notebook.run()
    samples = list(notebook.watch(interval=0.05))
    footers = [s["footer"] for s in samples if s["footer"]]
    live = [s["footer"] for s in samples if s["live"] and s["footer"] and "first token" in s["footer"]]
    snap = final_snapshot("plain_text")
    print(f"{len(footers)} footers, e.g. {footers[:1]} … {live[-1:]}; final {footers[-1]!r}")

    assert live, "the live footer shows the time to first token while the answer streams"
    assert re.search(r"\d+ in / ~\d+ out tokens", live[0])
    assert not [f for f in footers if "?" in f]
    assert " · ".join(metrics(snap)) in footers[-1]


@BOTH
def test_instant_replay_of_the_longest_fixture(notebook: Notebook) -> None:
    notebook.write(replay_cell("long_markdown", "instant=True"))
    notebook.open()
    notebook.run()
    final = notebook.finished()
    page_text = notebook.page.inner_text("body").lower()
    log = notebook.server.log().lower()
    assert fold_space(final["textContent"]) == expected_text("long_markdown")
    for sign in RATE_LIMIT_SIGNS:
        assert sign not in page_text
        assert sign not in log
    assert not final["widgetError"]


LOG_STATE = """(area) => {
  const box = area.querySelector('details.csn-log-box');
  const pre = box?.querySelector('pre.csn-log');
  return box ? {
    open: box.open && !!pre && pre.checkVisibility(),
    summary: box.querySelector('summary').innerText,
    lines: pre.textContent ? pre.textContent.split('\\n') : [],
    lineHeight: parseFloat(getComputedStyle(pre).lineHeight),
    height: pre.scrollHeight,
    whiteSpace: getComputedStyle(pre).whiteSpace,
    live: !!area.querySelector('.csn-host'),
  } : null;
}"""


def test_the_event_log_opens_and_fills_while_a_replay_runs(notebook: Notebook) -> None:
    notebook.write(replay_cell("plain_text", "speed=0.5"))  # 39 events over 5 s
    notebook.open()
    notebook.run()
    summary = notebook.output().locator("details.csn-log-box > summary")
    logs = []
    for state in notebook.watch(interval=0.1):
        if state["live"] and state["state"] != "done" and state["text"]:
            if not logs:
                summary.click()  # while the cell is busy in the replay
            logs.append(notebook.output().evaluate(LOG_STATE))
            if len(logs) == 10:
                notebook.screenshot("log-open")
    final = notebook.output().evaluate(LOG_STATE)
    counts = [int(re.search(r"\((\d+) events", log["summary"]).group(1)) for log in logs]
    print(f"{len(logs)} samples with the log open while streaming, lines {counts[:3]} … {counts[-3:]}; "
          f"e.g. {logs[len(logs) // 2]['lines'][-2:]}; final {final['summary']!r}, {len(final['lines'])} lines, "
          f"white-space {final['whiteSpace']}")  # fmt: skip

    assert len(logs) >= 5
    assert all(log["open"] and log["live"] for log in logs), "the click opened the log at once"
    assert counts[-1] > counts[0] > 0, "it fills in as the events arrive"
    assert any("content_block_delta" in line for log in logs for line in log["lines"])
    assert final["open"], "still open, as the user left it"
    assert not final["live"]
    assert final["summary"] == "Event log (39 events)"
    assert final["whiteSpace"] == "pre", "lines never wrap mid-token (the log scrolls sideways)"
    assert final["height"] <= (len(final["lines"]) + 1) * final["lineHeight"]
    assert final["lines"][0].split()[1] == "message_start"


XSS_PROBE = """() => {
  const areas = [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea')];
  const all = (selector) => areas.flatMap((area) => [...area.querySelectorAll(selector)]);
  return {
    title: document.title,
    injected: all('script, iframe, object, embed, img[onerror]').map((el) => el.outerHTML),
    handlers: all('*').flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on'))
      .map((a) => `${el.tagName}[${a.name}]`)),
    jsLinks: all('[href], [src]').map((el) => el.getAttribute('href') ?? el.getAttribute('src'))
      .filter((url) => /^\\s*javascript:/i.test(url)),
    text: areas.map((area) => area.innerText).join('\\n'),
  };
}"""


@BOTH
def test_untrusted_content_stays_inert_live_and_saved(notebook: Notebook) -> None:
    notebook.write(replay_cell("xss", "instant=True"), replay_cell("xss", "speed=2"))  # transcript, then live
    notebook.open()
    title = notebook.page.title()
    notebook.run(0)
    notebook.run(1)
    probes = []
    for state in notebook.watch(index=1):
        probes.append(notebook.page.evaluate(XSS_PROBE) | {"live": state["live"]})
    live = [p for p in probes if p["live"]]
    print(f"{len(probes)} probes, {len(live)} while the live view showed the payloads; title {title!r}")

    assert len(live) >= 3
    for probe in probes:
        assert probe["title"] == title
        assert probe["injected"] == probe["handlers"] == probe["jsLinks"] == []
    assert notebook.dialogs == []
    for payload in ("<script>alert('xss')</script>", "[click](javascript:alert(1))", "onerror=alert(3)"):
        assert probes[-1]["text"].count(payload) == 2, f"{payload} shows as text in both outputs"


@BOTH
def test_saved_and_reopened_without_the_kernel_shows_the_same_answer(notebook: Notebook) -> None:
    notebook.write(replay_cell("thinking_tool_use", "instant=True"))
    notebook.open()
    notebook.run()
    before = notebook.finished()
    notebook.save()
    outputs = notebook.read()["cells"][0]["outputs"]
    saved = [sorted(output.get("data", {})) for output in outputs]
    notebook.server.shut_down_kernel_of(notebook.path)  # the widget models are gone with it
    notebook.reload()
    after = notebook.view()
    print(f"saved outputs: {saved}; after reopening: text {after['text']!r}, tool {after['tools'][0]['name']}")

    # The transcript, and the empty output Notebook 7 sizes by (sinks/view/_nudge.py): no widget left.
    assert saved == [["text/html", "text/plain"], ["text/html"]]
    assert "".join(outputs[1]["data"]["text/html"]) == ""
    assert after["transcript"]
    assert not after["widgetError"], "no 'model not found' or 'Loading widget' placeholder"
    assert fold_space(after["textContent"]) == expected_text("thinking_tool_use")
    assert after["tools"] == before["tools"]
    assert after["footer"] == before["footer"]
    assert after["thinking"]["title"].startswith("Thinking")


# Contrast of every kind of body text, from the computed styles: the text colour over the first
# opaque background behind it (alpha-composited), WCAG 2 relative luminance.
CONTRAST = """(area) => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, bottom) => top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let color = [255, 255, 255, 1];
    if (layers.length && layers[layers.length - 1][3] >= 1) color = layers.pop();
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (el) => {
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
  };
  const kinds = {
    answer: '.csn-text p', heading: '.csn-text h1, .csn-text h2', code: '.csn-text code', thinking: '.csn-thinking',
    'thinking title': '.csn-thinking-panel > summary', 'tool name': '.csn-tool-name', 'tool id': '.csn-tool-id',
    'tool status': '.csn-badge', arguments: '.csn-args', header: '.csn-header', footer: '.csn-metrics',
    'log summary': '.csn-log-box > summary',
  };
  const out = {};
  for (const [kind, selector] of Object.entries(kinds)) {
    const els = [...area.querySelectorAll(selector)].filter((el) => el.checkVisibility());
    if (els.length) out[kind] = Math.min(...els.map(ratio));
  }
  const icons = [...area.querySelectorAll('svg.csn-icon')].map((svg) => svg.getBoundingClientRect());
  const fontSize = getComputedStyle(area.querySelector('.csn')).fontSize;
  return { ratios: out, icons: icons.map((r) => [r.width, r.height]), fontSize };
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_contrast_and_icons_in_light_and_dark(notebook: Notebook, theme: str) -> None:
    """Every kind of body text >= 4.5:1 in JupyterLab Light and Dark; icons are drawn shapes (no emoji
    font is installed); the README's screenshots come from here."""
    notebook.server.set_theme(f"JupyterLab {theme.title()}")
    try:
        notebook.write(
            replay_cell("thinking_tool_use", "speed=1"),
            "replay('long_markdown', instant=True)",
        )
        notebook.open()
        notebook.run(0)
        live = None
        for state in notebook.watch(0, interval=0.05):
            if state["live"] and state["tools"] and live is None:
                notebook.output(0).locator("details.csn-thinking-panel > summary").click()  # open the thinking
                live = notebook.output(0).evaluate(CONTRAST)
        notebook.run(1)
        notebook.finished(1)
        saved = notebook.output(0).evaluate(CONTRAST)
        code = notebook.output(1).evaluate(CONTRAST)
        shot = REPO / "docs" / "img" / f"view-{theme}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        notebook.cell(0).screenshot(path=str(shot))
    finally:
        notebook.server.set_theme("JupyterLab Light")
    print(f"{theme}: live {live}\n  saved {saved['ratios']}\n  code {code['ratios'].get('code')}; screenshot {shot}")

    assert live is not None
    for ratios in (live["ratios"], saved["ratios"], code["ratios"]):
        low = {kind: value for kind, value in ratios.items() if value < 4.5}
        assert not low, f"{theme}: text below 4.5:1: {low}"
    for kind in ("answer", "thinking", "tool name", "tool status", "arguments", "footer"):
        assert kind in saved["ratios"], f"{kind} was measured"
    assert "code" in code["ratios"]
    assert saved["icons"], "the view has icons"
    assert all(w > 4 and h > 4 for w, h in saved["icons"]), "icons render as shapes"
    assert live["fontSize"] == saved["fontSize"] == code["fontSize"], "one font size live and saved"


def test_an_interrupted_replay_says_stopped_once_and_shows_no_traceback(notebook: Notebook) -> None:
    notebook.write(replay_cell("long_markdown", "speed=1") + "\nlen(message.text)")
    notebook.open()
    notebook.run()
    for state in notebook.watch(interval=0.1):
        if state["live"] and len(letters(state["text"])) > 200:
            break
    notebook.page.keyboard.press("Escape")
    notebook.page.keyboard.press("i")
    notebook.page.keyboard.press("i")  # Interrupt the kernel, from the keyboard
    final = notebook.finished()
    text = notebook.output().inner_text()
    print(f"after the interrupt: state {final['state']!r}, footer {final['footer']!r}; output tail {text[-200:]!r}")

    assert final["state"] == "stopped"
    assert "KeyboardInterrupt" not in text
    assert "Traceback" not in text
    assert text.count("Interrupted: the replay of 'long_markdown' stopped after") == 1
    assert final["footer"].count("stopped") == 1
    assert 200 < len(letters(final["text"])) < len(letters(expected_text("long_markdown")))


def test_a_second_display_and_a_reloaded_page_rebuild_the_view(notebook: Notebook) -> None:
    """A view shown twice renders the second time from what the page holds (no kernel round trip);
    after a reload, the page asks the kernel (idle by then) for the frames and rebuilds the view."""
    notebook.write(
        "from IPython.display import display\nfrom claude_stream_nb import StreamView, replay\n"
        "view = StreamView('plain_text')\ndisplay(view)\nmessage = replay('plain_text', instant=True, sink=view)",
        "view",
    )
    notebook.open()
    notebook.run(0)
    notebook.prompt(0, r"\[\d+\]").wait_for()
    first = notebook.view(0)
    notebook.run(1)
    notebook.output(1).locator(".csn-host .csn-text").wait_for()
    second = notebook.view(1)
    notebook.save()  # shown with display(view), not view.display(): it stays a widget view after the end
    notebook.reload()
    notebook.output(0).locator(".csn-host .csn-text").wait_for(timeout=15_000)
    reloaded = notebook.view(0)
    print(f"first {first['state']!r}, {len(first['text'])} chars; second {second['state']!r}; "
          f"reloaded {reloaded['state']!r}")  # fmt: skip

    assert first["live"]
    assert fold_space(first["textContent"]) == expected_text("plain_text")
    for state in (second, reloaded):
        assert state["live"]
        assert state["textContent"] == first["textContent"]
        assert state["footer"] == first["footer"]
        assert state["state"] == "done"
