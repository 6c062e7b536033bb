"""Wire cost of the notebook view, measured in a real kernel: comm traffic on IOPub per answer character.

    .venv/bin/python benchmarks/bench_view.py            # the whole run, ~3 minutes
    .venv/bin/python benchmarks/bench_view.py --quick    # instant replays only, ~20 s

A real ipykernel is started with jupyter_client's ``KernelManager`` (no front end: a Jupyter
server would forward the same messages). Each run executes one cell, ``replay(path, ...)``,
whose default sink in a kernel is the displayed ``StreamView``; every ``comm_open``, ``comm_msg``
and ``comm_close`` the kernel publishes on IOPub until the cell is idle again is counted, and
the view's empty companion output (Notebook 7's nudge, every two seconds).
"Bytes" are each comm message's ``content`` (comm id and data) as JSON plus its binary buffers:
what the comm carries; with the Jupyter envelope (header, parent header, metadata: ~410 bytes a
message, whatever it carries) it is what goes over the wire: the "envelope" column, which the
targets apply to. The busiest second is the most comm messages whose kernel timestamps fall
within any one second.

Workloads, written as fixtures to a temporary folder:

- ``answer xN``: the ``long_markdown`` fixture's answer N times in one text block (its text
  deltas repeated, each copy after a ``"\\n\\n"`` delta, times shifted): N=5 is 57,890 characters
  in 5,625 deltas (4 min 15 s at 1x); N=10 doubles it.
- ``arguments N KB``: one ``tool_use`` block whose JSON input (a ``content`` string of N KB of
  prose with escapes) streams in 48-character ``input_json_delta`` pieces, 15 ms apart (200 KB:
  66 s at 1x, 8 s at speed 8).

Replays are instant (``instant=True``) or paced (``speed=8``). The naive baseline, in the same
kernel and run, is the simplest view that works: one ``ipywidgets.HTML`` set to the whole
answer's ``render_markdown`` (or the whole argument text) at our frame rate (``FPS``, 6 a
second) -- the answer re-rendered and re-sent every frame.

Targets (issue 12): ours <= 6 B of comm traffic per answer character, envelope included; <= 30
comm messages in any one second; linear: ours(x2) / ours(x1) bytes within 1.8..2.2.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

from claude_stream_nb.core._sse import decode_all, encode_event
from claude_stream_nb.sources._fixtures import Recorded, dumps, load_fixture

REPO = Path(__file__).resolve().parents[1]
BYTES_PER_CHAR = 6.0
MESSAGES_PER_SECOND = 30
LINEAR = (1.8, 2.2)
COMM = ("comm_open", "comm_msg", "comm_close")
NUDGE = ("display_data", "update_display_data")  # the view's empty companion output (sinks/view/_nudge.py)

NAIVE = '''
import html as _html, time as _time
import ipywidgets as _w
from IPython.display import display as _display
from claude_stream_nb.sinks.render import render_markdown as _md
from claude_stream_nb.sinks.view._widget import FPS as _FPS

class NaiveView:
    """The whole answer re-rendered and re-sent, at most as often as ours sends a frame."""
    def __init__(self):
        self.widget = _w.HTML()
        _display(self.widget)
        self.last = -1e9
    def show(self, snap):
        block = snap.blocks[-1] if snap.blocks else None
        if block is not None and block.is_tool_use:
            self.widget.value = "<pre>" + _html.escape(str(block.text)) + "</pre>"
        else:
            self.widget.value = _md(snap.text)
    def update(self, event, snap):
        now = _time.monotonic()
        if now - self.last >= 1 / _FPS:
            self.last = now
            self.show(snap)
    def close(self, snap):
        self.show(snap)
'''

# --- workloads --------------------------------------------------------------------------------


def _name(raw: bytes) -> str:
    return raw.split(b"\n", 1)[0].removeprefix(b"event: ").decode()


def long_answer(copies: int) -> tuple[list[Recorded], int]:
    """The long_markdown answer ``copies`` times in one text block; the events and the answer's length."""
    events = list(load_fixture("long_markdown").events)
    start = next(i for i, e in enumerate(events) if _name(e.raw) == "content_block_start")
    stop = next(i for i, e in enumerate(events) if _name(e.raw) == "content_block_stop")
    head, body, tail = events[: start + 1], events[start + 1 : stop], events[stop:]
    span = (body[-1].time or 0) - (head[-1].time or 0)
    gap = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "\n\n"}}
    out = list(head)
    for n in range(copies):
        if n:
            out.append(Recorded(encode_event("content_block_delta", gap), out[-1].time))
        out += [Recorded(e.raw, (e.time or 0) + n * span) for e in body]
    shift = (copies - 1) * span
    for e in tail:
        raw = e.raw
        if _name(raw) == "message_delta":
            data = json.loads(decode_all([raw])[0].data)
            data["usage"]["output_tokens"] *= copies
            raw = encode_event("message_delta", data)
        out.append(Recorded(raw, (e.time or 0) + shift))
    text = "".join(
        json.loads(decode_all([e.raw])[0].data)["delta"].get("text", "")
        for e in out
        if _name(e.raw) == "content_block_delta"
    )
    return out, len(text)


