"""(k) Keeping one real-size league odds page as a fetch keeps it: 10 fixtures x 8 bookmakers x the
captured Bwin entry's 35 bets (239 values a bookmaker, 19,120 prices a page; see
``bench_real_size``), every bet typed and recorded in the price history. Timed from the page's
bytes to its commit: the typed decode, each fixture's entry, the history and the Dashboard's
headlines, in the page's one transaction. The page's first keep (every price a first price),
then refetches where one price in twenty moved since the fetch before, in every bookmaker's
book, then in one book in four (what the history writes: the moves, counted). Beside the floor
(``json.loads`` of the page and one write of it), and beside the same refetch kept with the
books' fingerprints forgotten first (schema 14: an unchanged book is skipped whole; without its
fingerprint it is compared price by price, as before).

Each run is a fresh store in which another page was kept first (a process mid-warm). Since
schema 16 the first keep writes a row a book (80, its first prices packed), not a row a price;
the history rows counted are the points the history answers (19,120).
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from .bench_real_size import CAPTURED
from .common import KEY, Context, Row, median, settings_in

_FIXTURES = 10  # the provider's page (docs/provider.md)
_BOOKMAKERS = 8


def page(base: int, moves: Sequence[int] = ()) -> bytes:
    """The page's ``/odds`` body: fixtures ``base``.. each priced by eight copies of the captured
    entry, prices varied per fixture and bookmaker, after one fetch for each of ``moves``: at
    fetch ``j`` (from 1), one price in twenty moved by 0.05 in one book in ``moves[j - 1]``."""
    item = json.loads(CAPTURED.read_text())["response"][0]
    entry = item["bookmakers"][0]
    items = []
    for f in range(_FIXTURES):
        one = copy.deepcopy(item)
        one["fixture"]["id"] = base + f
        one["bookmakers"] = []
        for b in range(_BOOKMAKERS):
            book = copy.deepcopy(entry)
            book["id"], book["name"] = b + 1, f"Book {b + 1}"
            for bet in book["bets"]:
                for k, value in enumerate(bet["values"]):
                    price = float(value["odd"]) + ((f * 31 + b * 7) % 17 - 8) / 100
                    price += 0.05 * sum(1 for j, every in enumerate(moves, 1)
                                        if (k + f + b + j) % 20 == 0 and (f + b + j) % every == 0)
                    value["odd"] = f"{max(1.01, price):.2f}"
            one["bookmakers"].append(book)
        items.append(one)
    return json.dumps({"get": "odds", "parameters": {"league": "39", "season": "2026"}, "errors": [],
                       "results": len(items), "paging": {"current": 1, "total": 1},
                       "response": items}).encode()


def _keep_pages(directory: Path, bodies: list[tuple[bytes, bool]],
                store_url: str | None = None) -> tuple[list[float], list[int]]:
    """Seconds each body took to keep, and the history rows it wrote (in the SQLite file in
    ``directory``, or the PostgreSQL database ``store_url`` names); a body paired with True is
    kept with the books' fingerprints forgotten first (untimed)."""
    import httpx

    from oddsmon.clock import FakeClock
    from oddsmon.config import Secret
    from oddsmon.engine.recorder import Recorder
    from oddsmon.providers import LeagueOddsRequest, connect
    from oddsmon.store import Store

    settings = settings_in(directory)
    store = Store.open(store_url or settings.paths.db)
    clock = FakeClock(datetime(2026, 11, 24, 9, tzinfo=UTC))
    served: list[bytes] = [page(9000)]  # another league's page, kept first

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=served[0], headers={"content-type": "application/json"})

    async def keep_all() -> tuple[list[float], list[int]]:
        provider = connect(settings.api, Secret(KEY), store.ledger, clock, transport=httpx.MockTransport(answer))
        recorder = Recorder(settings, store)
        await provider.fetch(LeagueOddsRequest(61, 2026), recorder.league_keeper(LeagueOddsRequest(61, 2026),
                                                                                   clock.now()))
        times, rows = [], []
        for body, forget in bodies:
            clock.advance(600)
            served[0] = body
            if forget:
                with store.db.write() as tx:
                    tx.execute("DELETE FROM odds_prints")
            request = LeagueOddsRequest(39, 2026)
            before = store.history.count()
            t = time.perf_counter()
            await provider.fetch(request, recorder.league_keeper(request, clock.now()))
            times.append(time.perf_counter() - t)
            rows.append(store.history.count() - before)
        await provider.aclose()
        return times, rows

    try:
        return asyncio.run(keep_all())
    finally:
        store.close()


