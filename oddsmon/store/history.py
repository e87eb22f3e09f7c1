"""Odds history: a snapshot per fixture, bookmaker, bet and outcome, only when the price moved."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import msgspec

from ..clock import utc_from_ts
from .backend import in_lists, value_lists

if TYPE_CHECKING:
    from .backend import Backend, Tx


Price = tuple[int, int, int, str, float]  # a fetch's (fixture, bookmaker, bet, outcome, price)
# A fetch's book: (fixture, bookmaker, {bet: {outcome: price}}), in the order the API lists them.
Book = tuple[int, int, Mapping[int, Mapping[str, float]]]


@dataclass(frozen=True, slots=True)
class PriceChange:
    fixture_id: int
    bookmaker_id: int
    bet_id: int
    outcome: str
    previous: float | None  # None for a series' first price
    price: float


@dataclass(frozen=True, slots=True)
class PricePoint:
    fixture_id: int
    bookmaker_id: int
    bet_id: int
    outcome: str
    observed_at: datetime
    price: float


class OddsHistory:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def record(self, at: datetime, prices: Iterable[Price], *,
               firsts: bool = True) -> list[PriceChange]:
        """``record_books`` for (fixture, bookmaker, bet, outcome, price) rows, each book's
        rows listed together (a book whose rows are not is compared always)."""
        books: list[Book] = []
        for (f, b), its in groupby(prices, key=_BOOK):
            bets: dict[int, dict[str, float]] = {}
            for _, _, bet, outcome, price in its:
                bets.setdefault(bet, {})[outcome] = price
            books.append((f, b, bets))
        return self.record_books(at, books, firsts=firsts)

    def record_books(self, at: datetime, books: Iterable[Book], *,
                     firsts: bool = True) -> list[PriceChange]:
        """Store the prices of (fixture, bookmaker, {bet: {outcome: price}}) books whose
        price changed; returns them (``firsts`` False: only those that moved from a price,
        which a warm of fresh odds, hundreds of thousands of first prices, has no use for).

        The comparison with the latest stored price happens inside the write transaction, so two
        processes recording the same fetch do not both insert it. A series' first price is
        its latest row's ``first_price``: one row, where a change writes a history row too.
        A price as recorded last writes nothing at all, so a latest row's ``seen_at`` is when
        its price was last recorded: a late fetch older than that never overwrites it.

        Each bookmaker's book of a fixture is fingerprinted: a book whose fingerprint is the
        one recorded last is skipped whole, neither compared nor written (most books of a
        refetched page). A stored fingerprint always matches the stored prices of its book's
        series: it is replaced only by a book as new as the one it stands for, and a book
        recorded late (older, different) clears it, so the next one is compared again. A book
        listed twice is recorded as one (a series' last price) and compared always.

        A book never recorded is one row of ``odds_packs``, its prices as given: a warm's
        pages write and compare nothing price by price.
        """
        priced: dict[tuple[int, int], Mapping[int, Mapping[str, float]]] = {}
        split: set[tuple[int, int]] = set()
        for f, b, bets in books:
            kept = {bet: outcomes for bet, outcomes in bets.items() if outcomes}
            if not kept:
                continue
            had = priced.get((f, b))
            if had is None:
                priced[(f, b)] = kept
                continue
            split.add((f, b))
            merged = {bet: dict(outcomes) for bet, outcomes in had.items()}
            for bet, outcomes in kept.items():
                merged.setdefault(bet, {}).update(outcomes)
            priced[(f, b)] = merged
        if not priced:
            return []
        ts = at.timestamp()
        # Each book as its pack's JSON text: what a book never recorded is written as, and
        # what its fingerprint is taken over.
        texts = {book: _JSON.encode(bets) for book, bets in priced.items()}
        prints = {book: None if book in split else _fingerprint(text) for book, text in texts.items()}
        with self.db.write() as tx:
            stored = _stored_prints(tx, {f for f, _ in prints})
            changed = {book for book, fp in prints.items() if fp is None or stored.get(book) != fp}
            if not changed:
                return []
            # A book never recorded is one row of its first prices (a page's first keep: 80
            # rows, not 19,120), written from the prices as given: no row a price is made.
            fresh = _fresh(tx, {book for book in changed if prints[book] is not None})
            if fresh:
                tx.insert_rows("odds_packs", _PACKS, [(f, b, ts, text.decode(), 0, ts)
                                                      for (f, b), text in texts.items() if (f, b) in fresh])
            changes = [PriceChange(f, b, bet, o, None, p) for (f, b), bets in priced.items() if (f, b) in fresh
                       for bet, outcomes in bets.items() for o, p in outcomes.items()] if firsts else []
            rows = [(f, b, bet, o, p) for (f, b), bets in priced.items() if (f, b) in changed and (f, b) not in fresh
                    for bet, outcomes in bets.items() for o, p in outcomes.items()]
            rest = changed - fresh
            # A packed book is compared against its pack and its few rows (the series that
            # moved), the others against their rows. Only what moved is written: most of a
            # refetched book's prices are the ones recorded last, which neither hands back.
            packs = _stored_packs(tx, rest)
            theirs = [r for r in rows if _BOOK(r) in packs] if packs else []
            if theirs:
                rows = [r for r in rows if _BOOK(r) not in packs]
            new, differ = (_differing if self.db.dialect.in_process else _differing_read_back)(tx, rows)
            new_packed, differ_packed, moved_first = _against_packs(tx, theirs, packs)
            new += new_packed
            differ += differ_packed
            # A packed series that moved gets its row, its pack's point as its price, which
            # stands for it from then on; the upsert below moves it as any other.
            if moved_first:
                tx.insert_rows("odds_latest", _LATEST[:6], moved_first)
                # Their packs' points are looked up against the rows from now on.
                tx.executemany("UPDATE odds_packs SET moved = 1, changed_at = ? WHERE fixture_id = ? "
                               "AND bookmaker_id = ? AND moved = 0",
                               [(ts, f, b) for f, b in sorted({(r[0], r[1]) for r in moved_first})])
            changes += [PriceChange(f, b, bet, o, price, p) for f, b, bet, o, p, price, *_ in differ]
            latest: list[tuple[object, ...]] = []
            moved: list[tuple[object, ...]] = []
            for f, b, bet, o, p, _, first_price, first_at in differ:
                if ts < first_at:
                    # An older fetch recorded late: it is the series' first point now, and
                    # the one that was first becomes a change.
                    moved.append((f, b, bet, o, first_at, first_price))
                    latest.append((f, b, bet, o, p, ts, p, ts))
                else:
                    moved.append((f, b, bet, o, ts, p))
                    latest.append((f, b, bet, o, p, ts, first_price, first_at))
            if firsts:
                changes += [PriceChange(f, b, bet, o, None, p) for f, b, bet, o, p in new]
            # Series never stored (none is: the look-up ran under the write lock), so plain
            # inserts. A series' first point is its latest: first_price and first_at stay
            # NULL, not written (a third of a first keep's values, which SQLite binds one by
            # one).
            if new:  # a server's COPY is a round trip even for no row
                tx.insert_rows("odds_latest", _LATEST[:6], [(*r, ts) for r in new])
            if moved:
                tx.executemany(
                    "INSERT INTO odds_changes (fixture_id, bookmaker_id, bet_id, outcome, observed_at, price) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING", moved)
            # The moved prices: an older fetch recorded late never overwrites a newer one.
            for values, params in value_lists(latest):
                tx.execute(
                    f"INSERT INTO odds_latest ({', '.join(_LATEST)}) VALUES {values} "
                    "ON CONFLICT(fixture_id, bet_id, outcome, bookmaker_id) DO UPDATE SET "
                    f"price = CASE WHEN {_NEWER} THEN excluded.price ELSE odds_latest.price END, "
                    f"seen_at = CASE WHEN {_NEWER} THEN excluded.seen_at ELSE odds_latest.seen_at END, "
                    f"first_price = CASE WHEN {_OLDER} THEN excluded.first_price ELSE {_FIRST_PRICE} END, "
                    f"first_at = CASE WHEN {_OLDER} THEN excluded.first_at ELSE {_FIRST_AT} END",
                    params)
            tx.upsert_rows(
                "INSERT INTO odds_prints (fixture_id, bookmaker_id, fingerprint, seen_at)",
                "ON CONFLICT(fixture_id, bookmaker_id) DO UPDATE SET "
                "fingerprint = CASE WHEN excluded.seen_at >= odds_prints.seen_at THEN excluded.fingerprint END, "
                "seen_at = CASE WHEN excluded.seen_at >= odds_prints.seen_at THEN excluded.seen_at "
                "ELSE odds_prints.seen_at END",
                [(f, b, prints[(f, b)], ts) for f, b in sorted(changed)], 2)
        return changes

    def note_priced(self, at: datetime, page: str | None, fixtures: Iterable[tuple[int, int, int]],
                    books: Iterable[tuple[int, int, str, Iterable[int]]],
                    bets: Iterable[tuple[int, str]] = ()) -> None:
        """Each priced fixture's (id, league, season) as seen ``at`` on the league page cached
        as ``page`` (None: fetched alone), and its (fixture, bookmaker id, name, bet ids)
        entries: what the Bookmakers summary selects, counts and names by; and each bet's
        (id, name) as the API gave them, which the export names a bet by."""
        ts = at.timestamp()
        books = list(books)
        names = sorted(dict(bets).items())
        with self.db.write() as tx:
            tx.upsert_rows("INSERT INTO bet_names (id, name)", "ON CONFLICT(id) DO UPDATE "
                           "SET name = excluded.name WHERE bet_names.name <> excluded.name", names, 1)
            tx.upsert_rows(
                "INSERT INTO odds_fixtures (fixture_id, league_id, season, page, seen_at)",
                "ON CONFLICT(fixture_id) DO UPDATE SET league_id = excluded.league_id, "
                "season = excluded.season, page = coalesce(excluded.page, odds_fixtures.page), "
                "seen_at = excluded.seen_at WHERE excluded.seen_at >= odds_fixtures.seen_at",
                [(f, lg, season, page, ts) for f, lg, season in fixtures], 1)
            tx.upsert_rows(
                "INSERT INTO odds_books (fixture_id, bookmaker_id, seen_at, bets)",
                "ON CONFLICT(fixture_id, bookmaker_id) DO UPDATE SET seen_at = excluded.seen_at, "
                "bets = excluded.bets WHERE excluded.seen_at >= odds_books.seen_at",
                [(f, b, ts, ",".join(map(str, bets))) for f, b, _, bets in books], 2)
            tx.upsert_rows("INSERT INTO bookmaker_names (id, name)", "ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                           sorted({(b, name) for _, b, name, _ in books}), 1)

    def note_fixtures(self, at: datetime,
                      fixtures: Iterable[tuple[int, datetime, int, str, str, str]]) -> None:
        """Each fixture's (id, kickoff, league id, league name, home, away) as a fixtures page
        gave them ``at``: the names the team's SQL views show beside the odds."""
        rows: list[tuple[object, ...]] = [(f, ko.timestamp(), lg, league, home, away, at.timestamp())
                                          for f, ko, lg, league, home, away in fixtures]
        if not rows:
            return
        with self.db.write() as tx:
            tx.executemany(
                "INSERT INTO fixture_names (fixture_id, kickoff, league_id, league, home, away, seen_at) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(fixture_id) DO UPDATE SET kickoff = excluded.kickoff, "
                "league_id = excluded.league_id, league = excluded.league, home = excluded.home, "
                "away = excluded.away, seen_at = excluded.seen_at "
                "WHERE excluded.seen_at >= fixture_names.seen_at", rows)

    def carried_by(self, page: str) -> bool:
        """Whether the league page cached under ``page`` left any fixture's rows."""
        return self.db.query_one(_CARRIED_BY, (page,)) is not None

    def hold_carried(self, pages: Iterable[str]) -> None:
        """Within ``Store.holding``: ``carried_by`` of each of ``pages``, read in one statement."""
        for chunk, marks in in_lists(pages):
            carried = {r[0] for r in self.db.query(
                f"SELECT DISTINCT page FROM odds_fixtures WHERE page IN ({marks})", chunk)}
            for page in chunk:
                self.db.remember(_CARRIED_BY, (page,), [(1,)] if page in carried else [])

    def coverage(self, pages: Mapping[str, datetime], bet_ids: Iterable[int],
                 bookmakers: Iterable[int] = (), also: Iterable[int] = ()
                 ) -> tuple[int, dict[int, tuple[int, tuple[int, ...]]]]:
        """The Bookmakers summary, one query: (fixtures priced, {bookmaker: (fixtures it prices,
        the markets among ``bet_ids`` it offers on them)}) over the league pages cached now
        (key -> fetch time) and the fixtures ``also`` served by their own entries: a fixture
        counts when such a page carried it at that fetch or since, or is among ``also``; a
        bookmaker when the fixture's last sighting carried it."""
        also = sorted(set(also))
        if not pages and not also:
            return 0, {}
        on_page, page_params = _on_pages(pages, also)
        wanted = sorted(set(bookmakers))
        only = f"AND b.bookmaker_id IN ({','.join('?' * len(wanted))})" if wanted else ""
        with self.db.read() as tx:
            watched = tx.execute(f"SELECT count(*) FROM odds_fixtures f WHERE {on_page}",
                                 page_params).fetchone()[0]
            rows = tx.execute(self.db.dialect.count_and_concat(
                "b.bookmaker_id", "b.bets", "FROM odds_fixtures f "
                "JOIN odds_books b ON b.fixture_id = f.fixture_id AND b.seen_at = f.seen_at "
                f"WHERE ({on_page}) {only}"), (*page_params, *wanted)).fetchall()
        shown = {str(b) for b in bet_ids}
        return watched, {r[0]: (r[1], tuple(sorted(int(b) for b in set((r[2] or "").split(",")) & shown)))
                         for r in rows}

    def carried(self, pages: Mapping[str, datetime]) -> list[int]:
        """The fixtures the league pages cached now (key -> fetch time) carried at that fetch or
        since, by fixture id: whose ``/odds?fixture=N`` entries make up those pages' odds."""
        if not pages:
            return []
        on_page, page_params = _on_pages(pages)
        return [r[0] for r in self.db.query(
            f"SELECT f.fixture_id FROM odds_fixtures f WHERE {on_page} ORDER BY f.fixture_id", page_params)]

    def priced(self) -> list[int]:
        """Every fixture a stored odds answer priced, by id."""
        return [r[0] for r in self.db.query("SELECT fixture_id FROM odds_fixtures ORDER BY fixture_id")]

    def bookmaker_names(self) -> dict[int, str]:
        return {r[0]: r[1] for r in self.db.query("SELECT id, name FROM bookmaker_names")}

    def bet_names(self) -> dict[int, str]:
        """Each bet's name as the API last gave it, by id."""
        return {r[0]: r[1] for r in self.db.query("SELECT id, name FROM bet_names")}

    def moved_since(self, start: datetime) -> list[tuple[int, int, int, str]]:
        """Every (fixture, bookmaker, bet, outcome) series whose price changed from ``start``:
        what a process starting up looks at again, so a drop recorded by one that died before
        alerting on it is still found (a scan of the changes, once a start)."""
        return [(r[0], r[1], r[2], r[3]) for r in self.db.query(
            "SELECT DISTINCT fixture_id, bookmaker_id, bet_id, outcome FROM odds_changes WHERE observed_at >= ?",
            (start.timestamp(),))]

    def window(self, keys: Iterable[tuple[int, int, int, str]], start: datetime) -> list[PricePoint]:
        """For each (fixture, bookmaker, bet, outcome) series: its prices after ``start`` and the
        price in force at ``start`` (history keeps changes only, so that one may be older)."""
        t = start.timestamp()
        out: list[PricePoint] = []
        with self.db.read() as tx:
            for f, b, bet, o in keys:
                for r in tx.execute(
                    "SELECT observed_at, price FROM odds_snapshots WHERE fixture_id = ? AND bet_id = ? "
                    "AND outcome = ? AND bookmaker_id = ? AND observed_at >= coalesce(("
                    "  SELECT max(observed_at) FROM odds_snapshots WHERE fixture_id = ? AND bet_id = ? "
                    "  AND outcome = ? AND bookmaker_id = ? AND observed_at <= ?), 0)",
                    (f, bet, o, b, f, bet, o, b, t)):
                    out.append(PricePoint(f, b, bet, o, utc_from_ts(r[0]), r[1]))  # type: ignore[arg-type]
        return out

    def series(self, fixture_id: int, bet_id: int) -> list[PricePoint]:
        """Every stored price of one fixture's market, oldest first."""
        rows = self.db.query(
            "SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_snapshots "
            "WHERE fixture_id = ? AND bet_id = ? ORDER BY observed_at", (fixture_id, bet_id))
        return [PricePoint(r[0], r[1], r[2], r[3], utc_from_ts(r[4]), r[5]) for r in rows]  # type: ignore[arg-type]

    def openings(self, bet_id: int, fixture_ids: Iterable[int]) -> dict[tuple[int, int, str], float]:
        """First stored price per (fixture, bookmaker, outcome) for many fixtures at once."""
        out: dict[tuple[int, int, str], float] = {}
        for chunk, marks in in_lists(fixture_ids):
            # Each series' first point is on its latest row, or in its book's pack (a point
            # of it, as odds_pack_points has them, read from the bet's part of the pack alone).
            for r in self.db.query(
                f"SELECT fixture_id, bookmaker_id, outcome, {_FIRST_PRICE} FROM odds_latest "
                f"WHERE bet_id = ? AND fixture_id IN ({marks}) UNION ALL "
                "SELECT p.fixture_id, p.bookmaker_id, v.key, CAST(v.value AS DOUBLE PRECISION) "
                f"FROM odds_packs p, {self.db.dialect.json_members('p.prices')} v "
                f"WHERE p.fixture_id IN ({marks}) AND (p.moved = 0 OR NOT EXISTS (SELECT 1 FROM odds_latest l "
                "WHERE l.fixture_id = p.fixture_id AND l.bet_id = ? AND l.outcome = v.key "
                "AND l.bookmaker_id = p.bookmaker_id))", (bet_id, *chunk, str(bet_id), *chunk, bet_id)):
                out[(r[0], r[1], r[2])] = r[3]
        return out

    def closing_at(self, fixture_id: int, bet_id: int, kickoff: datetime) -> dict[tuple[int, str], float]:
        """The closing price per (bookmaker, outcome): the last one observed before kickoff.

        History keeps changes only, so the price in force at kickoff is the latest change at or
        before it; a series that only started after kickoff (live prices) has no close.
        """
        rows = self.db.query(self.db.dialect.row_with_extreme(
            "bookmaker_id, outcome, price", "observed_at",
            "FROM odds_snapshots WHERE fixture_id = ? AND bet_id = ? AND observed_at < ?",
            "outcome, bookmaker_id"), (fixture_id, bet_id, kickoff.timestamp()))
        return {(r[0], r[1]): r[2] for r in rows}

    def stream(self, *, since: datetime | None = None, fixtures: Iterable[int] | None = None,
               batch: int = 2000) -> Iterator[tuple[int, int, int, str, float, float]]:
        """Every stored observation as (fixture, bookmaker, bet, outcome, observed_at in POSIX
        seconds, price), in the table's own order (fixture, market, outcome, bookmaker, time:
        no sort, so memory stays flat whatever the row count), read in batches on one
        consistent snapshot. Raw tuples: an export of millions of rows pays for no object."""
        where, params = ["1 = 1"], []
        if since is not None:
            where.append("observed_at >= ?")
            params.append(since.timestamp())
        # A bound IN list is fine for the fixtures a filter names; chunks keep it under
        # SQLite's limit on variables. No filter: one pass with no IN list.
        chunks: list[tuple[list[int], str]] = [([], "")] if fixtures is None else list(in_lists(fixtures))
        if not chunks:
            return
        with self.db.read() as tx:
            for chunk, marks in chunks:
                clause = where + ([f"fixture_id IN ({marks})"] if chunk else [])
                yield from (tuple(r) for r in tx.iterate(
                    "SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_snapshots "
                    f"WHERE {' AND '.join(clause)} ORDER BY fixture_id, bet_id, outcome, bookmaker_id, observed_at",
                    (*params, *chunk), batch))
    def note_seen(self, at: datetime, kickoffs: Iterable[tuple[int, datetime]]) -> None:
        """Each fixture's kickoff, and ``at`` as the last time its pre-match odds were seen
        before kickoff: history keeps changes only, so this is what says a price still held."""
        rows: list[tuple[object, ...]] = [(fid, ko.timestamp(), at.timestamp() if at < ko else None)
                                          for fid, ko in kickoffs]
        if not rows:
            return
        with self.db.write() as tx:
            tx.upsert_rows(
                "INSERT INTO odds_seen (fixture_id, kickoff, last_before_kickoff)",
                "ON CONFLICT(fixture_id) DO UPDATE SET kickoff = excluded.kickoff, "
                "last_before_kickoff = coalesce(excluded.last_before_kickoff, odds_seen.last_before_kickoff)",
                rows, 1)

    def closing(self, fixture_ids: Iterable[int]) -> dict[tuple[int, int, int, str], float]:
        """The close: the last price before kickoff per (fixture, bookmaker, bet, outcome)."""
        out: dict[tuple[int, int, int, str], float] = {}
        for chunk, marks in in_lists(fixture_ids):
            for r in self.db.query(self.db.dialect.row_with_extreme(
                "s.fixture_id, s.bookmaker_id, s.bet_id, s.outcome, s.price", "s.observed_at",
                "FROM odds_snapshots s JOIN odds_seen k ON k.fixture_id = s.fixture_id "
                f"WHERE s.fixture_id IN ({marks}) AND s.observed_at < k.kickoff",
                "s.fixture_id, s.bet_id, s.outcome, s.bookmaker_id"), tuple(chunk)):
                out[(r[0], r[1], r[2], r[3])] = r[4]
        return out

    def closing_seen(self, fixture_ids: Iterable[int]) -> dict[int, tuple[datetime, datetime | None]]:
        """(kickoff, last pre-kickoff observation) per fixture: how fresh each close is."""
        out: dict[int, tuple[datetime, datetime | None]] = {}
        for chunk, marks in in_lists(fixture_ids):
            for r in self.db.query("SELECT fixture_id, kickoff, last_before_kickoff FROM odds_seen "
                                   f"WHERE fixture_id IN ({marks})", tuple(chunk)):
                out[r[0]] = (utc_from_ts(r[1]), utc_from_ts(r[2]))  # type: ignore[assignment]
        return out

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM odds_snapshots")
        return 0 if row is None else row[0]


_BOOK = itemgetter(0, 1)
_PACKS = ("fixture_id", "bookmaker_id", "seen_at", "prices", "moved", "changed_at")
_JSON = msgspec.json.Encoder()
_PACK = msgspec.json.Decoder(dict[int, dict[str, float]])  # a pack's prices, bet ids as numbers
_NONE: dict[str, float] = {}
_LATEST = ("fixture_id", "bookmaker_id", "bet_id", "outcome", "price", "seen_at", "first_price", "first_at")
# An upsert of odds_latest: whether the incoming row is the newer sighting, the older first.
_NEWER = "excluded.seen_at >= odds_latest.seen_at"
# A series' first point: NULL first_price and first_at on its latest row mean the series has
# one point, its latest (most series of a day never move): 16 bytes less a row, the third of
# a 2,000-fixture store. Written back as values once the price moves.
_FIRST_PRICE = "coalesce(odds_latest.first_price, odds_latest.price)"
_FIRST_AT = "coalesce(odds_latest.first_at, odds_latest.seen_at)"
_OLDER = f"excluded.first_at < {_FIRST_AT}"
# A compared price's stored series, by primary key.
_SERIES = "l.fixture_id = n.f AND l.bet_id = n.bet AND l.outcome = n.o AND l.bookmaker_id = n.b"
_SERIES_C = _SERIES.replace("n.", "c.")


def _fingerprint(text: bytes) -> int:
    """A book's fingerprint: a 64-bit hash of its pack's JSON text (its bets, outcomes and
    prices in order), alike in every process (Python's own hash of text is not)."""
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


def _fresh(tx: Tx, books: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of ``books`` with nothing stored: neither a pack nor a series' row."""
    return books - {(r[0], r[1]) for r in _of_books(
        tx, books, "SELECT f, b FROM k "
        "WHERE EXISTS (SELECT 1 FROM odds_packs p WHERE p.fixture_id = k.f AND p.bookmaker_id = k.b) "
        "OR EXISTS (SELECT 1 FROM odds_latest l WHERE l.fixture_id = k.f AND l.bookmaker_id = k.b)")}


def _stored_packs(tx: Tx, books: set[tuple[int, int]]
                  ) -> dict[tuple[int, int], tuple[float, dict[int, dict[str, float]]]]:
    """The pack of each of ``books`` that has one: (its fetch's time, its prices)."""
    return {(r[0], r[1]): (r[2], _PACK.decode(r[3])) for r in _of_books(
        tx, books, "SELECT p.fixture_id, p.bookmaker_id, p.seen_at, p.prices "
        "FROM k JOIN odds_packs p ON p.fixture_id = k.f AND p.bookmaker_id = k.b")}


def _against_packs(tx: Tx, rows: list[Price],
                   packs: dict[tuple[int, int], tuple[float, dict[int, dict[str, float]]]]
                   ) -> tuple[list[Price], list[tuple[Any, ...]], list[tuple[object, ...]]]:
    """``_differing`` for the rows of packed books (each book's rows together): a series'
    stored price is its row's, else its pack's. Also the rows to write first for the packed
    series that differ: their pack's point, as a series' row."""
    if not rows:
        return [], [], []
    stored = _stored_rows(tx, set(packs))
    with_rows = {s[:2] for s in stored}
    new: list[Price] = []
    differ: list[tuple[Any, ...]] = []
    moved_first: list[tuple[object, ...]] = []
    for book, its in groupby(rows, key=_BOOK):
        seen_at, bets = packs[book]
        rowed = book in with_rows
        for r in its:
            had = stored.get(r[:4]) if rowed else None
            if had is not None:
                if had[0] != r[4]:
                    differ.append((*r, *had))
                continue
            price = bets.get(r[2], _NONE).get(r[3])
            if price is None:
                new.append(r)
            elif price != r[4]:
                differ.append((*r, price, price, seen_at))
                moved_first.append((*r[:4], price, seen_at))
    return new, differ, moved_first


def _stored_prints(tx: Tx, fixtures: set[int]) -> dict[tuple[int, int], int | None]:
    """The recorded fingerprint of each book of ``fixtures`` (None: unknown)."""
    out: dict[tuple[int, int], int | None] = {}
    for chunk, marks in in_lists(fixtures):
        out.update(((r[0], r[1]), r[2]) for r in tx.execute(
            f"SELECT fixture_id, bookmaker_id, fingerprint FROM odds_prints WHERE fixture_id IN ({marks})",
            tuple(chunk)))
    return out


def _differing(tx: Tx, rows: list[Price]) -> tuple[list[Price], list[tuple[Any, ...]]]:
    """Of ``rows``: those of a series never stored, and those whose price is not the stored
    one, each followed by the stored (price, first price, first seen). Compared in SQL, for
    an engine in this process: a price as recorded costs no row handed back, and a value
    bound next to nothing."""
    known = _with_series(tx, {r[0] for r in rows})
    if not known:
        return rows, []  # fixtures priced for the first time: every series is new
    new = [r for r in rows if r[0] not in known]
    differ: list[tuple[Any, ...]] = []
    for values, params in value_lists([r for r in rows if r[0] in known]):
        # One look-up by primary key a price (a correlated subquery: no planner turns it into
        # a scan of the table), the rest only for the few that differ.
        for r in tx.execute(
            f"WITH n(f, b, bet, o, p) AS (VALUES {values}), "
            f"c AS (SELECT f, b, bet, o, p, (SELECT l.price FROM odds_latest l WHERE {_SERIES}) AS price FROM n) "
            f"SELECT f, b, bet, o, p, price, (SELECT coalesce(l.first_price, l.price) FROM odds_latest l "
            f"WHERE {_SERIES_C}), (SELECT coalesce(l.first_at, l.seen_at) FROM odds_latest l WHERE {_SERIES_C}) "
            "FROM c WHERE price IS NULL OR price <> p", params):
            if r[5] is None:
                new.append(r[:5])
            else:
                differ.append(r)
    return new, differ


def _with_series(tx: Tx, fixtures: set[int]) -> set[int]:
    """Those of ``fixtures`` with a stored price."""
    known: set[int] = set()
    for values, params in value_lists([(f,) for f in sorted(fixtures)]):
        known.update(r[0] for r in tx.execute(
            f"WITH f(id) AS (VALUES {values}) SELECT id FROM f "
            "WHERE EXISTS (SELECT 1 FROM odds_latest l WHERE l.fixture_id = f.id)", params))
    return known


def _differing_read_back(tx: Tx, rows: list[Price]) -> tuple[list[Price], list[tuple[Any, ...]]]:
    """``_differing`` for a server, which parses every parameter of a statement: sending a
    page's prices to be compared took a hundred statements, where the stored series of their
    books come back in one (a few hundred books a statement) and are compared here."""
    stored = _stored_rows(tx, {(r[0], r[1]) for r in rows})
    if not stored:
        return rows, []
    new: list[Price] = []
    differ: list[tuple[Any, ...]] = []
    for r in rows:
        had = stored.get(r[:4])
        if had is None:
            new.append(r)
        elif had[0] != r[4]:
            differ.append((*r, *had))
    return new, differ


def _stored_rows(tx: Tx, books: set[tuple[int, int]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The stored rows of ``books``' series: (price, first price, first seen) by series."""
    return {tuple(s[:4]): tuple(s[4:]) for s in _of_books(
        tx, books, f"SELECT fixture_id, bookmaker_id, bet_id, outcome, price, {_FIRST_PRICE}, {_FIRST_AT} "
        "FROM k JOIN odds_latest ON fixture_id = k.f AND bookmaker_id = k.b")}


def _of_books(tx: Tx, books: set[tuple[int, int]], select: str) -> Iterator[Any]:
    """The rows of ``select`` over ``k(f, b)``, the (fixture, bookmaker) books given, bound a
    few hundred books a statement."""
    for values, params in value_lists(sorted(books)):
        yield from tx.execute(f"WITH k(f, b) AS (VALUES {values}) {select}", params)


_CARRIED_BY = "SELECT 1 FROM odds_fixtures WHERE page = ? LIMIT 1"


def _on_pages(pages: Mapping[str, datetime], also: Sequence[int] = ()) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause (over ``odds_fixtures f``) of the fixtures a set of league pages carried,
    and of the fixtures ``also``."""
    parts = ["(f.page = ? AND f.seen_at >= ?)" for _ in pages]
    if also:
        parts.append(f"f.fixture_id IN ({','.join('?' * len(also))})")
    return " OR ".join(parts), (*(v for key, at in sorted(pages.items()) for v in (key, at.timestamp())), *also)
