"""Every benchmark of ``make bench`` runs, at a tiny size: a benchmark that stopped running (a
changed API, a cap it now meets, a date it depends on) fails here, not on the day someone wants
its figures. The figures of a tiny run mean nothing and are not checked; only that each group
ran to its table, which is what ``python -m tests.perf`` reports with its exit status.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.perf.__main__ import BENCHMARKS
from tests.perf.common import ROOT

# Groups whose tiny run still takes one to four minutes on 2 cores (real-size stores built in
# child processes, a PostgreSQL server, a TUI in a pty): beyond make test's 10-minute budget
# together. They run with `python -m tests.perf --tiny --only d,g,h,i,j --out FILE`; making their
# tiny path cheap enough to join the rest is the next step. A new group joins make test.
TOO_SLOW_FOR_MAKE_TEST = frozenset("dghij")


def test_every_benchmark_is_either_run_here_or_named_as_too_slow() -> None:
    assert set(BENCHMARKS) >= TOO_SLOW_FOR_MAKE_TEST
    assert set(BENCHMARKS) - TOO_SLOW_FOR_MAKE_TEST, "make test runs no benchmark at all"


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(set(BENCHMARKS) - TOO_SLOW_FOR_MAKE_TEST))
def test_each_benchmark_runs_to_its_rows_at_a_tiny_size(group: str, tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    for name in ("APISPORTS_KEY", "ODDSMON_CONFIG", "NO_COLOR"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "tests.perf", "--tiny", "--only", group, "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"({group}) could not run:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    rows = [line for line in out.read_text().splitlines() if line.startswith(f"| {group} |")]
    assert rows, out.read_text()
    # A row whose measure never happened shows a dash: the code ran but measured nothing.
    measured = [r for r in rows if r.split(" | ")[2].strip() != "—"]
    assert measured, rows


def test_a_tiny_run_never_replaces_the_published_figures() -> None:
    proc = subprocess.run([sys.executable, "-m", "tests.perf", "--tiny", "--only", "a"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "--tiny needs --out" in proc.stderr, proc.stderr
