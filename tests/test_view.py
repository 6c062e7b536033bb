"""The notebook view, in-process, with the widget comm captured (no browser)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from html import escape

import ipywidgets as w
import pytest

from claude_stream_nb import Message, replay
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.core._summary import metrics, outcome
from claude_stream_nb.sinks.render import _html as h
from claude_stream_nb.sinks.render import render_markdown
from claude_stream_nb.sinks.view import StreamView
from claude_stream_nb.sinks.view._capture import Sent, capture_comms
from claude_stream_nb.sinks.view._parts import ThinkingPanel, ToolCard
from claude_stream_nb.sources._fixtures import bundled_fixtures, load_fixture


class Player:
    """Feeds a fixture into a view event by event with a virtual clock at the recorded time."""

    def __init__(self, name: str, **view_args: object) -> None:
        self.now = 0.0
        self.view = StreamView(name, threaded=False, clock=lambda: self.now, **view_args)  # type: ignore[arg-type]
        self.fold = StreamFold()
        self.chunks = iter(load_fixture(name).chunks())

    def steps(self) -> Iterator[str]:
        """Advance one event at a time; yields each event's type."""
        for chunk in self.chunks:
            self.now = chunk.time or self.now
            for event, snap in self.fold.feed(chunk.raw, chunk.time):
                self.view.update(event, snap)
                yield event.type

    def until(self, predicate: object) -> None:
        for _ in self.steps():
            if predicate(self.view.snapshot):  # type: ignore[operator]
                return
        raise AssertionError("never reached")

    def finish(self) -> StreamView:
        for _ in self.steps():
            pass
        self.view.close(self.fold.close())
        return self.view


def visible_html(widget: w.Widget) -> str:
    """All HTML a widget tree shows, in order."""
    if isinstance(widget, w.HTML):
        return str(widget.value)
    return "".join(visible_html(child) for child in getattr(widget, "children", ()))


def text_html(view: StreamView) -> str:
    return "".join(visible_html(child) for child in view.body.children if "csn-text" in child._dom_classes)


def test_sections_appear_in_content_order() -> None:
    view = Player("thinking_tool_use").finish()
    kinds = [type(part).__name__ for part in view._parts.values()]
    assert kinds == ["ThinkingPanel", "TextRun", "ToolCard"]
    assert [child for child in view.body.children] == [part.box for part in view._parts.values()]
    assert view.widget.children[1] is view.header
    assert "claude-sonnet-4-6" in view.header.value
    assert "first token" in view.footer.value
    assert "612 in" in view.footer.value


def test_thinking_panel_is_open_while_thinking_and_collapses_when_the_answer_starts() -> None:
    player = Player("thinking_text")
    player.until(lambda s: s.blocks and s.blocks[0].text)
    panel = player.view.thinking_panel(0)
    assert isinstance(panel, ThinkingPanel)
    assert panel.is_open
    assert "Thinking…" in panel.box.titles[0]
    player.until(lambda s: len(s.blocks) == 2)
    assert not panel.is_open
    view = player.finish()
    assert re.search(r"Thinking · \d+\.\d s", panel.box.titles[0])
    assert "The user" in visible_html(panel.box) or len(visible_html(panel.box)) > 100
    assert view.snapshot.state == "complete"


def test_a_thinking_panel_the_user_toggled_keeps_their_choice() -> None:
    player = Player("thinking_text")
    player.until(lambda s: s.blocks and s.blocks[0].text)
    panel = player.view.thinking_panel(0)
    assert panel is not None
    panel.box.selected_index = None  # the user closes it ...
    panel.box.selected_index = 0  # ... and opens it again, by hand
    player.finish()
    assert panel.is_open
    assert panel.user_choice is True


def test_redacted_and_omitted_thinking_are_shown_as_such() -> None:
    view = Player("redacted_thinking").finish()
    panels = [p for p in view._parts.values() if isinstance(p, ThinkingPanel)]
    assert [p.box.titles[0].split(" (")[0] for p in panels] == ["💭 Redacted thinking", "💭 Thinking not shown"]
    assert "encrypted thinking" in visible_html(panels[0].box)
    assert "only its signature arrived" in visible_html(panels[1].box)


def test_tool_card_fills_in_live_then_shows_pretty_arguments() -> None:
    player = Player("tool_use")
    player.until(lambda s: s.blocks and s.blocks[-1].is_tool_use and '"days": ' in str(s.blocks[-1].text))
    player.view._frame()
    card = player.view.tool_card(1)
    assert isinstance(card, ToolCard)
    assert "get_weather" in card.head.value
    assert "arguments streaming" in card.head.value
    assert "Shanghai" in card.args.value
    player.finish()
    assert "arguments complete" in card.head.value
    assert '"days": 3' in card.args.value
    assert card.args.value.count("\n") > 5  # pretty-printed


def test_an_unfinished_number_is_never_shown_as_final() -> None:
    player = Player("tool_use")
    seen = []
    for _ in player.steps():
        snap = player.view.snapshot
        if snap.blocks and snap.blocks[-1].is_tool_use and not snap.blocks[-1].stopped:
            player.view._frame()
            seen.append(player.view.tool_card(snap.blocks[-1].index).args.value)  # type: ignore[union-attr]
    pending = [html for html in seen if "csn-pending" in html]
    assert pending, "the fixture splits a number across deltas; the card should mark it"


