"""Wire cost of the notebook view: what ``StreamView`` sends to the front end vs the naive view.

    .venv/bin/python benchmarks/bench_view.py

The ``long_markdown`` fixture (about 11.6 KB of markdown in 1,125 text deltas, 51 s at 1x) is
replayed into a view with every ipywidgets comm message captured in-process
(:func:`~claude_stream_nb.sinks.view._capture.capture_comms`: ``comm_open``, updates and ``comm_close``,
sized as compact JSON). No kernel, no front end, no sleeping.

Contenders:

- ``ours 1x``: ``StreamView(clock=virtual, threaded=False)``. Events are fed at their *recorded*
  times on a virtual clock set to each event's time just before it is fed, so the view's pacing
  (frames at most 30/s, first text at once, the footer 4/s, a longer gap after a large frame)
  sees the real 1x stream, but the replay runs as fast as the CPU allows. The refresher thread
  would measure real time, so frames are decided inline on each update only: a frame due
  between two events goes out with the next event, not on the thread's trailing edge.
- ``ours instant``: the default clock (real time), ``threaded=False``: the stream arrives in a
  fraction of a second, as with ``replay(..., instant=True)``; few frames, so few bytes. Its
  numbers depend on the machine's speed.
- ``naive``: one ``ipywidgets.HTML`` whose ``value`` is set to
  ``render_markdown(snapshot.text)`` after every ``content_block_delta`` -- the whole answer,
  re-rendered and re-sent per delta (traitlets skips a value that did not change).
- ``fold only``: the decoder and fold with no view, for scale.

Kernel CPU is ``time.process_time()`` around the whole replay (widget creation, fold, view,
close) for every contender, best of 3 interleaved rounds (noise only ever adds time). Bytes,
messages and frames come from the best round (with the virtual clock they are the same in every
round).

The "2x" workload is the same answer twice in one text block: the text deltas repeated (the
second copy shifted by the first copy's duration, after a ``"\\n\\n"`` delta so its heading
starts a new block), then the stop events shifted too (``message_delta`` re-encoded with
twice the output tokens).

Targets (issue 3, point 4), on the 1x replay: naive / ours >= 20x bytes and >= 10x CPU;
ours(2x) / ours(1x) <= 2.2x bytes.
"""

from __future__ import annotations

import gc
import json
import platform
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version

import ipywidgets as w

from claude_stream_nb.core._sse import decode_all, encode_event
from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sinks.render import render_markdown
from claude_stream_nb.sinks.view import StreamView
from claude_stream_nb.sinks.view._capture import Sent, capture_comms
from claude_stream_nb.sources._fixtures import Recorded, load_fixture

ROUNDS = 3
BYTES_TARGET = 20.0  # naive / ours, at least
CPU_TARGET = 10.0  # naive / ours, at least
DOUBLING_TARGET = 2.2  # ours(2x) / ours(1x) bytes, at most

Replay = list[Recorded]

# --- workloads --------------------------------------------------------------------------


def _name(raw: bytes) -> str:
    return raw.split(b"\n", 1)[0].removeprefix(b"event: ").decode()


def doubled(events: Replay) -> Replay:
    """The same stream with its text twice in a row (one text block, index 0 throughout)."""
    start = next(i for i, e in enumerate(events) if _name(e.raw) == "content_block_start")
    stop = next(i for i, e in enumerate(events) if _name(e.raw) == "content_block_stop")
    head, body, tail = events[: start + 1], events[start + 1 : stop], events[stop:]
    shift = tail[0].time - head[-1].time  # type: ignore[operator]
    gap = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "\n\n"}}
    second = [Recorded(encode_event("content_block_delta", gap), body[-1].time)]
    second += [Recorded(e.raw, e.time + shift) for e in body]  # type: ignore[operator]
    end = []
    for e in tail:
        raw = e.raw
        if _name(raw) == "message_delta":
            data = json.loads(decode_all([raw])[0].data)
            data["usage"]["output_tokens"] *= 2
            raw = encode_event("message_delta", data)
        end.append(Recorded(raw, e.time + shift))  # type: ignore[operator]
    return [*head, *body, *second, *end]


# --- contenders ---------------------------------------------------------------------------


@dataclass
class Run:
    cpu: float
    bytes: int = 0
    messages: int = 0
    frames: int = 0
    text: int = 0
    kinds: Counter[str] | None = None
    roles: Counter[str] | None = None


