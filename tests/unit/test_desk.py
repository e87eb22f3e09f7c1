"""The analyst's desk over a known store: the odds export (header, rows, filters, formats,
memory flat in the row count) and the pick log (closing price, CLV, result and profit, surviving
a restart and a kill -9)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsmon.cli import main
from oddsmon.desk import export
from oddsmon.desk.picks import pick_views
from oddsmon.store import NewPick, Store
from tests.stores import sqlite_backend

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KICKOFF = T0 + timedelta(hours=10)


def fixture_item(fid: int, league: int, home: str, away: str, kickoff: datetime,
                 status: str = "NS", goals: tuple[int | None, int | None] = (None, None)) -> dict[str, Any]:
    return {
        "fixture": {"id": fid, "date": kickoff.isoformat(), "timestamp": int(kickoff.timestamp()),
                    "status": {"short": status, "long": status, "elapsed": None},
                    "venue": {"name": None}, "referee": None},
        "league": {"id": league, "name": {39: "Premier League", 61: "Ligue 1"}[league],
                   "country": "X", "season": 2026, "round": "R1"},
        "teams": {"home": {"id": fid * 10, "name": home}, "away": {"id": fid * 10 + 1, "name": away}},
        "goals": {"home": goals[0], "away": goals[1]},
    }


def put(store: Store, kind: str, key: str, response: list[Any], at: datetime) -> None:
    store.cache.put(key, kind, json.dumps({"response": response}), at, 600)


@pytest.fixture
def known(store: Store) -> Store:
    """Two fixtures in two leagues, two bookmakers, and prices that moved twice."""
    put(store, "fixtures", "fixtures?league=39", [fixture_item(1, 39, "Arsenal", "Chelsea", KICKOFF)], T0)
    put(store, "fixtures", "fixtures?league=61", [fixture_item(2, 61, "Lyon", "Nice", KICKOFF)], T0)
    put(store, "bookmakers", "bookmakers",
        [{"id": 8, "name": "Bet365"}, {"id": 6, "name": "Bwin"}], T0)
    store.history.record(T0, [(1, 8, 1, "Home", 2.1), (1, 8, 1, "Draw", 3.4), (1, 8, 1, "Away", 3.6),
                              (1, 6, 5, "Over 2.5", 1.9), (2, 8, 8, "Yes", 1.8)])
    store.history.record(T0 + timedelta(hours=1), [(1, 8, 1, "Home", 2.0), (1, 8, 1, "Draw", 3.4),
                                                   (2, 8, 8, "Yes", 1.75)])
    return store


def csv_text(store: Store, **filters: Any) -> str:
    out = io.StringIO()
    export.write(out, export.rows(store, **filters), "csv")
    return out.getvalue()


def test_export_header_and_one_row_per_price_observation(known: Store) -> None:
    lines = csv_text(known).splitlines()
    # Text quoted, numbers bare (desk/cells.py): what a spreadsheet reads as text stays text.
    assert lines[0] == ('"observed_at","fixture_id","kickoff","league_id","league","home","away",'
                        '"bookmaker_id","bookmaker","market","line","outcome","price"')
    head = '"2026-11-24T09:00:00Z",1,"2026-11-24T19:00:00Z",39,"Premier League","Arsenal","Chelsea"'
    lyon = '"2026-11-24T19:00:00Z",61,"Ligue 1","Lyon","Nice",8,"Bet365","Both Teams Score","","Yes"'
    assert lines[1:] == [
        f'{head},8,"Bet365","Match Winner","","Away",3.6',
        f'{head},8,"Bet365","Match Winner","","Draw",3.4',
        f'{head},8,"Bet365","Match Winner","","Home",2.1',
        f'{head.replace("T09", "T10", 1)},8,"Bet365","Match Winner","","Home",2.0',
        f'{head},6,"Bwin","Goals Over/Under","2.5","Over",1.9',
        f'"2026-11-24T09:00:00Z",2,{lyon},1.8',
        f'"2026-11-24T10:00:00Z",2,{lyon},1.75',
    ]


def csv_rows(store: Store, **filters: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(store, **filters))))[1:]


def test_export_filters_since_league_and_fixture(known: Store) -> None:
    since = csv_rows(known, since=T0 + timedelta(minutes=30))
    assert [row[-2:] for row in since] == [["Home", "2.0"], ["Yes", "1.75"]]
    league = csv_rows(known, league=61)
    assert len(league) == 2 and all(row[5:7] == ["Lyon", "Nice"] for row in league)
    fixture = csv_rows(known, fixture=1)
    assert len(fixture) == 5 and all(row[1] == "1" for row in fixture)
    assert csv_rows(known, league=39, fixture=2) == []


def test_export_jsonl_has_typed_values_and_null_where_unknown(known: Store) -> None:
    known.history.record(T0, [(99, 77, 1, "Home", 5.0)])  # a fixture and bookmaker no page describes
    out = io.StringIO()
    export.write(out, export.rows(known, fixture=99), "jsonl")
    (line,) = out.getvalue().splitlines()
    assert json.loads(line) == {
        "observed_at": "2026-11-24T09:00:00Z", "fixture_id": 99, "kickoff": None, "league_id": None,
        "league": None, "home": None, "away": None, "bookmaker_id": 77, "bookmaker": None,
        "market": "Match Winner", "line": "", "outcome": "Home", "price": 5.0}


class _Sink(io.TextIOBase):
    """A stdout that throws the text away: what is measured is the exporter, not the buffer."""

    def write(self, text: str) -> int:
        return len(text)


def _peak(store: Store) -> int:
    tracemalloc.start()
    try:
        export.write(_Sink(), export.rows(store), "csv")  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _fill(store: Store, fixtures: int) -> None:
    put(store, "fixtures", "fixtures?league=39",
        [fixture_item(i, 39, f"H{i}", f"A{i}", KICKOFF) for i in range(1, 11)], T0)
    for step in range(10):
        store.history.record(T0 + timedelta(minutes=step), [
            (f, b, 5, f"{side} {line}", 1.5 + step / 100 + b / 1000)
            for f in range(1, fixtures + 1) for b in (1, 2, 3) for side in ("Over", "Under")
            for line in ("1.5", "2.5", "3.5", "4.5")])


def test_export_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    small, big = Store.open(tmp_path / "small.db"), Store.open(tmp_path / "big.db")
    try:
        _fill(small, 10)   # 2,400 rows
        _fill(big, 200)    # 48,000 rows
        assert small.history.count() == 2_400 and big.history.count() == 48_000
        peak_small, peak_big = _peak(small), _peak(big)
    finally:
        small.close()
        big.close()
    # Twenty times the rows; a buffered export would need twenty times the memory.
    assert peak_big < 2 * peak_small, (peak_small, peak_big)


def _config(tmp_path: Path, db: Path) -> Path:
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(f'[paths]\ndb = "{db}"\nmetrics = "{tmp_path / "m.json"}"\n'
                   f'incidents = "{tmp_path / "i.md"}"\n')
    return cfg


def test_cli_export_odds_to_stdout_and_to_a_file(known: Store, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, sqlite_backend(known).path)
    assert main(["--config", str(cfg), "--export-odds", "-", "--format", "csv"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith('"observed_at","fixture_id","kickoff"') and len(printed) == 8
    target = tmp_path / "out" / "odds.jsonl"
    assert main(["--config", str(cfg), "--export-odds", str(target), "--format", "jsonl",
                 "--league", "39", "--since", "2026-11-24T09:30:00Z"]) == 0
    assert [json.loads(x)["price"] for x in target.read_text().splitlines()] == [2.0]
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(("argv", "message"), [
    (["--export-odds", "-", "--format", "prometheus"], "csv or jsonl with --export-odds"),
    (["--export-odds", "-", "--since", "yesterday"], "--since 'yesterday': expected an ISO 8601"),
    (["--export-odds", "-", "--league", "x"], "--league: expected an id from 1 to 9007199254740991, got 'x'"),
    (["--since", "2026-01-01"], "--since: only goes with --export-odds"),
    (["--picks", "--format", "jsonl"], "text or csv with --picks"),
])
def test_cli_rejects_bad_flags_naming_them(argv: list[str], message: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


# -- picks -----------------------------------------------------------------------------------------


def a_pick(price: float = 2.2, bookmaker: int = 8, label: str = "Home") -> NewPick:
    return NewPick(1, KICKOFF, "Arsenal v Chelsea", "Premier League", 1, "", label, label,
                   bookmaker, "Bet365", price, 10.0)


def test_clv_on_a_recorded_series(known: Store) -> None:
    known.history.record(T0, [(1, 6, 1, "Home", 2.05), (1, 6, 1, "Draw", 3.3), (1, 6, 1, "Away", 3.5)])
    known.picks.add(a_pick(), T0)
    (before,) = pick_views(known, "multiplicative", KICKOFF - timedelta(minutes=1))
    assert before.result == "not started" and before.closing_price is None
    # Last changes before kickoff: Bet365 2.0/3.4/3.6 (Home moved at 10:00), Bwin 2.05/3.3/3.5;
    # one just after kickoff (a live price) must not count as the close.
    known.history.record(KICKOFF + timedelta(minutes=5), [(1, 8, 1, "Home", 1.5)])
    (after,) = pick_views(known, "multiplicative", KICKOFF + timedelta(hours=1))
    assert after.closing_price == 2.0
    fair = [(1 / h) / (1 / h + 1 / d + 1 / a) for h, d, a in ((2.0, 3.4, 3.6), (2.05, 3.3, 3.5))]
    closing_fair = 1 / (sum(fair) / 2)
    assert after.closing_fair == pytest.approx(closing_fair)
    assert after.clv_pct == pytest.approx((2.2 / closing_fair - 1) * 100)
    assert after.result == "pending" and after.profit is None


def test_result_and_profit_once_the_fixture_has_ended(known: Store) -> None:
    known.picks.add(a_pick(), T0)
    known.picks.add(a_pick(price=3.4, label="Draw"), T0)
    put(known, "fixtures", "fixtures?league=39&later",
        [fixture_item(1, 39, "Arsenal", "Chelsea", KICKOFF, "FT", (2, 1))], KICKOFF + timedelta(hours=3))
    won, lost = pick_views(known, "multiplicative", KICKOFF + timedelta(hours=3))
    assert won.result == "won" and won.profit == pytest.approx(12.0)
    assert lost.result == "lost" and lost.profit == pytest.approx(-10.0)


def test_cli_picks_csv(known: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    known.picks.add(a_pick(), T0)
    assert main(["--config", str(_config(tmp_path, sqlite_backend(known).path)), "--picks", "--format", "csv"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.startswith('"id","picked_at","fixture_id","kickoff","match","market","line","outcome",'
                             '"bookmaker","price","stake","currency"')
    assert row.startswith('1,"2026-11-24T09:00:00Z",1,"2026-11-24T19:00:00Z","Arsenal v Chelsea",'
                          '"Match Winner","","Home","Bet365",2.2,10.0,"EUR"')


def test_cli_picks_text_shows_the_stake_s_currency(known: Store, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    known.picks.add(a_pick(), T0)
    config = _config(tmp_path, sqlite_backend(known).path)
    config.write_text(config.read_text(encoding="utf-8") + "\n[stakes]\ncurrency = \"GBP\"\n", encoding="utf-8")
    assert main(["--config", str(config), "--picks"]) == 0
    assert "Bet365 stake 10 GBP" in capsys.readouterr().out


def test_a_pick_records_what_its_stake_was_sized_against(known: Store, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from dataclasses import replace

    known.picks.add(replace(a_pick(), basis="model-joint"), T0)
    assert [p.basis for p in known.picks.all()] == ["model-joint"]
    with pytest.raises(ValueError, match="basis is one of market, prediction, model"):
        known.picks.add(replace(a_pick(), basis="hunch"), T0)
    assert main(["--config", str(_config(tmp_path, sqlite_backend(known).path)), "--picks", "--format", "csv"]) == 0
    header, row = csv.reader(io.StringIO(capsys.readouterr().out))
    assert header[12] == "basis" and row[12] == "model-joint"


def test_a_pick_survives_a_restart_and_a_kill_9(store: Store, tmp_path: Path) -> None:
    db = sqlite_backend(store).path
    store.picks.add(a_pick(), T0)
    store.close()
    script = textwrap.dedent(f"""
        import os, signal
        from datetime import datetime, timezone
        from oddsmon.store import NewPick, Store
        store = Store.open({str(db)!r})
        store.picks.add(NewPick(1, None, "Arsenal v Chelsea", "Premier League", 5, "2.5", "Over",
                                "Over 2.5", 6, "Bwin", 1.95, 25.0), datetime(2026, 11, 24, 9, tzinfo=timezone.utc))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    reopened = Store.open(db)
    try:
        picks = reopened.picks.all()
    finally:
        reopened.close()
    assert [(p.bookmaker, p.label, p.price, p.stake) for p in picks] == \
        [("Bet365", "Home", 2.2, 10.0), ("Bwin", "Over 2.5", 1.95, 25.0)]
    assert picks[0].kickoff == KICKOFF and picks[1].kickoff is None


def test_a_pick_needs_a_price_and_a_stake(store: Store) -> None:
    with pytest.raises(ValueError, match="price above 1"):
        store.picks.add(a_pick(price=1.0), T0)


def test_pins_toggle_and_are_shared(store: Store) -> None:
    assert store.picks.toggle_pin(7, T0) is True
    assert store.picks.pinned() == {7}
    assert store.picks.toggle_pin(7, T0) is False and store.picks.pinned() == set()


@pytest.mark.parametrize("argv", [["--export-odds", "-"], ["--picks"]])
def test_the_desk_commands_never_import_textual(known: Store, tmp_path: Path, argv: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("APISPORTS_KEY", None)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "oddsmon", "--config",
                           str(_config(tmp_path, sqlite_backend(known).path)), *argv],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert imported and not {m for m in imported if m.split(".")[0] in ("textual", "rich")}
