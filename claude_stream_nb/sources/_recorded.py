"""What a recording holds: events' bytes with their arrival times, per connection.

Apart from :mod:`._fixtures` (the file format) so that what reads recordings -- the format, the
join of a recording's connections (:mod:`._continue`) -- shares the types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Connection", "Recorded"]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One event's bytes and when they arrived (``None`` in a plain capture)."""

    raw: bytes
    time: float | None


@dataclass(frozen=True, slots=True)
class Connection:
    """One connection of a recording with seams: its events and cut-off bytes, as received."""

    events: tuple[Recorded, ...]
    trailing: Recorded | None = None
    seam: dict[str, Any] = field(default_factory=dict)
    """The seam line before it (``connection``, ``status``, ``t``, ``why``); empty for the first."""

    @property
    def body(self) -> bytes:
        return b"".join(e.raw for e in self.events) + (self.trailing.raw if self.trailing else b"")
