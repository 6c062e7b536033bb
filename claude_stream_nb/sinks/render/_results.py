"""Blocks that arrive whole -- server tool results, unknown block types -- and the citations list."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any

from ...core._snapshot import BlockState, Snapshot
from ._icons import icon

__all__ = ["citations_html", "result_html", "unknown_html"]



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
    return f"<b>{icon('search')} {len(content)} search results</b><ol>{''.join(items)}</ol>"


def _generic_result(data: dict[str, Any]) -> str:
    kind = escape(str(data.get("type", "?")))
    body = escape(json.dumps({k: v for k, v in data.items() if k != "type"}, indent=2, ensure_ascii=False))
    return f'<details><summary><b>{kind}</b></summary><pre class="csn-args">{body}</pre></details>'


_RESULTS: dict[str, Callable[[dict[str, Any]], str]] = {"web_search_tool_result": _web_search}


def result_html(block: BlockState) -> str:
    """A server tool's result block, as received."""
    render = _RESULTS.get(block.type, _generic_result)
    return render(block.start)


def unknown_html(block: BlockState) -> str:
    body = escape(json.dumps(block.start, indent=2, ensure_ascii=False))
    return f"<summary>unknown block <code>{escape(block.type)}</code></summary><pre>{body}</pre>"


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
    return f'<small>Sources</small><ol>{"".join(items)}</ol>'


def _link(url: str, label: str) -> str:
    if not url.startswith(("http://", "https://")):
        return escape(label)
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer nofollow">{escape(label)}</a>'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
