"""Response cache: one row per request (its kind + sorted params), holding the provider's body."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from urllib.parse import urlencode

from ..clock import utc_from_ts
from ..config import TTL_MAX_S
from ..records import record
from ..text import json_too_deep
from .backend import in_lists

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend

_TS_MAX = 253402300799.0  # 9999-12-31T23:59:59Z, the last instant a datetime holds
ANY = "__any__"  # a parameter value that matches every value in latest_matching()
# Bodies from this size on are kept zlib-compressed (a BLOB where a short body stays TEXT): a
# real-size odds page is about 80 KB a fixture of repetitive JSON that shrinks about 8x, and
# the store would otherwise be bigger than what was received. Level 2: on real-size odds items
# as fast as level 1 (about 4 ms a MB, a tenth less than level 3's) for 0.126 of the size,
# where level 1 keeps 0.146 and level 3 0.113; a warm of hundreds of MB pays it on every page.
_COMPRESS_FROM = 4096
_COMPRESS_LEVEL = 2
# The envelope's "results" comes before its "response": the head of a body is enough to read it.
_RESULTS = re.compile(rb'"results"\s*:\s*(\d+)')
_HEAD_BYTES = 4096


def _pack(body: str | bytes, text: bool) -> str | bytes:
    """What the row holds: a short body as text (as UTF-8 bytes where the backend's column
    holds one type, ``text`` False), a longer one compressed (a body may come as the UTF-8
    bytes received, kept as they are)."""
    if len(body) < _COMPRESS_FROM:
        if text:
            return body if isinstance(body, str) else body.decode()
        return body if isinstance(body, bytes) else body.encode()
    return zlib.compress(body if isinstance(body, bytes) else body.encode(), _COMPRESS_LEVEL)


def _compressed(stored: bytes, text: bool) -> bool:
    """Whether stored bytes are a compressed body: always beside text bodies; else when they
    open with a zlib header (RFC 1950: method 8, a multiple of 31), which no JSON text does."""
    return text or (len(stored) > 1 and stored[0] & 0x0F == 8 and (stored[0] << 8 | stored[1]) % 31 == 0)


def _unpack(stored: object, text: bool) -> str:
    """A stored body as the text received. A blob that does not inflate is read as an empty
    body (a page that does not parse), like any other damaged body."""
    if isinstance(stored, bytes):
        try:
            return zlib.decompress(stored).decode() if _compressed(stored, text) else stored.decode()
        except (zlib.error, UnicodeDecodeError):
            return ""
    return stored if isinstance(stored, str) else ""


def cache_key(kind: str, params: Mapping[str, object]) -> str:
    """``odds?league=39&season=2026``: stable whatever order params were given in.

    Only request parameters go in; the API key travels in a header and never reaches here.
    """
    query = urlencode(sorted((str(k), str(v)) for k, v in params.items()))
    return f"{kind}?{query}" if query else kind


def _expiry(fetched_at: datetime, ttl_s: float) -> float:
    return fetched_at.timestamp() + min(max(0.0, ttl_s), TTL_MAX_S)


@record
class CacheEntry:
    key: str
    kind: str
    body: str
    fetched_at: datetime
    expires_at: datetime

    def json(self) -> object:
        return json.loads(self.body)

    def fresh_at(self, now: datetime) -> bool:
        return now < self.expires_at


class CacheStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # Read from the backend at each use: a team's store answers from the server or, while it
    # is away, from this host's copy, which spell these differently (store/failover.py).
    @property
    def _text(self) -> bool:
        return self.db.dialect.text_bodies

    @property
    def _select_times(self) -> str:
        # Covers a read of an entry's times: the columns after the body sit past its overflow
        # pages, which a read by the primary key would walk.
        return "SELECT key, kind, '' AS body, fetched_at, expires_at FROM cache " + self.db.dialect.index_hint("cache_times")

    _SELECT = "SELECT key, kind, body, fetched_at, expires_at FROM cache"

    def _one(self, where: str, params: tuple[object, ...], select: str = _SELECT) -> CacheEntry | None:
        row = self.db.query_one(f"{select} {where}", params)
        if row is None:
            return None
        key, kind, body, fetched, expires = row
        # A store written under a bad config (a TTL of 2^63) must not poison every later read:
        # an expiry out of range counts as expired, a fetch time out of range as never cached.
        if not isinstance(fetched, float | int) or not 0 <= fetched < _TS_MAX:
            return None
        if not isinstance(expires, float | int) or not fetched <= expires <= fetched + TTL_MAX_S:
            expires = fetched
        return CacheEntry(key, kind, _unpack(body, self._text),
                          utc_from_ts(fetched), utc_from_ts(expires))  # type: ignore[arg-type]

    def get(self, key: str, *, body: bool = True) -> CacheEntry | None:
        """``body=False``: the entry's times only (its body is left unread, ``""``)."""
        if not body:
            return self._one("WHERE key = ?", (key,), self._select_times)
        return self._one("WHERE key = ?", (key,))

    def hold_times(self, keys: Iterable[str]) -> None:
        """Within ``Store.holding``: the times of the entries under ``keys`` read in one
        statement, which ``get(key, body=False)`` then answers from."""
        one = f"{self._select_times} WHERE key = ?"
        for chunk, marks in in_lists(keys):
            rows = {r[0]: r for r in self.db.query(f"{self._select_times} WHERE key IN ({marks})", chunk)}
            for key in chunk:
                self.db.remember(one, (key,), [rows[key]] if key in rows else [])

    def put(self, key: str, kind: str, body: str, fetched_at: datetime, ttl_s: float) -> CacheEntry:
        self.put_many([(key, kind, body)], fetched_at, ttl_s)
        return CacheEntry(key, kind, body, fetched_at,
                          utc_from_ts(_expiry(fetched_at, ttl_s)))  # type: ignore[arg-type]

    def put_many(self, rows: list[tuple[str, str, str | bytes]], fetched_at: datetime, ttl_s: float) -> None:
        """Store (key, kind, body) entries fetched together, in one transaction (a body
        as text, or as the UTF-8 bytes received)."""
        expires = _expiry(fetched_at, ttl_s)
        with self.db.write() as tx:
            tx.upsert_rows(
                # The size goes beside the body (triggers keep the total): counting the cache
                # never reads a body.
                "INSERT INTO cache (key, kind, body, fetched_at, expires_at, size)",
                "ON CONFLICT(key) DO UPDATE SET body=excluded.body, fetched_at=excluded.fetched_at, "
                "expires_at=excluded.expires_at, size=excluded.size",
                # size: the body as received, whatever is kept on disk.
                [(key, kind, _pack(body, self._text), fetched_at.timestamp(), expires, len(body))
                 for key, kind, body in rows], 1)

    def latest_matching(self, kind: str, key_pattern: str) -> CacheEntry | None:
        """Newest entry whose key matches ``key_pattern``, where ``ANY`` stands for any value.

        Lets an offline read of a date-windowed page fall back to the last window cached.
        """
        like = (key_pattern.replace(ANY, "\x00").replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_").replace("\x00", "%"))
        return self._one("WHERE kind = ? AND key LIKE ? ESCAPE '\\' ORDER BY fetched_at DESC LIMIT 1",
                         (kind, like))

    def bodies(self, kind: str) -> Iterator[str]:
        """The cached bodies of one kind, oldest fetch first, one at a time."""
        for (key,) in self.db.query("SELECT key FROM cache WHERE kind = ? ORDER BY fetched_at", (kind,)):
            entry = self.get(key)
            if entry is not None:
                yield entry.body
    def fetched_times(self, kind: str) -> dict[str, datetime]:
        """When each entry of ``kind`` was fetched, by key, without reading the bodies."""
        rows = self.db.query("SELECT key, fetched_at FROM cache WHERE kind = ?", (kind,))
        return {r[0]: utc_from_ts(r[1]) for r in rows}  # type: ignore[misc]

    def results(self, key: str) -> int | None:
        """The ``results`` count of a cached envelope, from the head of its body (inflated
        when compressed): the rest of a big body is never read."""
        row = self.db.query_one(f"SELECT substr(body, 1, {_HEAD_BYTES}) FROM cache WHERE key = ?", (key,))
        if row is None:
            return None
        head = row[0]
        if isinstance(head, str):
            head = head.encode()
        elif isinstance(head, bytes) and _compressed(head, self._text):
            try:
                head = zlib.decompressobj().decompress(head, _HEAD_BYTES)
            except zlib.error:
                return None
        if not isinstance(head, bytes):
            return None
        found = _RESULTS.search(head)
        if found:
            return int(found.group(1))
        entry = self.get(key)  # an envelope in another order: read it whole
        if entry is None or json_too_deep(entry.body):
            return None
        try:
            value = json.loads(entry.body).get("results") if entry is not None else None
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, int) else None

    def stats(self) -> tuple[int, int]:
        """(entries, bytes of cached bodies): the running total, flat in the store's size."""
        row = self.db.query_one("SELECT entries, bytes FROM cache_totals WHERE id = 1")
        return (row[0], row[1]) if row else (0, 0)

    def newest_by_kind(self) -> dict[str, datetime]:
        rows = self.db.query("SELECT kind, max(fetched_at) FROM cache GROUP BY kind")
        return {r[0]: utc_from_ts(r[1]) for r in rows}  # type: ignore[misc]

    def purge(self) -> int:
        with self.db.write() as tx:
            return tx.execute("DELETE FROM cache").rowcount
