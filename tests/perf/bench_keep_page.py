"""(k) Keeping one real-size league odds page as a fetch keeps it: 10 fixtures x 8 bookmakers x the
captured Bwin entry's 35 bets (239 values a bookmaker, 19,120 prices a page; see
``bench_real_size``), every bet typed and recorded in the price history. Timed from the page's
bytes to its commit: the typed decode, each fixture's entry, the history and the Dashboard's
headlines, in the page's one transaction. The page's first keep (every price a first price),
then refetches where about one price in twenty moved each time (what the history writes:
the moves, counted). Beside the floor: ``json.loads`` of the page and one write of it.

Each run is a fresh store in which another page was kept first (a process mid-warm).
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from .bench_real_size import CAPTURED
from .common import KEY, Context, Row, median, settings_in

_FIXTURES = 10  # the provider's page (docs/provider.md)
_BOOKMAKERS = 8
_REFETCHES = 3


def page(base: int, fetch: int) -> bytes:
    """The page's ``/odds`` body: fixtures ``base``.. each priced by eight copies of the captured
    entry, prices varied per fixture and bookmaker; from ``fetch`` 1 on, one price in twenty
    moved since the fetch before."""
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
                    if fetch and (k + f + b + fetch) % 20 == 0:
                        price += 0.05 * fetch
                    value["odd"] = f"{max(1.01, price):.2f}"
            one["bookmakers"].append(book)
        items.append(one)
    return json.dumps({"get": "odds", "parameters": {"league": "39", "season": "2026"}, "errors": [],
                       "results": len(items), "paging": {"current": 1, "total": 1},
                       "response": items}).encode()


def _keep_pages(directory: Path, bodies: list[bytes], store_url: str | None = None) -> tuple[list[float], list[int]]:
    """Seconds each body took to keep, and the history rows it wrote (in the SQLite file in
    ``directory``, or the PostgreSQL database ``store_url`` names)."""
    import httpx

    from oddsmon.clock import FakeClock
    from oddsmon.config import Secret
    from oddsmon.engine.recorder import Recorder
    from oddsmon.providers import LeagueOddsRequest, connect
    from oddsmon.store import Store

    settings = settings_in(directory)
    store = Store.open(store_url or settings.paths.db)
    clock = FakeClock(datetime(2026, 11, 24, 9, tzinfo=UTC))
    served: list[bytes] = [page(9000, 0)]  # another league's page, kept first

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=served[0], headers={"content-type": "application/json"})

    async def keep_all() -> tuple[list[float], list[int]]:
        provider = connect(settings.api, Secret(KEY), store.ledger, clock, transport=httpx.MockTransport(answer))
        recorder = Recorder(settings, store)
        await provider.fetch(LeagueOddsRequest(61, 2026), recorder.league_keeper(LeagueOddsRequest(61, 2026),
                                                                                   clock.now()))
        times, rows = [], []
        for body in bodies:
            clock.advance(600)
            served[0] = body
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


def run(ctx: Context) -> list[Row]:
    bodies = [page(1000, fetch) for fetch in range(_REFETCHES + 1)]
    firsts: list[float] = []
    refetches: list[float] = []
    floors: list[float] = []
    rows_first: list[int] = []
    rows_refetch: list[int] = []
    for n in range(ctx.runs(5)):
        directory = ctx.tmp / f"keep-{n}"
        directory.mkdir()
        times, rows = _keep_pages(directory, bodies)
        firsts.append(times[0])
        refetches += times[1:]
        rows_first.append(rows[0])
        rows_refetch += rows[1:]
        floors.append(_floor(directory / "floor.db", bodies[0]))
    floor = median(floors)
    bets = json.loads(CAPTURED.read_text())["response"][0]["bookmakers"][0]["bets"]
    prices = _FIXTURES * _BOOKMAKERS * sum(len(bet["values"]) for bet in bets)
    note = (f"{prices:,} prices a page; history rows written: {median([float(r) for r in rows_first]):,.0f} "
            f"by the first keep, {median([float(r) for r in rows_refetch]):,.0f} by a refetch")
    return [
        Row("k", "first keep of a real-size page (every bet)", median(firsts) * 1000, "ms",
            "json.loads + one write (floor)", floor * 1000, runs=len(firsts), note=note),
        Row("k", "refetched page kept (1 price in 20 moved)", median(refetches) * 1000, "ms",
            "json.loads + one write (floor)", floor * 1000, runs=len(refetches)),
    ]


def main() -> None:  # pragma: no cover - by hand: python -m tests.perf.bench_keep_page
    import tempfile

    for row in run(Context(Path(tempfile.mkdtemp()), quick=True)):
        print(row)


if __name__ == "__main__":
    main()

