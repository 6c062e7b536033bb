"""Running the app on uvicorn: in a thread (notebooks, tests) or in the foreground (the CLI).

The listening socket is bound here, before uvicorn starts, so port 0 gives a free port whose
number is known at once, and clients that connect before the loop runs just wait in the backlog.
Logging: uvicorn's access log is off (the app logs its own line, without headers), uvicorn's
loggers are left unconfigured, and the error uvicorn logs for a deliberately dropped connection
is filtered out.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._plan import Dropped
from ._scenario import FakeAPI

if TYPE_CHECKING:
    import uvicorn

__all__ = ["RunningServer", "bind", "is_loopback", "make_server", "serve_in_thread"]


class _HideDrops(logging.Filter):
    """Drop uvicorn's "Exception in ASGI application" for connections cut on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], Dropped))


_HIDE_DROPS = _HideDrops()


def make_server(api: FakeAPI) -> uvicorn.Server:
    import uvicorn

    from ._app import create_app

    uvicorn_error = logging.getLogger("uvicorn.error")
    if _HIDE_DROPS not in uvicorn_error.filters:
        uvicorn_error.addFilter(_HIDE_DROPS)
    app = create_app(api)

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            app.state.stopping.set()  # open streams end now, as dropped connections
            await super().shutdown(sockets)

    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
    )
    return Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RunningServer:
    """A server on a background thread. ``with serve_in_thread() as url:`` or ``.url``/``.stop()``."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, url: str) -> None:
        self._server = server
        self._thread = thread
        self.url = url
        """The base URL, e.g. ``http://127.0.0.1:54321`` (give it to the SDK as ``base_url``)."""

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, end open streams (after at most 1 s) and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread.is_alive() else "stopped"
        return f"<RunningServer {self.url} {state}>"


def serve_in_thread(
    folder: str | Path | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api: FakeAPI | None = None,
    **options: Any,
) -> RunningServer:
    """Start the fake API on a daemon thread; return once it accepts connections.

    ``options`` are :class:`FakeAPI` options: ``default``, ``fault``, ``speed`` (``None``: instant),
    ``require_key`` (401 without a key; a string: only that key), ``max_body`` (413 past it).
    """
    api = api or FakeAPI.load(folder, **options)
    server = make_server(api)
    sock = bind(host, port)
    url = url_of(sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"fake API {url}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the fixture server on {url} did not start")
        time.sleep(0.002)
    return RunningServer(server, thread, url)
