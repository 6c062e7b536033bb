"""The notebook view, in-process, with the widget comm captured (no browser).

A small model of the front end (:class:`Page`) applies the ops the way ``static/view.js`` does,
so the checks read what the page would hold; the browser tests look at the real page.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from claude_stream_nb import Message, replay
from claude_stream_nb.core._stream import StreamFold, consume
from claude_stream_nb.sinks.render import _html as h
from claude_stream_nb.sinks.render._assets import STATIC, lean_css
from claude_stream_nb.sinks.render._pretty import pretty_partial
from claude_stream_nb.sinks.view import StreamView
from claude_stream_nb.sinks.view._capture import Sent, capture_comms
from claude_stream_nb.sinks.view._nudge import EVERY
from claude_stream_nb.sources._fixtures import bundled_fixtures, load_fixture

NAMES = [name for name, _ in bundled_fixtures()]


class Feeder:
    """Feeds a fixture into a view event by event with a virtual clock at the recorded time."""

    def __init__(self, name: str, **view_args: Any) -> None:
        self.now = 0.0
        self.view = StreamView(name, threaded=False, clock=lambda: self.now, **view_args)
        self.fold = StreamFold()
        self.chunks = iter(load_fixture(name).chunks())

    def steps(self) -> Iterator[str]:
        for chunk in self.chunks:
            self.now = chunk.time or self.now
            for event, snap in self.fold.feed(chunk.raw, chunk.time):
                self.view.update(event, snap)
                yield event.type

    def until(self, predicate: Any) -> None:
        for _ in self.steps():
            if predicate(self.view.snapshot):
                return
        raise AssertionError("never reached")

    def finish(self) -> StreamView:
        for _ in self.steps():
            pass
        self.view.close(self.fold.close())
        return self.view


class Page:
    """What the front end holds after applying a view's ops (the same rules as view.js)."""

    def __init__(self, ops: list[list[Any]]) -> None:
        self.shell = ""
        self.parts: dict[int, dict[str, Any]] = {}
        self.slots: dict[tuple[int | None, str], str] = {}
        self.auto: dict[str, bool] = {}
        self.log: list[str] = []
        for op in ops:
            self.apply(op)

    def apply(self, op: list[Any]) -> None:
        kind = op[0]
        if kind == "shell":
            self.shell = op[1]
        elif kind == "part":
            self.parts[op[1]] = {"html": op[2], "sealed": [], "src": "", "sent": "", "covered": 0}
        elif kind == "slot":
            self.slots[(op[1], op[2])] = op[3]
        elif kind == "text":
            part = self.parts[op[1]]
            part["src"] += op[2]
            part["sent"] += op[2]
        elif kind == "seal":
            part = self.parts[op[1]]
            assert op[3] > 0
            part["sealed"].append(op[2])
            part["src"] = part["src"][op[3] :]  # what it holds of the sealed text (maybe none)
            part["covered"] += op[3]
        elif kind == "reset":
            part = self.parts[op[1]]
            part["sealed"], part["src"] = [op[2]], ""
        elif kind == "auto":
            self.auto[op[1]] = op[2]
        elif kind == "log":
            self.log += op[1]

    def text_html(self, index: int) -> str:
        return "".join(self.parts[index]["sealed"])


def page_of(sent: Sent, view: StreamView) -> Page:
    return Page(sent.ops(view.widget.model_id))


def custom_bytes(sent: Sent) -> int:
    return sum(
        len(json.dumps(data, separators=(",", ":")).encode())
        for kind, data in sent.messages
        if kind == "comm_msg" and data.get("method") == "custom"
    )


def test_parts_appear_in_content_order_with_header_and_footer() -> None:
    with capture_comms() as sent:
        view = Feeder("thinking_tool_use").finish()
    page = page_of(sent, view)
    assert next(kind for kind, *_ in sent.ops(view.widget.model_id)) == "shell"
    assert list(page.parts) == [0, 1, 2]
    assert "csn-thinking-panel" in page.parts[0]["html"]
    assert "csn-text" in page.parts[1]["html"]
    assert "csn-tool" in page.parts[2]["html"]
    assert "claude-sonnet-4-6" in page.slots[(None, "header")]
    assert "done" in page.slots[(None, "header")]
    assert "first token" in page.slots[(None, "footer")]
    assert "612 in" in page.slots[(None, "footer")]


