"""The engine's one owner, checked: a store whose connection may be used from one thread only.

``store_owned_by(store, thread)`` makes every use of that store's connection from any other
thread raise, and records it (a screen's ``except Exception`` must not hide a violation from
the test). Applied to the engine's thread, it proves the UI thread never touches the store.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

import pytest

from oddsmon.store import Store
from tests.stores import sqlite_backend


@contextlib.contextmanager
def store_owned_by(store: Store, thread: threading.Thread) -> Iterator[list[str]]:
    db = sqlite_backend(store)
    cls = type(db)
    real = cls.conn
    assert isinstance(real, property) and real.fget is not None
    getter = real.fget
    violations: list[str] = []

    def owned(self: object) -> sqlite3.Connection:
        current = threading.current_thread()
        if self is db and current is not thread:
            violations.append(current.name)
            raise AssertionError(f"the store was used from {current.name}, not {thread.name}")
        conn: sqlite3.Connection = getter(self)
        return conn

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cls, "conn", property(owned))
        yield violations
    assert violations == [], f"store used off the engine's thread: {sorted(set(violations))}"