def tool_arguments(kilobytes: int) -> tuple[list[Recorded], int]:
    """One tool call whose JSON arguments stream in 48-character pieces; the events and their length."""
    prose = 'The "streaming" API sends deltas.\nEach one appends to the last; nothing is resent. '
    content = (prose * (kilobytes * 1024 // len(prose) + 1))[: kilobytes * 1024]
    arguments = json.dumps({"path": "notes.md", "content": content})
    message = {"id": "msg_bench", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
               "content": [], "stop_reason": None, "usage": {"input_tokens": 40, "output_tokens": 1}}  # fmt: skip
    block = {"type": "tool_use", "id": "toolu_bench", "name": "write_file", "input": {}}
    out = [
        Recorded(encode_event("message_start", {"type": "message_start", "message": message}), 0.5),
        Recorded(encode_event("content_block_start", {"type": "content_block_start", "index": 0,
                                                      "content_block": block}), 0.6),
    ]  # fmt: skip
    t = 0.6
    for i in range(0, len(arguments), 48):
        t += 0.015
        delta = {"type": "input_json_delta", "partial_json": arguments[i : i + 48]}
        event = {"type": "content_block_delta", "index": 0, "delta": delta}
        out.append(Recorded(encode_event("content_block_delta", event), t))
    out += [
        Recorded(encode_event("content_block_stop", {"type": "content_block_stop", "index": 0}), t + 0.01),
        Recorded(encode_event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"},
                                                "usage": {"output_tokens": len(arguments) // 4}}), t + 0.02),
        Recorded(encode_event("message_stop", {"type": "message_stop"}), t + 0.03),
    ]  # fmt: skip
    return out, len(arguments)


# --- running in a kernel ---------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    chars: int
    bytes: int
    envelope: int
    messages: int
    busiest: int
    seconds: float
    cpu: float
    fixed: int = 0
    """Bytes of the comm_open messages: the widget and its front-end module, once per view."""
    timeline: int = 0
    """Bytes of the timeline section's ops (issue 16's extra, on by default)."""

    @property
    def streamed(self) -> int:
        return self.bytes - self.fixed

    @property
    def per_char(self) -> float:
        return self.bytes / self.chars


class Kernel:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.execute("from claude_stream_nb import replay\nimport time as _t\n" + NAIVE)

    def execute(self, code: str, timeout: float = 600) -> tuple[list[dict[str, Any]], str]:
        msg_id = self.client.execute(code)
        comms, out = [], []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.client.get_iopub_msg(timeout=timeout)
            kind = msg["header"]["msg_type"]
            if kind in COMM or (kind in NUDGE and msg["content"]["data"] == {"text/html": ""}):
                comms.append(msg)
            elif kind == "stream" and msg["parent_header"].get("msg_id") == msg_id:
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle" and _reply_to(msg, msg_id):
                return comms, "".join(out)
        raise TimeoutError(code)

    def run(self, label: str, path: Path, chars: int, args: str, naive: bool) -> Result:
        sink = ", sink=NaiveView()" if naive else ""
        code = f"_c = _t.process_time(); _w0 = _t.monotonic()\nreplay({str(path)!r}, {args}{sink})\n"
        code += "print(_t.process_time() - _c, _t.monotonic() - _w0)"
        comms, out = self.execute(code)
        if os.environ.get("CSN_BENCH_DEBUG"):
            for m in comms:
                data = m["content"].get("data", {})
                frame = (data.get("content") or {}).get("frame") if isinstance(data, dict) else None
                ops = {op[0]: len(json.dumps(op, ensure_ascii=False)) for op in frame["ops"]} if frame else ""
                print("   ", m["header"]["msg_type"], _content_bytes(m), ops or str(data)[:100])
        cpu, wall = map(float, out.split())
        size = sum(_content_bytes(m) for m in comms)
        envelope = sum(_envelope_bytes(m) for m in comms)
        fixed = sum(_content_bytes(m) for m in comms if m["header"]["msg_type"] == "comm_open")
        timeline = sum(_timeline_bytes(m) for m in comms)
        return Result(label, chars, size, size + envelope, len(comms), busiest(comms), wall, cpu, fixed, timeline)

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def _reply_to(msg: dict[str, Any], msg_id: str) -> bool:
    return bool(msg["parent_header"].get("msg_id") == msg_id)


def _content_bytes(msg: dict[str, Any]) -> int:
    text = json.dumps(msg["content"], separators=(",", ":"), ensure_ascii=False, default=str)  # as ipykernel packs it
    return len(text.encode()) + sum(
        len(b) for b in msg.get("buffers") or ()
    )


def _timeline_bytes(msg: dict[str, Any]) -> int:
    data = msg["content"].get("data") or {}
    frame = (data.get("content") or {}).get("frame") if isinstance(data, dict) else None
    ops = frame["ops"] if isinstance(frame, dict) else []
    return sum(len(json.dumps(op, ensure_ascii=False).encode()) for op in ops if op[0] == "timeline")


def _envelope_bytes(msg: dict[str, Any]) -> int:
    parts = (msg["header"], msg["parent_header"], msg["metadata"])
    return sum(len(json.dumps(p, separators=(",", ":"), ensure_ascii=False, default=str).encode()) for p in parts)


def busiest(comms: list[dict[str, Any]]) -> int:
    """The most messages in any one-second window (kernel timestamps)."""
    times = sorted(_stamp(m["header"]["date"]) for m in comms)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _stamp(date: Any) -> float:
    return (date if isinstance(date, datetime) else datetime.fromisoformat(str(date))).timestamp()


# --- the report -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="instant replays only")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="csn-bench-"))
    workloads: dict[str, tuple[Path, int]] = {}
    for label, (events, chars) in {
        "answer x5": long_answer(5),
        "answer x10": long_answer(10),
        "arguments 100 KB": tool_arguments(100),
        "arguments 200 KB": tool_arguments(200),
    }.items():
        path = folder / f"{label.replace(' ', '_')}.sse"
        path.write_bytes(dumps(events, description=label))
        workloads[label] = (path, chars)
    modes = {"instant": "instant=True"} if options.quick else {"instant": "instant=True", "speed=8": "speed=8"}
    print(f"Python {platform.python_version()}, {platform.machine()}; a real ipykernel, comm messages on IOPub\n")
    kernel = Kernel()
    results: list[Result] = []
    failures = []
    try:
        header = (
            f"{'workload':<18}{'replay':<9}{'view':<7}{'chars':>9}{'bytes':>11}{'B/char':>8}{'timeline':>10}"
            f"{'envelope':>10}{'msgs':>6}{'max/s':>6}{'s':>6}{'CPU s':>7}"
        )
        print(header)
        print("-" * len(header))
        for mode, args in modes.items():
            for label, (path, chars) in workloads.items():
                for naive in (False, True):
                    if naive and label.endswith("x10"):
                        continue  # linearity is ours to show; the baseline's is quadratic and slow
                    result = kernel.run(f"{label} {mode}", path, chars, args, naive)
                    results.append(result)
                    view = "naive" if naive else "ours"
                    print(
                        f"{label:<18}{mode:<9}{view:<7}{chars:>9,}{result.bytes:>11,}{result.per_char:>8.2f}"
                        f"{result.timeline / chars:>6.2f} B/c{result.envelope / chars:>6.2f} B/c"
                        f"{result.messages:>6}{result.busiest:>6}{result.seconds:>6.1f}{result.cpu:>7.2f}",
                        flush=True,
                    )
                    if not naive and result.envelope / chars > BYTES_PER_CHAR:
                        failures.append(
                            f"{label} {mode}: {result.envelope / chars:.2f} B/char with envelope > {BYTES_PER_CHAR}"
                        )
                    if not naive and result.busiest > MESSAGES_PER_SECOND:
                        failures.append(f"{label} {mode}: {result.busiest} messages a second > {MESSAGES_PER_SECOND}")
    finally:
        kernel.stop()
    print()
    by_label: dict[str, list[Result]] = {}
    for r in results:
        by_label.setdefault(r.label, []).append(r)
    for mode in modes:
        for small, big in (("answer x5", "answer x10"), ("arguments 100 KB", "arguments 200 KB")):
            a, b = by_label[f"{small} {mode}"][0], by_label[f"{big} {mode}"][0]
            ratio = b.streamed / a.streamed
            ok = LINEAR[0] <= ratio <= LINEAR[1]
            print(
                f"linear, {mode}: {big} / {small} bytes past the widget's opening ({a.fixed:,} B) = "
                f"{ratio:.2f} ({'ok' if ok else 'NOT LINEAR'})"
            )
            if not ok:
                failures.append(f"{big} / {small} {mode}: {ratio:.2f}")
        for label in ("answer x5", "arguments 200 KB"):
            mine_, naive_ = by_label[f"{label} {mode}"]
            print(
                f"naive / ours, {label} {mode}: bytes {naive_.bytes / mine_.bytes:.1f}x, "
                f"messages {naive_.messages / mine_.messages:.1f}x, kernel CPU {naive_.cpu / max(mine_.cpu, 1e-6):.1f}x"
            )
    print()
    print("targets:", "all met" if not failures else "MISSED: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
