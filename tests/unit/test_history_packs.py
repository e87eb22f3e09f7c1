"""Schema 16's packed books, on both backends: a book first recorded whole, as a page lists it,
is one row of its first prices (``odds_packs``), and every reader of the history answers as it
did when those prices were a row each (the path a book whose rows are not listed together
still takes); a store written at schema 15 upgrades and answers as before."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsmon.store import Store
from oddsmon.store.backend import SCHEMA_VERSION
from oddsmon.store.history import Price
from tests import postgres
from tests.stores import one_row, schema_15

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
# Labels as the API writes them, some that JSON escapes or SQL quotes among them.
LABELS = ("Home", "Draw", "Away", "Over 2.5", 'Say "yes"', "back\\slash", "Équipe 1:0", "it's")


def _book(fixture: int, book: int, bets: range = range(1, 6), bump: float = 0.0) -> list[Price]:
    return [(fixture, book, bet, label, round(1.5 + bet / 10 + n / 100 + book / 1000 + bump, 2))
            for bet in bets for n, label in enumerate(LABELS)]


def _moved(rows: list[Price], every: int, by: float) -> list[Price]:
    return [(f, b, bet, o, round(p + by, 2) if (bet + len(o) + b) % every == 0 else p) for f, b, bet, o, p in rows]


def _fetches() -> list[tuple[datetime, list[Price]]]:
    """A day of fetches: two fixtures' first pages, moves, a price moving back, a bet new to a
    book, a bookmaker new to a fixture, a late fetch older than the one recorded before it, a
    series whose price is a whole number, and a page as recorded last."""
    first = [*_book(7, 6), *_book(7, 8), *_book(9, 6, range(1, 4))]
    first[0] = (*first[0][:4], 2)  # a whole number, as a caller may pass it
    moved = [*_moved(_book(7, 6), 3, 0.05), *_book(7, 8), *_book(9, 6, range(1, 5))]
    back = [*_book(7, 6), *_moved(_book(7, 8), 4, -0.1), *_book(9, 6, range(1, 5)), *_book(9, 11)]
    late = _moved(_book(7, 8), 5, 0.2)
    return [(T0, first), (T0 + 10 * MIN, moved), (T0 + 30 * MIN, back), (T0 + 20 * MIN, late),
            (T0 + 40 * MIN, back), (T0 + 50 * MIN, _moved(back, 2, 0.01))]


def _interleaved(rows: list[Price]) -> list[Price]:
    """The same prices with each book's rows apart (by bet and outcome, then bookmaker): no
    fingerprint, so no pack: each price a row, as at schema 15."""
    return sorted(rows, key=lambda r: (r[2], r[3], r[0], r[1]))


def _answers(store: Store, changes: list[Any]) -> dict[str, Any]:
    """Every reader's answer on the store."""
    h = store.history
    fixtures = [7, 9]
    keys = sorted({(r[0], r[1], r[2], r[3]) for _, rows in _fetches() for r in rows})
    out: dict[str, Any] = {
        "changes": changes,
        "count": h.count(),
        "stream": list(h.stream()),
        "stream since": list(h.stream(since=T0 + 15 * MIN, fixtures=[7])),
        "series": {(f, bet): sorted((p.bookmaker_id, p.outcome, p.observed_at, p.price) for p in h.series(f, bet))
                   for f in fixtures for bet in range(1, 6)},
        "openings": {bet: h.openings(bet, fixtures) for bet in range(1, 6)},
        "closing": h.closing(fixtures),
        "closing_at": {f: h.closing_at(f, 2, T0 + 25 * MIN) for f in fixtures},
        "window": sorted((p.fixture_id, p.bookmaker_id, p.bet_id, p.outcome, p.observed_at, p.price)
                         for p in h.window(keys, T0 + 15 * MIN)),
        "moved_since": sorted(h.moved_since(T0 + 5 * MIN)),
        "snapshots": store.db.query("SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price "
                                    "FROM odds_snapshots ORDER BY 1, 2, 3, 4, 5"),
    }
    if not store.db.dialect.in_process:  # the team's views, on the server
        out["team"] = store.db.query("SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price "
                                     "FROM team_odds_history ORDER BY 1, 2, 3, 4, 5")
        out["team close"] = store.db.query("SELECT fixture_id, bookmaker_id, bet_id, outcome, closing_price "
                                           "FROM team_closing_prices ORDER BY 1, 2, 3, 4")
    return out


def _record_all(store: Store, order: Any) -> list[Any]:
    store.history.note_seen(T0, [(7, T0 + 35 * MIN), (9, T0 + 45 * MIN)])
    changes = []
    for at, rows in _fetches():
        changes.append(sorted((c.fixture_id, c.bookmaker_id, c.bet_id, c.outcome, c.previous, c.price)
                              for c in store.history.record(at, order(rows))))
    return changes


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    stores = [Store.open(tmp_path / name / "oddsmon.db" if request.param == "sqlite" else postgres.server().database())
              for name in ("packed", "rows")]
    yield stores[0], stores[1]
    for store in stores:
        store.close()


