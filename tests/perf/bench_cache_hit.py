"""(a) A service-level cache hit, beside the floor and the peer.

- oddsmon: ``Service.bookmakers()`` and ``Service.odds()`` answered fresh from the shared store,
  in-process, on an engine whose store a warm filled (the parsed models are memoised per entry
  and fetch time, so a hit is one indexed SELECT and a comparison);
- the floor: a bare ``sqlite3`` SELECT of the same row(s) + ``json.loads``;
- the peer: hishel 2.x (``hishel.httpx.CacheTransport`` with its ``SqliteStorage``) serving the
  same response body through an ``httpx.Client`` + ``response.json()``. hishel's async SQLite
  storage needs ``anysqlite`` (the ``hishel[async]`` extra), which the project does not
  install, so the peer runs synchronous: no event loop in its path, an advantage to it.

Also shown: a hit whose parsed models are not memoised (what the first read in a new process
costs: the SELECT, ``json.loads`` and the typed models).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import zlib
from typing import Any

from .common import KEY, Context, Row, bench_clock, sample_async, sample_sync, small_store


def run(ctx: Context) -> list[Row]:
    settings, _ = small_store(ctx)
    runs = ctx.runs(15)
    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine
    from oddsmon.providers import BookmakersRequest, LeagueOddsRequest

    leagues = settings.watch.leagues
    season = settings.watch.one_season
    assert season is not None
    odds_keys = [LeagueOddsRequest(lg, season).key for lg in leagues]
    book_key = BookmakersRequest().key
    results: dict[str, float] = {}

    async def service() -> None:
        eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY),
                           transport=_no_network())
        svc = eng.service
        try:
            for name, call in (("bookmakers", svc.bookmakers), ("odds", svc.odds)):
                page = await call()
                assert page.provenance.source == "cache" and not page.provenance.stale, page.provenance
                results[f"service {name}"] = await sample_async(call, runs)

            async def unmemoised() -> Any:
                svc.reader._memo.clear()
                return await svc.odds()

            results["service odds unmemoised"] = await sample_async(unmemoised, runs)
        finally:
            await eng.aclose()

    asyncio.run(service())

    conn = sqlite3.connect(settings.paths.db)
    try:
        # The entries the odds page is read from: the league pages, or, where the warm asked
        # per fixture (fewer fixtures at hand than a league page costs: a tiny store), every
        # odds entry.
        kept = {r[0] for r in conn.execute("SELECT key FROM cache WHERE kind = 'odds'")}
        odds_keys = [k for k in odds_keys if k in kept] or sorted(kept)

        def body(key: str) -> str:
            # A big body is kept zlib-compressed: inflating it is part of the floor's read.
            stored = conn.execute("SELECT body FROM cache WHERE key = ?", (key,)).fetchone()[0]
            return zlib.decompress(stored).decode() if isinstance(stored, bytes) else str(stored)

        def floor_book() -> Any:
            return json.loads(body(book_key))

        def floor_odds() -> Any:
            return [json.loads(body(k)) for k in odds_keys]

        floor_book()
        floor_odds()
        results["floor bookmakers"] = sample_sync(floor_book, runs)
        results["floor odds"] = sample_sync(floor_odds, runs)
        bodies = {k: body(k) for k in (book_key, *odds_keys)}
    finally:
        conn.close()

    results.update(_hishel(ctx, bodies, book_key, odds_keys, runs))
    rows = []
    for page, n_rows in (("bookmakers", 1), ("odds", len(odds_keys))):
        what = f"Service.{page}() cache hit ({n_rows} row{'s' if n_rows > 1 else ''})"
        rows.append(Row("a", what, results[f"service {page}"] * 1e6, "us",
                        "sqlite3 SELECT + json.loads (floor)", results[f"floor {page}"] * 1e6,
                        runs=runs))
        rows.append(Row("a", what, results[f"service {page}"] * 1e6, "us",
                        "hishel 2.0 SqliteStorage + .json() (peer)", results[f"hishel {page}"] * 1e6,
                        runs=runs))
    rows.append(Row("a", "Service.odds() hit, parse not memoised", results["service odds unmemoised"] * 1e6,
                    "us", "sqlite3 SELECT + json.loads (floor)", results["floor odds"] * 1e6, runs=runs,
                    note="first read of an entry in a process: json.loads + typed models"))
    return rows


def _no_network() -> Any:
    """A transport that fails loudly: a cache hit must never reach it."""
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a cache hit sent {request.url}")

    return httpx.MockTransport(refuse)


def _hishel(ctx: Context, bodies: dict[str, str], book_key: str, odds_keys: list[str],
            runs: int) -> dict[str, float]:
    import httpx
    from hishel import SqliteStorage
    from hishel.httpx import CacheTransport

    sent = {"n": 0}
    by_path = {"/odds/bookmakers": bodies[book_key]}
    for k in odds_keys:
        by_path["/" + k.lstrip("/")] = bodies[k]

    def upstream(request: httpx.Request) -> httpx.Response:
        sent["n"] += 1
        path = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
        return httpx.Response(200, content=by_path[path].encode(),
                              headers={"content-type": "application/json"})

    storage = SqliteStorage(database_path=ctx.tmp / "hishel.db", default_ttl=86400)
    transport = CacheTransport(next_transport=httpx.MockTransport(upstream), storage=storage)
    client = httpx.Client(transport=transport, base_url="https://v3.football.api-sports.io",
                          headers={"x-apisports-key": KEY})
    odds_paths = ["/" + k.lstrip("/") for k in odds_keys]
    try:
        def book() -> Any:
            return client.get("/odds/bookmakers").json()

        def odds() -> Any:
            return [client.get(p).json() for p in odds_paths]

        book()
        odds()  # primed once: from now on every answer comes from hishel's SQLite
        primed = sent["n"]
        out = {"hishel bookmakers": sample_sync(book, runs), "hishel odds": sample_sync(odds, runs)}
        assert sent["n"] == primed, "hishel did not serve from its cache"
        assert client.get("/odds/bookmakers").extensions["caching"]["from_cache"]
        return out
    finally:
        client.close()
