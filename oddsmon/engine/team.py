"""A team's announcements: on a team's store, a change another host makes to the shared offline
state reaches this process when it commits (LISTEN/NOTIFY), not at this process's next read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..store import STATE_TOPIC, Store, StoreError

if TYPE_CHECKING:
    from ..store import Listener

# How often the listening thread looks up from its socket to see whether it should stop (it
# sends nothing then), and how long it waits before listening again after losing the server.
_WAKE_S = 0.5
_RELISTEN_S = 5.0


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
