"""Early tool start: how much sooner does the agent loop finish?

    .venv/bin/python benchmarks/bench_agent.py [--rounds 3] [--sleep 1.0]

The bundled ``agent_three_turns`` scenario from its second turn: the conversation so far (the
question, turn 1's thinking and ``list_cities`` call, its result) goes to the fake Messages API
on 127.0.0.1 (``serve_in_thread``, recorded timing: 1x). Turn 2 streams three ``get_weather``
calls spread over about 4.9 s of answer, with text between them; turn 3 is the answer. Each
call sleeps ``--sleep`` seconds (default 1) before returning the example tool's data.

Contenders, interleaved round by round; the median counts:

- ``early start``: ``run_agent()`` as it is: each call starts at its ``content_block_stop``;
- ``early start, arun_agent``: the same, through ``arun_agent()`` on an event loop (the one loop
  both drivers share: the two must take the same time);
- ``early_start=False``: the same loop, every call started at ``message_stop`` (all at once);
- ``one by one after message_stop``: what a simple loop over the final message does, calls in
  sequence (``early_start=False`` with a lock around the tools) -- for scale.

Every run must end at ``end_turn`` after turns 2 and 3 with three results back in block order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import statistics
import threading
import time
from typing import Any

from claude_stream_nb.agent import AgentResult, arun_agent, run_agent
from claude_stream_nb.agent.examples import get_weather, list_cities
from claude_stream_nb.core._snapshot import Snapshot
from claude_stream_nb.fake_api import serve_in_thread
from claude_stream_nb.live import Claude
from claude_stream_nb.sources._fixtures import load_fixture


class Quiet:
    def update(self, event: Any, snapshot: Snapshot) -> None:
        pass

    def close(self, snapshot: Snapshot) -> None:
        pass


def tools(sleep: float, lock: threading.Lock | None) -> list[Any]:
    @functools.wraps(get_weather)  # the same name, docstring and schema
    def slow_get_weather(city: str, unit: Any = "celsius") -> dict[str, Any]:
        with lock or contextlib.nullcontext():
            time.sleep(sleep)
        return get_weather(city, unit)

    return [list_cities, slow_get_weather]


def run(url: str, mode: str, sleep: float) -> AgentResult:
    request = load_fixture("agent_three_turns_2").meta["request"]
    early = mode.startswith("early start")
    lock = threading.Lock() if mode.startswith("one by one") else None
    options: dict[str, Any] = {
        "model": "agent_three_turns",
        "max_tokens": request["max_tokens"],
        "thinking": request["thinking"],
        "messages": request["messages"],
        "tools": tools(sleep, lock),
        "early_start": early,
        "view": Quiet(),
    }
    if mode.endswith("arun_agent"):

        async def in_loop() -> AgentResult:
            async with Claude("offline", base_url=url) as client:
                return await arun_agent(client=client, **options)

        result = asyncio.run(in_loop())
    else:
        with Claude("offline", base_url=url) as client:
            result = run_agent(client=client, **options)
    runs = result.turns[0].runs
    assert (result.reason, len(result.turns)) == ("end_turn", 2), result
    assert [r.status for r in runs] == ["done"] * 3, runs
    sent = result.messages[len(request["messages"]) + 1]["content"]
    assert [b["tool_use_id"] for b in sent] == [r.id for r in runs]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sleep", type=float, default=1.0, help="seconds each tool call takes")
    args = parser.parse_args()
    modes = ["early start", "early start, arun_agent", "early_start=False", "one by one after message_stop"]
    totals: dict[str, list[float]] = {m: [] for m in modes}
    turn2: dict[str, list[float]] = {m: [] for m in modes}
    lead: list[list[float]] = []
    server = serve_in_thread(speed=1.0)
    try:
        run(server.url, "early start", 0.0)  # warm up: imports, connection, fixture cache
        for _ in range(args.rounds):
            for mode in modes:
                result = run(server.url, mode, args.sleep)
                turn = result.turns[0]
                totals[mode].append(result.total_time)
                turn2[mode].append(turn.ended_at - turn.started_at)
                if mode == "early start":
                    stop = turn.message_stop_at or 0.0
                    lead.append([stop - (r.started_at or 0.0) for r in turn.runs])
    finally:
        server.stop()

    print(
        f"agent_three_turns from turn 2: 3 get_weather calls sleeping {args.sleep:g} s each; "
        f"fixture server at 1x; median of {args.rounds} rounds"
    )
    print(f"{'':34} {'total':>8} {'turn 2 incl. tools':>19}")
    for mode in modes:
        print(f"{mode:34} {statistics.median(totals[mode]):7.2f} s {statistics.median(turn2[mode]):17.2f} s")
    leads = [statistics.median(column) for column in zip(*lead, strict=True)]
    print("early start: the calls started " + ", ".join(f"{s:.2f}" for s in leads) + " s before message_stop")
    early, aearly, late, naive = (statistics.median(totals[m]) for m in modes)
    print(f"arun_agent vs run_agent (the same loop, driven with await): {aearly - early:+.2f} s")
    print(f"saving vs early_start=False: {late - early:.2f} s ({(late - early) / late:.0%} of the total)")
    print(f"saving vs one by one after message_stop: {naive - early:.2f} s ({(naive - early) / naive:.0%})")


if __name__ == "__main__":
    main()