def test_cut_off_tool_input_is_shown_on_the_card() -> None:
    view = Player("max_tokens_in_tool").finish()
    card = next(p for p in view._parts.values() if isinstance(p, ToolCard))
    assert "cut off by max_tokens" in card.head.value
    assert "Discussed the" in card.args.value


def test_web_search_results_and_citations() -> None:
    view = Player("web_search").finish()
    html = visible_html(view.widget)
    assert "3 search results" in html
    assert html.count('<sup class="csn-cite">') == 3
    assert "<li>" in view.citations.value
    assert "developer.mozilla.org" in view.citations.value


def test_first_text_goes_out_at_once_and_frames_are_coalesced() -> None:
    player = Player("long_markdown")
    player.until(lambda s: s.first_token_at is not None)
    assert text_html(player.view) != ""  # no waiting for a frame
    view = player.finish()
    duration = load_fixture("long_markdown").events[-1].time or 0
    assert view.frames <= 30 * duration + 5


def test_final_render_equals_a_full_render() -> None:
    view = Player("long_markdown").finish()
    assert text_html(view) == render_markdown(view.snapshot.text)


def test_no_update_resends_the_whole_text() -> None:
    with capture_comms() as sent:
        view = Player("long_markdown").finish()
    full = len(render_markdown(view.snapshot.text))
    sizes = sorted(len(str(u.get("value", ""))) for u in sent.updates())
    assert sizes[-2] < full / 3  # the largest is the one full render at the end
    assert sent.bytes < 30 * full


def test_instant_replay_of_the_longest_fixture_sends_few_messages() -> None:
    with capture_comms() as sent:
        view = StreamView("long_markdown", threaded=False)
        message = replay("long_markdown", instant=True, sink=view)
    assert message.state == "complete"
    assert len(sent.messages) < 200  # far below Jupyter's IOPub limit of 1000 messages/s
    assert text_html(view) == render_markdown(message.text)


@pytest.mark.parametrize("name", [name for name, _ in bundled_fixtures()])
def test_transcript_holds_the_final_answer(name: str) -> None:
    view = Player(name).finish()
    transcript = view.transcript()
    assert transcript.startswith("<style>")
    citation = 1
    for segment in h.segments(view.snapshot):
        if segment.kind == "text":
            assert h.markdown_html(h.text_source(segment.blocks, citation)) in transcript
            citation += sum(len(b.citations) for b in segment.blocks)
    assert escape(outcome(view.snapshot)) in transcript
    assert all(escape(part) in transcript for part in metrics(view.snapshot))


XSS_PATTERNS = [r"<script", r"<img[^>]*onerror", r"<iframe", r'href="javascript:', r"<b onmouseover"]


def test_untrusted_content_is_inert_in_the_view_and_the_transcript() -> None:
    with capture_comms() as sent:
        view = Player("xss").finish()
    everything = [visible_html(view.widget), view.transcript()]
    everything += [str(u.get("value", "")) for u in sent.updates()]
    for html in everything:
        for pattern in XSS_PATTERNS:
            assert not re.search(pattern, html, re.IGNORECASE), (pattern, html[:200])
    transcript = view.transcript()
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in transcript or "&lt;script&gt;" in transcript
    assert "&lt;b onmouseover=alert(4)&gt;" in transcript
    assert "&lt;/div&gt;&lt;/details&gt;" in transcript


def test_reprs_are_short_and_deterministic() -> None:
    view = StreamView("tool_use", threaded=False)
    message = replay("tool_use", instant=True, sink=view)
    assert repr(view) == "<StreamView tool_use: complete, tool_use, [text, tool_use]>"
    assert repr(message).startswith("<Message msg_")
    assert "complete tool_use [text, tool_use]" in repr(message)
    assert isinstance(message, dict)
    assert message["content"][1]["input"]["city"] == "Shanghai"
    assert isinstance(message, Message)


def test_interrupt_keeps_the_partial_content_and_marks_the_view_stopped() -> None:
    view = StreamView("long_markdown", threaded=False)
    fixture = load_fixture("long_markdown")

    def source() -> Iterator[tuple[bytes, float | None]]:
        for i, chunk in enumerate(fixture.events):
            if i == 200:
                raise KeyboardInterrupt
            yield chunk.raw, chunk.time

    from claude_stream_nb.core._stream import consume

    with pytest.raises(KeyboardInterrupt):
        consume(source(), [view])
    assert view.snapshot.state == "stopped"
    assert "stopped" in view.header.value
    assert len(view.snapshot.text) > 100
    assert text_html(view) != ""
    again = StreamView("plain_text", threaded=False)
    assert replay("plain_text", instant=True, sink=again).state == "complete"


def test_the_refresher_thread_sends_the_last_events_of_a_pause() -> None:
    sent: Sent
    with capture_comms() as sent:
        view = StreamView("x", fps=30)
        fold = StreamFold()
        body = load_fixture("plain_text").body
        pairs = fold.feed(body)
        for event, snap in pairs[:10]:
            view.update(event, snap)
        import time

        time.sleep(0.3)  # the stream pauses: what arrived must still show
        assert view.snapshot is pairs[9][1]
        shown = text_html(view)
    assert view.snapshot.text[:20] in shown.replace("&#x27;", "'") or view.snapshot.text == ""
    assert sent.messages


def test_outside_a_notebook_replay_uses_the_terminal() -> None:
    code = "from claude_stream_nb import replay; m = replay('plain_text', instant=True); print(repr(m))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "■ end_turn" in result.stdout
    assert "<Message msg_" in result.stdout
