"""Numbers at the edges (issue 24): integer flags and config values past 64 bits, numbers of
thousands of digits, and TOML left open. Each is a usage or configuration error naming the flag
or the key (and the line): exit 2, or 3 (UNKNOWN) under ``--check``; never an
``OverflowError`` or ``ValueError`` traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oddsmon import cli
from oddsmon.config import Settings, to_toml_dict

from ..clocks import ShiftedClock
from .hostile import oddsmon, write_config

PAST_64_BITS = ("9223372036854775808", "18446744073709551616", "9" * 5000)


@pytest.fixture
def cfg(tmp_path: Path, day_clock: ShiftedClock) -> Path:
    """A config whose store exists (the crash was in the query against it)."""
    cfg = write_config(tmp_path, "http://127.0.0.1:9")
    assert oddsmon(cfg, "--offline", clock=day_clock).returncode == 0
    return cfg


@pytest.mark.parametrize(("args", "status", "flag"), [
    *[(["--export-odds", "-", "--fixture", n], 2, "argument --fixture") for n in PAST_64_BITS],
    (["--export-odds", "-", "--league", "18446744073709551616"], 2, "argument --league"),
    (["--export-odds", "-", "--fixture", "-9223372036854775809"], 2, "argument --fixture"),
    (["--export-odds", "-", "--fixture", "٣"], 2, "argument --fixture"),  # a digit, not ASCII
    (["--check", "-w", "9223372036854775808"], 3, "argument -w/--warning"),
    (["--check", "-c", "1", "-w", "18446744073709551616"], 3, "argument -w/--warning"),
    (["--check", "-c", "9" * 5000], 3, "argument -c/--critical"),
    (["--serve", "--port", "9223372036854775808"], 2, "argument --port"),
], ids=lambda v: v if isinstance(v, int) else (" ".join(v)[:60] if isinstance(v, list) else None))
def test_an_integer_flag_past_64_bits_is_a_usage_error_naming_it(
        cfg: Path, args: list[str], status: int, flag: str, day_clock: ShiftedClock) -> None:
    proc = oddsmon(cfg, *args, clock=day_clock)  # asserts no traceback
    said = proc.stdout + proc.stderr
    assert proc.returncode == status and flag in said, said
    assert len(said) < 2000  # a 5,000-digit value is not echoed back whole


def test_the_largest_id_still_works(cfg: Path, day_clock: ShiftedClock) -> None:
    proc = oddsmon(cfg, "--export-odds", "-", "--fixture", "9007199254740991", clock=day_clock)
    assert proc.returncode == 0 and proc.stdout.startswith('"observed_at"'), proc.stderr


def _numeric_keys() -> list[tuple[str, str, object]]:
    """Every key of oddsmon.toml that holds a number or a list of numbers, from its default."""
    keys: list[tuple[str, str, object]] = []
    for section, table in to_toml_dict(Settings()).items():
        for key, value in table.items():
            if isinstance(value, (int, float, list)) and not isinstance(value, bool):
                keys.append((section, key, value))
    return keys


def _run(cfg: Path, *args: str) -> int:
    return cli.main(["--config", str(cfg), *args])


@pytest.mark.parametrize("big", [2**64, -(2**64), 10**400])
def test_every_numeric_config_key_past_64_bits_is_a_config_error_naming_key_and_line(
        tmp_path: Path, big: int, capsys: pytest.CaptureFixture[str]) -> None:
    keys = _numeric_keys()
    assert len(keys) > 25 and ("watch", "leagues", [39, 61, 140]) in keys
    cfg = tmp_path / "oddsmon.toml"
    for section, key, default in keys:
        value = f"[{big}]" if isinstance(default, list) else str(big)
        cfg.write_text(f"# a comment\n[{section}]\n{key} = {value}\n")
        for args, status in ((["--offline"], 2), (["--check"], 3)):
            assert _run(cfg, *args) == status, (section, key)
            said = capsys.readouterr()
            text = said.out + said.err
            assert f"{cfg}:3: {section}.{key}:" in text and len(text) < 1000, text
    assert not (tmp_path / "state").exists()


def test_a_league_id_past_64_bits_as_a_seasons_key_names_its_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text("[watch]\nleagues = [39]\n\n[watch.seasons]\n18446744073709551616 = 2024\n")
    assert _run(cfg, "--offline") == 2
    assert f"{cfg}:4: watch.seasons:" in capsys.readouterr().err


def test_a_number_of_5000_digits_in_the_config_names_the_key_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """tomllib raises a bare ValueError there (Python's limit on integer strings), not its own
    error with a line."""
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text("[api]\nretries = 1\n\n[cache]\nodds_ttl_s = " + "9" * 5000 + "\n")
    assert _run(cfg, "--check") == 3
    said = capsys.readouterr()
    assert f"{cfg}:5: invalid TOML in cache.odds_ttl_s: a number of more than 4300 digits" in said.out + said.err


UNCLOSED = {
    # name: (text, the line and key the message must name)
    "array_then_key": ("[watch]\nleagues = [39, 61\ndays_ahead = 3\n", 2, "watch.leagues"),
    "array_then_section": ("[api]\nretries = 2\n\n[watch]\nleagues = [\n  39,\n  61,\n\n[ui]\n"
                           "theme = \"nord\"\n", 5, "watch.leagues"),
    "array_with_a_comment_bracket": ("[watch]\nbookmakers = [1, # pinnacle ]\n  8\ntimezone = \"UTC\"\n",
                                     2, "watch.bookmakers"),
    "array_with_a_string_bracket": ("[ui]\ntheme = \"x]\"\n[watch]\nleagues = [39, \"]\"\ndays_ahead = 1\n",
                                    4, "watch.leagues"),
    "array_at_the_end": ("[watch]\nseason = 2026\nleagues = [39, 61,\n", 3, "watch.leagues"),
    "nested_array": ("[watch]\nleagues = [[1, 2],\n  [3\ndays_ahead = 1\n", 2, "watch.leagues"),
    "inline_table": ("[watch]\nseasons = { 78 = 2023\ndays_ahead = 2\n", 2, "watch.seasons"),
    "multi_line_string": ('[ui]\ntheme = """nord\n[api]\nretries = 1\n', 2, "ui.theme"),
}


@pytest.mark.parametrize("name", list(UNCLOSED))
def test_an_unclosed_value_names_its_key_and_line_not_the_next_ones(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    text, line, key = UNCLOSED[name]
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(text)
    for args, status in ((["--offline"], 2), (["--check"], 3)):
        assert _run(cfg, *args) == status
        said = capsys.readouterr()
        assert f"{cfg}:{line}: invalid TOML in {key}:" in said.out + said.err, said


def test_an_unclosed_array_through_the_real_command_line(tmp_path: Path, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", extra="\n[ui]\ntheme = \"nord\"\n")
    text = cfg.read_text().replace("leagues = [39]", "leagues = [39, 61")
    cfg.write_text(text)
    line = text.splitlines().index("leagues = [39, 61") + 1
    for args, status in ((["--warm"], 2), (["--check"], 3)):
        proc = oddsmon(cfg, *args, clock=day_clock)
        said = proc.stdout + proc.stderr
        assert proc.returncode == status and f"{cfg}:{line}: invalid TOML in watch.leagues:" in said, said
