"""A scripted HTTP server on 127.0.0.1 for the live client's tests: it answers with exactly the
bytes a test gives it (cut, stalled or slow when asked) and keeps every request it got."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SSE = "text/event-stream; charset=utf-8"


@dataclass
class Answer:
    """One response: ``body`` sent whole, or only its first ``cut`` bytes before the connection
    closes (``content-length`` still says the whole); ``stall`` seconds of silence after
    ``stall_at`` bytes; ``delay`` before the head."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = SSE
    headers: dict[str, str] = field(default_factory=dict)
    cut: int | None = None
    stall: float = 0.0
    stall_at: int = 0
    delay: float = 0.0

    @property
    def sent(self) -> bytes:
        """The body bytes that actually go out."""
        return self.body if self.cut is None else self.body[: self.cut]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.script.requests.append(Seen("POST", url.path, parse_qs(url.query), headers, body))
        answer = self.server.script.next()
        time.sleep(answer.delay)
        self.send_response(answer.status)
        if answer.content_type is not None:
            self.send_header("content-type", answer.content_type)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(answer.body)))
        if answer.cut is not None:
            self.send_header("connection", "close")
        self.end_headers()
        sent = answer.sent
        if answer.stall:
            self.wfile.write(sent[: answer.stall_at])
            self.wfile.flush()
            time.sleep(answer.stall)
            sent = sent[answer.stall_at :]
        try:
            self.wfile.write(sent)
            self.wfile.flush()
        except OSError:
            return  # the client gave up (a timeout under test)
        if answer.cut is not None:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:  # quiet, and never headers
        pass


class Script:
    """The answers, in order (the last one repeats), and the requests seen."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[Seen] = []
        self._lock = threading.Lock()

    def next(self) -> Answer:
        with self._lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: Script


class Loopback:
    """``with Loopback() as server: server.play(Answer(...)); ... server.url``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.script = Script(Answer())
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def play(self, *answers: Answer) -> Script:
        self._server.script = Script(*answers)
        return self._server.script

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def loopback() -> Iterator[Loopback]:
    with Loopback() as server:
        yield server
