"""HTML for a snapshot: every structural piece of the view, and the static transcript.

One source for both looks: the live view's front end (``sinks/view/static/view.js``) only
places these pieces and streams text into their open slot; the transcript is the same pieces
concatenated, with the same stylesheet (``theme.css`` + ``view.css``) inlined. Pure functions of a
:class:`~claude_stream_nb.core._snapshot.Snapshot`. Everything that came from the model or the
server is escaped (markdown goes through :func:`render_markdown`, which shows raw HTML as
text). The markup reads without CSS too (``<details>``, ``<pre>``, ``<ol>``), since GitHub and
nbviewer strip styles.

The structure -- class names ``csn-…`` and ``data-csn-*`` attributes, stable for tests and
other front ends -- is drawn at the top of ``static/view.js``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ...core._blocks import RESULT_TYPES
from ...core._snapshot import BlockState, Snapshot
from ...core._summary import metrics, outcome
from ._assets import CSS
from ._icons import icon
from ._markdown import render_markdown
from ._pretty import pretty_partial
from ._results import citations_html, result_html, unknown_html
from ._sections import event_log_line, log_count, log_html, timeline_html

__all__ = [
    "CSS",
    "Segment",
    "TranscriptExtras",
    "args_html",
    "citations_html",
    "error_html",
    "event_log_line",
    "footer_html",
    "header_html",
    "icon",
    "log_count",
    "log_html",
    "markdown_html",
    "notices_html",
    "part_html",
    "result_html",
    "segments",
    "text_source",
    "thinking_body_html",
    "thinking_title",
    "timeline_html",
    "tool_head_html",
    "tool_state",
    "transcript_html",
    "unknown_html",
]


_OPEN, _CLOSE = "\ue000", "\ue001"  # citation markers in markdown source; stripped from model text
_JOIN = "\ue002"  # where a reconnected stream continued

@dataclass(frozen=True, slots=True)
class Segment:
    """What the view shows as one unit: a thinking panel, a run of text blocks, a tool card..."""

    kind: str  # "thinking" | "text" | "tool" | "result" | "unknown"
    blocks: tuple[BlockState, ...]

    @property
    def key(self) -> int:
        return self.blocks[0].index


def segments(snap: Snapshot) -> list[Segment]:
    """Content blocks grouped for display: consecutive text blocks read as one flow."""
    out: list[Segment] = []
    for block in snap.blocks:
        kind = segment_kind(block)
        if kind == "text" and out and out[-1].kind == "text":
            out[-1] = Segment("text", (*out[-1].blocks, block))
        else:
            out.append(Segment(kind, (block,)))
    return out


def segment_kind(block: BlockState) -> str:
    if block.type == "text":
        return "text"
    if block.type in ("thinking", "redacted_thinking"):
        return "thinking"
    if block.is_tool_use:
        return "tool"
    if block.type in RESULT_TYPES or block.type.endswith(("_tool_result", "_upload")):
        return "result"
    return "unknown"


# --- header, footer, notices, error --------------------------------------------------------


def header_html(snap: Snapshot, title: str | None = None) -> str:
    model = snap.message.get("model")
    parts = [f"<b>{escape(title)}</b>"] if title else []
    parts += [f"<code>{escape(str(model))}</code>"] if model else []
    parts += [escape(str(snap.message.get("id")))] if snap.message.get("id") else []
    parts.append(f'<span class="csn-state">{escape(snap.phase)}</span>')
    return " · ".join(parts)


def notices_html(notices: Sequence[str]) -> str:
    """What the source said along the way: retrying, reconnecting."""
    return "".join(f'<div class="csn-notice">{icon("retry")} {escape(text)}</div>' for text in notices)


def footer_html(snap: Snapshot) -> str:
    """How it went: a dash where a count is not known yet, never a bare ``?`` (nothing before any event)."""
    if snap.events == 0 and snap.state == "waiting":
        return ""
    ended = outcome(snap).replace("stopped: stopped by the user", "stopped by the user")
    if snap.state == "errored" and snap.error:  # its message is the error box's, just above: said once
        ended = f"error {snap.error.type}"
    parts = [f"<b>{escape(ended)}</b>"]
    parts += [escape(part.replace("? in", "– in").replace("/ ? out", "/ – out")) for part in metrics(snap)]
    if len(parts) == 1 and snap.state in ("waiting", "streaming"):
        parts.append("– tokens")
    if snap.reconnects:
        parts.append(f"reconnected {len(snap.reconnects)}×")
    problems = "".join(f'<div class="csn-error">{icon("warn")} {escape(str(p))}</div>' for p in snap.problems)
    return f'<div class="csn-metrics">{" · ".join(parts)}</div>{problems}'


def error_html(snap: Snapshot) -> str:
    if snap.error is None:
        return ""
    error = snap.error
    request = f" (request {escape(error.request_id)})" if error.request_id else ""
    return f'<div class="csn-error">{icon("error")} {escape(error.type)}: {escape(error.message)}{request}</div>'


# --- thinking ------------------------------------------------------------------------------


def thinking_title(block: BlockState) -> str:
    """``Thinking · 3.2 s``, or what kind of thinking it is when there is nothing to read."""
    took = f" · {block.duration:.1f} s" if block.duration is not None else ("…" if not block.stopped else "")
    if block.type == "redacted_thinking":
        return "Redacted thinking (encrypted)"
    if block.stopped and not block.text:
        return f"Thinking not shown (display omitted){took}"
    return f"Thinking{took}"


def thinking_body_html(block: BlockState) -> str:
    """The panel's body: the thinking text (escaped), or what kind of thinking it was."""
    if block.type == "redacted_thinking":
        size = len(str(block.start.get("data", "")))
        return f"{size} characters of encrypted thinking. It is sent back unchanged in the next turn."
    if block.stopped and not block.text:
        return (
            "The model thought, but the request asked for the thinking not to be displayed; "
            "only its signature arrived, and it goes back unchanged."
        )
    return escape(str(block.text), quote=False)


