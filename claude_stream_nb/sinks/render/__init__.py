"""Rendering a snapshot: markdown for untrusted text, HTML pieces and the static transcript."""

from ._html import transcript_html
from ._markdown import BlockSplitter, render_markdown

__all__ = ["BlockSplitter", "render_markdown", "transcript_html"]