def _floor(path: Path, body: bytes) -> float:
    """``json.loads`` of the page and one write of it (one transaction in a WAL file)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS pages (n INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    t = time.perf_counter()
    json.loads(body)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT OR REPLACE INTO pages VALUES (1, ?)", (body,))
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


# The refetches kept after the first keep, each run: (one book in N moved, fingerprints
# forgotten first), and what each pair of rows is called.
_REFETCHES = ((1, True), (1, False), (4, True), (4, False))
_SHAPES = {1: "every book moved (1 price in 20)", 4: "1 book in 4 moved (1 price in 20 of it)"}


def run(ctx: Context) -> list[Row]:
    return keep_rows(ctx, "k", "")


def keep_rows(ctx: Context, group: str, where: str, database: Callable[[], str] | None = None) -> list[Row]:
    """The page's keeps in a fresh store per run: a SQLite file in ``ctx.tmp``, or a new
    PostgreSQL database ``database()`` makes (``where`` says which, before each row's name)."""
    moves = [every for every, _ in _REFETCHES]
    bodies = [(page(1000), False), *((page(1000, moves[:n + 1]), forget)
                                     for n, (_, forget) in enumerate(_REFETCHES))]
    firsts: list[float] = []
    floors: list[float] = []
    kept: dict[tuple[int, bool], list[float]] = {r: [] for r in _REFETCHES}
    wrote: dict[tuple[int, bool], list[float]] = {r: [] for r in _REFETCHES}
    rows_first: list[float] = []
    for n in range(ctx.runs(5)):
        directory = ctx.tmp / f"keep-{group}-{'pg' if database else 'lite'}-{n}"
        directory.mkdir()
        times, rows = _keep_pages(directory, bodies, database and database())
        firsts.append(times[0])
        rows_first.append(float(rows[0]))
        for shape, t, r in zip(_REFETCHES, times[1:], rows[1:], strict=True):
            kept[shape].append(t)
            wrote[shape].append(float(r))
        floors.append(_floor(directory / "floor.db", bodies[0][0]))
    floor = median(floors) * 1000
    bets = json.loads(CAPTURED.read_text())["response"][0]["bookmakers"][0]["bets"]
    prices = _FIXTURES * _BOOKMAKERS * sum(len(bet["values"]) for bet in bets)
    floor_name = "json.loads + one write (floor)"
    out = [Row(group, f"{where}first keep of a real-size page (every bet)", median(firsts) * 1000, "ms",
               floor_name, floor, runs=len(firsts),
               note=f"{prices:,} prices a page; history rows written by the first keep: {median(rows_first):,.0f}")]
    for every, name in _SHAPES.items():
        now, before = median(kept[(every, False)]) * 1000, median(kept[(every, True)]) * 1000
        note = f"history rows written: {median(wrote[(every, False)]):,.0f}"
        out += [Row(group, f"{where}refetched page kept, {name}", now, "ms", floor_name, floor,
                    runs=len(kept[(every, False)]), note=note),
                Row(group, f"{where}same, against its keep with no fingerprint (before schema 14)", now, "ms",
                    "the keep with fingerprints forgotten", before, runs=len(kept[(every, False)]))]
    return out


def main() -> None:  # pragma: no cover - by hand: python -m tests.perf.bench_keep_page
    import tempfile

    for row in run(Context(Path(tempfile.mkdtemp()), quick=True)):
        print(row)


if __name__ == "__main__":
    main()