# --- text ----------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Model text without the private-use characters the view uses as markers."""
    return text.replace(_OPEN, "").replace(_CLOSE, "").replace(_JOIN, "")


def citation_marks(first: int, count: int) -> str:
    return "".join(f"{_OPEN}{n}{_CLOSE}" for n in range(first, first + count))


JOIN = _JOIN


def text_source(blocks: Sequence[BlockState], first_citation: int = 1, reconnects: Sequence[Any] = ()) -> str:
    """The markdown of a run of text blocks, with a marker where each citation goes (and
    where a live stream reconnected and continued)."""
    pieces = []
    number = first_citation
    joins = {r["block"]: r["offset"] for r in reconnects if r.get("block") is not None}
    for block in blocks:
        text = clean_text(str(block.text))
        if block.index in joins:
            cut = joins[block.index]
            text = text[:cut] + _JOIN + text[cut:]
        pieces.append(text)
        pieces.append(citation_marks(number, len(block.citations)))
        number += len(block.citations)
    return "".join(pieces)


def markdown_html(source: str) -> str:
    html = render_markdown(source)
    if _OPEN in html:
        html = html.replace(_OPEN, '<sup class="csn-cite">[').replace(_CLOSE, "]</sup>")
    if _JOIN in html:
        html = html.replace(
            _JOIN,
            '<span class="csn-join" title="the connection dropped here; reconnected and continued">'
            f'{icon("retry")}</span>',
        )
    return html


# --- tool calls ------------------------------------------------------------------------------


def tool_state(block: BlockState, snap: Snapshot) -> tuple[str, bool]:
    """The badge of a tool call's arguments: streaming, complete, cut off, invalid."""
    if not block.stopped:
        if snap.state not in ("waiting", "streaming"):
            return "incomplete: the stream ended inside the arguments", True
        return "arguments streaming…", False
    if block.json_error:
        cut = snap.stop_reason == "max_tokens" and block is snap.blocks[-1]
        return ("cut off by max_tokens: arguments incomplete" if cut else "invalid JSON"), True
    took = f" · {block.duration:.1f} s" if block.duration is not None else ""
    return f"arguments complete{took}", False


def tool_head_html(block: BlockState, snap: Snapshot, status: str | None = None) -> str:
    """Tool name, id and state (``status`` from a runner overrides the arguments' state)."""
    kind = "tool" if block.type == "tool_use" else "search"
    name = escape(str(block.start.get("name", "?")))
    ident = escape(str(block.start.get("id", "")))
    if status is None:
        status, bad = tool_state(block, snap)
    else:
        bad = status.startswith(("error", "invalid", "cut off", "incomplete"))
    badge = f'<span class="csn-badge{" csn-bad" if bad else ""}">{escape(status)}</span>'
    return f'{icon(kind)} <b class="csn-tool-name">{name}</b> <code class="csn-tool-id">{ident}</code> {badge}'


def args_html(block: BlockState) -> str:
    """The arguments as the live view ends up showing them: pretty JSON once complete and valid;
    else the streamed text, pretty-printed as far as it goes (an open string stays open)."""
    if block.stopped and not block.json_error:
        return escape(json.dumps(block.input, indent=2, ensure_ascii=False), quote=False)
    return escape(pretty_partial(str(block.text)), quote=False)


# --- the parts --------------------------------------------------------------------------------


def part_html(kind: str, block: BlockState, snap: Snapshot, body: str = "", *, is_open: bool = True) -> str:
    """The shell of one part (``body``: what its stream slot holds so far, already HTML)."""
    key = block.index
    if kind == "text":
        return f'<div class="csn-part csn-text" data-csn-part="{key}">{body}<div class="csn-tail"></div></div>'
    if kind == "thinking":
        return (
            f'<details class="csn-part csn-thinking-panel" data-csn-part="{key}" data-csn-key="thinking-{key}"'
            f'{" open" if is_open else ""}><summary>{icon("thinking")} <span data-csn-slot="title">'
            f'{escape(thinking_title(block))}</span></summary><div class="csn-thinking" data-csn-slot="body">'
            f"{body}</div></details>"
        )
    if kind == "tool":
        return (
            f'<div class="csn-part csn-tool" data-csn-part="{key}"><div class="csn-tool-head" data-csn-slot="head">'
            f'{tool_head_html(block, snap)}</div><details class="csn-args-box" data-csn-key="args-{key}"'
            f'{" open" if is_open else ""}><summary>arguments</summary>'
            f'<pre class="csn-args" data-csn-slot="args">{body}</pre></details>'
            '<div class="csn-tool-result" data-csn-slot="result"></div></div>'
        )
    if kind == "result":
        return f'<div class="csn-part csn-result" data-csn-part="{key}">{result_html(block)}</div>'
    return f'<details class="csn-part csn-result" data-csn-part="{key}">{unknown_html(block)}</details>'


