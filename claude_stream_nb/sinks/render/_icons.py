"""The view's icons: inline SVG drawn with ``currentColor`` -- no emoji font needed, any theme."""

from __future__ import annotations

__all__ = ["icon"]

# Icons: inline SVG, drawn with currentColor (no emoji font needed, any theme).
_SVG = '<svg class="csn-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">{}</svg>'
_PATHS = {
    "thinking": '<path d="M8 2a4.5 4.5 0 0 0-2.6 8.2V12h5.2v-1.8A4.5 4.5 0 0 0 8 2zM6 14h4" '
    'fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/>',
    "tool": '<circle cx="8" cy="8" r="2.2" fill="none" stroke="currentColor" stroke-width="1.4"/>'
    '<path d="M8 1.5v2.2M8 12.3v2.2M1.5 8h2.2M12.3 8h2.2M3.4 3.4l1.6 1.6M11 11l1.6 1.6M3.4 12.6 5 11M11 5l1.6-1.6" '
    'stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/>',
    "search": '<circle cx="6.8" cy="6.8" r="4.3" fill="none" stroke="currentColor" stroke-width="1.5"/>'
    '<path d="m10 10 4.3 4.3" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>',
    "retry": '<path d="M13 8a5 5 0 1 1-1.5-3.6M13 2.5v2.8h-2.8" fill="none" stroke="currentColor" '
    'stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/>',
    "warn": '<path d="M8 1.8 15 14H1z" fill="none" stroke="currentColor" stroke-width="1.4" '
    'stroke-linejoin="round"/><path d="M8 6v4M8 11.6v.4" stroke="currentColor" stroke-width="1.5" '
    'stroke-linecap="round"/>',
    "error": '<circle cx="8" cy="8" r="6.3" fill="none" stroke="currentColor" stroke-width="1.4"/>'
    '<path d="m5.5 5.5 5 5m0-5-5 5" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/>',
}


def icon(name: str) -> str:
    """An inline SVG icon (``thinking``, ``tool``, ``search``, ``retry``, ``warn``, ``error``)."""
    return _SVG.format(_PATHS[name])
