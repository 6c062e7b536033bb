"""Markdown for untrusted model output, rendered incrementally.

:func:`render_markdown` uses markdown-it-py in CommonMark mode with raw HTML disabled (tags
show as text), plus tables and strikethrough; markdown-it's link check refuses
``javascript:``, ``vbscript:``, ``file:`` and non-image ``data:`` URLs.

While text streams, :class:`BlockSplitter` finds where finished blocks end so a view renders
each finished block once and re-renders only the open tail. An unclosed code fence in the tail
renders as an open code block (CommonMark runs it to the end of the input), never as raw
backticks. Splits are made only where they cannot change the result: at a blank line outside
a fence, when the next block starts at the margin and is not a list item (a list may continue
after a blank line), and right after a closing fence. One full render at the end is still
the reference.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

__all__ = ["BlockSplitter", "render_markdown"]

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^([-+*]|\d{1,9}[.)])(\s|$)")
_MAYBE_LIST = re.compile(r"^([-+*]|\d{1,9}[.)]?)$")  # too short yet to tell
_HEADING = re.compile(r"^#{1,6}(\s|$)")


def _starts_new_block(head: str) -> bool:
    """Does a line beginning with ``head`` surely start a block that is not a list item?"""
    return bool(head) and not head[0].isspace() and not _LIST_ITEM.match(head) and not _MAYBE_LIST.match(head)


def render_markdown(text: str) -> str:
    """Markdown to HTML with raw HTML shown as text."""
    html: str = _MD.render(text)
    return html


class BlockSplitter:
    """Tracks, in growing text, the offset up to which markdown blocks are finished.

    Feed it the whole text each time (it only scans what is new): ``advance(text)`` returns
    an offset ``b`` such that ``text[:b]`` will never render differently, whatever follows.
    """

    def __init__(self) -> None:
        self._scanned = 0  # text[:_scanned] is whole lines already looked at
        self._fence: str | None = None  # the open fence's marker, e.g. "```"
        self._blank_end: int | None = None  # end of a blank line that may end a block
        self.boundary = 0

    def advance(self, text: str) -> int:
        start = self._scanned
        while True:
            end = text.find("\n", start)
            if end < 0:
                break
            self._line(text[start:end], end + 1)
            start = end + 1
        self._scanned = start
        if self._blank_end is not None and self._fence is None and _starts_new_block(text[start : start + 12]):
            # The next block has begun and cannot continue the last one: no need to wait for
            # its whole first line (a paragraph is often one long line).
            self.boundary = self._blank_end
        return self.boundary

    def _line(self, line: str, end: int) -> None:
        if self._fence is not None:
            closing = _FENCE.match(line)
            if (
                closing and closing.group(1)[0] == self._fence[0] and len(closing.group(1)) >= len(self._fence)
            ) and not line[closing.end() :].strip():
                self._fence = None
                self.boundary = end
            return
        if not line.strip():
            self._blank_end = end
            return
        if self._blank_end is not None:
            if not line[0].isspace() and not _LIST_ITEM.match(line):
                self.boundary = self._blank_end
            self._blank_end = None
        if _HEADING.match(line):  # an ATX heading is a whole block on one line
            self.boundary = end
            return
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            self._fence = opening.group(1)
