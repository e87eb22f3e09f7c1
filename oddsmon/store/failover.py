"""A team's server with this host's copy behind it: what a TUI on a team's store reads through.

While the server answers, every call goes to it, and the engine brings this host's copy (its
own SQLite file, ``paths.db``) up to date after the pages it shows (hostcopy.py). Once the
server cannot be reached (a statement fails for a lost connection, or it cannot be opened at
start), reads are served from the copy and writes are refused (``StoreWriteError``, whose line
says "team store unreachable: this host's copy from ..."): nothing is fetched that could not
be kept, and what a person writes is queued on the host by the parts that queue it (notes,
picks). ``reopen_writable`` tries the server again (the reader paces the tries, with backoff,
on the engine's clock); once it answers, the queued writes are sent and calls go to it again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..clock import utc_from_ts
from .backend import Health, StoreError, StoreUnreachable, StoreWriteError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .backend import Backend, Dialect, Listener, Params, Row, Tx
    from .postgres import PostgresBackend

# The host meta key holding when the copy was last brought up to date (POSIX seconds).
COPY_AT_KEY = "copy.at"


class TeamBackend:
    """The Backend protocol over a team's server (``server``, None while it cannot be reached)
    and this host's copy (``local``, the host store's own backend: not closed here)."""

    def __init__(self, server: PostgresBackend | None, local: Backend,
                 reconnect: Callable[[], PostgresBackend], on_back: Callable[[], None],
                 away: str | None = None) -> None:
        self.server = server
        self.local = local
        self.where = server.where if server is not None else away or "the team's store"
        self._reconnect = reconnect
        self._on_back = on_back
        self.away: str | None = away if server is None else None

    # -- which one answers ----------------------------------------------------------------------

    def _lose(self, exc: StoreUnreachable) -> None:
        self.away = str(exc)
        server, self.server = self.server, None
        if server is not None:
            # Closing a pool waits for its workers, which may be mid-connect: not on this thread.
            threading.Thread(target=server.close, name="oddsmon-pool-close", daemon=True).start()

    def problem(self) -> str:
        """The line a page and the sidebar say while the server is away."""
        at = self.copy_at()
        since = "" if at is None else f" from {utc_from_ts(at):%Y-%m-%d %H:%M} UTC"
        return f"team store unreachable: this host's copy{since} ({self.away})"

    def copy_at(self) -> float | None:
        row = self.local.query_one("SELECT value FROM meta WHERE key = ?", (COPY_AT_KEY,))
        try:
            return None if row is None else float(row[0])
        except ValueError:
            return None

    @property
    def dialect(self) -> Dialect:
        return self.local.dialect if self.server is None else self.server.dialect

    # -- the seam ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        if self.server is None:
            raise StoreWriteError(self.problem())
        try:
            with self.server.write() as tx:
                yield tx
        except StoreUnreachable as exc:
            self._lose(exc)
            raise StoreWriteError(self.problem()) from None

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        if self.server is not None:
            entered = False
            try:
                with self.server.read() as tx:
                    entered = True
                    yield tx
                return
            except StoreUnreachable as exc:
                self._lose(exc)
                if entered:  # lost half way: this read fails, the next ones read the copy
                    raise
        with self.local.read() as tx:
            yield tx

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        if self.server is not None:
            try:
                return self.server.query(sql, params)
            except StoreUnreachable as exc:
                self._lose(exc)
        return self.local.query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        server = self.server
        with self.local.hold(), (contextlib.nullcontext() if server is None else server.hold()):
            yield

    def remember(self, sql: str, params: Params, rows: list[Row]) -> None:
        (self.local if self.server is None else self.server).remember(sql, params, rows)

    def notify(self, tx: Tx, topic: str, payload: str = "") -> None:
        if self.server is not None:
            self.server.notify(tx, topic, payload)

    def listen(self, topics: Sequence[str]) -> Listener:
        if self.server is None:
            raise StoreUnreachable(self.problem())
        return self.server.listen(topics)

    def health(self) -> Health:
        if self.server is not None:
            return self.server.health()
        local = self.local.health()
        return Health(self.where, True, False, True, True, self.problem(), local.size_bytes, self.copy_at())

    def reopen_writable(self) -> bool:
        """The server again, if it answers: the queued writes are sent, and calls go to it."""
        if self.server is not None:
            return self.server.reopen_writable()
        try:
            server = self._reconnect()
        except StoreError as exc:
            self.away = str(exc)
            return False
        self.server, self.away = server, None
        self._on_back()
        return not server.read_only

    def integrity_check(self) -> str:
        return (self.local if self.server is None else self.server).integrity_check()

    def close(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.close()


def served(backend: Any) -> TeamBackend | None:
    """``backend`` when it is a team's server with a copy behind it, else None."""
    return backend if isinstance(backend, TeamBackend) else None