def test_thinking_opens_collapses_when_the_answer_starts_and_says_how_long() -> None:
    with capture_comms() as sent:
        feeder = Feeder("thinking_text")
        feeder.until(lambda s: s.blocks and s.blocks[0].text)
        feeder.view.refresh()
        early = page_of(sent, feeder.view)
        assert " open>" in early.parts[0]["html"]
        assert "Thinking…" in early.parts[0]["html"]
        assert early.auto == {}
        view = feeder.finish()
    page = page_of(sent, view)
    assert page.auto == {"thinking-0": False}
    assert re.fullmatch(r"Thinking · \d+\.\d s", page.slots[(0, "title")])
    assert page.parts[0]["sent"] == str(view.snapshot.blocks[0].text)
    closed = '<details class="csn-part csn-thinking-panel" data-csn-part="0" data-csn-key="thinking-0">'
    assert closed in view.transcript()


def test_the_users_choice_wins_over_the_automatic_collapse_in_the_transcript() -> None:
    feeder = Feeder("thinking_text")
    feeder.until(lambda s: s.blocks and s.blocks[0].text)
    feeder.view.widget.ui = {"thinking-0": True, "log": True}  # what the front end sets on a click
    view = feeder.finish()
    transcript = view.transcript()
    assert 'data-csn-key="thinking-0" open>' in transcript
    assert 'data-csn-key="log" open>' in transcript


def test_a_choice_that_reaches_the_kernel_after_the_end_goes_into_the_saved_output() -> None:
    class Handle:
        def __init__(self) -> None:
            self.shown: list[str] = []

        def update(self, obj: Any) -> None:
            self.shown.append(obj._repr_mimebundle_()["text/html"])

    view = StreamView("thinking_text", threaded=False)
    view._handle = handle = Handle()
    replay("thinking_text", instant=True, sink=view)
    assert len(handle.shown) == 1
    assert 'data-csn-key="thinking-0">' in handle.shown[0]
    view.widget.ui = {"thinking-0": True}
    assert len(handle.shown) == 2
    assert 'data-csn-key="thinking-0" open>' in handle.shown[1]


