"""What a person sees when a cell streams, in a real JupyterLab 4 and Notebook 7 page.

Each check writes a notebook, opens it in headless Chromium, runs its cells with Shift+Enter and
reads the view back from the DOM while it plays and after the static transcript replaced it.
Each prints what it saw (shown with ``pytest -rP`` or ``-s``).
"""

from __future__ import annotations

import itertools
import json
import re

import pytest

from claude_stream_nb.core._summary import metrics, outcome

from .harness import RATE_LIMIT_SIGNS, Notebook, expected_text, final_snapshot, fixture_steps, fold_space, letters

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("ui", ["lab", "notebook"])


def replay_cell(name: str, args: str) -> str:
    return f"from claude_stream_nb import replay\nmessage = replay({name!r}, {args})"


@BOTH
def test_text_appears_progressively(notebook: Notebook) -> None:
    notebook.write(replay_cell("long_markdown", "speed=4"))
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
    lengths = [len(letters(s["text"])) for s in streaming]
    drops = [(a, b) for a, b in itertools.pairwise(lengths) if b < a]
    frames = notebook.frames()
    blinks = [(i, a, b) for i, (a, b) in enumerate(itertools.pairwise(frames)) if b < a]
    print(f"{len(samples)} samples, {len(streaming)} showed partial text while streaming")
    print(f"letters shown: first {lengths[:3]} … last {lengths[-3:]}; the transcript {len(letters(final['text']))}")
    print(f"{len({len(s['sealed']) for s in streaming})} sealed states; shrinking samples (before, after): {drops}")
    print(f"{len(frames)} animation frames, {len(set(frames))} different lengths; shrinking frames: {blinks}")

    assert len(streaming) >= 10, "the text should appear while it streams, not only at the end"
    assert lengths[0] < len(letters(final["text"])) / 4
    assert lengths == sorted(lengths), "the visible text never shrinks, not even for a moment"
    # Every frame the page could paint, not only the samples: sealing a finished block (its tail widget
    # becomes the sealed one in place) shows no blink.
    assert len(frames) >= 100
    assert frames == sorted(frames), "no frame shows less text than the one before"
    assert len(letters(final["text"])) * 0.9 <= frames[-1] <= len(letters(final["text"]))  # counted alike
    sealed = [letters(s["sealed"]) for s in streaming]
    for before, after in itertools.pairwise(sealed):
        assert after.startswith(before), "finished blocks never change once shown"
    assert fold_space(final["textContent"]) == expected_text("long_markdown")
    assert letters(final["text"]) == letters(expected_text("long_markdown"))  # and all of it is visible


@BOTH
def test_thinking_panel_opens_collapses_and_toggles(notebook: Notebook) -> None:
    notebook.write(replay_cell("thinking_text", "speed=0.5"))  # 3 s of thinking, then 1.5 s of answer
    notebook.open()
    notebook.run()
    header = notebook.output().locator(".csn-thinking-panel .jupyter-widget-Collapse-header")
    seen: list[tuple[str, str]] = []  # (phase, panel) of each live sample
    clicked = False
    for state in notebook.watch(interval=0.05):
        if not (state["live"] and state["thinking"]):
            continue
        if state["state"] == "thinking":
            phase = "thinking"
        elif state["text"]:  # the answer has started for whoever looks (the header may change a moment before)
            phase = "after the click" if clicked else "answer"
        else:
            continue
        seen.append((phase, "open" if state["thinking"]["open"] else "closed"))
        if len(seen) == 10:
            notebook.screenshot("thinking")
        if seen[-1] == ("answer", "closed"):
            header.click()
            clicked = True
    counts = {key: seen.count(key) for key in dict.fromkeys(seen)}
    print(f"live samples (phase, panel): {counts}")

    assert set(seen) == {("thinking", "open"), ("answer", "closed"), ("after the click", "open")}, (
        "open while thinking, collapsed when the answer starts, opened by a click"
    )

    final = notebook.view()["thinking"]
    summary = notebook.output().locator("details summary").first
    summary.click()
    toggled = notebook.view()["thinking"]
    summary.click()
    back = notebook.view()["thinking"]
    print(f"transcript: {final['title']!r} open={final['open']}, after a click {toggled['open']}, then {back['open']}")
    assert final["title"] == "💭 Thinking · 1.5 s"
    assert (toggled["open"], back["open"]) == (not final["open"], final["open"])


