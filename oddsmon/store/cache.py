"""Response cache: one row per request (endpoint + sorted params), holding the API's body."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from ..clock import utc_from_ts
from ..config import TTL_MAX_S
from .db import Database

_TS_MAX = 253402300799.0  # 9999-12-31T23:59:59Z, the last instant a datetime holds
ANY = "__any__"  # a parameter value that matches every value in latest_matching()


def cache_key(endpoint: str, params: Mapping[str, object]) -> str:
    """``/odds?league=39&page=2&season=2026``: stable whatever order params were given in.

    Only request parameters go in; the API key travels in a header and never reaches here.
    """
    query = urlencode(sorted((str(k), str(v)) for k, v in params.items()))
    return f"{endpoint}?{query}" if query else endpoint


def _expiry(fetched_at: datetime, ttl_s: float) -> float:
    return fetched_at.timestamp() + min(max(0.0, ttl_s), TTL_MAX_S)


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: str
    endpoint: str
    body: str
    fetched_at: datetime
    expires_at: datetime

    def json(self) -> object:
        return json.loads(self.body)

    def fresh_at(self, now: datetime) -> bool:
        return now < self.expires_at


class CacheStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    _SELECT = "SELECT key, endpoint, body, fetched_at, expires_at FROM cache"

    _SELECT_TIMES = "SELECT key, endpoint, '' AS body, fetched_at, expires_at FROM cache INDEXED BY cache_times"

    def _one(self, where: str, params: tuple[object, ...], select: str = _SELECT) -> CacheEntry | None:
        row = self.db.query_one(f"{select} {where}", params)
        if row is None:
            return None
        fetched, expires = row["fetched_at"], row["expires_at"]
        # A store written under a bad config (a TTL of 2^63) must not poison every later read:
        # an expiry out of range counts as expired, a fetch time out of range as never cached.
        if not isinstance(fetched, float | int) or not 0 <= fetched < _TS_MAX:
            return None
        if not isinstance(expires, float | int) or not fetched <= expires <= fetched + TTL_MAX_S:
            expires = fetched
        return CacheEntry(row["key"], row["endpoint"], row["body"],
                          utc_from_ts(fetched), utc_from_ts(expires))  # type: ignore[arg-type]

    def get(self, key: str, *, body: bool = True) -> CacheEntry | None:
        """``body=False``: the entry's times only (its body is left unread, ``""``)."""
        if not body:
            return self._one("WHERE key = ?", (key,), self._SELECT_TIMES)
        return self._one("WHERE key = ?", (key,))

    def put(self, key: str, endpoint: str, body: str, fetched_at: datetime, ttl_s: float) -> CacheEntry:
        self.put_many([(key, endpoint, body)], fetched_at, ttl_s)
        return CacheEntry(key, endpoint, body, fetched_at,
                          utc_from_ts(_expiry(fetched_at, ttl_s)))  # type: ignore[arg-type]

    def put_many(self, rows: list[tuple[str, str, str]], fetched_at: datetime, ttl_s: float) -> None:
        """Store (key, endpoint, body) entries fetched together, in one transaction."""
        expires = _expiry(fetched_at, ttl_s)
        with self.db.write() as tx:
            tx.executemany(
                # The size goes beside the body (triggers keep the total): counting the cache
                # never reads a body.
                "INSERT INTO cache (key, endpoint, body, fetched_at, expires_at, size) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET body=excluded.body, fetched_at=excluded.fetched_at, "
                "expires_at=excluded.expires_at, size=excluded.size",
                [(key, endpoint, body, fetched_at.timestamp(), expires, len(body))
                 for key, endpoint, body in rows],
            )

    def latest_matching(self, endpoint: str, key_pattern: str) -> CacheEntry | None:
        """Newest entry whose key matches ``key_pattern``, where ``ANY`` stands for any value.

        Lets an offline read of a date-windowed page fall back to the last window cached.
        """
        like = (key_pattern.replace(ANY, "\x00").replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_").replace("\x00", "%"))
        return self._one("WHERE endpoint = ? AND key LIKE ? ESCAPE '\\' ORDER BY fetched_at DESC LIMIT 1",
                         (endpoint, like))

    def bodies(self, endpoint: str) -> Iterator[str]:
        """The cached bodies of one endpoint, oldest fetch first, one at a time."""
        for (key,) in self.db.query("SELECT key FROM cache WHERE endpoint = ? ORDER BY fetched_at", (endpoint,)):
            entry = self.get(key)
            if entry is not None:
                yield entry.body
    def fetched_times(self, endpoint: str) -> dict[str, datetime]:
        """When each entry of ``endpoint`` was fetched, by key, without reading the bodies."""
        rows = self.db.query("SELECT key, fetched_at FROM cache WHERE endpoint = ?", (endpoint,))
        return {r[0]: utc_from_ts(r[1]) for r in rows}  # type: ignore[misc]

    def results(self, key: str) -> int | None:
        """The ``results`` count of a cached envelope (JSON read by SQLite: no body copy)."""
        row = self.db.query_one("SELECT json_extract(body, '$.results') FROM cache WHERE key = ?", (key,))
        return row[0] if row is not None and isinstance(row[0], int) else None

    def stats(self) -> tuple[int, int]:
        """(entries, bytes of cached bodies): the running total, flat in the store's size."""
        row = self.db.query_one("SELECT entries, bytes FROM cache_totals WHERE id = 1")
        return (row[0], row[1]) if row else (0, 0)

    def newest_by_endpoint(self) -> dict[str, datetime]:
        rows = self.db.query("SELECT endpoint, max(fetched_at) FROM cache GROUP BY endpoint")
        return {r[0]: utc_from_ts(r[1]) for r in rows}  # type: ignore[misc]

    def purge(self) -> int:
        with self.db.write() as tx:
            return tx.execute("DELETE FROM cache").rowcount
