"""A workshop's worth of clients on the fake Messages API: do 100 streams keep their timing?

    .venv/bin/python benchmarks/bench_server.py [--clients 100] [--fixture thinking_tool_use] [--rounds 1]

The server runs as it would in a workshop: ``claude-stream-nb serve --port 0 --quiet`` in its own
process (real uvicorn on 127.0.0.1), at 1x. This process opens ``--clients`` concurrent streams
with one ``httpx.AsyncClient`` each (connected beforehand), all sent at once.

For every stream: its bytes must equal the fixture's body exactly, and each event must arrive
within 50 ms of its scheduled time: the stream's start on the server plus the event's recorded
time. The server never sends an event early, so its start is estimated per stream as the
smallest ``arrival - recorded time`` over the stream's events (the start plus the smallest
delivery delay): *pacing* lateness is measured from there. *Strict* lateness is measured from
the moment this process sent the request; it also counts the harness itself, one Python process
issuing every request in the same instant (httpx spends ~0.8 ms per request), which is why the
clients first warm up their connections with one instant request each.

Server CPU is read from ``/proc/PID/stat`` (utime + stime) just before the streams start and
just after the last one ends, so startup is not counted. It is shown as seconds, as a share of
one core over the wall time, and per event delivered. Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from typing import NamedTuple

import httpx

from claude_stream_nb.sources._fixtures import Fixture, load_fixture

TARGET = 0.050


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def event_ends(fixture: Fixture) -> list[int]:
    ends, total = [], 0
    for event in fixture.events:
        total += len(event.raw)
        ends.append(total)
    return ends


def payload(fixture: Fixture) -> dict[str, object]:
    """A valid streaming request for ``fixture`` (the fake answers 400 to an invalid one)."""
    return {
        "model": fixture.name,
        "max_tokens": 1024,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }


class Result(NamedTuple):
    body: bytes
    head: float
    """Seconds from sending the request to the response head."""
    lateness: list[float]
    """Per event: arrival minus (the stream's start + recorded time); see the module docstring."""
    from_send: list[float]
    """Per event: arrival minus (request sent + recorded time)."""


async def one_stream(client: httpx.AsyncClient, fixture: Fixture, go: asyncio.Event) -> Result:
    ends = event_ends(fixture)
    body = bytearray()
    arrivals: list[float] = []
    await go.wait()
    sent = time.monotonic()
    headers = {"x-fixture": fixture.name, "x-api-key": "offline"}
    async with client.stream("POST", "/v1/messages", json=payload(fixture), headers=headers) as response:
        head = time.monotonic()
        async for chunk in response.aiter_raw():
            now = time.monotonic()
            body += chunk
            while len(arrivals) < len(ends) and ends[len(arrivals)] <= len(body):
                arrivals.append(now)
    from_send = [at - sent - (e.time or 0.0) for at, e in zip(arrivals, fixture.events, strict=False)]
    start = min(from_send, default=0.0)  # the server never sends early: its start + the smallest delay
    return Result(bytes(body), head - sent, [x - start for x in from_send], from_send)


async def run_round(url: str, fixture: Fixture, clients: int) -> tuple[list[Result], float]:
    async with contextlib.AsyncExitStack() as stack:
        # One client (and connection) per participant, opened before the start line.
        pool = [await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30)) for _ in range(clients)]
        warm = {"x-fixture": fixture.name, "x-speed": "instant"}
        answers = [c.post("/v1/messages", json=payload(fixture), headers=warm) for c in pool]
        for answer in await asyncio.wait_for(asyncio.gather(*answers), 30):
            if answer.status_code != 200:  # the fake checks requests as the API does
                raise SystemExit(f"bench_server: the warm-up request got HTTP {answer.status_code}: {answer.text}")
        go = asyncio.Event()
        tasks = [asyncio.create_task(one_stream(client, fixture, go)) for client in pool]
        await asyncio.sleep(0.05)  # every task waits on the start line
        start = time.monotonic()
        go.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        return results, time.monotonic() - start


def start_server() -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "claude_stream_nb.cli", "serve", "--port", "0", "--quiet"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    banner = server.stdout.readline()
    if " on http://" not in banner:
        server.kill()
        raise SystemExit(f"the server did not start: {banner!r}")
    return server, banner.split(" on ", 1)[1].split()[0]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.1f} ms"


def summary(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(int(0.99 * len(values)), len(values) - 1)]
    return f"p50 {ms(statistics.median(values))}   p99 {ms(p99)}   max {ms(values[-1])}   min {ms(values[0])}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--fixture", default="thinking_tool_use")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    fixture = load_fixture(args.fixture)
    server, url = start_server()
    try:
        results: list[Result] = []
        cpu = wall = 0.0
        for _ in range(args.rounds):
            before = cpu_seconds(server.pid)
            got, seconds = asyncio.run(run_round(url, fixture, args.clients))
            cpu += cpu_seconds(server.pid) - before
            wall += seconds
            results += got
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()

    streams = len(results)
    exact = sum(r.body == fixture.body for r in results)
    late = sorted(x for r in results for x in r.lateness)
    events = len(late)
    worst = max(abs(late[0]), late[-1])
    recorded = fixture.events[-1].time or 0.0

    print(
        f"bench_server: {platform.python_implementation()} {platform.python_version()}, "
        f"uvicorn {version('uvicorn')}, starlette {version('starlette')}, httpx {version('httpx')}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"fixture {fixture.name}: {len(fixture.events)} events over {recorded:.2f} s at 1x; "
        f"{args.clients} concurrent clients x {args.rounds} round(s) on {url}"
    )
    print(f"streams identical to the fixture: {exact}/{streams}")
    print(f"events received: {events}/{streams * len(fixture.events)}")
    print("pacing: per event, arrival - (stream start + recorded time)  [the 50 ms target]")
    print(f"  {summary(late)}")
    print(
        f"strict: per event, arrival - (request sent + recorded time)  [includes this one process sending all "
        f"{args.clients} requests at once]"
    )
    print(f"  {summary([x for r in results for x in r.from_send])}")
    print("request sent -> response head (same burst)")
    print(f"  {summary([r.head for r in results])}")
    print(
        f"server CPU during the streams: {cpu:.2f} s over {wall:.2f} s wall = {cpu / wall:.0%} of one core; "
        f"{cpu / max(events, 1) * 1e6:.0f} us per event delivered"
    )
    ok = exact == streams and events == streams * len(fixture.events) and worst <= TARGET
    print(f"target: every stream exact, every event within {TARGET * 1000:.0f} ms -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
