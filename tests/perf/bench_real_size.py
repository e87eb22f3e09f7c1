"""(h) Real-size odds: stores built through the real warm from bodies the size the live API sends
(8 bookmakers x 35 bets, about 240 values each), at the example config and at 500 and 2,000
fixtures, with the scaling table beside floors measured in the same run: the warm, the store,
each screen's service call (the Value screen's first open on the value bets the scan after the
warm kept), ``--check``, and on the largest store the Odds screen's fixture switches (the
picker's next line, ``.``, far down the picker) and the Value screen's first open in a real
terminal (``tui_first_paint.key_runs``) beside the example config's.

The simulator's own odds items carry 4 bets; each bookmaker's entry is inflated with the other
bets of the body captured from the live service (``odds__real_fixture815162_bookmaker6.json``,
see tests/data/api-samples/README.md), prices varied per fixture and bookmaker, so every
body has the live service's shape and size. If the simulator already serves real-size
bodies, nothing is added.

Each store is built in a child process (its peak RSS is the warm's) from the simulator served
over loopback by another child (its generated prices are not the warm's memory), and each measure runs in
a fresh child too (what a newly started oddsmon pays); a tiny run does both in its own process.
Children run with ``.pyc`` present: the environment sets PYTHONDONTWRITEBYTECODE, so the package
is compiled first.

    .venv/bin/python -m tests.perf.bench_real_size serve FIXTURES      (prints its URL)
    .venv/bin/python -m tests.perf.bench_real_size build DIR FIXTURES URL
    .venv/bin/python -m tests.perf.bench_real_size measure DIR
"""

from __future__ import annotations

import asyncio
import compileall
import copy
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .bench_odds_screen import terminal_rows
from .common import KEY, ROOT, Context, Row, bench_clock, big_day, hwm_mb, median, settings_in
from .tui_first_paint import KEY_STEPS, VALUE_STEP

CAPTURED = ROOT / "tests" / "data" / "api-samples" / "odds__real_fixture815162_bookmaker6.json"
_FLOOR_SAMPLE = 20_000_000  # bytes of odds pages the floor is timed on
SIZES = (("example config", 0), ("500 fixtures", 500), ("2,000 fixtures", 2000))
QUICK_SIZES = (("example config", 0), ("500 fixtures", 500))


def _captured_bets() -> list[dict[str, Any]]:
    body = json.loads(CAPTURED.read_text())
    return list(body["response"][0]["bookmakers"][0]["bets"])


def inflate(sim: Any) -> None:
    """Give each bookmaker entry the captured body's other bets, prices varied (deterministic
    in fixture and bookmaker, so a refetch within the same period serves the same prices)."""
    extra = _captured_bets()
    original = sim.data.odds_item

    def odds_item(fx: Any, ts: float, bookmaker: int | None = None, bet: int | None = None) -> Any:
        item = original(fx, ts, bookmaker=bookmaker, bet=bet)
        if item is None or bet is not None:
            return item
        for book in item["bookmakers"]:
            have = {b["id"] for b in book["bets"]}
            if len(have) >= len(extra):
                continue
            shift = ((fx.id * 31 + book["id"] * 7) % 17 - 8) / 100
            for b in extra:
                if b["id"] in have:
                    continue
                added = copy.deepcopy(b)
                for v in added["values"]:
                    v["odd"] = f"{max(1.01, float(v['odd']) + shift):.2f}"
                book["bets"].append(added)
        return item

    sim.data.odds_item = odds_item


def _sim_config(fixtures: int) -> tuple[Any, int]:
    """The simulator's config and the days ahead watched (``fixtures`` 0: the example config)."""
    from oddsmon.sim import SimConfig

    if fixtures:
        return big_day(fixtures)
    return SimConfig(leagues=(39, 61, 140), daily_limit=10**6, per_minute=10**6), 3


def _simulator(fixtures: int) -> Any:
    from oddsmon.sim import Simulator

    cfg, _ = _sim_config(fixtures)
    sim = Simulator(cfg, clock=bench_clock())
    inflate(sim)
    return sim


