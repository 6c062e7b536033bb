"""Where tool functions run: threads for plain functions, an event loop for ``async def`` ones.

A launcher starts a call and, when it ends, hands an :class:`Outcome` to a ``report`` callback
(from whatever thread it ended on) and wakes the runner, which is waiting in :meth:`wait`.

- :class:`ThreadLauncher` (the sync runner): each plain function on its own daemon thread, so
  parallel calls overlap and a timed-out function that never returns cannot hold up the
  interpreter's exit (a ``ThreadPoolExecutor``'s workers would); coroutines on a private event
  loop in one more thread, since the caller may itself be inside a running loop (Jupyter).
- :class:`LoopLauncher` (the async runner): coroutines as tasks on the running loop, plain
  functions on daemon threads that report back through ``call_soon_threadsafe``.

Python cannot stop a thread: a timed-out plain function runs on, and its result is dropped.
A timed-out coroutine is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Cancel", "Launcher", "LoopLauncher", "Outcome", "Report", "ThreadLauncher"]


@dataclass(frozen=True)
class Outcome:
    """How a call ended: its value, or the exception it raised; and when."""

    value: Any = None
    error: BaseException | None = None
    ended_at: float = 0.0


Report = Callable[[Outcome], None]
Cancel = Callable[[], object]
Clock = Callable[[], float]


def _call(fn: Callable[..., Any], kwargs: dict[str, Any], clock: Clock, report: Report) -> None:
    try:
        value = fn(**kwargs)
    except BaseException as exc:  # a tool's failure is a result, whatever it raised
        report(Outcome(error=exc, ended_at=clock()))
        return
    report(Outcome(value, ended_at=clock()))


async def _acall(fn: Callable[..., Awaitable[Any]], kwargs: dict[str, Any], clock: Clock, report: Report) -> None:
    try:
        value = await fn(**kwargs)
    except asyncio.CancelledError:
        raise  # cancelled by the runner (a timeout): already settled
    except BaseException as exc:
        report(Outcome(error=exc, ended_at=clock()))
        return
    report(Outcome(value, ended_at=clock()))


def _thread(target: Callable[..., None], *args: Any) -> None:
    threading.Thread(target=target, args=args, name="csn-tool", daemon=True).start()


class Launcher(Protocol):
    """What a turn's tool batch needs: start a call, get told when it ends."""

    def start(self, fn: Callable[..., Any], kwargs: dict[str, Any], is_async: bool, report: Report) -> Cancel: ...


class ThreadLauncher:
    """For the sync runner; ``with ThreadLauncher(clock):`` closes the private loop."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._wake = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None

    def start(self, fn: Callable[..., Any], kwargs: dict[str, Any], is_async: bool, report: Report) -> Cancel:
        def deliver(outcome: Outcome) -> None:
            report(outcome)
            self._wake.set()

        if is_async:
            return asyncio.run_coroutine_threadsafe(_acall(fn, kwargs, self._clock, deliver), self._event_loop()).cancel
        _thread(_call, fn, kwargs, self._clock, deliver)
        return lambda: None

    def wait(self, timeout: float) -> None:
        """Until a call ends, or ``timeout`` seconds."""
        self._wake.wait(timeout)
        self._wake.clear()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            self._loop_thread = threading.Thread(target=loop.run_forever, name="csn-tool-loop", daemon=True)
            self._loop_thread.start()
            self._loop = loop
        return self._loop

    def close(self) -> None:
        """Cancel coroutines still running, stop and close the private loop."""
        loop, thread = self._loop, self._loop_thread
        if loop is None or thread is None:
            return
        self._loop = self._loop_thread = None
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_cancel_pending(), loop).result(timeout=2)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(2)
        if not thread.is_alive():
            loop.close()

    def __enter__(self) -> ThreadLauncher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LoopLauncher:
    """For the async runner, on the running loop; ``await aclose()`` cancels what still runs."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, fn: Callable[..., Any], kwargs: dict[str, Any], is_async: bool, report: Report) -> Cancel:
        if is_async:

            def deliver(outcome: Outcome) -> None:  # on the loop
                report(outcome)
                self._wake.set()

            task = self._loop.create_task(_acall(fn, kwargs, self._clock, deliver))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return task.cancel

        def deliver_threadsafe(outcome: Outcome) -> None:  # on the tool's thread
            report(outcome)
            with contextlib.suppress(RuntimeError):  # the loop closed while a timed-out call ran on
                self._loop.call_soon_threadsafe(self._wake.set)

        _thread(_call, fn, kwargs, self._clock, deliver_threadsafe)
        return lambda: None

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def aclose(self) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)


async def _cancel_pending() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=1)
    await asyncio.get_running_loop().shutdown_asyncgens()
