"""The engine's own event loop, in a thread of its own.

Apart from :mod:`.runtime` (which pulls in httpx, the API client and the store) so the TUI can
start this loop, and paint its first frame, before any of those is imported.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    """A private event loop in a daemon thread, for the engine's work.

    The service is async but also does blocking work (SQLite, parsing a big odds page); run
    from the UI's own loop, a 2,000-fixture refresh would freeze the screen. ``await run(...)``
    from any loop hands the coroutine over and waits without blocking that loop; cancelling
    the waiter cancels the work.
    """

    def __init__(self, name: str = "oddsmon-engine") -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop is closed (the app is ending): the work never starts
            coro.close()
            raise
        return await asyncio.wrap_future(future)

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """From a thread that has no running loop (start-up, shutdown, tests)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def cancel_pending(self, timeout: float = 5.0) -> None:
        """Cancel the engine work still in flight and wait for it to unwind.

        Called before the engine closes its store: a fetch left pending would otherwise be
        torn down later by the garbage collector and write to a closed store."""
        if self.loop.is_closed() or not self.thread.is_alive():
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(timeout)

    def close(self, timeout: float = 5.0) -> None:
        if self.loop.is_closed():
            return
        self.cancel_pending(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)
        if not self.thread.is_alive():
            self.loop.close()
