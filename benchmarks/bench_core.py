"""Decode+fold speed: our ``StreamFold`` against the installed ``anthropic`` SDK, same bytes.

    .venv/bin/python benchmarks/bench_core.py [--quick]

In-process contenders, each turning SSE bytes into the final message:

- ``ours``: ``StreamFold().ifeed(...)`` (what ``consume()`` runs), ``close()``, ``to_message()``.
- ``SDK stream``: ``client.messages.stream(...)`` + ``get_final_message()`` (what users call).
- ``SDK raw``: ``client.messages.create(..., stream=True)`` + the SDK's ``accumulate_event``
  (the SDK's cheapest way to a final message), shown for reference.
- ``floor``: ``json.loads`` of every ``data:`` line, nothing else -- the least any decoder does.

Workloads, each in the API's compact JSON and in ``json.dumps``' default spacing (``", "``,
``": "``): a 17,000-event text stream (one text block whose deltas are ``long_markdown``'s,
cycled), one tool call whose 200 KB input streams in 4,000 ``input_json_delta`` events (and a
20 KB one, for scaling). Fed whole, or in 1-4 KB network chunks (the same for every contender).

The SDK reads from an ``httpx2.MockTransport``; its client is created once, outside the timing.
What remains fixed per stream (request building, response setup) is measured on a 3-event stream
and subtracted: ``net = time(workload) - time(tiny)``. The contenders run interleaved, ``REPS``
rounds; a sample repeats one stream until ``MIN_TIME`` has passed, after a ``gc.collect()``; the
best sample counts (noise from other processes only ever adds time).

Whole process: ``claude-stream-nb replay FILE --json --instant`` against a Python script that
runs ``client.messages.stream()`` over the same file (``benchmarks/_sdk_replay.py``), wall
time of each process, best of ``PROCESS_REPS`` (interleaved).

Linear on any input: a single 4 MB ``data:`` line (a server tool result arriving whole) in
8 KB chunks, and 20,000 events of an unknown type; each is run at half the size too, and the
doubling must cost at most ``MAX_DOUBLING`` times the time.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from time import perf_counter
from typing import Any

import anthropic
import httpx2
from anthropic.lib.streaming._messages import accumulate_event

from claude_stream_nb.core._sse import decode_all, encode_event
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sources._fixtures import load_fixture

QUICK = "--quick" in sys.argv
REPS, MIN_TIME, PROCESS_REPS, LINEAR_REPS = (1, 0.02, 1, 1) if QUICK else (7, 0.1, 7, 7)
TARGETS = {"text": 5.0, "tool 200 KB": 20.0}  # ours >= N x the SDK stream's events/s
PROCESS_TARGETS = {"text": 3.0, "tool 200 KB": 10.0}  # whole process, ours >= N x faster
MAX_FLOOR = 3.0  # ours within 3x of the json.loads floor
MAX_SCALING = 12.0  # time(200 KB tool input) / time(20 KB tool input)
MAX_DOUBLING = 2.5  # time(2n) / time(n) for the long line and the unknown events
REQUEST: dict[str, Any] = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
HERE = Path(__file__).parent

# --- workloads --------------------------------------------------------------------------


def _start() -> dict[str, Any]:
    usage = {"input_tokens": 20, "output_tokens": 1, "cache_read_input_tokens": 0}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [],
               "stop_reason": None, "stop_sequence": None, "usage": usage}  # fmt: skip
    return {"type": "message_start", "message": message}


def _stream(blocks: list[dict[str, Any]], stop_reason: str) -> list[dict[str, Any]]:
    delta = {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
             "usage": {"output_tokens": 99}}  # fmt: skip
    return [_start(), *blocks, delta, {"type": "message_stop"}]


def _block(index: int, block: dict[str, Any], deltas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "content_block_start", "index": index, "content_block": block},
        *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": index},
    ]


def text_stream(events: int) -> list[dict[str, Any]]:
    """One text block of ``events`` deltas: ``long_markdown``'s texts, cycled."""
    recorded = [json.loads(e.data) for e in decode_all([load_fixture("long_markdown").body])]
    texts = [e["delta"]["text"] for e in recorded if e.get("delta", {}).get("type") == "text_delta"]
    deltas = [{"type": "text_delta", "text": texts[i % len(texts)]} for i in range(events)]
    return _stream(_block(0, {"type": "text", "text": ""}, deltas), "end_turn")


