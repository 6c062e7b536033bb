"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claude_stream_nb.fake_api import serve_in_thread


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The URL of the fake Messages API on loopback, instant (``speed=None``), one per module.
    Modules that need another server (a scripted loopback one) define their own ``server``."""
    running = serve_in_thread(speed=None)
    try:
        yield running.url
    finally:
        running.stop()
