"""Tool input JSON: a strict parse at block stop, and an honest partial parse for display.

While a tool call streams, its input is an unfinished JSON text such as ``{"city": "Par`` or
``{"n": 12``. :func:`parse_partial` shows what is known so far without pretending: a string
that is still open is shown as it stands and flagged, and a number (or ``true``/``null``...)
that may still grow is held back as ``pending`` instead of being shown as final -- the official
SDK shows ``{"n": 12`` as ``12`` even when the next delta makes it ``125``.

Parsing goes through ``jiter``, the parser the official SDK uses, so a finished input is the
same value the SDK would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jiter

__all__ = ["PartialJSON", "parse_cut", "parse_final", "parse_partial"]

_SCALAR_TAIL = frozenset("0123456789+-.eEtrufalsn")


@dataclass(frozen=True, slots=True)
class PartialJSON:
    """What an unfinished JSON text says so far."""

    value: Any
    """Everything known to be final, plus an open string as it stands (``None`` before any value)."""
    complete: bool
    """True when the text is a whole JSON value."""
    pending: str = ""
    """An unfinished number or literal at the end, held back from ``value`` (e.g. ``"12"``)."""
    in_string: bool = False
    """True when the text ends inside a string: the last string in ``value`` may still grow."""
    error: str | None = None
    """Set when the text can never become valid JSON."""


def parse_final(text: str) -> tuple[Any, str | None]:
    """Parse a finished tool input. Returns ``(value, error)``.

    An empty input (``""`` or only whitespace) is ``{}``. Invalid or cut-off JSON gives the
    value the official SDK would keep (its partial parse, or ``{}``) and an error saying where.
    """
    if not text.strip():
        return {}, None
    data = text.encode()
    try:
        return jiter.from_json(data), None
    except ValueError as exc:
        error = f"invalid JSON: {exc}"
    try:
        return jiter.from_json(data, partial_mode=True), error
    except ValueError:
        return {}, error


def parse_cut(text: str) -> Any:
    """The input of a tool call cut before its end (no ``content_block_stop``: ``max_tokens``),
    as the official SDK's final message holds it: its accumulator parses the JSON text so far
    with ``jiter.from_json(..., partial_mode=True)`` -- an unfinished trailing string is
    dropped (``{"a": 1, "b": "unfini`` is ``{"a": 1}``), an unfinished number kept. (The beta
    accumulator with the ``fine-grained-tool-streaming`` beta uses ``"trailing-strings"``.)
    ``{}`` when even that fails (the SDK would have raised).
    """
    if not text.strip():
        return {}
    try:
        return jiter.from_json(text.encode(), partial_mode=True)
    except ValueError:
        return {}


def parse_partial(text: str) -> PartialJSON:
    """Parse an unfinished JSON text for display; never raises."""
    if not text.strip():
        return PartialJSON(None, complete=False)
    data = text.encode()
    try:
        return PartialJSON(jiter.from_json(data), complete=True)
    except ValueError:
        pass
    try:
        value = jiter.from_json(data, partial_mode="trailing-strings")
    except ValueError as exc:
        return PartialJSON(None, complete=False, error=f"invalid JSON: {exc}")
    pending = ""
    try:
        in_string = jiter.from_json(data, partial_mode=True) != value
    except ValueError:
        in_string = False
    if not in_string and text.rstrip()[-1:] in _SCALAR_TAIL and _scalar_is_open(data):
        stripped = text.rstrip()
        cut = len(stripped)
        while cut and stripped[cut - 1] in _SCALAR_TAIL:
            cut -= 1
        pending = stripped[cut:]
        value = jiter.from_json(stripped[:cut].encode(), partial_mode="trailing-strings")
    return PartialJSON(value, complete=False, pending=pending, in_string=in_string)


def _scalar_is_open(data: bytes) -> bool:
    """True when the text ends inside a number or literal (not inside a string).

    Inside a string, one more character changes only the (dropped) open string, so the strict
    partial parse is unchanged; inside a number it changes (``12`` -> ``120``) or fails.
    """
    try:
        before = jiter.from_json(data, partial_mode=True)
        after = jiter.from_json(data + b"0", partial_mode=True)
    except ValueError:
        return True
    return bool(before != after)
