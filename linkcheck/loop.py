"""The event loop a command runs on, and the signals that interrupt it.

Each stage's concurrency is its own (the checker's workers and hosts, the Wayback client's
slots); this module only runs a stage's coroutine and turns SIGINT and SIGTERM into its
cancellation, so that the stage can keep what it has.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["Interrupt", "run_async"]

T = TypeVar("T")


class Interrupt:
    """Turns SIGINT and SIGTERM into a cancellation of the running stage, so that it can keep
    what it has; `signal` tells which one arrived (None: none did)."""

    def __init__(self) -> None:
        self.signal: signal.Signals | None = None
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> Interrupt:
        """From here on a signal is remembered even before the event loop runs (loading the
        registry, say): the stage then stops as soon as it starts, instead of the process dying
        mid-way with the default action."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._early)
            except ValueError:  # not the main thread
                pass
        return self

    def __exit__(self, *exc_info: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _early(self, signum: int, frame: object) -> None:
        if self.signal is None:
            self.signal = signal.Signals(signum)

    def install(self, task: asyncio.Task[Any]) -> Callable[[], None]:
        loop = asyncio.get_running_loop()
        if self.signal is not None:  # it came before the loop ran
            loop.call_soon(task.cancel)
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._trigger, sig, task)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                pass

        def remove() -> None:
            for sig in installed:
                loop.remove_signal_handler(sig)

        return remove

    def _trigger(self, sig: signal.Signals, task: asyncio.Task[Any]) -> None:
        if self.signal is None:
            self.signal = sig
            task.cancel()


def run_async(coroutine: Coroutine[Any, Any, T], interrupt: Interrupt | None = None) -> T:
    """Run on uvloop where it exists (about 15 % less CPU per check), else on asyncio's loop.
    With `interrupt`, SIGINT and SIGTERM cancel the coroutine, which decides what to keep."""

    async def main() -> T:
        task = asyncio.current_task()
        remove = interrupt.install(task) if interrupt is not None and task is not None else None
        try:
            return await coroutine
        finally:
            if remove is not None:
                remove()

    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    return uvloop.run(main())
