"""Every benchmark of ``make bench`` runs, at a tiny size: a benchmark that stopped running (a
changed API, a cap it now meets, a date it depends on) fails here, not on the day someone wants
its figures. The figures of a tiny run mean nothing and are not checked; only that each group
ran to its table (``python -m tests.perf``'s exit status) and that every row of it was measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import postgres
from tests.perf.__main__ import BENCHMARKS
from tests.perf.bench_postgres import PG_URL_ENV
from tests.perf.common import ROOT

# Each run is one process: groups measuring the same stores run together, so a tiny store is
# built once (d and g: the 2,000-fixture store's; h and i: the real-size SQLite store).
TINY_RUNS = ("a", "b", "c", "d,g", "e", "f", "h,i", "j", "k")


def test_every_benchmark_runs_here_once() -> None:
    groups = [g for run in TINY_RUNS for g in run.split(",")]
    assert sorted(groups) == sorted(BENCHMARKS)


@pytest.mark.slow
@pytest.mark.parametrize("groups", TINY_RUNS)
def test_each_benchmark_runs_to_its_rows_at_a_tiny_size(groups: str, tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    for name in ("APISPORTS_KEY", "ODDSMON_CONFIG", "NO_COLOR"):
        env.pop(name, None)
    if "i" in groups:  # the session's PostgreSQL server, not one more started for the bench
        env[PG_URL_ENV] = postgres.server().url("postgres")
    proc = subprocess.run([sys.executable, "-m", "tests.perf", "--tiny", "--only", groups, "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"({groups}) could not run:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    for group in groups.split(","):
        rows = [line for line in out.read_text().splitlines() if line.startswith(f"| {group} |")]
        assert rows, (group, out.read_text())
        # A row whose measure never happened shows a dash: the code ran but measured nothing
        # (a key whose screen never showed in the terminal, a marker the screen no longer draws).
        unmeasured = [r for r in rows if r.split(" | ")[2].strip() == "—"]
        assert not unmeasured, unmeasured


def test_a_tiny_run_never_replaces_the_published_figures() -> None:
    proc = subprocess.run([sys.executable, "-m", "tests.perf", "--tiny", "--only", "a"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "--tiny needs --out" in proc.stderr, proc.stderr
