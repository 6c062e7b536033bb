"""The pieces of the live view, each built from ipywidgets' own controls.

Each piece is shown a block (or a run of text blocks) and sets widget values only when they
change (traitlets sends nothing for an unchanged value). :class:`GrowingHTML` keeps the wire
cost linear: finished blocks are rendered once into sealed HTML widgets and never sent again;
only the open tail is re-sent.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Protocol

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from ...core._snapshot import BlockState, Snapshot
from ..render import BlockSplitter
from ..render import _html as h

__all__ = ["GrowingHTML", "Meter", "Part", "StaticPart", "TextRun", "ThinkingPanel", "ToolCard"]

_SEAL_AT = 200  # finished blocks are sealed once this much source has finished (fewer, larger widgets)


class Meter:
    """Sets widget values, counting the characters that will go over the wire; makes the HTML
    widgets of a view, sharing one layout and one style model (not three models per widget)."""

    def __init__(self) -> None:
        self.sent = 0
        self._layout = w.Layout()
        self._style = HTMLStyle()

    def html(self, value: str = "") -> w.HTML:
        self.sent += len(value)
        return w.HTML(value, layout=self._layout, style=self._style)

    def put(self, widget: w.Widget, value: str) -> None:
        if widget.value != value:
            self.sent += len(value)
            widget.value = value


class Part(Protocol):
    box: w.Widget

    def show(self, blocks: tuple[BlockState, ...], snap: Snapshot, final: bool) -> None: ...


class _LineSplitter:
    """Plain text is finished up to its last newline."""

    def advance(self, text: str) -> int:
        return text.rfind("\n") + 1


class GrowingHTML:
    """Append-only text as sealed chunks of rendered HTML plus a live tail."""

    def __init__(self, meter: Meter, render: Callable[[str], str], markdown: bool = True) -> None:
        self._meter = meter
        self._render = render
        self._splitter: BlockSplitter | _LineSplitter = BlockSplitter() if markdown else _LineSplitter()
        self._done = 0  # source offset already rendered into sealed widgets
        self.tail = meter.html()
        self.box = w.VBox([self.tail])

    def show(self, source: str, final: bool = False) -> None:
        if final:
            self._finish(source)
            return
        boundary = self._splitter.advance(source)
        if boundary > self._done and boundary - self._done >= _SEAL_AT:
            self._seal(self._render(source[self._done : boundary]), source[boundary:])
            self._done = boundary
        self._meter.put(self.tail, self._render(source[self._done :]) if source[self._done :] else "")

    def _seal(self, html: str, rest: str) -> None:
        """The tail, which shows these finished blocks already, becomes their sealed widget in
        place, and a new tail takes what follows: in whatever order the browser paints the
        messages, nothing shows twice, and only the text past the boundary may blink."""
        sealed = self.tail
        self._meter.put(sealed, html)
        self.tail = self._meter.html(self._render(rest) if rest else "")
        self.box.children = (*self.box.children, self.tail)

    def _finish(self, source: str) -> None:
        """One full render at the end; the sealed pieces stay unless it differs from them."""
        rest = source[self._done :]
        tail = self._render(rest) if rest else ""
        full = self._render(source)
        sealed = self.box.children[:-1]
        if "".join(child.value for child in sealed) + tail != full:  # e.g. a link defined later
            for child in sealed:
                child.close()
            self.box.children = (self.tail,)
            tail = full
        self._meter.put(self.tail, tail)


class TextRun:
    """A run of consecutive text blocks as markdown, with citation markers."""

    def __init__(self, meter: Meter, first_citation: int) -> None:
        self.first_citation = first_citation
        self.html = GrowingHTML(meter, h.markdown_html)
        self.box = self.html.box
        self.box.add_class("csn-text")

    def show(self, blocks: tuple[BlockState, ...], snap: Snapshot, final: bool) -> None:
        self.html.show(h.text_source(blocks, self.first_citation, snap.reconnects), final)


class ThinkingPanel:
    """Collapsible thinking: open while it streams, collapsed when the answer starts --
    unless the user opened or closed it by hand, which is then left alone."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self.body = GrowingHTML(meter, self._render, markdown=False)
        self.box = w.Accordion(children=[self.body.box], selected_index=0)
        self.box.add_class("csn-thinking-panel")
        self.user_choice: bool | None = None
        self._auto = False
        self._collapsed_once = False
        self.box.observe(self._on_toggle, "selected_index")

    @staticmethod
    def _render(text: str) -> str:
        return f'<div class="csn-thinking">{escape(text)}</div>'

    def _on_toggle(self, change: dict[str, object]) -> None:
        if not self._auto:
            self.user_choice = change["new"] == 0

    def _set_open(self, is_open: bool) -> None:
        self._auto = True
        try:
            self.box.selected_index = 0 if is_open else None
        finally:
            self._auto = False

    @property
    def is_open(self) -> bool:
        return bool(self.box.selected_index == 0)

    def show(self, blocks: tuple[BlockState, ...], snap: Snapshot, final: bool) -> None:
        (block,) = blocks
        self.box.set_title(0, f"💭 {h.thinking_title(block)}")
        if block.type == "redacted_thinking" or (block.stopped and not block.text):
            self._meter.put(self.body.tail, h.thinking_body_html(block))
        else:
            self.body.show(str(block.text), final)
        answer_started = block is not snap.blocks[-1]
        if answer_started and not self._collapsed_once and self.user_choice is None:
            self._collapsed_once = True
            self._set_open(False)


class ToolCard:
    """A tool call: name, id and state; arguments filling in; room for a result."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self.head = meter.html()
        self.args = meter.html()
        self.result = meter.html()
        self.box = w.VBox([self.head, self.args, self.result])
        self.box.add_class("csn-tool")
        self.status: str | None = None
        """Set by a runner (the agent loop): running, done, error..."""

    def show(self, blocks: tuple[BlockState, ...], snap: Snapshot, final: bool) -> None:
        (block,) = blocks
        self._meter.put(self.head, h.tool_head_html(block, snap, self.status))
        self._meter.put(self.args, h.tool_args_html(block))


class StaticPart:
    """A block that arrives whole (server tool results, unknown block types)."""

    def __init__(self, meter: Meter, kind: str) -> None:
        self._meter = meter
        self.kind = kind
        self.box = meter.html()

    def show(self, blocks: tuple[BlockState, ...], snap: Snapshot, final: bool) -> None:
        (block,) = blocks
        self._meter.put(self.box, h.result_html(block) if self.kind == "result" else h.unknown_html(block))
