"""The final message: the API's non-streaming shape, with the snapshot it was folded from."""

from __future__ import annotations

from typing import Any

from ._snapshot import Problem, Snapshot

__all__ = ["Message"]


class Message(dict[str, Any]):
    """The final message (the API's non-streaming shape), with the snapshot it came from.

    A plain ``dict`` for JSON and for the next request (``message["content"]``); ``text``,
    ``state`` and ``snapshot`` tell how the stream went.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot.to_message())
        self.snapshot = snapshot

    @property
    def text(self) -> str:
        return self.snapshot.text

    @property
    def state(self) -> str:
        return self.snapshot.state

    @property
    def problems(self) -> tuple[Problem, ...]:
        """What was wrong (``severity="error"``) or unusual (``"warning"``: a last event without
        its blank line, bytes after the end) about the stream, in order."""
        return tuple(self.snapshot.problems)

    def __repr__(self) -> str:
        snap = self.snapshot
        blocks = ", ".join(b.type for b in snap.blocks)
        usage = snap.usage
        tokens = f"{usage.get('input_tokens', '?')} in / {snap.output_tokens or '?'} out"
        return f"<Message {self.get('id', '?')} {snap.state} {snap.stop_reason or '-'} [{blocks}] {tokens}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # IPython would otherwise pretty-print the whole dict
