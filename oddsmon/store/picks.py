"""Picks (the bets an analyst records from the Odds screen), pinned fixtures (the watchlist) and
the hidden leagues and bookmakers.

All live in the shared store, so they survive restarts and ``kill -9`` (every write is one
transaction). Each carries its author (``user@host``): an analyst sees their own by default
(``mine``), everyone's on request (``team``), on one host's file as on a team's server. Those
recorded before authors were kept (author ``''``) are every author's own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from ..clock import utc_from_ts
from .backend import StoreWriteError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend, Tx


@dataclass(frozen=True, slots=True)
class NewPick:
    fixture_id: int
    kickoff: datetime | None
    match: str
    league: str
    bet_id: int
    line: str
    outcome: str
    label: str
    bookmaker_id: int
    bookmaker: str
    price: float
    stake: float
    # What the stake was sized against: "market" (its fair view), "prediction", "model" (your
    # own probabilities); "-joint" after it when several outcomes of one market were sized
    # together (simultaneous Kelly).
    basis: str = "market"


@dataclass(frozen=True, slots=True)
class Pick(NewPick):
    id: int = 0
    created_at: datetime | None = None
    author: str = ""  # user@host; '' before authors were kept


# What a stake can be sized against (see NewPick.basis).
BASES = ("market", "prediction", "model", "market-joint", "prediction-joint", "model-joint")
# Whose: this author's own (and those from before authors were kept), or the whole team's.
Scope = Literal["mine", "team"]
_MINE = "author IN (?, '')"

_COLUMNS = ("fixture_id", "kickoff", "match", "league", "bet_id", "line", "outcome", "label",
            "bookmaker_id", "bookmaker", "price", "stake", "basis")


# What an analyst writes while a team's server is away (a pick, a pin, filters): kept in the
# host's own file under this key prefix (then its place in the queue, then its id) until sent;
# "sent." + that key on the server says a pick arrived, so a pick sent twice (a kill between the
# send and the unqueue) is one pick. Pins and filters are sent as the state they set: twice is once.
_QUEUED = "queued.desk."
_SENT = "sent."
# Pick ids the team's server set aside for this host (its sequence handed them out: no other
# row gets them), kept in the host's own file: a pick recorded while the server is away takes
# the first, shows it, and is recorded on the server under it. JSON list of ints.
RESERVED_KEY = "picks.reserved"
_RESERVED_LAST = "picks.reserved.last"  # on the server: the largest pick id set aside
_RESERVE = 8
T = TypeVar("T")


class PickStore:
    def __init__(self, db: Backend, author: str, away: Callable[[], Backend | None] | None = None) -> None:
        self.db = db
        self.author = author
        # On a team's store: this host's own store while the server is away (None while it
        # answers), where a pick is queued rather than lost.
        self._away = away

    def _whose(self, scope: Scope) -> tuple[str, tuple[object, ...]]:
        if scope == "team":
            return "1 = 1", ()
        return _MINE, (self.author,)

    def add(self, pick: NewPick, at: datetime) -> int:
        if not pick.price > 1.0 or not pick.stake >= 0.0:
            raise ValueError(f"a pick needs a price above 1 and a stake of 0 or more, got "
                             f"{pick.price!r} and {pick.stake!r}")
        if pick.basis not in BASES:
            raise ValueError(f"a pick's basis is one of {', '.join(BASES)}, got {pick.basis!r}")
        values = [getattr(pick, c) for c in _COLUMNS]
        values[1] = None if pick.kickoff is None else pick.kickoff.timestamp()
        row = (at.timestamp(), self.author, *values)
        reserved: list[int | None] = [None]

        def on_host(tx: Tx) -> int:
            # Under an id the server set aside, when one is left: the number shown now is the
            # one the server records (else a number of the host's, which sending changes).
            reserved[0] = _take_reserved(tx)
            return _insert(tx, row, reserved[0])

        return self._write(lambda tx: _insert(tx, row), lambda _: ["pick", row, reserved[0]], on_host)

    def _write(self, apply: Callable[[Tx], T], queued: Callable[[T], list[object]],
               on_host: Callable[[Tx], T] | None = None) -> T:
        """``apply`` in a write; while a team's server is away, in this host's copy instead
        (``on_host`` if given, so it shows meanwhile), queued as ``queued(its result)`` to be
        sent when it is back."""
        try:
            with self.db.write() as tx:
                return apply(tx)
        except StoreWriteError:
            host = None if self._away is None else self._away()
            if host is None:
                raise
        with host.write() as tx:
            done = (on_host or apply)(tx)
            last = tx.execute("SELECT max(key) FROM meta WHERE key LIKE ?", (f"{_QUEUED}%",)).fetchone()[0]
            place = 1 + (int(str(last)[len(_QUEUED):].split(".", 1)[0]) if last else 0)
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                       (f"{_QUEUED}{place:012d}.{uuid.uuid4().hex}", json.dumps(queued(done))))
            return done

    def all(self, scope: Scope = "mine") -> list[Pick]:
        """The picks of this author (``mine``) or of every author (``team``), oldest first."""
        where, params = self._whose(scope)
        rows = self.db.query(f"SELECT id, created_at, author, {', '.join(_COLUMNS)} FROM picks "
                             f"WHERE {where} ORDER BY id", params)
        out = []
        for r in rows:
            fields = dict(zip(_COLUMNS, tuple(r)[3:], strict=True))
            fields["kickoff"] = utc_from_ts(fields["kickoff"])
            out.append(Pick(**fields, id=r[0], created_at=utc_from_ts(r[1]), author=r[2]))
        return out

    # -- filters, remembered for each author on every oddsmon --------------------------------------

    def filters(self) -> tuple[frozenset[int], frozenset[int]]:
        """This author's (hidden league ids, hidden bookmaker ids): their own, else those saved
        before authors were kept. A stored value that does not read as two lists of ids
        (hand-edited, an older format) reads as nothing hidden."""
        row = self.db.query_one(f"SELECT value FROM desk_filters WHERE {_MINE} ORDER BY author DESC "
                                "LIMIT 1", (self.author,))
        return _filters(row)

    def team_filters(self) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
        """Every author's filters, by author."""
        return {r[0]: _filters((r[1],)) for r in self.db.query("SELECT author, value FROM desk_filters")}

    def save_filters(self, hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int]) -> None:
        value = json.dumps({"hidden_leagues": sorted(hidden_leagues),
                            "hidden_bookmakers": sorted(hidden_bookmakers)})
        self._write(lambda tx: _set_filters(tx, self.author, value), lambda _: ["filters", [self.author, value]])

    # -- the watchlist ---------------------------------------------------------------------------

    def pinned(self, scope: Scope = "mine") -> set[int]:
        where, params = self._whose(scope)
        return {r[0] for r in self.db.query(f"SELECT fixture_id FROM pins WHERE {where}", params)}

    def toggle_pin(self, fixture_id: int, at: datetime) -> bool:
        """Pin the fixture for this author, or unpin it if they had; returns whether it is
        pinned for them now."""
        def toggle(tx: Tx) -> bool:
            if tx.execute(f"DELETE FROM pins WHERE fixture_id = ? AND {_MINE}",
                          (fixture_id, self.author)).rowcount:
                return False
            _pin(tx, self.author, fixture_id, at.timestamp())
            return True

        return self._write(toggle, lambda pinned: ["pin", [self.author, fixture_id, at.timestamp(), pinned]])


