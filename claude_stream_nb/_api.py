"""The functions a notebook user calls: ``replay`` (and, later, live sources)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ._fixtures import Fixture, load_fixture
from ._replay import Pacer, replay_chunks
from ._snapshot import Snapshot
from ._stream import Sink, consume

__all__ = ["Message", "in_notebook", "play", "replay"]


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
    def tool_errors(self) -> list[dict[str, str]]:
        """Tool calls whose input is not valid JSON (cut off by ``max_tokens``, or invalid):
        never run them. Their ``input`` in the message is only what could be salvaged."""
        return [
            {"id": str(b.start.get("id", "")), "name": str(b.start.get("name", "")), "error": b.json_error}
            for b in self.snapshot.blocks
            if b.is_tool_use and b.json_error
        ]

    def __repr__(self) -> str:
        snap = self.snapshot
        blocks = ", ".join(b.type for b in snap.blocks)
        usage = snap.usage
        tokens = f"{usage.get('input_tokens', '?')} in / {snap.output_tokens or '?'} out"
        return f"<Message {self.get('id', '?')} {snap.state} {snap.stop_reason or '-'} [{blocks}] {tokens}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # IPython would otherwise pretty-print the whole dict


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook 7, VS Code, Colab)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def default_sink(title: str | None = None) -> Sink:
    """The live view in a notebook, the terminal renderer anywhere else."""
    if in_notebook():
        from .view import StreamView

        return StreamView(title).display()
    from ._terminal import TerminalRenderer

    return TerminalRenderer(sys.stdout)


def replay(
    source: str | Path | bytes | Fixture,
    *,
    speed: float = 1.0,
    instant: bool = False,
    sink: Sink | None = None,
) -> Message:
    """Play a recorded stream -- a bundled fixture's name, a path, or bytes -- with its
    original timing (scaled by ``speed``; ``instant=True`` for none) into the live view, and
    return the final message."""
    fixture = load_fixture(source)
    pacer = Pacer(speed, instant=instant)
    chunks = ((chunk.raw, chunk.time) for chunk in replay_chunks(fixture, pacer))
    return Message(consume(chunks, [sink or default_sink(fixture.name)]))


def play(source: str | Path | bytes | Fixture, *, speed: float = 1.0, autoplay: bool = False) -> Any:
    """A step-through player for a recorded stream: Play / Pause / Step / Back-to-start and a
    speed slider; beside the live view, the current raw event and what it changed.
    Display it by leaving it as the cell's last expression."""
    from .view import Player

    player = Player(load_fixture(source), speed=speed)
    if autoplay:
        player.play()
    return player
