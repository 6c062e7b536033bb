"""Capture what widgets send to the front end, in-process, without a kernel.

For tests and the wire-cost benchmark: every comm message (open, update, close) any widget
sends inside ``with capture_comms() as sent:`` is recorded with its size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import comm
from comm.base_comm import BaseComm

__all__ = ["Sent", "capture_comms"]


@dataclass
class Sent:
    """The messages sent so far: ``(msg_type, data)`` pairs and their total size in bytes."""

    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    bytes: int = 0

    def updates(self, model_id: str | None = None) -> list[dict[str, Any]]:
        """The state updates (optionally of one widget model)."""
        return [
            data.get("state", {})
            for kind, data in self.messages
            if kind == "comm_msg"
            and data.get("method") == "update"
            and (model_id is None or data.get("_id") == model_id)
        ]


    def frames(self, model_id: str | None = None) -> list[dict[str, Any]]:
        """The frames a :class:`StreamView` sent (optionally of one widget model), in order."""
        out = []
        for kind, data in self.messages:
            if kind != "comm_msg" or data.get("method") != "custom" or (model_id and data.get("_id") != model_id):
                continue
            content = data.get("content") or {}
            if "frame" in content:
                out.append(content["frame"])
        return out

    def ops(self, model_id: str | None = None) -> list[list[Any]]:
        """Every op of every frame (see ``static/view.js``)."""
        return [op for frame in self.frames(model_id) for op in frame["ops"]]


class _RecordingComm(BaseComm):
    def __init__(self, sent: Sent, **kwargs: Any) -> None:
        self.sent = sent  # set before BaseComm.__init__ publishes the comm_open
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        data = dict(data or {})
        data["_id"] = self.comm_id
        size = len(json.dumps(data, separators=(",", ":"), default=str).encode())
        self.sent.messages.append((msg_type, data))
        self.sent.bytes += size + sum(len(b) for b in buffers or ())


@contextmanager
def capture_comms() -> Iterator[Sent]:
    """Record every widget comm message sent inside the block."""
    sent = Sent()
    original = comm.create_comm

    def create(**kwargs: Any) -> BaseComm:
        return _RecordingComm(sent, **kwargs)

    comm.create_comm = create
    try:
        yield sent
    finally:
        comm.create_comm = original
