"""Run from the checkout, as ``make run`` does (so ``./oddsmon.toml``, the example, is the
config), the headless commands write nothing into it: a keyless ``--selftest`` used to leave
``docs/.incidents_supervision.md.lock`` behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What builds and tools leave: not written by a command of oddsmon's.
SKIP = {".git", ".venv", "__pycache__", "build"}


def _files() -> set[Path]:
    found = set()
    for here, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP and not d.startswith(".") and not d.endswith(".egg-info")]
        found |= {Path(here, f).relative_to(ROOT) for f in files}
    return found


@pytest.mark.slow
def test_commands_run_from_the_checkout_write_nothing_into_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ODDSMON_CONFIG", "APISPORTS_KEY")}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    before = _files()
    for args in (["--selftest"], ["--offline"], ["--note", "checked from the checkout"], ["--online"],
                 ["--export"], ["--export", "--format", "prometheus"], ["--check"]):
        proc = subprocess.run([sys.executable, "-m", "oddsmon", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
    assert sorted(_files() - before) == []
    written = {p.name for p in (tmp_path / "data" / "oddsmon").iterdir()}
    assert {"incidents_supervision.md", "supervision_metrics.json"} <= written
