"""Small hand-built streams for unit tests (bundled fixtures cover the realistic ones)."""

from __future__ import annotations

from typing import Any

from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.core._sse import encode_event
from claude_stream_nb.core._stream import StreamFold

Item = tuple[str, dict[str, Any]]


def message_start(usage: dict[str, Any] | None = None, **extra: Any) -> Item:
    message: dict[str, Any] = {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        **extra,
    }
    if usage is not False:
        message["usage"] = usage or {"input_tokens": 10, "output_tokens": 1}
    return "message_start", {"type": "message_start", "message": message}


def start(index: int, block: dict[str, Any]) -> Item:
    return "content_block_start", {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, **payload: Any) -> Item:
    return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": payload}


def text(index: int, piece: str) -> Item:
    return delta(index, type="text_delta", text=piece)


def json_piece(index: int, piece: str) -> Item:
    return delta(index, type="input_json_delta", partial_json=piece)


def stop(index: int) -> Item:
    return "content_block_stop", {"type": "content_block_stop", "index": index}


def message_delta(stop_reason: str = "end_turn", usage: dict[str, Any] | None = None) -> Item:
    data: dict[str, Any] = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
    }
    if usage is not False:
        data["usage"] = usage or {"output_tokens": 20}
    return "message_delta", data


def message_stop() -> Item:
    return "message_stop", {"type": "message_stop"}


def text_stream(*pieces: str) -> list[Item]:
    return [
        message_start(),
        start(0, {"type": "text", "text": ""}),
        *(text(0, p) for p in pieces),
        stop(0),
        message_delta(),
        message_stop(),
    ]


def encode(items: list[Item]) -> bytes:
    return b"".join(encode_event(name, data) for name, data in items)


def fold(items: list[Item] | bytes, times: list[float] | None = None) -> Snapshot:
    """Fold a stream, one event per chunk, stamped with ``times`` (or none)."""
    body = items if isinstance(items, bytes) else None
    machine = StreamFold()
    if body is not None:
        machine.feed(body)
    else:
        for i, (name, data) in enumerate(items):
            machine.feed(encode_event(name, data), times[i] if times else None)
    return machine.close()
