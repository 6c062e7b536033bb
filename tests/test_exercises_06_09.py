"""The exercise checks of tutorials 06-09: right answers pass, typical wrong ones say why."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from claude_stream_nb import StreamFold, load_fixture
from claude_stream_nb.exercises import Verdict, nb06, nb07, nb08, nb09
from claude_stream_nb.fake_api._transport import ReplayTransport
from claude_stream_nb.live import Claude, ClaudeError
from claude_stream_nb.sources._fixtures import dumps


def right(verdict: Verdict) -> bool:
    assert isinstance(verdict, Verdict)
    assert repr(verdict).startswith("✓ Right: " if verdict.right else "✗ Not yet: ")
    return verdict.right


def says(verdict: Verdict, *words: str) -> bool:
    """A wrong verdict whose reason mentions every word."""
    return not verdict.right and all(w.lower() in verdict.why.lower() for w in words)


# --- 06 -------------------------------------------------------------------------------------


def test_06_1_retried_statuses() -> None:
    assert right(nb06.exercise_1({408, 429, 500, 529}))
    assert right(nb06.exercise_1([529, 500, 429, 408]))
    assert says(nb06.exercise_1({401, 408, 429, 500, 529}), "401", "wrong key")
    assert says(nb06.exercise_1({429, 500, 529}), "408")
    assert says(nb06.exercise_1({429, 504}), "504")
    assert says(nb06.exercise_1("429"), "set of status")


def test_06_2_fault_header() -> None:
    assert right(nb06.exercise_2("status=429;retry_after=2;attempts=1"))
    assert right(nb06.exercise_2("attempts=1, retry_after=2, status=429"))
    assert says(nb06.exercise_2("status=529;retry_after=2;attempts=1"), "429")
    assert says(nb06.exercise_2("status=429;attempts=1"), "retry_after=2")
    assert says(nb06.exercise_2("status=429;retry_after=2"), "every attempt")
    assert says(nb06.exercise_2("status=429;retry_after=2;attempts=1;drop_after=3"), "drop_after")
    assert says(nb06.exercise_2("status:429"), "refuse")
    assert says(nb06.exercise_2({"status": 429}), "string")


def test_06_3_continuation_messages() -> None:
    prefill = nb06.PARTIAL.rstrip()
    assert right(nb06.exercise_3([*nb06.QUESTION, {"role": "assistant", "content": prefill}]))
    assert right(
        nb06.exercise_3([*nb06.QUESTION, {"role": "assistant", "content": [{"type": "text", "text": prefill}]}])
    )
    assert says(nb06.exercise_3([*nb06.QUESTION, {"role": "assistant", "content": nb06.PARTIAL}]), "whitespace")
    assert says(nb06.exercise_3([*nb06.QUESTION, {"role": "user", "content": prefill}]), "assistant")
    assert says(nb06.exercise_3([{"role": "assistant", "content": prefill}]), "question then one assistant")
    assert says(nb06.exercise_3([*nb06.QUESTION, {"role": "assistant", "content": "Server"}]), "exactly")


class _Silent:
    def update(self, event: Any, snapshot: Any) -> None:
        pass

    def close(self, snapshot: Any) -> None:
        pass


def _partial_text(fault: str, **options: Any) -> str:
    claude = Claude("offline", transport=ReplayTransport("plain_text", fault=fault), **options)
    with pytest.raises(ClaudeError) as caught:
        claude.stream(model="plain_text", max_tokens=64, messages=nb06.QUESTION, sink=_Silent())
    message = caught.value.message
    assert message is not None
    return str(message.text)


def test_06_4_what_the_real_client_keeps_is_right() -> None:
    assert right(nb06.exercise_4(_partial_text("error_after=10", max_reconnects=0)))
    assert says(nb06.exercise_4(_partial_text("error_after=5", max_reconnects=0)), "first 10 events")
    fold = StreamFold()
    fold.feed(load_fixture("plain_text").body)
    assert says(nb06.exercise_4(fold.close().text), "whole answer")
    assert says(nb06.exercise_4(ClaudeError("boom")), "err.message.text")
    assert says(nb06.exercise_4(42), "string")


# --- 07 -------------------------------------------------------------------------------------


def _write_fixture(path: Path, name: str, timed: bool = True) -> Path:
    events = load_fixture(name).events
    if timed:
        path.write_bytes(dumps(events, description="test"))
    else:
        path.write_bytes(b"".join(e.raw for e in events))
    return path


def test_07_1_a_recording(tmp_path: Path) -> None:
    assert right(nb07.exercise_1(_write_fixture(tmp_path / "unicode.sse", "unicode")))
    assert right(nb07.exercise_1(str(_write_fixture(tmp_path / "mine.sse", "unicode"))))
    assert says(nb07.exercise_1(_write_fixture(tmp_path / "plain.sse", "plain_text")), "model='unicode'")
    assert says(nb07.exercise_1(_write_fixture(tmp_path / "raw.sse", "unicode", timed=False)), "header")
    assert says(nb07.exercise_1(tmp_path / "missing.sse"), "no file")
    assert says(nb07.exercise_1(_write_fixture(tmp_path / "cut.sse", "connection_cut")), "not complete")
    assert says(nb07.exercise_1(12), "path")


def test_07_2_a_faulty_transport() -> None:
    assert right(nb07.exercise_2(ReplayTransport("tool_use", fault="drop_after=10")))
    assert says(nb07.exercise_2(ReplayTransport("tool_use", fault="drop_after=7")), "after 7 events")
    assert says(nb07.exercise_2(ReplayTransport("tool_use")), "ended normally")
    assert says(nb07.exercise_2(ReplayTransport("plain_text", fault="drop_after=10")), "tool_use")
    assert says(nb07.exercise_2(ReplayTransport("tool_use", fault="status=529")), "HTTP 529")
    assert says(nb07.exercise_2("drop_after=10"), "ReplayTransport")


PASSING_TEST = """
import httpx