def run_view(events: Replay, virtual: bool) -> Run:
    now = [0.0]
    clock: Callable[[], float] = (lambda: now[0]) if virtual else time.monotonic
    with capture_comms() as sent:
        t0 = time.process_time()
        view = StreamView(clock=clock, threaded=False)
        fold = StreamFold()
        for event in events:
            if virtual:
                now[0] = event.time  # type: ignore[assignment]
            for ev, snap in fold.ifeed(event.raw, event.time):
                view.update(ev, snap)
        view.close(fold.close())
        cpu = time.process_time() - t0
    return Run(
        cpu,
        sent.bytes,
        len(sent.messages),
        view.frames,
        len(view.snapshot.text),
        *breakdown(sent, view_roles(view)),
    )


def run_naive(events: Replay) -> Run:
    with capture_comms() as sent:
        t0 = time.process_time()
        html = w.HTML()
        fold = StreamFold()
        updates = 0
        for event in events:
            for ev, snap in fold.ifeed(event.raw, event.time):
                if ev.type == "content_block_delta":
                    html.value = render_markdown(snap.text)
                    updates += 1
        final = fold.close()
        cpu = time.process_time() - t0
    roles = {html.model_id: "the HTML"}
    return Run(cpu, sent.bytes, len(sent.messages), updates, len(final.text), *breakdown(sent, roles))


def run_fold(events: Replay) -> Run:
    t0 = time.process_time()
    fold = StreamFold()
    for event in events:
        for _ in fold.ifeed(event.raw, event.time):
            pass
    final = fold.close()
    return Run(time.process_time() - t0, text=len(final.text))


def view_roles(view: StreamView) -> dict[str, str]:
    """model_id -> what that widget is in the view (the rest are named by model in the opens)."""
    roles = {
        view.style.model_id: "css",
        view.header.model_id: "header",
        view.footer.model_id: "footer",
        view.citations.model_id: "citations",
        view.error.model_id: "error",
        view.log_view.model_id: "event log",
        view.log.model_id: "containers",
        view.body.model_id: "containers",
        view.widget.model_id: "containers",
    }
    for box in view.body.children:
        roles[box.model_id] = "containers"
        if "csn-text" in box._dom_classes:
            *sealed, tail = box.children
            roles[tail.model_id] = "text tail"
            roles.update((child.model_id, "text sealed") for child in sealed)
    return roles


def breakdown(sent: Sent, roles: dict[str, str]) -> tuple[Counter[str], Counter[str]]:
    """Bytes by message kind, and by widget (known role, else the widget model's name)."""
    models = {d["_id"]: d.get("state", {}).get("_model_name", "?") for k, d in sent.messages if k == "comm_open"}
    kinds: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    for kind, data in sent.messages:
        size = len(json.dumps(data, separators=(",", ":"), default=str).encode())
        method = data.get("method")
        kinds[f"{kind}:{method}" if method else kind] += size
        model = models.get(data["_id"], "?")
        role = roles.get(data["_id"])
        if role is None:
            role = "layout/style models" if model in {"LayoutModel", "HTMLStyleModel"} else model
        by_role[role] += size
    return kinds, by_role


# --- timing -------------------------------------------------------------------------------


def best_of(contenders: dict[str, Callable[[], Run]]) -> dict[str, Run]:
    """Interleaved rounds; per contender the round with the least CPU."""
    best: dict[str, Run] = {}
    for _ in range(ROUNDS):
        for name, fn in contenders.items():
            gc.collect()
            run = fn()
            w.Widget.close_all()  # drop the widgets (their comm_close lands after the count)
            if name not in best or run.cpu < best[name].cpu:
                best[name] = run
    return best


# --- report -------------------------------------------------------------------------------


def envelope_bytes() -> int | None:
    """What one comm message costs on the kernel's ZMQ socket beyond what the capture counts:
    identity, signature, header, parent header, metadata (jupyter_client's own serializer)."""
    try:
        from jupyter_client.session import Session
    except ImportError:
        return None
    session = Session(key=b"k" * 32, username="user")
    parent = session.msg("execute_request", content={"code": ""})["header"]
    comm_id = "0" * 32
    msg = session.msg("comm_msg", content={"comm_id": comm_id, "data": {}}, parent=parent)
    frames = session.serialize(msg, ident=[f"comm-{comm_id}".encode()])
    counted = len(json.dumps({"_id": comm_id}, separators=(",", ":")))
    return sum(len(f) for f in frames) - counted


def kb(n: float) -> str:
    return f"{n / 1000:,.1f} KB"