def test_a_displayed_view_keeps_an_empty_output_beside_it_fresh_for_notebook_7(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Notebook 7 sizes an output (a scroll box past ~1,820 px) only when the cell's outputs change;
    # the view's empty companion output changes every two seconds while it streams and once before the
    # transcript, so that the transcript replacing the view changes nothing there.
    outputs: list[list[str]] = []  # what each displayed output showed, in order
    times: list[float] = []  # when each update came

    class Handle:
        def __init__(self, shown: list[str]) -> None:
            self.shown = shown

        def update(self, obj: Any, raw: bool = False) -> None:
            self.shown.append(repr(obj) if raw else obj._repr_mimebundle_()["text/html"][:40])
            times.append(now[0])

    def display(obj: Any, raw: bool = False, display_id: bool = False) -> Handle:
        outputs.append([repr(obj) if raw else type(obj).__name__])
        return Handle(outputs[-1])

    monkeypatch.setattr("IPython.display.display", display)
    now = [0.0]
    view = StreamView("long", threaded=False, clock=lambda: now[0]).display()
    events = 0

    def update(event: Any, snapshot: Any) -> None:
        nonlocal events
        events += 1
        now[0] += 0.05  # 20 events a second
        StreamView.update(view, event, snapshot)

    monkeypatch.setattr(view, "update", update)
    with capture_comms():
        replay("long_markdown", instant=True, sink=view)
    (shown_view, *later), (shown_nudge, *pokes) = outputs
    assert shown_view == "StreamView"
    assert later[-1].startswith("<")  # the transcript replaced the view
    assert shown_nudge == repr({"text/html": ""})  # empty: 0 px tall
    assert set(pokes) == {shown_nudge}
    *streaming, final, transcript = times
    gaps = [b - a for a, b in itertools.pairwise([0.0, *streaming])]
    assert len(streaming) >= events * 0.05 / 4
    assert min(gaps) >= EVERY
    assert max(gaps) <= 2 * EVERY  # every two seconds
    assert final == transcript == now[0]  # and once more just before the transcript
    assert view._nudge is not None
    assert view._nudge.pokes == len(pokes)


def test_redacted_and_omitted_thinking_say_what_they_are() -> None:
    with capture_comms() as sent:
        view = Feeder("redacted_thinking").finish()
    page = page_of(sent, view)
    assert "Redacted thinking (encrypted)" in page.parts[0]["html"]
    assert "encrypted thinking" in page.parts[0]["html"]
    assert page.slots[(1, "title")].startswith("Thinking not shown")
    assert "only its signature arrived" in page.slots[(1, "body")]


def test_tool_arguments_stream_as_raw_json_the_page_pretty_prints_alike() -> None:
    with capture_comms() as sent:
        feeder = Feeder("tool_use")
        feeder.until(lambda s: s.blocks and s.blocks[-1].is_tool_use and '"days": ' in str(s.blocks[-1].text))
        feeder.view.refresh()
        mid = page_of(sent, feeder.view)
        view = feeder.finish()
    assert "arguments streaming" in mid.parts[1]["html"] + mid.slots.get((1, "head"), "")
    page = page_of(sent, view)
    tool = view.snapshot.blocks[1]
    assert page.parts[1]["sent"] == str(tool.text)  # every piece once, nothing re-sent
    assert pretty_partial(str(tool.text)) == json.dumps(tool.input, indent=2, ensure_ascii=False)
    assert (1, "args") not in page.slots  # the page's own pretty-printing was already right
    assert "arguments complete" in page.slots[(1, "head")]
    assert "get_weather" in page.slots[(1, "head")]


def test_a_half_streamed_string_stays_open() -> None:
    assert pretty_partial('{"city": "Eur') == '{\n  "city": "Eur'
    assert pretty_partial('{"a": [1, 2') == '{\n  "a": [\n    1,\n    2'
    assert pretty_partial('{"q": "a \\"b\\" {c}", "n": {}}') == '{\n  "q": "a \\"b\\" {c}",\n  "n": {}\n}'


def test_arguments_cut_by_max_tokens_stay_readable_and_say_so() -> None:
    with capture_comms() as sent:
        view = Feeder("max_tokens_in_tool").finish()
    page = page_of(sent, view)
    index = next(b.index for b in view.snapshot.blocks if b.is_tool_use)
    assert "cut off by max_tokens: arguments incomplete" in page.slots[(index, "head")]
    assert "csn-bad" in page.slots[(index, "head")]
    transcript = view.transcript()
    assert "cut off by max_tokens" in transcript
    assert "done" not in page.slots[(index, "head")]
    args = h.args_html(view.snapshot.blocks[index])
    assert args in transcript
    assert args.startswith("{\n  ")
    assert "Discussed the" in args


def test_web_search_results_and_citations() -> None:
    with capture_comms() as sent:
        view = Feeder("web_search").finish()
    page = page_of(sent, view)
    transcript = view.transcript()
    assert "3 search results" in transcript
    assert transcript.count('<sup class="csn-cite">') == 3
    sealed = "".join(page.text_html(i) for i in page.parts if "csn-text" in page.parts[i]["html"])
    assert sealed.count('<sup class="csn-cite">') == 3
    assert "developer.mozilla.org" in page.slots[(None, "citations")]


@pytest.mark.parametrize("name", NAMES)
def test_the_page_ends_with_what_the_transcript_shows(name: str) -> None:
    """One source for both: every text part's sealed HTML, every slot and part shell the page
    holds at the end is a piece of the transcript; the open tails are empty."""
    with capture_comms() as sent:
        view = Feeder(name).finish()
    page = page_of(sent, view)
    transcript = view.transcript()
    citation = 1
    for segment in h.segments(view.snapshot):
        if segment.kind == "text":
            part = page.parts[segment.key]
            assert part["src"] == "", "nothing left unsealed"
            source = h.text_source(segment.blocks, citation, view.snapshot.reconnects)
            assert page.text_html(segment.key) == h.markdown_html(source)
            assert page.text_html(segment.key) in transcript
            citation += sum(len(b.citations) for b in segment.blocks)
    for (index, name_), html in page.slots.items():
        if name_ not in ("log", "log-count"):
            assert html in transcript, (index, name_)
    kept = list(view._log.lines)
    assert page.log[-len(kept) :] == kept  # the page keeps the same last lines as the transcript
    assert h.log_html(kept, view._log.total, dropped=view._log.made > len(kept)) in transcript


def test_nothing_already_sent_is_sent_again_and_the_wire_is_linear() -> None:
    with capture_comms() as sent:
        view = Feeder("long_markdown").finish()
    text = view.snapshot.text
    ops = sent.ops(view.widget.model_id)
    streamed = "".join(op[2] for op in ops if op[0] == "text")
    assert len(streamed) <= len(text)  # each character at most once as text ...
    assert Page(ops).parts[0]["covered"] == len(text)  # ... and once in a sealed block
    sealed = sum(len(op[2]) for op in ops if op[0] in ("seal", "reset"))
    assert sealed < 1.5 * len(h.markdown_html(text))  # each block's HTML once (and no reset)
    assert not [op for op in ops if op[0] == "reset"]
    duration = load_fixture("long_markdown").events[-1].time or 0
    assert view.frames <= 12 * duration + 5
    # At 1x the answer trickles in (22 deltas a second): the cost is the text, its HTML, and a
    # small envelope per frame -- not the answer again per frame.
    assert custom_bytes(sent) < 6 * len(text) + 110 * view.frames


def test_instant_replay_of_the_longest_fixture_sends_few_messages() -> None:
    with capture_comms() as sent:
        view = StreamView("long_markdown", threaded=False)
        message = replay("long_markdown", instant=True, sink=view)
    assert message.state == "complete"
    assert len(sent.messages) < 60
    assert custom_bytes(sent) < 4 * len(message.text)


def test_the_footer_never_shows_a_bare_question_mark() -> None:
    for name in NAMES:
        with capture_comms() as sent:
            view = Feeder(name).finish()
        footers = [op[3] for op in sent.ops(view.widget.model_id) if op[:3] == ["slot", None, "footer"]]
        assert all("?" not in re.sub(r"<[^>]+>", "", f) for f in footers), (name, footers)


XSS_PATTERNS = [r"<script", r"<img[^>]*onerror", r"<iframe", r'href="javascript:', r"<b onmouseover"]


def test_untrusted_content_is_inert_in_every_op_and_the_transcript() -> None:
    with capture_comms() as sent:
        view = Feeder("xss").finish()
    html_ops = [op for op in sent.ops(view.widget.model_id) if op[0] in ("shell", "part", "slot", "seal", "reset")]
    everything = [str(op[-2] if op[0] == "seal" else op[-1] if op[0] != "part" else op[2]) for op in html_ops]
    everything.append(view.transcript())
    for html in everything:
        for pattern in XSS_PATTERNS:
            assert not re.search(pattern, html, re.IGNORECASE), (pattern, html[:200])
    transcript = view.transcript()
    assert "&lt;script&gt;" in transcript
    assert "&lt;b onmouseover=alert(4)&gt;" in transcript
    assert "&lt;/div&gt;&lt;/details&gt;" in transcript


def test_a_late_front_end_gets_the_history() -> None:
    view = StreamView("plain_text", threaded=False)
    replay("plain_text", instant=True, sink=view)
    with capture_comms():
        pass
    sent_back: list[Any] = []
    view.widget.send = sent_back.append  # type: ignore[method-assign]
    view._on_msg(view.widget, {"hello": 0}, [])
    view._on_msg(view.widget, {"hello": 1}, [])
    assert sent_back == [{"history": view._history}, {"history": view._history[1:]}]
    assert [frame["n"] for frame in view._history] == list(range(1, view.frames + 1))


def test_one_long_lived_refresher_sends_the_trailing_frame() -> None:
    with capture_comms() as sent:
        view = StreamView("x", fps=20)
        fold = StreamFold()
        pairs = fold.feed(load_fixture("plain_text").body)
        for event, snap in pairs[:12]:
            view.update(event, snap)
            time.sleep(0.005)
        time.sleep(0.3)  # the stream pauses: what arrived must still go out
        threads = [t for t in threading.enumerate() if t.name == "csn-view"]
        streamed = "".join(op[2] for op in sent.ops(view.widget.model_id) if op[0] == "text")
        view.close(fold.close())
    assert len(threads) == 1
    assert streamed == pairs[11][1].text
    time.sleep(0.1)
    assert view._thread is not None
    assert not view._thread.is_alive()


def test_reprs_are_short_and_deterministic() -> None:
    view = StreamView("tool_use", threaded=False)
    message = replay("tool_use", instant=True, sink=view)
    assert repr(view) == "<StreamView tool_use: complete, tool_use, [text, tool_use]>"
    assert "complete tool_use [text, tool_use]" in repr(message)
    assert message["content"][1]["input"]["city"] == "Shanghai"
    assert isinstance(message, Message)


class _Interrupting:
    def __init__(self, after: int) -> None:
        self.after = after

    def update(self, event: Any, snapshot: Any) -> None:
        if snapshot.events == self.after:
            raise KeyboardInterrupt

    def close(self, snapshot: Any) -> None:
        pass


def test_an_interrupted_stream_marks_the_view_stopped() -> None:
    fixture = load_fixture("long_markdown")
    chunks = ((chunk.raw, chunk.time) for chunk in fixture.events)
    with capture_comms() as sent:
        view = StreamView("long_markdown", threaded=False)
        with pytest.raises(KeyboardInterrupt):
            consume(chunks, [_Interrupting(200), view])
    assert view.snapshot.state == "stopped"
    page = page_of(sent, view)
    assert "stopped" in page.slots[(None, "header")]
    footer = re.sub(r"<[^>]+>", "", page.slots[(None, "footer")])
    assert footer.count("stopped") == 1


def test_an_interrupted_replay_in_a_notebook_returns_the_partial_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import claude_stream_nb._api as api

    monkeypatch.setattr(api, "in_notebook", lambda: True)
    view = StreamView("long_markdown", threaded=False)

    class Both:
        def update(self, event: Any, snapshot: Any) -> None:
            view.update(event, snapshot)
            _Interrupting(200).update(event, snapshot)

        def close(self, snapshot: Any) -> None:
            view.close(snapshot)

    message = replay("long_markdown", instant=True, sink=Both())
    assert message.state == "stopped"
    assert len(message.text) > 100
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "stopped after 200 events" in out
    monkeypatch.setattr(api, "in_notebook", lambda: False)
    with pytest.raises(KeyboardInterrupt):
        replay("long_markdown", instant=True, sink=Both())


def test_outside_a_notebook_replay_uses_the_terminal() -> None:
    code = "from claude_stream_nb import replay; m = replay('plain_text', instant=True); print(repr(m))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "■ end_turn" in result.stdout
    assert "<Message msg_" in result.stdout


def test_a_runners_collapsible_keeps_the_users_choice_too() -> None:
    view = StreamView("tool_use", threaded=False)
    replay("tool_use", instant=True, sink=view)
    result = '<details data-csn-key="result-1"><summary>result</summary><pre>18 °C</pre></details>'
    view.set_tool_state(1, "done · 0.1 s", result)
    assert 'data-csn-key="result-1">' in view.transcript()
    view.widget.ui = {"result-1": True, "args-1": False}
    transcript = view.transcript()
    assert 'data-csn-key="result-1" open>' in transcript
    assert 'data-csn-key="args-1">' in transcript
    assert "done · 0.1 s" in transcript


@pytest.mark.parametrize("name", ["theme.css", "view.css", "player.css"])
def test_the_lean_stylesheet_keeps_every_token(name: str) -> None:
    # Lean = comments gone, line breaks one space: a value going on on the next line ("0" then
    # "var(...)") must stay two tokens, or the browser drops the whole declaration.
    raw = re.sub(r"/\*.*?\*/", "", (STATIC / name).read_text(encoding="utf-8"), flags=re.S)

    def tokens(css: str) -> list[str]:
        return re.sub(r"([{};])", r" \1 ", css).split()

    assert tokens(lean_css(name)) == tokens(raw)
    assert "\n" not in lean_css(name)


def test_an_error_is_said_once_its_type_in_the_footer() -> None:
    with capture_comms():
        view = StreamView("error", threaded=False)
        message = replay("error_overloaded", instant=True, sink=view)
    error = message.snapshot.error
    assert error is not None
    footer = h.footer_html(view.snapshot)
    assert f"error {error.type}" in footer
    assert error.message not in footer
    shown = view.transcript().split('class="csn-log-box')[0]  # the event log has the raw event, of course
    assert shown.count(error.message) == 1  # in the error box
