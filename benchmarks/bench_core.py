"""Decode+fold throughput: our ``StreamFold`` against the official ``anthropic`` SDK, same bytes.

    .venv/bin/python benchmarks/bench_core.py [--quick]

Contenders, each turning SSE bytes into the final message:

- ``ours``: ``StreamFold().feed(...)``, ``close()``, ``to_message()``.
- ``SDK stream``: ``client.messages.stream(...)`` + ``get_final_message()`` (what users call).
- ``SDK raw``: ``client.messages.create(..., stream=True)`` + the SDK's ``accumulate_event``
  (the SDK's cheapest way to a final message: no per-event helper events).

The SDK reads the bytes from an ``httpx2.MockTransport``; its client is created once, outside
the timing. Bytes arrive whole, or in 1-4 KB network chunks (same chunks for every contender).
What remains fixed per stream (request building, response setup) is measured on a 3-event
stream and subtracted from every contender's time: ``net = time(workload) - time(tiny)``.

Timing: the contenders run interleaved, ``REPS`` rounds; a sample repeats one stream until it
has run ``MIN_TIME`` seconds (at least once), after a ``gc.collect()``. Tables show the median
sample. Ratios are ours over SDK events/s (the same events, so the inverse time ratio).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import statistics
import sys
import tracemalloc
from collections.abc import Callable
from importlib.metadata import version
from time import perf_counter

import anthropic
import httpx2
from anthropic.lib.streaming._messages import accumulate_event

from claude_stream_nb._fixtures import load_fixture
from claude_stream_nb._sse import decode_all, encode_event
from claude_stream_nb._stream import StreamFold

QUICK = "--quick" in sys.argv
REPS, MIN_TIME = (1, 0.0) if QUICK else (7, 0.1)
TARGETS = {"text": 5.0, "tool 200 KB": 20.0}  # ours >= N x the SDK's events/s
MAX_SCALING = 12.0  # time(200 KB tool input) / time(20 KB tool input)
REQUEST = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}

# --- workloads --------------------------------------------------------------------------


def _stream(blocks: list[bytes], stop_reason: str) -> bytes:
    usage = {"input_tokens": 20, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [],
               "stop_reason": None, "stop_sequence": None, "usage": usage}
    return b"".join([
        encode_event("message_start", {"type": "message_start", "message": message}),
        *blocks,
        encode_event("message_delta", {"type": "message_delta", "usage": {"output_tokens": 99},
                                       "delta": {"stop_reason": stop_reason, "stop_sequence": None}}),
        encode_event("message_stop", {"type": "message_stop"}),
    ])  # fmt: skip


def tool_stream(deltas: int, size: int = 50) -> bytes:
    """One tool_use block whose input, ``{"content": "..."}`` with escapes and non-ASCII text,
    is ``deltas * size`` bytes of JSON text streamed in ``deltas`` input_json_delta events."""
    unit = json.dumps('Line "quoted" — naïve café ✓ C:\\path\n\t', ensure_ascii=False)[1:-1]
    body = unit * (deltas * size // len(unit.encode()))
    text = '{"content": "' + body[: len(body) - 15] + '"}'
    pieces = [text[i * len(text) // deltas : (i + 1) * len(text) // deltas] for i in range(deltas)]

    def delta(piece: str) -> bytes:
        data = {"type": "input_json_delta", "partial_json": piece}
        return encode_event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": data})

    block = {"type": "tool_use", "id": "toolu_1", "name": "write_file", "input": {}}
    return _stream([
        encode_event("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}),
        *map(delta, pieces),
        encode_event("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ], "tool_use")  # fmt: skip


def network_chunks(body: bytes, seed: int = 1) -> list[bytes]:
    """``body`` cut into 1-4 KB pieces at arbitrary bytes (mid-line, mid-character)."""
    rng, out, i = random.Random(seed), [], 0
    while i < len(body):
        n = rng.randint(1024, 4096)
        out.append(body[i : i + n])
        i += n
    return out


# --- contenders: chunks in, final message out -----------------------------------------


def ours(chunks: list[bytes]) -> dict:
    fold = StreamFold()
    for chunk in chunks:
        fold.feed(chunk, None)
    return fold.close().to_message()


class SDK:
    """The official SDK reading ``self.chunks`` from a mock transport (one client, reused)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        transport = httpx2.MockTransport(
            lambda request: httpx2.Response(
                200, headers={"content-type": "text/event-stream"}, content=iter(self.chunks)
            )
        )
        self.client = anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))

    def stream(self, chunks: list[bytes]) -> dict:
        self.chunks = chunks
        with self.client.messages.stream(**REQUEST) as s:
            return s.get_final_message().to_dict()

    def raw(self, chunks: list[bytes]) -> dict:
        self.chunks = chunks
        snapshot, json_bufs = None, {}
        for event in self.client.messages.create(**REQUEST, stream=True):
            snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=json_bufs)
        assert snapshot is not None
        return snapshot.to_dict()