def table(title: str, runs: dict[str, Run]) -> None:
    print(f"\n{title}")
    print(f"  {'':<14}{'bytes sent':>14}{'messages':>10}{'frames':>8}{'CPU (ms)':>11}{'text':>9}")
    for name, r in runs.items():
        frames = "-" if name == "fold only" else str(r.frames)
        sent = "-" if name == "fold only" else kb(r.bytes)
        messages = "-" if name == "fold only" else str(r.messages)
        print(f"  {name:<14}{sent:>14}{messages:>10}{frames:>8}{r.cpu * 1000:>11.1f}{r.text:>9,}")


def shares(counter: Counter[str]) -> str:
    total = sum(counter.values())
    return ", ".join(f"{k} {v / total:.0%} ({kb(v)})" for k, v in counter.most_common())


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    started = time.perf_counter()
    one = list(load_fixture("long_markdown").events)
    two = doubled(one)
    print(f"claude-stream-nb view wire cost · Python {platform.python_version()} · "
          f"ipywidgets {version('ipywidgets')} · {platform.machine()}")  # fmt: skip
    print(f"long_markdown: {len(one)} events, {one[-1].time:.1f} s recorded; 2x: {len(two)} events, "
          f"{two[-1].time:.1f} s")  # fmt: skip
    print("ours 1x: recorded 1x timing on a virtual clock, threaded=False (frames decided inline on")
    print("  each update; no refresher-thread trailing edge). ours instant: real clock, threaded=False.")
    print(f"CPU: process_time of the whole replay incl. fold and widget creation, best of {ROUNDS}.")

    results = {}
    for label, events in (("1x", one), ("2x", two)):
        results[label] = best_of({
            "ours 1x": partial(run_view, events, virtual=True),
            "ours instant": partial(run_view, events, virtual=False),
            "naive": partial(run_naive, events),
            "fold only": partial(run_fold, events),
        })  # fmt: skip
        table(f"{label} content ({'long_markdown' if label == '1x' else 'long_markdown twice'}):", results[label])

    r1, r2 = results["1x"], results["2x"]
    ours, naive, instant = r1["ours 1x"], r1["naive"], r1["ours instant"]
    print("\nwhere the bytes go (1x):")
    for name, run in (("ours 1x", ours), ("naive", naive)):
        assert run.kinds is not None
        assert run.roles is not None
        print(f"  {name:<8} by message: {shares(run.kinds)}")
        print(f"  {'':<8} by widget:  {shares(run.roles)}")
    print(f"  ours 1x bytes / text length: {ours.bytes / ours.text:.1f}; naive: {naive.bytes / naive.text:.1f}")

    bytes_ratio, cpu_ratio = naive.bytes / ours.bytes, naive.cpu / ours.cpu
    growth = r2["ours 1x"].bytes / ours.bytes
    print("\ntargets (ours 1x, recorded timing):")
    print(f"  bytes  naive / ours = {bytes_ratio:6.1f}x   (target >= {BYTES_TARGET:.0f}x)   "
          f"{verdict(bytes_ratio >= BYTES_TARGET)}")  # fmt: skip
    print(f"  CPU    naive / ours = {cpu_ratio:6.1f}x   (target >= {CPU_TARGET:.0f}x)   "
          f"{verdict(cpu_ratio >= CPU_TARGET)}")  # fmt: skip
    print(f"  2x content: ours bytes x{growth:.2f}   (target <= {DOUBLING_TARGET}x)  "
          f"{verdict(growth <= DOUBLING_TARGET)}")  # fmt: skip
    print("for contrast:")
    envelope = envelope_bytes()
    if envelope is not None:
        ours_wire, naive_wire = ours.bytes + envelope * ours.messages, naive.bytes + envelope * naive.messages
        growth_wire = (r2["ours 1x"].bytes + envelope * r2["ours 1x"].messages) / ours_wire
        print(f"  + Jupyter envelope (~{envelope} B/message on ZMQ, not in the capture): ours {kb(ours_wire)}, "
              f"naive {kb(naive_wire)}: naive / ours = {naive_wire / ours_wire:.1f}x bytes; 2x content: "
              f"ours x{growth_wire:.2f}")  # fmt: skip
    print(f"  2x content: naive bytes x{r2['naive'].bytes / naive.bytes:.2f}, naive CPU x"
          f"{r2['naive'].cpu / naive.cpu:.2f}, ours CPU x{r2['ours 1x'].cpu / ours.cpu:.2f} (text x"
          f"{r2['ours 1x'].text / ours.text:.2f})")  # fmt: skip
    print(f"  instant: naive / ours = {naive.bytes / instant.bytes:.0f}x bytes, {naive.cpu / instant.cpu:.1f}x CPU; "
          f"ours 1x CPU - fold only = {(ours.cpu - r1['fold only'].cpu) * 1000:.1f} ms of view work")  # fmt: skip
    print(f"\ntotal wall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
