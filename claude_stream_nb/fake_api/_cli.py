"""``claude-stream-nb serve``: the fake API in the foreground, with a banner and a request log.

Importing this module is cheap (no starlette, no uvicorn) so the CLI's parser can use it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from ._scenario import FakeAPI
from ._validate import MAX_BODY

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder", nargs="?", help="a folder of *.sse fixtures (and scenarios/*.json), added to the bundled ones"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1 only)")
    parser.add_argument("--speed", type=positive_float, default=1.0, help="replay speed (default 1: as recorded)")
    parser.add_argument("--instant", action="store_true", help="no pacing at all (faults still take time)")
    parser.add_argument("--default", help="fixture or scenario for requests that name none (default: workshop)")
    parser.add_argument("--fault", help="faults for every request, e.g. 'status=529;retry_after=2'")
    parser.add_argument(
        "--require-key",
        action="store_true",
        help="answer 401 to requests without an API key (x-api-key or Authorization: Bearer), as the API does; "
        "off by default, so curl works without one",
    )
    parser.add_argument(
        "--max-body",
        type=positive_int,
        default=MAX_BODY,
        metavar="BYTES",
        help=f"answer 413 to bodies larger than this (default {MAX_BODY}: the API's 32 MB)",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log")
    parser.set_defaults(run=main)


def positive_float(text: str) -> float:
    """argparse type: a speed factor (> 0)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"speed must be positive, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a size in bytes (> 0)."""
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of bytes, got {text!r}")
    return int(text)


def main(args: argparse.Namespace) -> int:
    try:
        speed = None if args.instant else args.speed
        api = FakeAPI.load(
            args.folder,
            default=args.default,
            fault=args.fault,
            speed=speed,
            require_key=args.require_key,
            max_body=args.max_body,
        )
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    try:
        from ._run import bind, is_loopback, make_server, url_of

        server = make_server(api)
    except ImportError as exc:
        return _fail(f"{exc.name} is missing: pip install 'claude-stream-nb[serve]'")
    if not is_loopback(args.host):
        print(f"WARNING: listening on {args.host}: anyone who can reach this machine can use it.", file=sys.stderr)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc} (try --port 0)")
    url = url_of(sock)
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        log = logging.getLogger("claude_stream_nb.fake_api")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    print(_banner(url, api), flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down first, then re-raises Ctrl-C
        server.run(sockets=[sock])
    print("claude-stream-nb serve: stopped", flush=True)
    return 0


def _banner(url: str, api: FakeAPI) -> str:
    speed = "instant" if api.speed is None else f"{api.speed:g}x"
    body = '{"model": "tool_use", "max_tokens": 1024, "stream": true, "messages": [{"role": "user", "content": "hi"}]}'
    return "\n".join(
        [
            f"Fake Messages API on {url}  ({len(api.fixtures)} fixtures, {len(api.scenarios)} scenarios, "
            f"speed {speed}, default {api.default})",
            f'  Python SDK:  anthropic.Anthropic(base_url="{url}", api_key="offline")',
            f"  environment: export ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=offline",
            f"  curl:        curl -N {url}/v1/messages -H 'content-type: application/json' -d '{body}'",
            f"  fixtures:    curl {url}/v1/models   (use a name as the model, or send x-fixture: NAME)",
            "  faults:      send x-fault: drop_after=7 (or status=529;retry_after=2, error_after=5, stall=3, ...)",
            "  checks:      requests are checked as the API checks them (400: unknown key, missing field); "
            + ("an API key is required" if api.require_key else "no key needed (--require-key: 401 without one)"),
            "Ctrl-C stops it.",
        ]
    )


def _fail(message: str) -> int:
    print(f"claude-stream-nb serve: {message}", file=sys.stderr)
    return 2