def _insert(tx: Tx, row: tuple[object, ...], pick_id: int | None = None) -> int:
    if pick_id is None:
        return int(tx.execute(f"INSERT INTO picks (created_at, author, {', '.join(_COLUMNS)}) "
                              f"VALUES (?, ?{', ?' * len(_COLUMNS)}) RETURNING id", row).fetchall()[0][0])
    tx.execute(f"INSERT INTO picks (id, created_at, author, {', '.join(_COLUMNS)}) "
               f"VALUES (?, ?, ?{', ?' * len(_COLUMNS)}) ON CONFLICT(id) DO NOTHING", (pick_id, *row))
    return pick_id


def _take_reserved(tx: Tx) -> int | None:
    """The first of the pick ids set aside for this host (in its own file), taken; None when
    none is left."""
    row = tx.execute("SELECT value FROM meta WHERE key = ?", (RESERVED_KEY,)).fetchone()
    ids = _ids(row)
    if not ids:
        return None
    tx.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(ids[1:]), RESERVED_KEY))
    return ids[0]


def reserve_pick_ids(server: Backend, host: Backend) -> None:
    """Top up the pick ids the team's ``server`` sets aside for this ``host`` (see
    ``RESERVED_KEY``); nothing where the server cannot set ids aside."""
    sql = server.dialect.reserve_ids("picks", "id")
    if sql is None:
        return
    with host.write() as tx:
        ids = _ids(tx.execute("SELECT value FROM meta WHERE key = ?", (RESERVED_KEY,)).fetchone())
        if len(ids) >= _RESERVE:
            return
        with server.write() as stx:
            more = [int(r[0]) for r in stx.execute(sql, (_RESERVE - len(ids),)).fetchall()]
            # Written in the same transaction: a sequence's advance outlives a server's crash
            # only once a transaction that wrote something commits.
            _set_meta(stx, _RESERVED_LAST, str(max(more)))
        ids += more
        _set_meta(tx, RESERVED_KEY, json.dumps(ids))


