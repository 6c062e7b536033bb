"""The parts of the live view, each turning what is new in its blocks into append-only ops.

A part is one segment of the message (a run of text blocks, a thinking panel, a tool card, a
block that arrives whole). Each frame it is handed the text that arrived since the last frame
(the deltas, collected by the view as events come: no re-joining or re-rendering of what was
sent before) and adds ops for the front end (``static/view.js`` documents them). A text part
seals each finished markdown block once -- rendered by markdown-it-py, raw HTML off -- and at
its end checks the sealed pieces against one full render (``reset`` if, say, a link was defined
later). Every piece of HTML comes from :mod:`..render._html`, the transcript's own source.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from ...core._events import InputJsonDelta, TextDelta, ThinkingDelta
from ...core._snapshot import BlockState, Snapshot
from ..render import BlockSplitter
from ..render import _html as h
from ..render._pretty import pretty_partial

__all__ = ["Op", "Part", "appended", "new_part"]

Op = list[Any]


def appended(delta: object) -> str:
    """What a delta appends to its block's open stream (text, thinking, tool arguments), else ""."""
    if isinstance(delta, TextDelta):
        return delta.text
    if isinstance(delta, ThinkingDelta):
        return delta.thinking
    return delta.partial_json if isinstance(delta, InputJsonDelta) else ""


class Part:
    """What every part does: its shell once, then ops for what changed."""

    kind = "unknown"

    def __init__(self, block: BlockState) -> None:
        self.index = block.index
        self.sent: dict[int, int] = {}
        """Characters of each block's text already sent."""
        self.stopped: set[int] = set()
        self.finished = False

    def shell(self, block: BlockState, snap: Snapshot) -> str:
        return h.part_html(self.kind, block, snap)

    def new_text(self, block: BlockState, pending: list[str] | None) -> str:
        """What arrived in ``block`` since the last frame: the collected deltas, or (should the
        fold have taken them otherwise) the block's text past what was sent."""
        done = self.sent.get(block.index, 0)
        piece = "".join(pending) if pending else ""
        if done + len(piece) != len(block.text):
            piece = str(block.text)[done:]
        self.sent[block.index] = done + len(piece)
        return piece

    def ops(self, blocks: Sequence[BlockState], snap: Snapshot, pending: dict[int, list[str]], out: list[Op]) -> None:
        for block in blocks:
            if block.stopped and block.index not in self.stopped:
                self.stopped.add(block.index)
                out.append(["stop", block.index, block.stopped_at])

    def finish(self, blocks: Sequence[BlockState], snap: Snapshot, out: list[Op]) -> None:
        """The segment is over (a later one began, or the stream ended)."""
        self.finished = True


class TextPart(Part):
    """A run of text blocks as markdown: text streams into the tail, finished blocks are sealed."""

    kind = "text"

    def __init__(self, block: BlockState, first_citation: int) -> None:
        super().__init__(block)
        self.first_citation = first_citation
        self.citation = first_citation
        self.source = ""
        self.streamed = 0
        self.done = 0
        self.sealed: list[str] = []
        self.joined: set[int] = set()
        self._splitter = BlockSplitter()

    def ops(self, blocks: Sequence[BlockState], snap: Snapshot, pending: dict[int, list[str]], out: list[Op]) -> None:
        added = []
        for block in blocks:
            if block.index in self.stopped:
                continue
            before = self.sent.get(block.index, 0)
            piece = h.clean_text(self.new_text(block, pending.pop(block.index, None)))
            for reconnect in snap.reconnects:
                at = reconnect.get("offset")
                if reconnect.get("block") == block.index and block.index not in self.joined and isinstance(at, int):
                    self.joined.add(block.index)
                    cut = min(max(at - before, 0), len(piece))
                    piece = piece[:cut] + h.JOIN + piece[cut:]
            if block.stopped:
                piece += h.citation_marks(self.citation, len(block.citations))
                self.citation += len(block.citations)
            added.append(piece)
        super().ops(blocks, snap, pending, out)
        text = "".join(added)
        if not text:
            return
        self.source += text
        boundary = self._splitter.advance(self.source)
        if boundary > self.done:
            self._seal(boundary, out)
        # Text sealed in the frame it arrived in goes only as HTML (an instant replay sends its
        # answer once); the page drops the sealed characters it has, then appends the rest.
        start = max(self.streamed, self.done)
        if len(self.source) > start:
            out.append(["text", self.index, self.source[start:]])
        self.streamed = len(self.source)

    def _seal(self, boundary: int, out: list[Op]) -> None:
        html = h.markdown_html(self.source[self.done : boundary])
        self.sealed.append(html)
        out.append(["seal", self.index, html, boundary - self.done])
        self.done = boundary

    def finish(self, blocks: Sequence[BlockState], snap: Snapshot, out: list[Op]) -> None:
        if self.finished:
            return
        super().finish(blocks, snap, out)
        if len(self.source) > self.done:
            self._seal(len(self.source), out)
            self.streamed = len(self.source)
        full = h.markdown_html(h.text_source(blocks, self.first_citation, snap.reconnects))
        if "".join(self.sealed) != full:  # e.g. a link reference defined after its use
            self.sealed = [full]
            out.append(["reset", self.index, full])


