"""Replay timing: recorded times scaled by speed, changeable while playing; sync and async."""

from __future__ import annotations

import asyncio
import time

from claude_stream_nb.core._sse import encode_event
from claude_stream_nb.sources._fixtures import Fixture, Recorded, read_fixture
from claude_stream_nb.sources._replay import Pacer, areplay_chunks, replay_chunks, synthetic_times, timed_chunks

from .streams import encode, text_stream


def timed(*times: float) -> Fixture:
    events = tuple(Recorded(encode_event("ping", {"type": "ping"}), t) for t in times)
    return Fixture("timed", events)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_maps_recorded_time_to_wall_time_at_any_speed() -> None:
    clock = FakeClock()
    pacer = Pacer(2.0, clock=clock)
    assert pacer.wait_for(1.0) == 0.05  # capped, so changes apply promptly
    clock.now = 0.4
    assert pacer.position == 0.8
    assert abs(pacer.wait_for(0.9) - 0.05) < 1e-9
    pacer.speed = 4.0  # re-anchors: no jump in position
    assert pacer.position == 0.8
    clock.now = 0.45
    assert abs(pacer.position - 1.0) < 1e-9
    assert pacer.wait_for(1.0) == 0.0


def test_pause_stops_recorded_time_and_resume_goes_on() -> None:
    clock = FakeClock()
    pacer = Pacer(1.0, clock=clock)
    clock.now = 1.0
    pacer.pause()
    clock.now = 5.0
    assert pacer.position == 1.0
    pacer.resume()
    clock.now = 5.5
    assert pacer.position == 1.5


def test_replay_keeps_the_recorded_gaps_scaled_by_speed() -> None:
    began = time.monotonic()
    arrivals = [(time.monotonic() - began, chunk.time) for chunk in replay_chunks(timed(0.0, 0.2, 0.4), Pacer(2.0))]
    assert [t for _, t in arrivals] == [0.0, 0.2, 0.4]  # events keep their recorded times
    assert 0.18 <= arrivals[-1][0] < 0.5


def test_the_speed_can_change_while_it_plays() -> None:
    pacer = Pacer(1.0)
    began = time.monotonic()
    seen = []
    for chunk in replay_chunks(timed(0.0, 0.1, 1.1, 2.1), pacer):
        seen.append(chunk.time)
        if chunk.time == 0.1:
            pacer.speed = 10.0  # the remaining 2 s of recording take 0.2 s
    assert seen == [0.0, 0.1, 1.1, 2.1]
    assert time.monotonic() - began < 0.8


def test_instant_replay_does_not_wait() -> None:
    began = time.monotonic()
    assert len(list(replay_chunks(timed(0.0, 5.0, 10.0), Pacer(instant=True)))) == 3
    assert time.monotonic() - began < 0.2


def test_async_replay_paces_the_same_way() -> None:
    async def collect() -> list[float | None]:
        return [chunk.time async for chunk in areplay_chunks(timed(0.0, 0.1, 0.2), Pacer(2.0))]

    began = time.monotonic()
    assert asyncio.run(collect()) == [0.0, 0.1, 0.2]
    assert 0.08 <= time.monotonic() - began < 0.5


def test_a_plain_capture_gets_a_believable_synthetic_pacing() -> None:
    capture = read_fixture(encode(text_stream("one ", "two ", "three")))
    assert not capture.timed
    times = [chunk.time for chunk in timed_chunks(capture)]
    assert times == sorted(times)
    assert times[0] == 0.3
    assert times[2] == 0.6  # the first text comes 0.6 s in
    assert synthetic_times(capture.chunks()) == times
