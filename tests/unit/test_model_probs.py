"""Your own probabilities: ``oddsmon --import-probs FILE.csv`` and ``[model] file``: every row
checked before anything is kept, one message naming the row and column, the set replaced whole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oddsmon.cli import main
from oddsmon.config import Settings
from oddsmon.desk.probs import ProbsError, read_probs
from oddsmon.store import Store

HEADER = "fixture_id,market,line,outcome,p\n"
GOOD = (HEADER + "1380042,Match Winner,,Home,0.52\n1380042,Match Winner,,Draw,0.26\n"
        "1380042,Goals Over/Under,2.5,Over,0.55\n1380042,Asian Handicap,-0.25,Home,0.5\n"
        "1380042,Exact Score,,2:1,0.09\n")


def csv_file(tmp_path: Path, text: str, name: str = "probs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_reads_as_the_api_s_labels(tmp_path: Path) -> None:
    rows = read_probs(csv_file(tmp_path, GOOD))
    assert [(bet, label, p) for _, bet, label, p in rows] == [
        (1, "Home", 0.52), (1, "Draw", 0.26), (5, "Over 2.5", 0.55), (4, "Home -0.25", 0.5), (10, "2:1", 0.09)]


@pytest.mark.parametrize(("text", "expected"), [
    ("fixture,market,line,outcome,p\n", "row 1: column 'fixture' is not one of fixture_id, market"),
    ("fixture_id,market,line,p\n", "row 1: the header must name each of fixture_id, market, line, outcome, p once (missing outcome)"),
    (HEADER + "x1,Match Winner,,Home,0.5\n", "row 2, column fixture_id ('x1'): expected a fixture id"),
    (HEADER + "1,Match Winner,,Home,0.5\n1,Corners,,Home,0.5\n", "row 3, column market ('Corners'): not a market oddsmon knows"),
    (HEADER + "1,Goals Over/Under,,Over,0.5\n", "row 2, column line (''): Goals Over/Under needs a line"),
    (HEADER + "1,Match Winner,,Home win,0.5\n", "row 2, column outcome ('Home win'): not an outcome of Match Winner (one of Home, Draw, Away)"),
    (HEADER + "1,Match Winner,,Home,1.5\n", "row 2, column p ('1.5'): a probability must be above 0 and at most 1"),
    (HEADER + "1,Match Winner,,Home,nan\n", "row 2, column p ('nan'): a probability must be above 0"),
    (HEADER + "1,Match Winner,,Home,half\n", "row 2, column p ('half'): expected a probability"),
    (HEADER + "1,Match Winner,,Home,0.5\n1,Match Winner,,Home,0.4\n", "row 3, column outcome ('Home'): the same outcome as row 2"),
    (HEADER + "1,Match Winner,,Home\n", "row 2: 4 cells, expected 5"),
    (HEADER + "1,Match Winner,,\x1b[2JHome,0.5\n", "row 2, column outcome ('Home'): not an outcome"),
])
def test_anything_else_is_one_message_naming_the_row_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ProbsError) as info:
        read_probs(path)
    assert str(info.value).startswith(f"{path}: ") and expected in str(info.value), str(info.value)
    assert "\x1b" not in str(info.value)


def test_not_utf8_and_missing_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "1,Match Winner,,Home,0.5,é\n".encode("latin-1"))
    with pytest.raises(ProbsError, match="not UTF-8"):
        read_probs(path)
    with pytest.raises(ProbsError, match="cannot be read"):
        read_probs(tmp_path / "absent.csv")


def _config(tmp_path: Path, settings: Settings) -> Path:
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(f'[paths]\ndb = "{settings.paths.db}"\nmetrics = "{tmp_path / "m.json"}"\n'
                   f'incidents = "{tmp_path / "i.md"}"\n')
    return cfg


def test_the_command_imports_a_good_file_and_keeps_the_set_on_a_bad_one(
        tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(_config(tmp_path, settings))
    assert main(["--config", cfg, "--import-probs", str(csv_file(tmp_path, GOOD))]) == 0
    assert "imported 5 probabilities" in capsys.readouterr().out
    bad = csv_file(tmp_path, HEADER + "1380042,Match Winner,,Home,0.6\n1380042,Match Winner,,Away,2\n", "bad.csv")
    assert main(["--config", cfg, "--import-probs", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv: row 3, column p ('2')" in err and "nothing imported" in err
    store = Store.open(settings.paths.db)
    try:
        # Nothing written on error: the good file's set, whole.
        assert store.model.probabilities(1380042)[(1, "Home")] == 0.52
        assert len(store.model.probabilities(1380042)) == 5
        last = store.model.last_import()
        assert last is not None and last.source.endswith("probs.csv") and last.rows == 5
    finally:
        store.close()


def test_a_new_import_replaces_the_set_whole(store: Store, tmp_path: Path) -> None:
    at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    store.model.replace(read_probs(csv_file(tmp_path, GOOD)), "a.csv", 1.0, at)
    store.model.replace(read_probs(csv_file(tmp_path, HEADER + "7,Match Winner,,Away,0.3\n", "b.csv")),
                        "b.csv", 2.0, at)
    assert store.model.probabilities(1380042) == {}
    assert store.model.probabilities(7) == {(1, "Away"): 0.3}
