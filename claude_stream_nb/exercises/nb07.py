"""Checks for ``07_record_replay_test``: a recording, a faulty transport, a test file that passes."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from ..core._sse import SSEDecoder
from ..core._stream import StreamFold
from ..sources._fixtures import MAGIC, load_fixture
from ._check import Verdict, check, unanswered

__all__ = ["exercise_1", "exercise_2", "exercise_3"]

_PLUGIN_FIXTURES = ("claude_replay_transport", "claude_fixture_server")
# Plugins a test of streaming code does not need; nbval's imports alone take seconds.
_QUICK = ("-p", "no:cacheprovider", "-p", "no:nbval", "-p", "no:hypothesispytest", "--color=no")


def exercise_1(answer: Any) -> Verdict:
    """The path of a recording of the ``unicode`` fixture, streamed from the local server."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, (str, Path)):
        return Verdict(False, f"answer with the path you passed as record= (a str or Path); got {answer!r}.")
    path = Path(answer)
    if not path.is_file():
        return Verdict(False, f"there is no file at {path}: did the stream() call with record= run?")
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        return Verdict(False, "the file does not start with the fixture header: write it with record=, not by hand.")
    fixture = load_fixture(path)
    if not fixture.timed:
        return Verdict(False, "some events have no `: t=` line: a recording keeps every event's arrival time.")
    fold = StreamFold()
    for recorded in fixture.chunks():
        fold.feed(recorded.raw, recorded.time)
    got, want = fold.close(), _final("unicode")
    if got.state != "complete":
        return Verdict(False, f"the recording ends {got.state}, not complete: record a stream without faults.")
    return check(
        got.text == want.text,
        f"{len(fixture.events)} events with their arrival times; it replays to the same answer.",
        "it replays, but not to the unicode answer: ask the server for model='unicode'.",
    )


def exercise_2(answer: Any) -> Verdict:
    """A ReplayTransport serving ``tool_use`` whose connection drops after 10 events."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    from ..fake_api._transport import ReplayTransport

    if not isinstance(answer, ReplayTransport):
        return Verdict(False, f"answer with a ReplayTransport(...); got {type(answer).__name__}.")
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 256,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
    events: list[str] = []
    decoder = SSEDecoder()
    try:
        with (
            httpx.Client(transport=answer, base_url="https://api.anthropic.com") as client,
            client.stream("POST", "/v1/messages", json=body) as response,
        ):
            if response.status_code != 200:
                return Verdict(
                    False, f"the transport answered HTTP {response.status_code}: the fault should come later."
                )
            for chunk in response.iter_bytes():
                events += [e.event for e in decoder.feed(chunk)]
    except httpx.RemoteProtocolError:
        dropped = True
    else:
        dropped = False
    if not dropped:
        return Verdict(False, f"the stream ended normally after {len(events)} events: add fault='drop_after=10'.")
    if len(events) != 10:
        return Verdict(False, f"the connection dropped after {len(events)} events, not 10.")
    return check(
        _last_block_type(answer) == "tool_use",
        "10 events, then the connection closes mid-body: what your code must survive.",
        "it drops after 10 events but does not serve tool_use: pass 'tool_use' as the first argument.",
    )


def exercise_3(answer: Any) -> Verdict:
    """The source of a pytest file using ``claude_replay_transport`` or ``claude_fixture_server``
    whose tests pass."""
    if (verdict := unanswered(answer)) is not None:
        return verdict
    if not isinstance(answer, str):
        return Verdict(False, "answer with the test file's source code, as a string.")
    if not re.search(r"def test_\w*\s*\(", answer):
        return Verdict(False, "pytest collects functions named test_...: define one.")
    if not any(name in answer for name in _PLUGIN_FIXTURES):
        return Verdict(False, "use the plugin: a test argument named claude_replay_transport or claude_fixture_server.")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "test_exercise.py"
        path.write_text(answer, encoding="utf-8")
        try:
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", *_QUICK, str(path)],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return Verdict(False, "pytest ran for over two minutes: does a test wait on a real network?")
    out = run.stdout.strip().splitlines()
    summary = out[-1] if out else run.stderr.strip()[-300:]
    passed = re.search(r"(\d+) passed", summary)
    if run.returncode != 0 or not passed:
        failure = next((line for line in out if line.startswith(("E ", "FAILED", "ERROR"))), summary)
        return Verdict(False, f"pytest says: {re.sub(r' in [0-9.]+s', '', summary)} -- {failure.strip()}")
    return Verdict(True, f"{passed.group(1)} passed, offline: your test runs in CI with no key and no network.")


def _final(name: str) -> Any:
    fold = StreamFold()
    for recorded in load_fixture(name).chunks():
        fold.feed(recorded.raw, recorded.time)
    return fold.close()


def _last_block_type(transport: Any) -> str | None:
    """The type of the last content block in the transport's default answer (faults off)."""
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 256,
        "stream": False,
        "messages": [{"role": "user", "content": "hi"}],
    }
    with httpx.Client(transport=transport, base_url="https://api.anthropic.com") as client:
        response = client.post("/v1/messages", json=body, headers={"x-fault": "none"})
    if response.status_code != 200:
        return None
    content = response.json().get("content") or []
    return content[-1].get("type") if content else None
