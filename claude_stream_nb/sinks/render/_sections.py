"""The view's closed-by-default sections: the event log and the (extension-filled) timeline."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["event_log_line", "log_count", "log_html", "timeline_html"]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_log_line(t: float | None, name: str, data: str) -> str:
    """One line of the event log (plain text; the front end and the transcript escape it)."""
    stamp = "" if t is None else f"{t:8.3f}s"
    return f"{stamp} {name:<20} {_clip(data, 160)}"


def log_html(lines: Sequence[str], total: int, *, is_open: bool = False, dropped: bool = False) -> str:
    body = escape("\n".join(lines), quote=False)
    return (
        f'<details class="csn-log-box" data-csn-key="log"{" open" if is_open else ""}><summary>Event log '
        f'(<span data-csn-slot="log-count">{_count(total, len(lines) if dropped else None)}</span>)</summary>'
        f'<pre class="csn-log" data-csn-slot="log">{body}</pre></details>'
    )


def _count(total: int, shown: int | None) -> str:
    more = f"; the last {shown} lines" if shown else ""
    return f"{total:,} event{'' if total == 1 else 's'}{more}"


def log_count(total: int, shown: int | None = None) -> str:
    """``1,234 events; the last 50 lines`` (``shown``: set when older lines were dropped)."""
    return _count(total, shown)


def timeline_html(inner: str = "", *, is_open: bool = False) -> str:
    return (
        f'<details class="csn-timeline" data-csn-key="timeline"{" open" if is_open else ""}>'
        f'<summary>Timeline</summary><div data-csn-slot="timeline">{inner}</div></details>'
    )