def _set_meta(tx: Tx, key: str, value: str) -> None:
    tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               (key, value))


def _ids(row: tuple[object, ...] | None) -> list[int]:
    try:
        ids = json.loads(str(row[0])) if row is not None else []
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _set_filters(tx: Tx, author: str, value: str) -> None:
    tx.execute("INSERT INTO desk_filters (author, value) VALUES (?, ?) "
               "ON CONFLICT(author) DO UPDATE SET value = excluded.value", (author, value))


def _pin(tx: Tx, author: str, fixture_id: int, at: float) -> None:
    tx.execute("INSERT INTO pins (author, fixture_id, pinned_at) VALUES (?, ?, ?) "
               "ON CONFLICT(author, fixture_id) DO NOTHING", (author, fixture_id, at))


def send_queued(server: Backend, host: Backend) -> int:
    """Record on the team's ``server`` what ``host`` queued while it was away (picks, pins,
    filters), in the order written, each once whatever happened before; how many were sent."""
    sent = 0
    for key, value in host.query("SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key", (f"{_QUEUED}%",)):
        kind, item, *pick_id = json.loads(value)
        with server.write() as tx:
            if kind == "pick":
                if tx.execute("INSERT INTO meta (key, value) VALUES (?, '') ON CONFLICT(key) DO NOTHING "
                              "RETURNING key", (_SENT + key,)).fetchall():
                    _insert(tx, tuple(item), *pick_id[:1])
            elif kind == "pin":
                author, fixture_id, at, pinned = item
                if pinned:
                    _pin(tx, author, fixture_id, at)
                else:
                    tx.execute("DELETE FROM pins WHERE fixture_id = ? AND author IN (?, '')", (fixture_id, author))
            elif kind == "filters":
                _set_filters(tx, *item)
        with host.write() as tx:
            tx.execute("DELETE FROM meta WHERE key = ?", (key,))
        sent += 1
    return sent


def _filters(row: tuple[object, ...] | None) -> tuple[frozenset[int], frozenset[int]]:
    try:
        data = json.loads(row[0]) if row is not None else {}  # type: ignore[arg-type]
        leagues, books = data.get("hidden_leagues", []), data.get("hidden_bookmakers", [])
        if all(isinstance(x, int) for x in [*leagues, *books]):
            return frozenset(leagues), frozenset(books)
    except (ValueError, AttributeError, TypeError):
        pass
    return frozenset(), frozenset()