# --- measuring ----------------------------------------------------------------------------


def sample(run: Callable[[list[bytes]], object], chunks: list[bytes]) -> float:
    """Seconds per stream: repeat until MIN_TIME has passed (at least once)."""
    gc.collect()
    n, start = 0, perf_counter()
    while True:
        run(chunks)
        n += 1
        elapsed = perf_counter() - start
        if elapsed >= MIN_TIME:
            return elapsed / n


def content(message: dict) -> list:
    return [{k: v for k, v in block.items() if k in ("type", "text", "input")} for block in message["content"]]


def main() -> None:
    sdk = SDK()
    contenders = {"ours": ours, "SDK stream": sdk.stream, "SDK raw": sdk.raw}
    bodies = {
        "text": load_fixture("long_markdown").body,
        "tool 20 KB": tool_stream(400),
        "tool 200 KB": tool_stream(4_000),
        "tiny": _stream([], "end_turn"),
    }
    feeds = {"whole": lambda body: [body], "1-4 KB": network_chunks}
    cases = [(w, f, feed(body)) for w, body in bodies.items() for f, feed in feeds.items()]
    for _w, _f, chunks in cases:  # every contender must build the same message
        results = [content(run(chunks)) for run in contenders.values()]
        assert all(r == results[0] for r in results), f"contenders disagree on {_w}"

    times: dict[tuple[str, str, str], list[float]] = {}
    for _ in range(REPS):  # interleaved: each round runs every contender on every case
        for w, f, chunks in cases:
            for name, run in contenders.items():
                times.setdefault((w, f, name), []).append(sample(run, chunks))
    med = {key: statistics.median(values) for key, values in times.items()}

    def net(w: str, f: str, name: str) -> float:
        return med[w, f, name] - med["tiny", f, name]

    print(f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
          f"{platform.machine()}, {os.cpu_count()} CPUs; anthropic {version('anthropic')}, "
          f"httpx2 {version('httpx2')}, jiter {version('jiter')}")  # fmt: skip
    print(f"median of {REPS} interleaved rounds, each sample >= {MIN_TIME} s; times are net of the "
          f"per-stream fixed cost (tiny 3-event stream: " + ", ".join(
              f"{n} {med['tiny', 'whole', n] * 1e3:.2f} ms" for n in contenders) + ")\n")  # fmt: skip
    head = f"{'workload':<12} {'feed':<7} {'events':>6} {'KB':>5} | {'ms / stream':^26} | {'ours':^15} | {'ours ×':^13}"
    print(head)
    print(f"{'':<12} {'':<7} {'':>6} {'':>5} | {'ours':>8} {'SDK stream':>10} {'SDK raw':>7}"
          f"| {'events/s':>8} {'MB/s':>6} | {'stream':>6} {'raw':>6}")  # fmt: skip
    print("-" * len(head))
    ratios: dict[str, list[float]] = {}
    for w, f, chunks in cases:
        if w == "tiny":
            continue
        events, size = len(decode_all([bodies[w]])), len(bodies[w])
        t = {name: net(w, f, name) for name in contenders}
        x = [t["SDK stream"] / t["ours"], t["SDK raw"] / t["ours"]]
        ratios.setdefault(w, []).extend(x)
        print(f"{w:<12} {f:<7} {events:>6} {size / 1e3:>5.0f} | {t['ours'] * 1e3:>8.2f} "
              f"{t['SDK stream'] * 1e3:>10.2f} {t['SDK raw'] * 1e3:>7.2f}| {events / t['ours']:>8,.0f} "
              f"{size / t['ours'] / 1e6:>6.1f} | {x[0]:>5.1f}× {x[1]:>5.1f}×")  # fmt: skip

    print("\ntargets (a ratio target must hold against both SDK paths and both feeds: the worst counts)")
    for w, target in TARGETS.items():
        worst = min(ratios[w])
        print(f"  {w:<12} ours >= {target:>4.0f}× SDK events/s   worst {worst:5.1f}×   "
              f"{'PASS' if worst >= target else 'FAIL'}")  # fmt: skip
    for f in feeds:
        scale = net("tool 200 KB", f, "ours") / net("tool 20 KB", f, "ours")
        print(f"  scaling {f:<7} ours 200 KB / 20 KB time <= {MAX_SCALING:.0f}×   {scale:5.1f}×   "
              f"{'PASS' if scale <= MAX_SCALING else 'FAIL'}")  # fmt: skip

    body = bodies["tool 200 KB"]
    gc.collect()
    tracemalloc.start()
    ours([body])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\nmemory: ours, tool 200 KB (whole, {len(body) / 1e6:.2f} MB of SSE): "
          f"peak {peak / 1e6:.1f} MB traced (tracemalloc)")  # fmt: skip


if __name__ == "__main__":
    main()