def serve(fixtures: int) -> None:
    """Serve the inflated simulator on a loopback port until stdin closes; print its URL.

    In its own process: the simulator keeps every price set it generated (tens of thousands),
    which in the warm's process would be counted as the warm's peak memory.
    """
    from oddsmon.sim import LoopbackServer

    server = LoopbackServer(_simulator(fixtures)).start()
    print(server.url, flush=True)
    sys.stdin.read()
    server.stop()


def _settings(directory: Path, facts: dict[str, Any]) -> Any:
    """The bench's settings for the store at ``directory``, or the PostgreSQL database
    ``facts["store_url"]`` names (bench_postgres)."""
    settings = settings_in(directory, leagues=tuple(facts["leagues"]), days_ahead=facts["days"])
    if facts.get("store_url"):
        settings = replace(settings, store=replace(settings.store, url=facts["store_url"]))
    return settings


def build(directory: Path, fixtures: int, url: str, store_url: str | None = None) -> dict[str, Any]:
    """Warm a store at ``directory`` (or in the PostgreSQL database ``store_url``) from the
    simulator at ``url``; facts as JSON."""
    import httpx

    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine

    cfg, days = _sim_config(fixtures)
    facts: dict[str, Any] = {"leagues": list(cfg.leagues), "days": days, "store_url": store_url}
    settings = _settings(directory, facts)
    settings = replace(settings, api=replace(settings.api, base_url=url))

    received = odds_received = 0
    odds_bodies: list[bytes] = []  # a sample of the odds pages, for the floor
    keep_s = 0.0

    class Counting(httpx.AsyncHTTPTransport):
        """The real socket transport, counting the body bytes each answer brings."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal received, odds_received
            response = await super().handle_async_request(request)
            body = await response.aread()
            received += len(body)
            if request.url.path == "/odds":
                odds_received += len(body)
                if sum(map(len, odds_bodies)) < _FLOOR_SAMPLE:
                    odds_bodies.append(body)
            return httpx.Response(response.status_code, headers=response.headers, content=body,
                                  request=request, extensions=response.extensions)

    async def warm() -> None:
        eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY), transport=Counting())
        client = eng.service.provider.client  # type: ignore[attr-defined]
        pages = client.get_all_pages

        async def timed_pages(endpoint: str, params: Any, keep: Any = None) -> Any:
            # The warm's parse + store of each odds page as it arrives: parsed, fixtures'
            # entries, rows, history and headlines written. The page is handed over as the
            # JSON text received, so its typed decode is timed here too (the floor's
            # json.loads is its counterpart).
            def timed(items: Any) -> Any:
                nonlocal keep_s
                t = time.perf_counter()
                try:
                    return keep(items)
                finally:
                    keep_s += time.perf_counter() - t
            return await pages(endpoint, params, None if keep is None else timed)

        client.get_all_pages = timed_pages
        try:
            started = time.perf_counter()
            report = await eng.service.warm(force=True)  # every page: past [warm] max_calls
            facts["warm_s"] = time.perf_counter() - started
            assert report.stopped is None, report.stopped
            # The value bets of the odds just stored, as the collector's cycle (or the Value
            # screen's first open) works them out: after the warm, off its writes.
            started = time.perf_counter()
            facts["scanned"] = await eng.service.scan_values()
            facts["scan_s"] = time.perf_counter() - started
        finally:
            await eng.aclose()

    asyncio.run(warm())
    facts["warm_peak_mb"] = hwm_mb()
    facts["received_mb"] = received / 1e6  # the bodies as they came over the socket
    facts["keep_s_per_mb"] = keep_s / (odds_received / 1e6)
    if store_url:
        from .bench_postgres import decode_write_floor

        facts["floor_s_per_mb"] = decode_write_floor(store_url, odds_bodies)
    else:
        facts["floor_s_per_mb"] = _decode_write_floor(directory / "floor.db", odds_bodies)
    from oddsmon.store import Store
    from tests.stores import one_row

    store = Store.open_existing(settings)
    facts["odds_fixtures"] = one_row(store, "SELECT count(*) FROM odds_fixtures")[0]
    facts["values_per_bookmaker"] = float(one_row(
        store, "SELECT ((SELECT count(*) FROM odds_latest) + (SELECT count(*) FROM odds_pack_points)) * 1.0 "
        "/ (SELECT count(*) FROM odds_books)")[0])  # series a book: rows, and packed ones that never moved
    facts["disk_mb"] = (store.health().size_bytes / 1e6 if store_url else
                        sum(os.path.getsize(p) for p in directory.glob("oddsmon.db*")) / 1e6)
    store.close()
    return facts


def measure(directory: Path, facts: dict[str, Any]) -> dict[str, float]:
    """A freshly started oddsmon on the store, offline (nothing fetched): each screen's
    service call, and the floors on the same file."""
    import httpx

    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine

    settings = _settings(directory, facts)
    out: dict[str, float] = {}

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("the bench sends nothing")

    async def screens() -> None:
        eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY), transport=httpx.MockTransport(refuse))
        try:
            eng.service.set_offline()
            t = time.perf_counter()
            view = (await eng.service.bookmakers_summary()).data
            out["bookmakers_s"] = time.perf_counter() - t
            assert view is not None and view.watched > 0
            out["bookmakers_rss_mb"] = hwm_mb()
            t = time.perf_counter()
            dash = (await eng.service.dashboard()).data
            out["dashboard_cold_s"] = time.perf_counter() - t
            assert dash is not None
            t = time.perf_counter()
            await eng.service.dashboard()
            out["dashboard_warm_s"] = time.perf_counter() - t
            fid = next(iter(dash.headlines))
            t = time.perf_counter()
            await eng.service.market(fid)
            out["odds_fixture_s"] = time.perf_counter() - t
        finally:
            await eng.aclose()

    asyncio.run(screens())
    out["value_open_s"], out["value_bets"], out["value_pending"] = value_open(settings)
    if facts.get("store_url"):
        return out  # the floors are SQLite's own: bench_real_size reports them
    conn = sqlite3.connect(settings.paths.db)
    t = time.perf_counter()
    conn.execute("SELECT bookmaker_id, count(*) FROM odds_snapshots GROUP BY bookmaker_id").fetchall()
    out["floor_group_by_s"] = time.perf_counter() - t
    t = time.perf_counter()
    # Schema 16: a series' latest price is its row, or its packed book's until it moved.
    conn.execute("SELECT fixture_id, bookmaker_id, outcome, price FROM odds_latest WHERE bet_id = 1 UNION ALL "
                 "SELECT fixture_id, bookmaker_id, outcome, price FROM odds_pack_points WHERE bet_id = 1").fetchall()
    out["floor_headline_rows_s"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("SELECT fixture_id, body FROM value_scans").fetchall()
    out["floor_value_rows_s"] = time.perf_counter() - t
    conn.close()
    return out


def value_open(settings: Any) -> tuple[float, float, float]:
    """The Value screen's first open in a freshly started oddsmon, offline, after the Dashboard
    it opens on (whose fixtures pages it shares): seconds, the rows it lists (the screen's
    cap), and the fixtures it left to scan (0 when the scan after the odds was done)."""
    import httpx

    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("the bench sends nothing")

    async def open_value() -> tuple[float, float, float]:
        eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY), transport=httpx.MockTransport(refuse))
        try:
            eng.service.set_offline()
            assert (await eng.service.dashboard()).data is not None
            t = time.perf_counter()
            board = await eng.service.value_board(limit=ROWS)
            took = time.perf_counter() - t
            assert board.data is not None, board.provenance
            return took, float(len(board.data.bets)), float(board.data.pending)
        finally:
            await eng.aclose()

    from oddsmon.tui.value import ROWS

    return asyncio.run(open_value())


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("APISPORTS_KEY", "ODDSMON_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.perf.bench_real_size", *args], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench_real_size {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _decode_write_floor(path: Path, bodies: list[bytes]) -> float:
    """Seconds a MB for the least a warm must do with an odds page: ``json.loads`` it and
    write it once (one transaction in a WAL file, as the cache does)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE pages (n INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    t = time.perf_counter()
    for n, body in enumerate(bodies):
        json.loads(body)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO pages VALUES (?, ?)", (n, body))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    for p in path.parent.glob(f"{path.name}*"):
        p.unlink()
    return elapsed / (sum(map(len, bodies)) / 1e6)


def built(ctx: Context, fixtures: int, store_url: str | None = None) -> tuple[Path, dict[str, Any]]:
    """A real-size store of ``fixtures``: (directory, facts). The SQLite one is built once a run
    ((h) and (i) measure the same); a PostgreSQL one into the empty database ``store_url``."""
    key = f"real-{fixtures}" if store_url is None else f"pg-bench-pg-{fixtures}"
    if store_url is not None or key not in ctx.cache:
        directory = ctx.tmp / key
        directory.mkdir()
        ctx.cache[key] = directory, _built(directory, fixtures, store_url, in_process=ctx.tiny)
    return ctx.cache[key]


def measured(ctx: Context, directory: Path, facts: dict[str, Any]) -> dict[str, Any]:
    """``measure`` in a fresh child (what a newly started oddsmon pays); at tiny size, where
    the figures mean nothing, in this process."""
    return measure(directory, facts) if ctx.tiny else _child(["measure", str(directory), json.dumps(facts)])


def _built(directory: Path, fixtures: int, store_url: str | None = None, *,
           in_process: bool = False) -> dict[str, Any]:
    """A store warmed by a child from a simulator served by another child (``in_process``:
    both in this process, two interpreters' start fewer, for a tiny run)."""
    if in_process:
        from oddsmon.sim import LoopbackServer

        with LoopbackServer(_simulator(fixtures)) as server:
            return build(directory, fixtures, server.url, store_url)
    sim = subprocess.Popen([sys.executable, "-m", "tests.perf.bench_real_size", "serve", str(fixtures)],
                           cwd=ROOT, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert sim.stdout is not None
        url = sim.stdout.readline().strip()
        if not url:
            raise RuntimeError("bench_real_size serve did not start")
        return _child(["build", str(directory), str(fixtures), url, *([store_url] if store_url else [])])
    finally:
        sim.communicate("")  # closing its stdin stops it


def _check_time(directory: Path, facts: dict[str, Any], runs: int) -> tuple[float, float]:
    config = directory / "oddsmon.toml"
    leagues = ", ".join(str(lg) for lg in facts["leagues"])
    config.write_text(f'[watch]\nleagues = [{leagues}]\n[paths]\ndb = "{directory / "oddsmon.db"}"\n'
                      f'metrics = "{directory / "m.json"}"\nincidents = "{directory / "i.md"}"\n'
                      + (f'[store]\nurl = "{facts["store_url"]}"\n' if facts.get("store_url") else ""))
    env = {**_env(), "APISPORTS_KEY": KEY}  # as on-call staff run it; --check sends nothing
    cmds = {"check": [sys.executable, "-m", "oddsmon", "--config", str(config), "--check"],
            "floor": [sys.executable, "-c", "import sqlite3, json"]}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for i in range(runs + 1):
        for name, cmd in cmds.items():
            t = time.perf_counter()
            subprocess.run(cmd, cwd=directory, env=env, capture_output=True, check=False)
            if i:  # the first round warms the page cache
                times[name].append(time.perf_counter() - t)
    return median(times["check"]), median(times["floor"])


def run(ctx: Context) -> list[Row]:
    compileall.compile_dir(str(ROOT / "oddsmon"), quiet=1)  # children start from .pyc
    rows: list[Row] = []
    first_check: float | None = None
    facts_of: dict[int, dict[str, Any]] = {}
    sizes = ctx.sizes(SIZES, QUICK_SIZES)
    dirs: dict[int, Path] = {}
    for label, n in sizes:
        directory, facts = dirs[n], facts_of[n] = built(ctx, n)
        got = measured(ctx, directory, facts)
        runs = ctx.runs(7)
        check, floor = _check_time(directory, facts, runs)
        first_check = first_check or check
        note = (f"{facts['odds_fixtures']} fixtures, {facts['values_per_bookmaker']:.0f} values a "
                f"bookmaker, {facts['received_mb']:.1f} MB received")
        rows += [
            Row("h", f"{label}: warm (parse + store)", facts["warm_s"], "s", note=note),
            Row("h", f"{label}: warm parse + store, per MB of odds", facts["keep_s_per_mb"] * 1000, "ms",
                "json.loads + one write (floor)", facts["floor_s_per_mb"] * 1000, target="<= 1.5x",
                met=facts["keep_s_per_mb"] <= 1.5 * facts["floor_s_per_mb"]),
            Row("h", f"{label}: warm peak RSS", facts["warm_peak_mb"], "MB", target="<= 300 MB at 2,000",
                met=facts["warm_peak_mb"] <= 300 if n == 2000 else None),
            Row("h", f"{label}: store on disk", facts["disk_mb"], "MB", "bytes received",
                facts["received_mb"], target="<= 1.2x", met=facts["disk_mb"] <= 1.2 * facts["received_mb"]),
            Row("h", f"{label}: Bookmakers summary, fresh engine", got["bookmakers_s"], "s",
                "GROUP BY bookmaker over the history", got["floor_group_by_s"], target="<= 0.2 s",
                met=got["bookmakers_s"] <= 0.2),
            Row("h", f"{label}: peak RSS after the Bookmakers summary", got["bookmakers_rss_mb"], "MB",
                target="<= 150 MB", met=got["bookmakers_rss_mb"] <= 150),
            Row("h", f"{label}: Dashboard, fresh engine", got["dashboard_cold_s"], "s",
                "SELECT of the Match Winner latest rows", got["floor_headline_rows_s"], target="<= 0.2 s",
                met=got["dashboard_cold_s"] <= 0.2),
            Row("h", f"{label}: Dashboard, memoised", got["dashboard_warm_s"], "s", target="<= 50 ms",
                met=got["dashboard_warm_s"] <= 0.05),
            Row("h", f"{label}: Odds screen service call (one fixture)", got["odds_fixture_s"], "s",
                target="<= 0.3 s", met=got["odds_fixture_s"] <= 0.3),
            Row("h", f"{label}: Value screen first open, fresh engine", got["value_open_s"], "s",
                "SELECT of the kept value rows", got["floor_value_rows_s"], target="<= 0.5 s",
                met=got["value_open_s"] <= 0.5 and not got["value_pending"],
                note=f"{got['value_bets']:.0f} rows listed, {got['value_pending']:.0f} fixtures left to scan; "
                     f"the scan after the warm: {facts['scanned']} fixtures in {facts['scan_s']:.1f} s "
                     f"({facts['scan_s'] / max(facts['scanned'], 1) * 1000:.0f} ms each)"),
            Row("h", f"{label}: --check", check * 1000, "ms", 'python -c "import sqlite3, json"',
                floor * 1000, target="<= 2x; <= 1.2x the smallest store's",
                met=check <= 2 * floor and check <= 1.2 * first_check, runs=runs),
        ]
    # The Odds screen's fixture switches and the Value screen's first open in a real terminal on the
    # largest store, beside the example config's (both built above).
    (small_label, small), (label, largest) = sizes[0], sizes[-1]
    stores = (ctx, _settings(dirs[largest], facts_of[largest]), _settings(dirs[small], facts_of[small]),
              f"same, {small_label} store")
    rows += [r for r in terminal_rows(*stores, group="h", label=f"{label}: ")
             if any(r.name.endswith(step.name) for step in KEY_STEPS[2:])]  # the switches, not b and o
    rows += terminal_rows(*stores, group="h", label=f"{label}: ", steps=(VALUE_STEP,))
    for row in rows:  # a build and a fresh engine's first call are measured once each
        row.runs = row.runs or 1
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "build":
        print(json.dumps(build(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4], *sys.argv[5:6])))
    else:
        print(json.dumps(measure(Path(sys.argv[2]), json.loads(sys.argv[3]))))