class ThinkingPart(Part):
    """A thinking panel: the text streams in; the title says how long it took."""

    kind = "thinking"

    def __init__(self, block: BlockState) -> None:
        super().__init__(block)
        self.title = h.thinking_title(block)

    def shell(self, block: BlockState, snap: Snapshot) -> str:
        body = h.thinking_body_html(block) if block.type == "redacted_thinking" else ""
        return h.part_html("thinking", block, snap, body, is_open=True)

    def ops(self, blocks: Sequence[BlockState], snap: Snapshot, pending: dict[int, list[str]], out: list[Op]) -> None:
        (block,) = blocks
        if block.type == "thinking":
            text = self.new_text(block, pending.pop(block.index, None))
            if text:
                out.append(["text", self.index, text])
            if block.stopped and not block.text and self.index not in self.stopped:
                out.append(["slot", self.index, "body", h.thinking_body_html(block)])
        title = h.thinking_title(block)
        if title != self.title:
            self.title = title
            out.append(["slot", self.index, "title", escape(title)])
        super().ops(blocks, snap, pending, out)


class ToolPart(Part):
    """A tool card: the arguments stream in (the front end pretty-prints them as they come);
    the head shows their state, or a runner's (``status``), and a runner may add a result."""

    kind = "tool"

    def __init__(self, block: BlockState) -> None:
        super().__init__(block)
        self.head = ""
        self.status: str | None = None
        self.result = ""
        self._result_sent = ""

    def ops(self, blocks: Sequence[BlockState], snap: Snapshot, pending: dict[int, list[str]], out: list[Op]) -> None:
        (block,) = blocks
        text = self.new_text(block, pending.pop(block.index, None))
        if text:
            out.append(["text", self.index, text])
        if block.stopped and self.index not in self.stopped and not block.json_error:
            pretty = json.dumps(block.input, indent=2, ensure_ascii=False)
            if pretty != pretty_partial(str(block.text)):  # e.g. "\u00e9" written as an escape
                out.append(["slot", self.index, "args", h.args_html(block)])
        self.paint(block, snap, out)
        super().ops(blocks, snap, pending, out)

    def paint(self, block: BlockState, snap: Snapshot, out: list[Op]) -> None:
        head = h.tool_head_html(block, snap, self.status)
        if head != self.head:
            self.head = head
            out.append(["slot", self.index, "head", head])
        if self.result != self._result_sent:
            self._result_sent = self.result
            out.append(["slot", self.index, "result", self.result])

    def shell(self, block: BlockState, snap: Snapshot) -> str:
        self.head = h.tool_head_html(block, snap, self.status)
        return h.part_html("tool", block, snap).replace(h.tool_head_html(block, snap), self.head, 1)

    def finish(self, blocks: Sequence[BlockState], snap: Snapshot, out: list[Op]) -> None:
        super().finish(blocks, snap, out)
        self.paint(blocks[0], snap, out)  # "incomplete" when the stream ended inside the arguments


class WholePart(Part):
    """A block that arrives whole (server tool results, unknown block types)."""

    def __init__(self, block: BlockState, kind: str) -> None:
        super().__init__(block)
        self.kind = kind


def new_part(kind: str, block: BlockState, first_citation: int) -> Part:
    if kind == "text":
        return TextPart(block, first_citation)
    if kind == "thinking":
        return ThinkingPart(block)
    if kind == "tool":
        return ToolPart(block)
    return WholePart(block, kind)