def test_packed_books_answer_every_reader_as_a_row_a_price_did(two_stores: tuple[Store, Store]) -> None:
    packed, rows = two_stores
    packed_changes = _record_all(packed, list)
    row_changes = _record_all(rows, _interleaved)
    # Each book of a first page is one row; the other store wrote none.
    assert one_row(packed, "SELECT count(*) FROM odds_packs")[0] == 4  # 7/6, 7/8, 9/6, then 9/11
    assert one_row(rows, "SELECT count(*) FROM odds_packs")[0] == 0
    assert one_row(packed, "SELECT count(*) FROM odds_latest")[0] < one_row(
        rows, "SELECT count(*) FROM odds_latest")[0]
    got, expected = _answers(packed, packed_changes), _answers(rows, row_changes)
    for name in expected:
        assert got[name] == expected[name], name
    # The prices are the floats recorded, the whole-number one too, and the labels as given.
    assert {p.outcome for p in packed.history.series(9, 1)} == set(LABELS)
    assert 2.0 in {p.price for p in packed.history.series(7, 1)}
    assert all(type(r[5]) is float for r in got["stream"])


def test_a_packed_book_that_moves_writes_only_its_moves(each_store: Store) -> None:
    store = each_store
    assert isinstance(store, Store)
    page = [*_book(7, 6), *_book(7, 8)]
    store.history.record(T0, page)
    assert one_row(store, "SELECT count(*) FROM odds_latest")[0] == 0
    moved = _moved(page, 7, 0.05)
    changes = store.history.record(T0 + 10 * MIN, moved, firsts=False)
    moves = [r for r, was in zip(moved, page, strict=True) if r != was]
    assert sorted((c.bookmaker_id, c.bet_id, c.outcome, c.previous, c.price) for c in changes) == sorted(
        (b, bet, o, was[4], p) for (_, b, bet, o, p), was in zip(moved, page, strict=True) if p != was[4])
    # A row for each series that moved, none for the rest of its book.
    assert one_row(store, "SELECT count(*) FROM odds_latest")[0] == len(moves)
    assert store.history.count() == len(page) + len(moves)
    assert store.history.record(T0 + 20 * MIN, moved) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def v15_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store as oddsmon at schema 15 left it, with a moved series, a one-point series, and a
    series moved back by a late fetch (its first point on its row, the rest changes)."""
    t = T0.timestamp()
    latest = [(7, 8, 1, "Home", 2.5, t, 2.6, t - 600), (7, 8, 1, "Draw", 2.95, t - 600, None, None),
              (7, 6, 5, "Over 2.5", 1.9, t - 300, None, None), (7, 6, 1, "Home", 2.2, t, 2.0, t - 900)]
    changes = [(7, 8, 1, "Home", t, 2.5), (7, 6, 1, "Home", t - 600, 2.1), (7, 6, 1, "Home", t, 2.2)]
    where = schema_15(request.param, tmp_path)
    if request.param == "sqlite":
        conn = sqlite3.connect(where)
        conn.executemany("INSERT INTO odds_latest VALUES (?, ?, ?, ?, ?, ?, ?, ?)", latest)
        conn.executemany("INSERT INTO odds_changes VALUES (?, ?, ?, ?, ?, ?)", changes)
        conn.commit()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(where, autocommit=True) as pg, pg.cursor() as cur:
            cur.executemany("INSERT INTO odds_latest VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", latest)
            cur.executemany("INSERT INTO odds_changes VALUES (%s, %s, %s, %s, %s, %s)", changes)
    yield where


def test_a_v15_store_answers_as_before_after_migration_16_and_packs_what_is_new(v15_store: str) -> None:
    t = T0.timestamp()
    store = Store.open(v15_store)
    try:
        assert one_row(store, "SELECT count(*) FROM odds_packs")[0] == 0
        assert sorted(store.history.stream()) == sorted([
            (7, 6, 1, "Home", t - 900, 2.0), (7, 6, 1, "Home", t - 600, 2.1), (7, 6, 1, "Home", t, 2.2),
            (7, 6, 5, "Over 2.5", t - 300, 1.9), (7, 8, 1, "Draw", t - 600, 2.95),
            (7, 8, 1, "Home", t - 600, 2.6), (7, 8, 1, "Home", t, 2.5)])
        assert store.history.openings(1, [7]) == {(7, 8, "Home"): 2.6, (7, 8, "Draw"): 2.95, (7, 6, "Home"): 2.0}
        assert store.history.closing_at(7, 1, T0) == {(8, "Home"): 2.6, (8, "Draw"): 2.95, (6, "Home"): 2.1}
        # The stored books go on as rows (a move of one of them, and a price as recorded
        # writes nothing); a book new to the store is packed.
        later = T0 + 10 * MIN
        changes = store.history.record(later, [(7, 8, 1, "Home", 2.5), (7, 8, 1, "Draw", 3.0),
                                               (7, 9, 1, "Home", 2.7), (7, 9, 1, "Draw", 3.3)])
        assert sorted((c.bookmaker_id, c.outcome, c.previous, c.price) for c in changes) == [
            (8, "Draw", 2.95, 3.0), (9, "Draw", None, 3.3), (9, "Home", None, 2.7)]
        assert store.db.query("SELECT fixture_id, bookmaker_id FROM odds_packs") == [(7, 9)]
        assert store.history.count() == 7 + 1 + 2
        assert store.history.openings(1, [7])[(7, 9, "Draw")] == 3.3
    finally:
        store.close()
    if "://" not in v15_store:
        assert sqlite3.connect(v15_store).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
