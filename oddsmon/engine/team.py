"""A team's store as one host keeps up with it: a change another host makes to the shared
offline state reaches this process when it commits (LISTEN/NOTIFY), not at this process's next
read; and this host's copy of what it shows is kept up to date, to be served while the server
is away (store/hostcopy.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..clock import Clock
from ..store import STATE_TOPIC, Store, StoreError

if TYPE_CHECKING:
    from ..store import Listener

# How often the listening thread looks up from its socket to see whether it should stop (it
# sends nothing then), and how long it waits before listening again after losing the server.
_WAKE_S = 0.5
_RELISTEN_S = 5.0
# The copy is brought up to date after a page is shown, at most this often: what the host
# serves while the server is away is at most this much older than what it last showed.
COPY_EVERY_S = 60.0


class HostCopy:
    """Keeps this host's copy of a team's store after the pages it shows (the TUI's).

    The TUI's copy runs on a thread of its own (``in_background``): the first one is the whole
    of the copied tables (at 2,000 fixtures, millions of price rows), and the engine's loop
    serves the screens meanwhile. It reads the server and writes this host's file only, each
    through its own connection; one copy at a time."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._last = float("-inf")
        self._running = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> bool:
        return (self._clock.monotonic() - self._last >= COPY_EVERY_S and self._store.keeps_copy
                and self._store.away is None and not self._stop.is_set())

    def after_page(self) -> int | None:
        """Bring the copy up to date if it is due; the rows written, or None when not done
        (not due, no copy kept, another copy running, the server away or lost meanwhile)."""
        if not self.due() or not self._running.acquire(blocking=False):
            return None
        try:
            now = self._clock.monotonic()
            written = self._store.refresh_copy(self._clock.timestamp(), self._stop.is_set)
        except StoreError:
            return None  # the server lost half way: the copy is served, as it was last complete
        finally:
            self._running.release()
        if written is not None:
            self._last = now
        return written

    def in_background(self) -> None:
        """``after_page`` on a thread of its own, when due (the caller does not wait)."""
        if self.due():
            self._thread = threading.Thread(target=self.after_page, name="oddsmon-host-copy", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Before the store closes: a copy running ends after its batch (what it wrote stands,
        the next copy resumes from it), and none starts after."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class TeamWatch:
    """Calls ``on_change`` (from its own thread) each time another host announces a change of
    the offline state, and once after the server came back (what changed meanwhile)."""

    def __init__(self, store: Store, on_change: Callable[[], None]) -> None:
        self._store = store
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start listening; False on one host's store (nothing is announced: it is read)."""
        listener = self._store.listen([STATE_TOPIC])
        if listener is None:
            return False
        self._thread = threading.Thread(target=self._run, args=(listener,), name="oddsmon-team-watch",
                                        daemon=True)
        self._thread.start()
        return True

    def _run(self, listener: Listener) -> None:
        current: Listener | None = listener
        while not self._stop.is_set():
            try:
                if current is None:
                    current = self._store.listen([STATE_TOPIC])
                    self._on_change()  # what other hosts changed while we could not hear
                if current is not None and current.wait(_WAKE_S):
                    self._on_change()
            except StoreError:
                if current is not None:
                    current.close()
                current = None
                self._stop.wait(_RELISTEN_S)
        if current is not None:
            current.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(_WAKE_S * 4)
