"""The ``claude-stream-nb`` command.

Exit status: 0 the stream completed; 1 it ended in an ``error`` event, was cut short or
stopped; 2 the input was bad (not SSE, bad JSON, broken protocol) or the command line was;
everything decoded before a problem is still shown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from .core._snapshot import Snapshot
from .core._stream import Sink
from .core._summary import outcome
from .fake_api import add_arguments as add_serve_arguments
from .fake_api._cli import positive_float
from .sinks._terminal import EventLog, TerminalRenderer
from .sources._fixtures import Fixture, bundled_fixtures, load_fixture
from .sources._replay import Pacer, consume_recording, replay_chunks

PROG = "claude-stream-nb"


class UsageError(Exception):
    """A problem with what the user asked for: one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except UsageError as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    except Exception as exc:  # never a bare traceback; CLAUDE_STREAM_NB_DEBUG=1 shows it
        if os.environ.get("CLAUDE_STREAM_NB_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set CLAUDE_STREAM_NB_DEBUG=1 for details)")
        return 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="See the Claude streaming protocol as it arrives.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    replay = sub.add_parser(
        "replay",
        help="play a recorded stream (bundled name, file, or - for stdin)",
        description="Play a recorded stream in the terminal with its original timing.",
    )
    replay.add_argument("source", help="a bundled fixture name (see `list`), a file, or - to read stdin live")
    replay.add_argument("--speed", type=positive_float, default=1.0, help="playback speed factor, e.g. 0.25, 2, 10")
    replay.add_argument("--instant", action="store_true", help="no delays")
    mode = replay.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the final message as JSON (no delays)")
    mode.add_argument("--events", action="store_true", help="print the raw event log with times")
    replay.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="force colour on/off")
    timeline_help = "then a timeline of the blocks at their recorded times (with --json: on stderr)"
    replay.add_argument("--timeline", action="store_true", help=timeline_help)
    replay.set_defaults(run=_replay)

    listing = sub.add_parser("list", help="list the bundled fixtures")
    listing.set_defaults(run=_list)

    serve = sub.add_parser(
        "serve",
        help="run a fake Messages API that replays fixtures (offline workshops, tests)",
        description="Serve recorded fixtures as the Messages API on 127.0.0.1, with their timing and faults.",
    )
    add_serve_arguments(serve)  # sets run=claude_stream_nb.fake_api.main

    record = sub.add_parser(
        "record",
        help="stream a request live from the API and save it as a fixture",
        description="Send a Messages API request (a JSON file, or - for stdin) with streaming on, show the stream, "
        "and save it in the fixture format. The key comes from ANTHROPIC_API_KEY (never written to the file); "
        "ANTHROPIC_BASE_URL points it at a gateway or the fixture server.",
    )
    record.add_argument("request", help="a JSON file with the request body (model, max_tokens, messages, ...)")
    record.add_argument("-o", "--output", required=True, help="the fixture file to write")
    record.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="force colour on/off")
    record.set_defaults(run=_record)
    return parser


def _record(args: argparse.Namespace) -> int:
    from .live import ClaudeError, stream

    try:
        text = sys.stdin.read() if args.request == "-" else Path(args.request).read_text(encoding="utf-8")
        request = json.loads(text)
    except OSError as exc:
        raise UsageError(f"cannot read {args.request}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{args.request} is not JSON: {exc}") from None
    if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
        raise UsageError(f"{args.request}: expected a JSON object with model, max_tokens and messages")
    request.pop("stream", None)
    from .sources.http._options import API_PARAMETERS

    # The file is the body as written: keys this client does not name go as they are (extra_body).
    extra = {key: request.pop(key) for key in list(request) if key not in API_PARAMETERS}
    try:
        sink = TerminalRenderer(sys.stdout, color=args.color)
        message = stream(record=args.output, sink=sink, extra_body=extra or None, **request)
    except ClaudeError as exc:
        _err(str(exc))
        return 1
    print(f"saved {args.output}", file=sys.stderr)
    return 0 if message.state == "complete" else 1


def _list(args: argparse.Namespace) -> int:
    fixtures = bundled_fixtures()
    width = max((len(name) for name, _ in fixtures), default=0)
    for name, description in fixtures:
        print(f"{name:<{width}}  {description}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    out: TextIO = sys.stdout
    sinks: list[Sink]
    if args.json:
        sinks = []
    elif args.events:
        sinks = [EventLog(out, color=args.color)]
    else:
        sinks = [TerminalRenderer(out, color=args.color)]
    if args.timeline:
        from .sinks._timeline import Timeline

        sinks.append(timeline := Timeline())
    fixture = None if args.source == "-" else _load(args.source)
    chunks = _stdin_chunks() if fixture is None else _file_chunks(fixture, args)
    snap = consume_recording(chunks, sinks, fixture.seams if fixture is not None else ())
    if args.json:
        json.dump(snap.to_message(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    if args.timeline:
        (sys.stderr if args.json else out).write(timeline.text())
    return _report(snap)


def _load(source: str) -> Fixture:
    try:
        return load_fixture(source)
    except FileNotFoundError as exc:
        raise UsageError(str(exc) if exc.filename is None else f"no such file: {exc.filename}") from None
    except IsADirectoryError:
        raise UsageError(f"{source} is a directory, not a fixture file") from None
    except PermissionError:
        raise UsageError(f"cannot read {source}: permission denied") from None


def _file_chunks(fixture: Fixture, args: argparse.Namespace) -> Iterator[tuple[bytes, float | None]]:
    if args.json:  # the final message holds no times and does not depend on chunking: one chunk, no pacing
        return iter([(fixture.body, None)])
    pacer = Pacer(args.speed, instant=args.instant)
    return ((chunk.raw, chunk.time) for chunk in replay_chunks(fixture, pacer))


def _stdin_chunks() -> Iterator[tuple[bytes, float | None]]:
    """Whatever arrives on stdin, as it arrives, stamped with its arrival time."""
    fd = sys.stdin.fileno()
    start = time.monotonic()
    while chunk := os.read(fd, 65536):
        yield chunk, time.monotonic() - start


def _report(snap: Snapshot) -> int:
    """Every problem on stderr (warnings too); a non-zero status always says why."""
    for problem in snap.problems:
        _err(str(problem))
    if any(problem.severity == "error" for problem in snap.problems):
        return 2
    if snap.state == "complete":
        return 0
    _err(f"the stream did not complete: {outcome(snap)}")
    return 1


def _err(message: str) -> None:
    sys.stdout.flush()
    print(f"{PROG}: {message}", file=sys.stderr)


def _quiet_stdout() -> None:
    # The reader went away (e.g. `| head`): stop writing without a second error at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
