"""HTML for a snapshot: the pieces the live view shows, and the static transcript.

Pure functions of a :class:`~claude_stream_nb.core._snapshot.Snapshot`. Everything that came from
the model or the server is escaped (markdown goes through :func:`render_markdown`, which
shows raw HTML as text). The markup reads without CSS too (``<details>``, ``<pre>``,
``<ol>``), since GitHub and nbviewer strip styles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ...core._blocks import RESULT_TYPES
from ...core._snapshot import BlockState, Snapshot
from ...core._summary import metrics, outcome
from ._markdown import render_markdown

__all__ = [
    "CSS",
    "Segment",
    "citations_html",
    "event_log_html",
    "footer_html",
    "header_html",
    "markdown_html",
    "result_html",
    "segments",
    "text_source",
    "thinking_body_html",
    "thinking_title",
    "tool_args_html",
    "tool_head_html",
    "transcript_html",
]

CSS = """<style>
.csn{font-family:var(--jp-content-font-family,system-ui,sans-serif);font-size:14px;line-height:1.5;max-width:60rem}
.csn-header,.csn-footer{color:#57606a;font-size:12px}
.csn-state{font-weight:600}
.csn-thinking{color:#57606a;font-style:italic;white-space:pre-wrap}
.csn-tool,.csn-result{border:1px solid #d0d7de;border-radius:6px;padding:4px 8px;margin:6px 0;
  background:#f6f8fa}
.csn-args{margin:4px 0;white-space:pre-wrap;word-break:break-all;font-size:12px}
.csn-badge{border-radius:8px;padding:0 6px;font-size:11px;background:#ddf4ff;white-space:nowrap}
.csn-bad{background:#ffebe9;color:#82071e}
.csn-pending{color:#9a6700}
.csn-error{color:#82071e;font-weight:600}
.csn-cite{color:#0969da;font-size:11px}
.csn-log{font-size:11px;white-space:pre;overflow-x:auto}
.csn-join{color:#9a6700;font-weight:600}
.csn-notice{color:#9a6700;font-size:12px}
</style>"""

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
        kind = _segment_kind(block)
        if kind == "text" and out and out[-1].kind == "text":
            out[-1] = Segment("text", (*out[-1].blocks, block))
        else:
            out.append(Segment(kind, (block,)))
    return out


def _segment_kind(block: BlockState) -> str:
    if block.type == "text":
        return "text"
    if block.type in ("thinking", "redacted_thinking"):
        return "thinking"
    if block.is_tool_use:
        return "tool"
    if block.type in RESULT_TYPES or block.type.endswith(("_tool_result", "_upload")):
        return "result"
    return "unknown"


# --- header, footer ----------------------------------------------------------------------


def header_html(snap: Snapshot, title: str | None = None) -> str:
    model = snap.message.get("model")
    parts = [f"<b>{escape(title)}</b>"] if title else []
    parts += [f"<code>{escape(str(model))}</code>"] if model else []
    parts += [escape(str(snap.message.get("id")))] if snap.message.get("id") else []
    parts.append(f'<span class="csn-state">{escape(snap.phase)}</span>')
    return f'<div class="csn-header">{" · ".join(parts)}</div>'


def notices_html(notices: Sequence[str]) -> str:
    """What the source said along the way: retrying, reconnecting."""
    return "".join(f'<div class="csn-notice">⟳ {escape(text)}</div>' for text in notices)


def footer_html(snap: Snapshot) -> str:
    parts = [f"<b>{escape(outcome(snap))}</b>", *map(escape, metrics(snap))]
    if snap.reconnects:
        parts.append(f"reconnected {len(snap.reconnects)}×")
    problems = "".join(f'<div class="csn-error">⚠ {escape(str(p))}</div>' for p in snap.problems)
    return f'<div class="csn-footer">{" · ".join(parts)}</div>{problems}'


def error_html(snap: Snapshot) -> str:
    if snap.error is None:
        return ""
    error = snap.error
    request = f" (request {escape(error.request_id)})" if error.request_id else ""
    return f'<div class="csn-error">✗ {escape(error.type)}: {escape(error.message)}{request}</div>'


# --- thinking ------------------------------------------------------------------------------


def thinking_title(block: BlockState) -> str:
    """``Thinking · 3.2 s``, or what kind of thinking it is when there is nothing to read."""
    took = f" · {block.duration:.1f} s" if block.duration is not None else ("…" if not block.stopped else "")
    if block.type == "redacted_thinking":
        return "Redacted thinking (encrypted)"
    if block.stopped and not block.text:
        return f"Thinking not shown (display omitted){took}"
    return f"Thinking{took}"


def thinking_body_html(block: BlockState, text: str | None = None) -> str:
    if block.type == "redacted_thinking":
        size = len(str(block.start.get("data", "")))
        return (
            f'<div class="csn-thinking">{size} characters of encrypted thinking. '
            "It is sent back unchanged in the next turn.</div>"
        )
    if block.stopped and not block.text:
        return (
            '<div class="csn-thinking">The model thought, but the request asked for the thinking '
            "not to be displayed; only its signature arrived, and it goes back unchanged.</div>"
        )
    body = str(block.text) if text is None else text
    return f'<div class="csn-thinking">{escape(body)}</div>'


# --- text ----------------------------------------------------------------------------------


def text_source(blocks: Sequence[BlockState], first_citation: int = 1, reconnects: Sequence[Any] = ()) -> str:
    """The markdown of a run of text blocks, with a marker where each citation goes (and
    where a live stream reconnected and continued)."""
    pieces = []
    number = first_citation
    joins = {r["block"]: r["offset"] for r in reconnects if r.get("block") is not None}
    for block in blocks:
        text = str(block.text).replace(_OPEN, "").replace(_CLOSE, "").replace(_JOIN, "")
        if block.index in joins:
            cut = joins[block.index]
            text = text[:cut] + _JOIN + text[cut:]
        pieces.append(text)
        for _ in block.citations:
            pieces.append(f"{_OPEN}{number}{_CLOSE}")
            number += 1
    return "".join(pieces)


def markdown_html(source: str) -> str:
    html = render_markdown(source)
    if _OPEN in html:
        html = html.replace(_OPEN, '<sup class="csn-cite">[').replace(_CLOSE, "]</sup>")
    if _JOIN in html:
        html = html.replace(
            _JOIN, '<span class="csn-join" title="the connection dropped here; reconnected and continued">⟳</span>'
        )
    return html


# --- tool calls ------------------------------------------------------------------------------


def tool_head_html(block: BlockState, snap: Snapshot, status: str | None = None) -> str:
    """Tool name, id and state: streaming arguments, ready, invalid, cut off (or ``status``)."""
    icon = "⚙" if block.type == "tool_use" else "🔎"
    name = escape(str(block.start.get("name", "?")))
    ident = escape(str(block.start.get("id", "")))
    if status is None:
        status, bad = _tool_state(block, snap)
    else:
        bad = status.startswith(("error", "invalid", "cut off"))
    badge = f'<span class="csn-badge{" csn-bad" if bad else ""}">{escape(status)}</span>'
    return f"{icon} <b>{name}</b> <code>{ident}</code> {badge}"


def _tool_state(block: BlockState, snap: Snapshot) -> tuple[str, bool]:
    if not block.stopped:
        return "arguments streaming…", False
    if block.json_error:
        cut = snap.stop_reason == "max_tokens" and block is snap.blocks[-1]
        return ("cut off by max_tokens" if cut else "invalid JSON"), True
    took = f" · {block.duration:.1f} s" if block.duration is not None else ""
    return f"arguments complete{took}", False


_ARGS_LIMIT = 4000  # while streaming, show at most this much of a long argument


def tool_args_html(block: BlockState) -> str:
    """Arguments: partial while streaming (an unfinished number marked), pretty when done."""
    if block.stopped and not block.json_error:
        return f'<pre class="csn-args">{_text(_pretty(block.input))}</pre>'
    raw = str(block.text)
    if block.stopped:
        return f'<pre class="csn-args">{_text(raw)}</pre><div class="csn-error">{_text(block.json_error or "")}</div>'
    if len(raw) > _ARGS_LIMIT:
        return f'<pre class="csn-args">… {len(raw):,} characters so far …\n{_text(raw[-_ARGS_LIMIT:])}</pre>'
    partial = block.partial_input()
    if partial.value is None and not partial.pending:
        return f'<pre class="csn-args">{_text(raw) or "…"}</pre>'
    shown = _pretty(partial.value) if partial.value is not None else ""
    pending = f'<span class="csn-pending"> {_text(partial.pending)}…</span>' if partial.pending else ""
    return f'<pre class="csn-args">{_text(shown)}{pending}</pre>'


def _text(text: str) -> str:
    """Escape for element content (quotes need no escaping there, and JSON reads better)."""
    return escape(text, quote=False)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


# --- server tool results, citations, unknown blocks -----------------------------------------


def _web_search(data: dict[str, Any]) -> str:
    content = data.get("content")
    if not isinstance(content, list):
        return f"<b>web search failed</b> <code>{escape(json.dumps(content, ensure_ascii=False))}</code>"
    items = []
    for result in content:
        if isinstance(result, dict):
            url = str(result.get("url", ""))
            age = f" <small>{escape(str(result['page_age']))}</small>" if result.get("page_age") else ""
            items.append(f"<li>{_link(url, str(result.get('title') or url))}{age}</li>")
    items_html = "".join(items)
    return f"<b>🔎 {len(content)} search results</b><ol>{items_html}</ol>"


def _generic_result(data: dict[str, Any]) -> str:
    kind = escape(str(data.get("type", "?")))
    body = escape(_pretty({k: v for k, v in data.items() if k != "type"}))
    return f'<details><summary><b>{kind}</b></summary><pre class="csn-args">{body}</pre></details>'


_RESULTS: dict[str, Callable[[dict[str, Any]], str]] = {"web_search_tool_result": _web_search}


def result_html(block: BlockState) -> str:
    """A server tool's result block (or any block this version does not know), as received."""
    render = _RESULTS.get(block.type, _generic_result)
    return f'<div class="csn-result">{render(block.start)}</div>'


def unknown_html(block: BlockState) -> str:
    body = escape(_pretty(block.start))
    kind = escape(block.type)
    summary = f"<summary>unknown block <code>{kind}</code></summary>"
    return f'<details class="csn-result">{summary}<pre>{body}</pre></details>'


def citations_html(snap: Snapshot) -> str:
    citations = [c for block in snap.blocks for c in block.citations]
    if not citations:
        return ""
    items = []
    for citation in citations:
        where = str(citation.get("url") or citation.get("document_title") or citation.get("type") or "")
        title = str(citation.get("title") or citation.get("document_title") or where)
        quote = str(citation.get("cited_text") or "")
        link = _link(where, title) if where.startswith(("http://", "https://")) else escape(title)
        items.append(f"<li>{link}{f' — <i>{escape(_clip(quote, 160))}</i>' if quote else ''}</li>")
    return f'<div class="csn-citations"><small>Sources</small><ol>{"".join(items)}</ol></div>'


def _link(url: str, label: str) -> str:
    if not url.startswith(("http://", "https://")):
        return escape(label)
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer nofollow">{escape(label)}</a>'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- event log -------------------------------------------------------------------------------

LogEntry = tuple["float | None", str, str]  # (time, event name, data)


def event_log_html(entries: Sequence[LogEntry], total: int | None = None) -> str:
    total = len(entries) if total is None else total
    lines = [
        f"{'' if t is None else f'{t:8.3f}s'} {escape(name):<20} {escape(_clip(data, 160))}"
        for t, name, data in entries
    ]
    more = f"(the last {len(entries)} of {total} events)\n" if total > len(entries) else ""
    return f'<pre class="csn-log">{more}{chr(10).join(lines)}</pre>'


# --- the whole transcript ----------------------------------------------------------------------


def transcript_html(
    snap: Snapshot,
    *,
    title: str | None = None,
    log: Sequence[LogEntry] = (),
    log_total: int | None = None,
    thinking_open: bool = False,
    tool_status: Callable[[BlockState], tuple[str | None, str]] | None = None,
    notices: Sequence[str] = (),
) -> str:
    """The final state as static HTML: what a saved notebook, nbviewer or GitHub shows."""
    parts = [CSS, '<div class="csn">', header_html(snap, title), notices_html(notices)]
    citation = 1
    for segment in segments(snap):
        block = segment.blocks[0]
        if segment.kind == "thinking":
            is_open = " open" if thinking_open else ""
            parts.append(
                f"<details{is_open}><summary>💭 {escape(thinking_title(block))}</summary>"
                f"{thinking_body_html(block)}</details>"
            )
        elif segment.kind == "text":
            source = text_source(segment.blocks, citation, snap.reconnects)
            parts.append(f'<div class="csn-text">{markdown_html(source)}</div>')
            citation += sum(len(b.citations) for b in segment.blocks)
        elif segment.kind == "tool":
            status, result = tool_status(block) if tool_status else (None, "")
            parts.append(
                f'<div class="csn-tool">{tool_head_html(block, snap, status)}'
                f"<details open><summary>arguments</summary>{tool_args_html(block)}</details>{result}</div>"
            )
        elif segment.kind == "result":
            parts.append(result_html(block))
        else:
            parts.append(unknown_html(block))
    parts += [citations_html(snap), error_html(snap), footer_html(snap)]
    if log:
        count = log_total if log_total is not None else len(log)
        summary = f"<summary>Event log ({count} events)</summary>"
        parts.append(f"<details>{summary}{event_log_html(log, log_total)}</details>")
    parts.append("</div>")
    return "".join(parts)

