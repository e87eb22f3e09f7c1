"""(g) ``oddsmon --export-odds`` on the 2,000-fixture store: throughput and peak memory.

- throughput: rows a second of ``oddsmon --export-odds PATH --format csv`` (the CLI, in a fresh
  process: opening the store, reading every cached fixtures page for the names, streaming every
  price observation to a file written atomically), beside a floor: a bare
  ``sqlite3`` ``SELECT`` of the same rows with ``fetchall`` and ``csv.writer``, no names;
- peak memory: that process's RSS high-water mark (VmHWM) with the big store and with the
  example-config store; an export that buffered its rows would grow with the row count.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import ROOT, Context, Row, big_store, median, settings_in, small_store


def child(directory: str, leagues: str, days_ahead: str, target: str) -> None:
    """A fresh process running the export as the CLI does; prints rows, seconds, peak RSS."""
    from oddsmon.commands import export_odds

    from .common import hwm_mb as _hwm_mb

    settings = settings_in(Path(directory), leagues=tuple(json.loads(leagues)), days_ahead=int(days_ahead))
    before = _hwm_mb()
    started = time.perf_counter()
    code = export_odds.run(settings, target, "csv")
    took = time.perf_counter() - started
    with open(target, encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    print(json.dumps({"code": code, "rows": rows, "s": took, "peak_mb": _hwm_mb(), "imports_mb": before}))


def _run_child(settings: Any, tmp: Path) -> dict[str, Any]:
    target = tmp / "odds.csv"
    cmd = [sys.executable, "-m", "tests.perf.bench_export_odds", str(settings.paths.db.parent),
           json.dumps(list(settings.watch.leagues)), str(settings.watch.days_ahead), str(target)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, result
    return result


def _floor(db: Path) -> float:
    """Rows a second of the bare read: every row at once, straight to CSV in memory."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        started = time.perf_counter()
        rows = conn.execute("SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price "
                            "FROM odds_snapshots").fetchall()
        csv.writer(io.StringIO()).writerows(rows)
        return len(rows) / (time.perf_counter() - started)
    finally:
        conn.close()


def run(ctx: Context) -> list[Row]:
    big, big_facts = big_store(ctx)
    small, _ = small_store(ctx)
    runs = ctx.runs(3)
    results = [_run_child(big, ctx.tmp) for _ in range(runs)]
    # At tiny size the two are one store: exported once.
    small_results = results if small is big else [_run_child(small, ctx.tmp) for _ in range(runs)]
    rows_n = results[0]["rows"]
    throughput = median([r["rows"] / r["s"] for r in results])
    floor = median([_floor(big.paths.db) for _ in range(runs)])
    scale = f"{big_facts['fixtures']} fixtures x {big_facts['bookmakers_per_fixture']:.0f} bookmakers, {rows_n:,} rows"
    return [
        Row("g", "--export-odds csv throughput", throughput, "rows/s", "bare sqlite3 SELECT + csv, no names",
            floor, runs=runs, note=scale),
        Row("g", "--export-odds peak RSS (big store)", median([r["peak_mb"] for r in results]), "MB",
            f"same, example-config store ({small_results[0]['rows']:,} rows)",
            median([r["peak_mb"] for r in small_results]), runs=runs,
            note=f"after imports: {median([r['imports_mb'] for r in results]):.0f} MB"),
    ]


if __name__ == "__main__":
    child(*sys.argv[1:])
