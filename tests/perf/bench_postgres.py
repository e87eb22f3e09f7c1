"""(i) A team's store on PostgreSQL beside one host's SQLite file, on the same work: the
real-size warm (bench h's inflated simulator, 2,000 fixtures) into each backend, then, in a
freshly started oddsmon on each, the Dashboard, Bookmakers and Odds screens' service calls;
the warm's parse + store per MB against its floor on each backend (``json.loads`` and one write
of the page: SQLite's a WAL insert, PostgreSQL's an INSERT in a transaction); and
``oddsmon --check`` on PostgreSQL against ``python -c "import sqlite3, json"``; and bench k's
league page keeps on each backend.

The server is a real PostgreSQL started for the run from the machine's binaries
(tests/postgres.py, on a Unix socket, ``fsync = off`` as for the tests: what is compared is
oddsmon's work, not the disk's), or the one ``ODDSMON_BENCH_PG_URL`` names (make test's tiny
run: the test session's server). The SQLite store is bench h's, built once a run. Targets: the
screens within 2x their SQLite figures, the warm within 1.5x its floor on either backend,
``--check`` within 3x the floor.
"""

from __future__ import annotations

import compileall
import itertools
import json
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .bench_keep_page import keep_rows
from .bench_real_size import _check_time, built, measured
from .common import ROOT, Context, Row

SIZES = (("2,000 fixtures", 2000),)
QUICK_SIZES = (("example config", 0),)


def decode_write_floor(url: str, bodies: list[bytes]) -> float:
    """Seconds a MB for the least a warm must do with an odds page on PostgreSQL: ``json.loads``
    it and write it once, one transaction a page."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TEMPORARY TABLE pages (n integer PRIMARY KEY, body bytea NOT NULL)")
        t = time.perf_counter()
        for n, body in enumerate(bodies):
            json.loads(body)
            with conn.transaction():
                conn.execute("INSERT INTO pages VALUES (%s, %s)", (n, body))
        elapsed = time.perf_counter() - t
    return elapsed / (sum(map(len, bodies)) / 1e6)


# A running server to make the databases on instead of starting one, by the URL of its
# maintenance database as its superuser (make test hands over its session's server).
PG_URL_ENV = "ODDSMON_BENCH_PG_URL"


def _databases_on(maintenance: str) -> Callable[[], str]:
    """What makes a new, empty database on the server ``maintenance`` is on; its URL."""
    import psycopg

    names = itertools.count(1)

    def database() -> str:
        name = f"bench{os.getpid()}_{next(names)}"
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        scheme, where, _, query, _ = urlsplit(maintenance)
        return urlunsplit((scheme, where, f"/{name}", query, ""))

    return database


def run(ctx: Context, sizes: tuple[tuple[str, int], ...] | None = None) -> list[Row]:
    from tests.postgres import PgServer, find_bindir

    given = os.environ.get(PG_URL_ENV)
    server = None
    if not given:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL binaries (Debian: apt-get install postgresql)")
        server = PgServer(bindir).start()
    database = server.database if server is not None else _databases_on(given or "")
    compileall.compile_dir(str(ROOT / "oddsmon"), quiet=1)  # children start from .pyc
    rows: list[Row] = []
    try:
        for label, n in sizes or ctx.sizes(SIZES, QUICK_SIZES):
            lite_dir, lite = built(ctx, n)
            pg_dir, team = built(ctx, n, database())
            lite_got = measured(ctx, lite_dir, lite)
            team_got = measured(ctx, pg_dir, team)
            runs = ctx.runs(7)
            check, floor = _check_time(pg_dir, team, runs)
            rows += _rows(label, lite, team, lite_got, team_got, check, floor, runs)
        # A league page's keeps (bench k) on each backend, side by side in the same run.
        rows += keep_rows(ctx, "i", "SQLite: ") + keep_rows(ctx, "i", "PostgreSQL: ", database)
    finally:
        if server is not None:
            server.stop()
    return rows


def _rows(label: str, lite: dict[str, Any], team: dict[str, Any], lite_got: dict[str, float],
          team_got: dict[str, float], check: float, floor: float, runs: int) -> list[Row]:
    note = (f"{team['odds_fixtures']} fixtures, {team['values_per_bookmaker']:.0f} values a bookmaker, "
            f"{team['received_mb']:.1f} MB received; PostgreSQL {team['disk_mb']:.0f} MB, SQLite "
            f"{lite['disk_mb']:.0f} MB")
    out = [Row("i", f"{label}: warm into PostgreSQL (parse + store)", team["warm_s"], "s", "same into SQLite",
               lite["warm_s"], note=note, runs=1)]
    for key, name in (("dashboard_cold_s", "Dashboard, fresh engine"),
                      ("bookmakers_s", "Bookmakers summary, fresh engine"),
                      ("odds_fixture_s", "Odds screen service call (one fixture)")):
        out.append(Row("i", f"{label}: {name} on PostgreSQL", team_got[key], "s", "same on SQLite",
                       lite_got[key], target="<= 2x", met=team_got[key] <= 2 * lite_got[key], runs=1))
    for name, facts in (("PostgreSQL", team), ("SQLite", lite)):
        out.append(Row("i", f"{label}: warm parse + store per MB of odds, {name}", facts["keep_s_per_mb"] * 1000,
                       "ms", f"json.loads + one write, {name} (floor)", facts["floor_s_per_mb"] * 1000,
                       target="<= 1.5x", met=facts["keep_s_per_mb"] <= 1.5 * facts["floor_s_per_mb"], runs=1))
    out.append(Row("i", f"{label}: --check on PostgreSQL", check * 1000, "ms", 'python -c "import sqlite3, json"',
                   floor * 1000, target="<= 3x", met=check <= 3 * floor, runs=runs))
    return out
