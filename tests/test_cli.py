"""The command line, end to end through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claude_stream_nb.core._stream import StreamFold
from claude_stream_nb.sources._fixtures import bundled_fixtures, load_fixture

from .streams import encode, message_start, start, text, text_stream

CLI = [sys.executable, "-m", "claude_stream_nb.cli"]


def run(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*CLI, *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def final_message(name: str) -> dict[str, object]:
    fold = StreamFold()
    fold.feed(load_fixture(name).body)
    return fold.close().to_message()


def test_list_names_every_bundled_fixture_with_its_description() -> None:
    result = run("list")
    assert result.returncode == 0
    for name, description in bundled_fixtures():
        assert any(line.startswith(name) and description in line for line in result.stdout.splitlines())


@pytest.mark.parametrize("name", [name for name, _ in bundled_fixtures()])
def test_every_bundled_fixture_replays_as_json_equal_to_the_fold(name: str) -> None:
    result = run("replay", name, "--json")
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout) == final_message(name)
    expected = 0 if name not in ("error_overloaded", "connection_cut", "xss") else 1
    assert result.returncode == expected, result.stderr


def test_replay_shows_thinking_text_and_tool_arguments_then_a_status_line() -> None:
    result = run("replay", "thinking_tool_use", "--instant")
    assert result.returncode == 0
    out = result.stdout
    assert out.index("💭 thinking") < out.index("Let me check") < out.index("⚙ get_weather")
    assert '→ input {"city": "Paris", "unit": "celsius"}' in out
    status = out.strip().splitlines()[-1]
    assert status.startswith("■ tool_use")
    fold = StreamFold()
    for chunk in load_fixture("thinking_tool_use").events:
        fold.feed(chunk.raw, chunk.time)
    snap = fold.close()
    usage = snap.usage
    tokens = f"{usage['input_tokens']} in / {usage['output_tokens']} out tokens"
    for part in (
        tokens,
        f"first token {snap.time_to_first_token:.2f} s",
        "tokens/s",
        f"{snap.total_time:.2f} s total",
    ):
        assert part in status


def test_replay_keeps_the_recorded_timing_scaled_by_speed() -> None:
    duration = load_fixture("plain_text").events[-1].time or 0
    began = time.monotonic()
    assert run("replay", "plain_text", "--speed", "4").returncode == 0
    took = time.monotonic() - began
    assert duration / 4 <= took < duration / 4 + 3  # interpreter start-up is the slack


def test_events_prints_the_raw_log_with_times() -> None:
    result = run("replay", "plain_text", "--events", "--instant")
    lines = result.stdout.splitlines()
    assert lines[0].split()[1:] == ["event:", "message_start"]
    assert lines[0].split()[0].endswith("s")
    assert any('data: {"type":"content_block_delta"' in line for line in lines)
    assert sum("event: " in line for line in lines) == len(load_fixture("plain_text").events)


def test_events_marks_unknown_event_types() -> None:
    result = run("replay", "unknown_events", "--events", "--instant")
    assert result.returncode == 0
    assert "← unknown" in result.stdout


def test_stdin_is_rendered_as_it_arrives() -> None:
    body = encode(text_stream("first ", "second"))
    cut = body.index(b"event: content_block_delta", body.index(b"first") + 1)
    with subprocess.Popen([*CLI, "replay", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(body[:cut])
        proc.stdin.flush()
        seen = b""
        deadline = time.monotonic() + 20
        while b"first" not in seen and time.monotonic() < deadline:
            seen += proc.stdout.read1(100)  # arrives while stdin is still open
        assert b"first" in seen
        assert b"second" not in seen
        proc.stdin.write(body[cut:])
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=20) == 0
    assert b"second" in rest
    assert b"end_turn" in rest


def test_a_fixture_file_path_and_a_plain_capture_both_replay(tmp_path: Path) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_bytes(load_fixture("plain_text").body)  # no header, no timing comments
    result = run("replay", str(capture), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == final_message("plain_text")


BAD_INPUTS = {
    "empty": (b"", "empty input"),
    "not_sse": (b"<html><body>502 Bad Gateway</body></html>\n", "does not look like an event stream"),
    "binary": (bytes(range(256)) * 4, "does not look like an event stream"),
    "bad_json": (
        encode(text_stream("before")[:3]) + b"event: content_block_delta\ndata: {oops\n\n",
        "event 4, byte ",
    ),
    "orphan_delta": (
        encode([message_start(), start(0, {"type": "text", "text": ""}), text(0, "before"), text(7, "x")]),
        "block 7, which never started",
    ),
    "bad_utf8": (
        encode(text_stream("before")[:3]) + b'event: ping\ndata: {"a": "\xff"}\n\n',
        "invalid UTF-8",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gets_one_clear_line_and_keeps_what_came_before(tmp_path: Path, case: str) -> None:
    data, message = BAD_INPUTS[case]
    path = tmp_path / f"{case}.sse"
    path.write_bytes(data)
    result = run("replay", str(path), "--instant")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1
    assert errors[0].startswith("claude-stream-nb: ")
    assert message in errors[0]
    if b"before" in data:
        assert "before" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "no_such_fixture"], "no bundled fixture named 'no_such_fixture'"),
        (["replay", "/no/such/file.sse"], "no such file: /no/such/file.sse"),
        (["replay", "/"], "is a directory"),
        (["replay", "plain_text", "--speed", "0"], "speed must be positive"),
        (["replay", "plain_text", "--speed", "fast"], "not a number"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("error_overloaded", "■ error overloaded_error: Overloaded"),
        ("connection_cut", "■ incomplete: the stream was cut inside event"),
    ],
)
def test_failed_streams_are_reported_in_the_status_line_with_status_1(name: str, status: str) -> None:
    result = run("replay", name, "--instant")
    assert result.returncode == 1
    assert status in result.stdout.strip().splitlines()[-1]
    fold = StreamFold()
    fold.feed(load_fixture(name).body)
    kept = fold.close().text
    assert kept[:40] in result.stdout


def test_model_output_cannot_send_terminal_escapes(tmp_path: Path) -> None:
    path = tmp_path / "ansi.sse"
    path.write_bytes(encode(text_stream("red \x1b[31malert\x1b[0m \x07bell")))
    result = run("replay", str(path), "--instant")
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
    assert "\\x1b[31malert" in result.stdout


# --- how a stream ends: warnings exit 0, every non-zero exit says why ---------------------------


def _complete_stream() -> bytes:
    return encode(text_stream("whole answer"))


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("mode", [["--json"], ["--instant"], ["--events"]])
def test_a_last_event_without_its_blank_line_completes_with_a_warning(
    tmp_path: Path, source: str, mode: list[str]
) -> None:
    body = _complete_stream()
    assert body.endswith(b'data: {"type":"message_stop"}\n\n')
    cut = body[:-2]  # `data: {"type":"message_stop"}` then EOF, as the API docs' examples end
    path = tmp_path / "no_blank_line.sse"
    path.write_bytes(cut)
    result = run("replay", "-", *mode, stdin=cut) if source == "stdin" else run("replay", str(path), *mode)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    events = cut.count(b"event: ")
    (warning,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert warning.startswith("claude-stream-nb: warning: ")
    assert f"final blank line after event {events}" in warning
    assert f"byte {len(cut)}" in warning
    if mode == ["--json"]:
        whole = StreamFold()
        whole.feed(body)
        assert json.loads(result.stdout) == whole.close().to_message()
    else:
        assert "■ end_turn" in result.stdout
        assert "⚠ warning:" in result.stdout  # the terminal shows it too


def test_a_stream_cut_inside_an_events_data_exits_1_saying_where(tmp_path: Path) -> None:
    body = _complete_stream()
    at = body.index(b'"text":"whole') + 5
    path = tmp_path / "cut.sse"
    path.write_bytes(body[:at])
    for mode in ("--json", "--instant"):
        result = run("replay", str(path), mode)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        event_start = body.rindex(b"event: ", 0, at)
        number = body[:event_start].count(b"event: ") + 1
        assert f"cut inside event {number} at byte {event_start}" in lines[0]


def test_an_error_event_exits_1_saying_why_with_json() -> None:
    result = run("replay", "error_overloaded", "--json")
    assert result.returncode == 1
    assert "overloaded_error" in result.stderr
    assert json.loads(result.stdout)["content"]


def test_bytes_after_message_stop_are_a_warning_naming_offset_and_preview(tmp_path: Path) -> None:
    body = _complete_stream() + b"event: stray\ndata: {\"partial"
    path = tmp_path / "trailing.sse"
    path.write_bytes(body)
    result = run("replay", str(path), "--json")
    assert result.returncode == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert "warning:" in warning
    assert f"byte {len(_complete_stream())}" in warning
    assert "after the message_stop event" in warning
    assert "event: stray" in warning


def test_the_command_line_starts_without_loading_asyncio_httpx_or_widgets() -> None:
    # A replay from the shell is mostly start-up: the event loop, the HTTP client and the
    # notebook view load only where they are used.
    heavy = "{'asyncio', 'ssl', 'httpx', 'markdown_it', 'ipywidgets', 'anywidget', 'IPython', 'uvicorn'}"
    code = f"import sys, claude_stream_nb.cli; print(sorted({heavy} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