def tool_stream(deltas: int, size: int = 50) -> list[dict[str, Any]]:
    """One tool_use block whose input, ``{"content": "..."}`` with escapes and non-ASCII text,
    is about ``deltas * size`` bytes of JSON text, streamed in ``deltas`` input_json_delta events."""
    unit = json.dumps('Line "quoted" — naïve café ✓ C:\\path\n\t', ensure_ascii=False)[1:-1]
    text = '{"content": "' + unit * ((deltas * size - 15) // len(unit.encode())) + '"}'
    pieces = [text[i * len(text) // deltas : (i + 1) * len(text) // deltas] for i in range(deltas)]
    block = {"type": "tool_use", "id": "toolu_1", "name": "write_file", "input": {}}
    return _stream(_block(0, block, [{"type": "input_json_delta", "partial_json": p} for p in pieces]), "tool_use")


def encode(events: list[dict[str, Any]], *, spaced: bool) -> bytes:
    return b"".join(encode_event(e["type"], e, compact=not spaced) for e in events)


def network_chunks(body: bytes, seed: int = 1) -> list[bytes]:
    """``body`` cut into 1-4 KB pieces at arbitrary bytes (mid-line, mid-character)."""
    rng, out, i = random.Random(seed), [], 0
    while i < len(body):
        n = rng.randint(1024, 4096)
        out.append(body[i : i + n])
        i += n
    return out


# --- contenders: chunks in, final message out -----------------------------------------


def ours(chunks: list[bytes]) -> dict[str, Any]:
    fold = StreamFold()
    for chunk in chunks:
        for _ in fold.ifeed(chunk, None):  # the path consume() takes: nothing held onto
            pass
    return fold.close().to_message()


def floor(chunks: list[bytes]) -> dict[str, Any]:
    for line in b"".join(chunks).split(b"\n"):
        if line.startswith(b"data: "):
            json.loads(line[6:])
    return {}


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

    def stream(self, chunks: list[bytes]) -> dict[str, Any]:
        self.chunks = chunks
        with self.client.messages.stream(**REQUEST) as s:
            return s.get_final_message().to_dict()

    def raw(self, chunks: list[bytes]) -> dict[str, Any]:
        self.chunks = chunks
        snapshot, json_bufs = None, {}
        for event in self.client.messages.create(**REQUEST, stream=True):
            snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=json_bufs)
        assert snapshot is not None
        return snapshot.to_dict()


# --- measuring ----------------------------------------------------------------------------


def sample(run: Callable[[list[bytes]], dict[str, Any]], chunks: list[bytes]) -> tuple[float, dict[str, Any]]:
    """Seconds per stream (repeated until MIN_TIME has passed, at least once), and the message."""
    gc.collect()
    n, start = 0, perf_counter()
    while True:
        message = run(chunks)
        n += 1
        elapsed = perf_counter() - start
        if elapsed >= MIN_TIME:
            return elapsed / n, message


def content(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in b.items() if k in ("type", "text", "input")} for b in message.get("content", [])]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    line = "  ".join(f"{{:{'<' if i < 3 else '>'}{n}}}" for i, n in enumerate(widths))
    for row in rows:
        print(line.format(*row))


def in_process() -> list[bool]:
    sdk = SDK()
    contenders = {"ours": ours, "SDK stream": sdk.stream, "SDK raw": sdk.raw, "floor": floor}
    workloads = {"text": text_stream(17_000), "tool 20 KB": tool_stream(400), "tool 200 KB": tool_stream(4_000)}
    bodies = {(w, j): encode(ev, spaced=j == "spaced") for w, ev in workloads.items() for j in ("compact", "spaced")}
    bodies.update({("tiny", j): encode(_stream([], "end_turn"), spaced=j == "spaced") for j in ("compact", "spaced")})
    feeds = {"whole": lambda body: [body], "1-4 KB": network_chunks}
    cases = [(w, j, f, feed(body)) for (w, j), body in bodies.items() for f, feed in feeds.items()]
    for run in contenders.values():  # warm up: first-call imports and caches
        run([bodies["tiny", "compact"]])
    times: dict[tuple[str, str, str, str], list[float]] = {}
    for _ in range(REPS):  # interleaved: each round runs every contender on every case
        for w, j, f, chunks in cases:
            built = []
            for name, run in contenders.items():
                seconds, message = sample(run, chunks)
                times.setdefault((w, j, f, name), []).append(seconds)
                if name != "floor":
                    built.append(content(message))
            assert all(b == built[0] for b in built), f"contenders built different messages for {w} {j}"
    best = {key: min(values) for key, values in times.items()}

    def net(w: str, j: str, f: str, name: str) -> float:
        return best[w, j, f, name] - best["tiny", j, f, name]

    fixed = ", ".join(f"{name} {best['tiny', 'compact', 'whole', name] * 1e3:.2f} ms" for name in contenders)
    print(f"ms are net of the per-stream fixed cost (a 3-event stream, subtracted): {fixed}\n")
    rows = [("workload", "JSON", "feed", "events", "KB", "ours ms", "SDK stream ms", "SDK raw ms", "floor ms",
             "µs/event", "× SDK stream", "× SDK raw", "÷ floor")]  # fmt: skip
    worst: dict[str, float] = {}
    floor_worst = 0.0
    for w, j, f, _chunks in cases:
        if w == "tiny":
            continue
        events, size = len(decode_all([bodies[w, j]])), len(bodies[w, j])
        t = {name: net(w, j, f, name) for name in contenders}
        x_stream, x_raw, slower = t["SDK stream"] / t["ours"], t["SDK raw"] / t["ours"], t["ours"] / t["floor"]
        worst[w] = min(worst.get(w, x_stream), x_stream)
        floor_worst = max(floor_worst, slower)
        ms = [f"{t[n] * 1e3:.2f}" for n in contenders]
        per_event = f"{t['ours'] / events * 1e6:.2f}"
        ratios = [f"{x_stream:.1f}×", f"{x_raw:.1f}×", f"{slower:.2f}×"]
        rows.append((w, j, f, f"{events}", f"{size / 1e3:.0f}", *ms, per_event, *ratios))
    table(rows)
    print("\nin-process targets (the worst of compact/spaced and whole/1-4 KB counts)")
    results = []
    for w, target in TARGETS.items():
        results.append(worst[w] >= target)
        print(f"  {w:<12} ours >= {target:2.0f}× the SDK stream: {worst[w]:6.1f}×  {verdict(results[-1])}")
    results.append(floor_worst <= MAX_FLOOR)
    print(
        f"  floor        ours <= {MAX_FLOOR:.0f}× json.loads of every data line: "
        f"{floor_worst:5.2f}×  {verdict(results[-1])}"
    )
    for j in ("compact", "spaced"):
        for f in feeds:
            scale = net("tool 200 KB", j, f, "ours") / net("tool 20 KB", j, f, "ours")
            results.append(scale <= MAX_SCALING)
            print(f"  scaling      time 200 KB / 20 KB tool input <= {MAX_SCALING:.0f}× ({j}, {f}): "
                  f"{scale:5.1f}×  {verdict(results[-1])}")  # fmt: skip
    return results


def whole_process() -> list[bool]:
    """``replay FILE --json --instant`` against the SDK script, wall time per process."""
    cli = [sys.executable, "-m", "claude_stream_nb.cli", "replay"]
    sdk = [sys.executable, str(HERE / "_sdk_replay.py")]
    workloads = {"text": text_stream(17_000), "tool 200 KB": tool_stream(4_000)}
    rows = [("workload", "JSON", "ours s", "SDK s", "× SDK")]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        worst: dict[str, float] = {}
        for w, events in workloads.items():
            for j in ("compact", "spaced"):
                path = Path(folder) / f"{w.replace(' ', '_')}_{j}.sse"
                path.write_bytes(encode(events, spaced=j == "spaced"))
                t = {"ours": [], "SDK": []}
                outputs = {}
                commands = {"ours": [*cli, str(path), "--json", "--instant"], "SDK": [*sdk, str(path)]}
                for _ in range(PROCESS_REPS):
                    for name, command in commands.items():
                        start = perf_counter()
                        done = subprocess.run(command, capture_output=True, check=True)
                        t[name].append(perf_counter() - start)
                        outputs[name] = content(json.loads(done.stdout))
                assert outputs["ours"] == outputs["SDK"], f"different messages for {w} {j}"
                ratio = min(t["SDK"]) / min(t["ours"])
                worst[w] = min(worst.get(w, ratio), ratio)
                rows.append((w, j, f"{min(t['ours']):.3f}", f"{min(t['SDK']):.3f}", f"{ratio:.1f}×"))
    table(rows)
    print("\nwhole-process targets (the worse of compact/spaced counts)")
    for w, target in PROCESS_TARGETS.items():
        results.append(worst[w] >= target)
        print(f"  {w:<12} replay --json >= {target:2.0f}× the SDK script: {worst[w]:6.1f}×  {verdict(results[-1])}")
    return results


def timed(run: Callable[[], object], reps: int = 3) -> float:
    best = float("inf")
    for _ in range(reps):
        gc.collect()
        start = perf_counter()
        run()
        best = min(best, perf_counter() - start)
    return best


def linear() -> list[bool]:
    """A single long data line in 8 KB chunks, and many unknown events: double the size, at most
    ``MAX_DOUBLING`` times the time (a quadratic algorithm gives 4×)."""
    sdk = SDK()

    def long_line(megabytes: int) -> list[bytes]:
        result = {"type": "web_search_result", "url": "https://example.com", "title": "t", "page_age": None,
                  "encrypted_content": "x" * (megabytes << 20)}  # fmt: skip
        block = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [result]}
        start = {"type": "content_block_start", "index": 0, "content_block": block}
        body = encode(_stream([start, {"type": "content_block_stop", "index": 0}], "end_turn"), spaced=False)
        return [body[i : i + 8192] for i in range(0, len(body), 8192)]

    def unknown(count: int) -> list[bytes]:
        vendor = [{"type": "vendor_event", "n": i} for i in range(count)]  # any non-Anthropic SSE
        return [encode(_stream(vendor, "end_turn"), spaced=False)]

    rows = [("input", "ours s (n)", "ours s (2n)", "× per doubling", "SDK stream s (2n)")]
    results = []
    inputs = (("4 MB single data line, 8 KB chunks", long_line, 2), ("20,000 unknown events", unknown, 10_000))
    for label, make, n in inputs:
        small, large = make(n), make(2 * n)
        t_small = t_large = float("inf")
        for _ in range(LINEAR_REPS):  # interleaved, so a burst of load hits both sizes
            t_small = min(t_small, timed(lambda c=small: ours(c), 1))
            t_large = min(t_large, timed(lambda c=large: ours(c), 1))
        t_sdk = timed(lambda c=large: sdk.stream(c), 1)
        rows.append((label, f"{t_small:.3f}", f"{t_large:.3f}", f"{t_large / t_small:.2f}×", f"{t_sdk:.3f}"))
        results.append(t_large / t_small <= MAX_DOUBLING)
    table(rows)
    print(f"\nlinear targets: doubling the input costs <= {MAX_DOUBLING}× the time")
    for (label, *_rest), ok in zip(rows[1:], results, strict=True):
        print(f"  {label:<36} {verdict(ok)}")
    return results


def main() -> None:
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs; anthropic {version('anthropic')}, "
        f"httpx2 {version('httpx2')}, jiter {version('jiter')}; best of {REPS} interleaved rounds, "
        f"each sample >= {MIN_TIME} s of repeats\n"
    )
    results = in_process()
    print()
    results += whole_process()
    print()
    results += linear()
    print(f"\n{sum(results)} of {len(results)} targets pass")


if __name__ == "__main__":
    main()