def test_tool_card_fills_in_then_pretty_prints(notebook: Notebook) -> None:
    notebook.write(replay_cell("tool_use", "speed=0.5"))  # the arguments stream for 1.7 s
    notebook.open()
    notebook.run()
    cards = [s["tools"][0] for s in notebook.watch(interval=0.05) if s["tools"]]
    final = cards[-1]
    tool = next(b for b in final_snapshot("tool_use").blocks if b.is_tool_use)
    pretty = json.dumps(tool.input, indent=2, ensure_ascii=False)
    partial = list(dict.fromkeys(c["args"] for c in cards if c["badge"] == "arguments streaming…"))
    example = partial[len(partial) // 2] if partial else None
    print(f"{len(cards)} samples of the card, {len(partial)} different partial arguments, e.g. {example!r}")
    print(f"final: {final['badge']!r}, {len(final['args'].splitlines())} lines of arguments")

    assert all(c["name"] == "get_weather" for c in cards)
    # The last delta completes the JSON 5 ms (recorded) before content_block_stop: a sample may then see the
    # whole object, pretty-printed, under the streaming badge. The partial forms are the ones before it.
    assert len([args for args in partial if args != pretty]) >= 3, "the arguments fill in while they stream"
    assert any('"city": "Shanghai"' in args for args in partial)
    assert final["badge"].startswith("arguments complete")
    assert final["args"] == pretty
    assert len(pretty.splitlines()) > 5


def test_footer_shows_first_token_and_token_counts(notebook: Notebook) -> None:
    notebook.write(replay_cell("plain_text", "speed=2"))
    notebook.open()
    notebook.run()
    samples = list(notebook.watch(interval=0.05))
    live = [s["footer"] for s in samples if s["live"] and s["footer"] and "first token" in s["footer"]]
    final = samples[-1]["footer"]
    snap = final_snapshot("plain_text")
    print(f"{len(live)} live footers with the first token, e.g. {live[:1]}")
    print(f"final footer: {final!r}")

    assert live, "the live footer shows the time to first token while the answer streams"
    assert re.search(r"first token \d+\.\d\d s", live[0])
    assert re.search(r"\d+ in / ~\d+ out tokens", live[0])  # an estimate until message_delta
    assert final == " · ".join([outcome(snap), *metrics(snap)])
    assert f"{snap.usage['input_tokens']} in / {snap.output_tokens} out tokens" in final
    assert re.search(r"first token \d+\.\d\d s", final)


@BOTH
def test_instant_replay_of_the_longest_fixture(notebook: Notebook) -> None:
    notebook.write(replay_cell("long_markdown", "instant=True"))
    notebook.open()
    notebook.run()
    final = notebook.finished()
    page_text = notebook.page.inner_text("body").lower()
    log = notebook.server.log().lower()
    print(f"transcript: {len(final['textContent'])} characters; server log: {len(log)} characters")

    assert fold_space(final["textContent"]) == expected_text("long_markdown")
    for sign in RATE_LIMIT_SIGNS:
        assert sign not in page_text
        assert sign not in log
    assert not final["widgetError"]


# The event log of one output: the live view's accordion, or the transcript's <details>.
LOG_STATE = """(area) => {
  const header = [...area.querySelectorAll('.jupyter-widget-Collapse-header')]
    .find((el) => el.innerText.startsWith('Event log'));
  const contents = header?.parentElement.querySelector('.jupyter-widget-Collapse-contents');
  const details = [...area.querySelectorAll('details')]
    .find((el) => el.querySelector('summary')?.innerText.startsWith('Event log'));
  const pre = details?.querySelector('pre.csn-log');
  return {
    live: header ? {
      title: header.innerText,
      open: !!contents && contents.checkVisibility(),
      text: contents?.innerText ?? '',
      events: !!contents?.querySelector('pre.csn-log'),
    } : null,
    transcript: details ? {
      summary: details.querySelector('summary').innerText,
      open: details.open && !!pre && pre.checkVisibility(),
      lines: pre ? pre.textContent.split('\\n') : [],
    } : null,
    outputs: area.querySelectorAll('.jp-OutputArea-child').length,
    text: area.innerText,
  };
}"""


def test_event_log_says_when_it_fills_in(notebook: Notebook) -> None:
    """Opened while a blocking replay runs (the kernel cannot hear the click until the cell ends), the log
    says when it fills in; the transcript's log then holds every event."""
    notebook.write(replay_cell("plain_text", "speed=0.5"))  # 39 events over 5 s
    notebook.open()
    notebook.run()
    header = notebook.output().locator(".jupyter-widget-Collapse-header", has_text="Event log")
    logs = []
    for state in notebook.watch():
        if state["live"] and state["state"] != "done" and state["text"]:
            if not logs:
                header.click()  # while the cell is busy in the replay
                notebook.output().get_by_text("The events appear here").wait_for(state="visible", timeout=5000)
            logs.append(notebook.output().evaluate(LOG_STATE)["live"])
            if len(logs) == 5:
                notebook.screenshot("log-open")
    events = [(event.sse.time, event.sse.event or event.type) for event, _, _ in fixture_steps("plain_text")]
    closed = notebook.output().evaluate(LOG_STATE)
    notebook.output().locator("details summary", has_text="Event log").click()
    final = notebook.output().evaluate(LOG_STATE)
    shown = [(float(line.split()[0].removesuffix("s")), line.split()[1]) for line in final["transcript"]["lines"]]
    print(f"{len(logs)} samples with the log open while streaming, e.g. {logs[len(logs) // 2]}")
    print(
        f"transcript: {final['transcript']['summary']!r}, closed {not closed['transcript']['open']}, "
        f"then {len(shown)} lines, first {final['transcript']['lines'][0]!r}"
    )

    assert len(logs) >= 5
    for log in logs:
        assert log["open"], "the click opened the log"
        assert "The events appear here when the stream ends" in log["text"], "not an empty panel"
        assert not log["events"]
    assert final["live"] is None, "the transcript replaced the live view"
    assert final["transcript"]["summary"] == f"Event log ({len(events)} events)"
    assert not closed["transcript"]["open"]
    assert final["transcript"]["open"]
    assert shown == [(round(t, 3), name) for t, name in events]
    assert final["outputs"] == 1, "the click the kernel heard after the cell left nothing behind"
    assert "Error" not in final["text"]


# Everything that would show an injection, in every output of the page.
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
def test_untrusted_content_stays_inert(notebook: Notebook) -> None:
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
def test_transcript_survives_save_and_reload(notebook: Notebook) -> None:
    notebook.write(replay_cell("thinking_tool_use", "instant=True"))
    notebook.open()
    notebook.run()
    before = notebook.finished()
    notebook.save()
    saved = [sorted(output.get("data", {})) for output in notebook.read()["cells"][0]["outputs"]]
    widget = "application/vnd.jupyter.widget-view+json"
    notebook.reload()
    after = notebook.view()
    print(f"saved outputs: {saved}; after reload: text {after['text']!r}, tool {after['tools'][0]['name']}")

    assert len(saved) == 1
    assert "text/html" in saved[0]
    assert widget not in saved[0], "the saved output is the static transcript, not a widget"
    assert after["transcript"]
    assert not after["live"]
    assert not after["widgetError"]  # no "Error displaying widget"
    assert fold_space(after["textContent"]) == expected_text("thinking_tool_use")
    assert after["tools"] == before["tools"]
    assert after["tools"][0]["name"] == "get_weather"
    assert after["footer"] == before["footer"]
    assert after["thinking"]["title"].startswith("💭 Thinking")