# --- the whole transcript ----------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptExtras:
    """What the view knows beyond the snapshot: the log, runner states, the user's choices."""

    log: Sequence[str] = ()
    log_total: int = 0
    log_dropped: bool = False
    """Older log lines were dropped (the log keeps the last ones)."""
    notices: Sequence[str] = ()
    tool_status: Callable[[BlockState], tuple[str | None, str]] | None = None
    opened: Mapping[str, bool] | None = None
    """``data-csn-key`` -> open, for every collapsible whose state is not its default."""
    timeline: str = ""
    view_id: str = ""


def default_open(key: str, snap: Snapshot) -> bool:
    """Whether a collapsible starts open: thinking while it is the last block (it collapses when
    the answer starts), tool arguments always; the log and the timeline closed."""
    kind, _, index = key.partition("-")
    if kind == "thinking":
        return bool(snap.blocks) and snap.blocks[-1].index == int(index)
    return kind == "args"


def transcript_html(snap: Snapshot, *, title: str | None = None, extras: TranscriptExtras | None = None) -> str:
    """The final state as static HTML: what a saved notebook, nbviewer or GitHub shows."""
    x = extras or TranscriptExtras()
    opened = dict(x.opened or {})

    def is_open(key: str) -> bool:
        return opened.get(key, default_open(key, snap))

    body = []
    citation = 1
    for segment in segments(snap):
        block = segment.blocks[0]
        if segment.kind == "text":
            source = text_source(segment.blocks, citation, snap.reconnects)
            body.append(part_html("text", block, snap, markdown_html(source)))
            citation += sum(len(b.citations) for b in segment.blocks)
        elif segment.kind == "thinking":
            thinking_open = is_open(f"thinking-{block.index}")
            body.append(part_html("thinking", block, snap, thinking_body_html(block), is_open=thinking_open))
        elif segment.kind == "tool":
            status, result = x.tool_status(block) if x.tool_status else (None, "")
            html = part_html("tool", block, snap, args_html(block), is_open=is_open(f"args-{block.index}"))
            if status is not None:
                html = html.replace(tool_head_html(block, snap), tool_head_html(block, snap, status), 1)
            html = html.replace('data-csn-slot="result"></div>', f'data-csn-slot="result">{result}</div>', 1)
            body.append(html)
        else:
            body.append(part_html(segment.kind, block, snap))
    html = "".join(
        [
            CSS,
            shell_html(snap, title, x.view_id, notices=x.notices),
            "".join(body),
            "</div>",
            tail_html(
                snap,
                x.log,
                x.log_total,
                timeline=x.timeline,
                log_open=is_open("log"),
                log_dropped=x.log_dropped,
                timeline_open=is_open("timeline"),
            ),
            "</div>",
        ]
    )
    for key, choice in opened.items():  # also the collapsibles a runner added (a tool's result)
        pattern = rf'(<details[^>]*data-csn-key="{re.escape(key)}")(?: open)?(?=[ >])'
        html = re.sub(pattern, rf"\1{' open' if choice else ''}", html)
    return html


def shell_html(snap: Snapshot, title: str | None, view_id: str = "", *, notices: Sequence[str] = ()) -> str:
    """The view's root and everything above the body, with the body left open."""
    return (
        f'<div class="csn" data-csn-view="{escape(view_id)}">'
        f'<div class="csn-header" data-csn-slot="header">{header_html(snap, title)}</div>'
        f'<div class="csn-notices" data-csn-slot="notices">{notices_html(notices)}</div>'
        '<div class="csn-body" data-csn-slot="body">'
    )


def tail_html(
    snap: Snapshot,
    log: Sequence[str] = (),
    log_total: int = 0,
    *,
    timeline: str = "",
    log_open: bool = False,
    timeline_open: bool = False,
    log_dropped: bool = False,
) -> str:
    """Everything below the body: citations, error, footer, timeline, event log."""
    return (
        f'<div class="csn-citations" data-csn-slot="citations">{citations_html(snap)}</div>'
        f'<div class="csn-error-slot" data-csn-slot="error">{error_html(snap)}</div>'
        f'<div class="csn-footer" data-csn-slot="footer">{footer_html(snap)}</div>'
        f"{timeline_html(timeline, is_open=timeline_open)}"
        f"{log_html(log, log_total, is_open=log_open, dropped=log_dropped)}"
    )