def test_it(claude_replay_transport):
    with httpx.Client(transport=claude_replay_transport("tool_use", fault="status=429")) as client:
        assert client.post("https://api.anthropic.com/v1/messages", json={"messages": []}).status_code == 429
"""


def test_07_3_cheap_rejections() -> None:
    assert says(nb07.exercise_3("def helper():\n    pass\n"), "test_")
    assert says(nb07.exercise_3("def test_x():\n    assert True\n"), "claude_replay_transport")
    assert says(nb07.exercise_3(b"def test_x(): pass"), "string")


def test_07_3_runs_the_file() -> None:
    assert right(nb07.exercise_3(PASSING_TEST))
    failing = PASSING_TEST.replace("== 429", "== 200")
    verdict = nb07.exercise_3(failing)
    assert says(verdict, "1 failed")
    assert not re.search(r" in [0-9.]+s", verdict.why)  # no run time: the verdict is the same every run


# --- 08 -------------------------------------------------------------------------------------


def test_08_1_first_token_and_total() -> None:
    fold = StreamFold()
    for recorded in load_fixture("web_search").events:
        fold.feed(recorded.raw, recorded.time)
    snap = fold.close()
    first, total = snap.time_to_first_token, snap.total_time
    assert first is not None
    assert total is not None
    assert right(nb08.exercise_1((first, total)))
    assert right(nb08.exercise_1([round(first, 3), round(total, 3)]))
    assert says(nb08.exercise_1((total, first)), "swapped")
    assert says(nb08.exercise_1((0.598, total)), "first text")  # message_start is not a token
    assert says(nb08.exercise_1((first, 8.5)), "total")
    assert says(nb08.exercise_1(first), "pair")


def test_08_2_quadratic() -> None:
    assert right(nb08.exercise_2("b"))
    assert right(nb08.exercise_2("(B)"))
    assert says(nb08.exercise_2("a"), "2 x 2")
    assert says(nb08.exercise_2("c"))
    assert says(nb08.exercise_2("d"), "'a', 'b' or 'c'")


def test_08_3_longest_silence() -> None:
    times = [e.time for e in load_fixture("web_search").events if e.time is not None]
    longest = max(b - a for a, b in pairwise(times))
    assert right(nb08.exercise_3(longest))
    assert right(nb08.exercise_3(round(longest, 3)))
    assert says(nb08.exercise_3(times[0]), "first event")
    assert says(nb08.exercise_3(times[-1] - times[0]), "whole stream")
    assert says(nb08.exercise_3(0.5), "longest gap")
    assert says(nb08.exercise_3("long"), "number")


# --- 09 -------------------------------------------------------------------------------------


def test_09_1_headers() -> None:
    good = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    assert right(nb09.exercise_1(good))
    assert says(nb09.exercise_1({**good, "Content-Type": "application/json"}), "text/event-stream")
    assert says(nb09.exercise_1({k: v for k, v in good.items() if k != "Cache-Control"}), "no-cache")
    assert says(nb09.exercise_1({k: v for k, v in good.items() if k != "X-Accel-Buffering"}), "one more header")
    assert says(nb09.exercise_1({**good, "X-Accel-Buffering": "yes"}), "does not")
    assert says(nb09.exercise_1({**good, "content-length": "100"}), "content-length")
    assert says(nb09.exercise_1({**good, "content-encoding": "gzip"}), "compress")
    assert says(nb09.exercise_1(["x-accel-buffering: no"]), "dict")


_LINE_END = re.compile(rb"\r\n|\r|\n")


def good_reader(chunks: Iterable[bytes]) -> list[Any]:
    events, buffer, data = [], b"", []
    for chunk in chunks:
        buffer += chunk
        while (end := _LINE_END.search(buffer)) and not (end.group() == b"\r" and end.end() == len(buffer)):
            line, buffer = buffer[: end.start()].decode("utf-8"), buffer[end.end() :]
            if line == "":
                if data:
                    events.append(json.loads("\n".join(data)))
                data = []
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
    return events


def naive_reader(chunks: Iterable[bytes]) -> list[Any]:
    events = []
    for value in chunks:
        for part in value.decode("utf-8", errors="replace").split("\n\n"):
            line = next((x for x in part.split("\n") if x.startswith("data: ")), None)
            if line:
                events.append(json.loads(line[6:]))
    return events


def decode_each_chunk(chunks: Iterable[bytes]) -> list[Any]:
    """Buffers lines, but decodes every chunk on its own: multi-byte characters break."""
    events, buffer, data = [], "", []
    for chunk in chunks:
        buffer += chunk.decode("utf-8", errors="replace")
        *lines, buffer = re.split(r"\r\n|\r|\n", buffer)
        for line in lines:
            if line == "" and data:
                events.append(json.loads("\n".join(data)))
                data = []
            elif line.startswith("data: "):
                data.append(line[6:])
    return events


def lf_only(chunks: Iterable[bytes]) -> list[Any]:
    """Right about chunk boundaries, wrong about CRLF line ends."""
    events, buffer = [], b""
    for chunk in chunks:
        buffer += chunk
        *parts, buffer = buffer.split(b"\n\n")
        for part in parts:
            line = next((x for x in part.split(b"\n") if x.startswith(b"data: ")), None)
            if line is not None:
                events.append(json.loads(line[6:]))
    return events


def test_09_2_reader() -> None:
    assert right(nb09.exercise_2(good_reader))
    assert says(nb09.exercise_2(naive_reader), "chunks of 1,400 bytes", "raised")
    assert says(nb09.exercise_2(decode_each_chunk), "character cut in two")
    assert says(nb09.exercise_2(lf_only), "CRLF")
    assert says(nb09.exercise_2(lambda chunks: []), "0 events")
    assert says(nb09.exercise_2(good_reader([b"data: {}\n\n"])), "function itself")


def test_09_3_directive() -> None:
    assert right(nb09.exercise_3("proxy_buffering off;"))
    assert right(nb09.exercise_3("  Proxy_Buffering   off "))
    assert says(nb09.exercise_3("proxy_buffering on;"), "default")
    assert says(nb09.exercise_3("X-Accel-Buffering: no"), "nginx.conf")
    assert says(nb09.exercise_3("proxy_cache off;"), "not quite")
    assert says(nb09.exercise_3(None), "string")
