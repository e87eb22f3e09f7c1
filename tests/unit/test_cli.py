"""The command line: every flag declared once in commands/registry.py, each command's body in
oddsmon/commands/, cli.py parsing and dispatching. What a person sees: --help, the usage
errors that name the flag, the exit status."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from oddsmon import cli
from oddsmon.commands.registry import ARGUMENTS, COMMANDS, Command, Option


def _function(command: Command) -> inspect.Signature:
    module = __import__(command.module, fromlist=[command.function])
    return inspect.signature(getattr(module, command.function))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.flag)
def test_each_command_runs_a_function_that_takes_what_the_command_line_gives_it(command: Command) -> None:
    given = [p.partition("=")[0] for p in command.params] + (["fmt"] if command.formats else [])
    parameters = _function(command).parameters
    names = list(parameters)
    if command.settings:
        assert names[0] == "settings"
        names = names[1:]
    assert set(given) <= set(names), f"{command.flag}: {command.module}.{command.function} lacks {given}"
    required = {n for n in names if parameters[n].default is inspect.Parameter.empty}
    assert required <= set(given), f"{command.flag}: nothing gives {required - set(given)}"
    for param in command.params:  # and each comes from an argument the parser has
        dest = param.partition("=")[2] or param
        assert any(a.dest == dest for a in ARGUMENTS), (command.flag, dest)


def test_an_option_that_goes_with_a_command_is_one_it_takes() -> None:
    by_dest = {c.dest: c for c in COMMANDS}
    for option in ARGUMENTS:
        if isinstance(option, Option):
            for dest in option.goes_with:
                takes = {p.partition("=")[2] or p for p in by_dest[dest].params}
                assert option.dest in takes, (option.flags, dest)
    formats = next(o for o in ARGUMENTS if isinstance(o, Option) and o.dest == "format")
    assert tuple(formats.shape["choices"]) == tuple(dict.fromkeys(f for c in COMMANDS for f in c.formats))


def test_help_lists_every_command_with_its_help(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one line per flag's help
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    flags = [line.split()[0] for line in out.splitlines() if line.startswith("  -")]
    assert [f for f in flags if f in {c.flag for c in COMMANDS}] == [c.flag for c in COMMANDS]
    for command in COMMANDS:
        assert command.help in out


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["--json"], 2, "argument --json: only goes with --check"),
    (["-w", "5", "--export"], 2, "argument -w/--warning: only goes with --check"),
    (["--once", "--warm"], 2, "argument --once: only goes with --collect"),
    (["--force", "--offline"], 2, "argument --force: only goes with --warm or --online"),
    (["--league", "39", "--picks"], 2, "argument --league: only goes with --export-odds"),
    (["--port", "8000"], 2, "argument --port: goes with --serve, a port from 1 to 65535"),
    (["--serve", "--port", "70000"], 2, "argument --port: expected a port from 1 to 65535, got '70000'"),
    (["--serve", "--port", "x"], 2, "argument --port: expected a port from 1 to 65535, got 'x'"),
    (["--note", "  "], 2, "argument --note: expected some text"),
    (["--picks", "--format", "json"], 2, "argument --format: json or prometheus with --export, csv or "
                                          "jsonl with --export-odds, text or csv with --picks"),
    (["--export-odds", "--since", "soon"], 2, "argument --since 'soon': expected an ISO 8601 date or time"),
    (["--check", "--probe", "--once"], 3, "argument --once: only goes with --collect"),
    (["--check", "--warm"], 3, "argument --warm: not allowed with argument --check"),
])
def test_a_usage_error_names_the_flag_and_exits_with_the_commands_status(
        argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == status
    err = capsys.readouterr().err
    assert err.startswith("usage: oddsmon") and f"oddsmon: error: {message}" in err


def test_check_thresholds_the_configuration_contradicts_are_bad_usage_of_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "oddsmon.toml"
    config.write_text("[supervision]\nquota_warning = 40\nquota_critical = 10\n")
    with pytest.raises(SystemExit) as info:
        cli.main(["--config", str(config), "--check", "-c", "45"])
    assert info.value.code == 3  # UNKNOWN, as every usage error of --check
    assert "argument -c/--critical: 45 is above the warning level 40" in capsys.readouterr().err


def test_init_config_runs_without_reading_a_configuration(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new.toml"
    broken = tmp_path / "broken.toml"
    broken.write_text("[api\n")
    assert cli.main(["--config", str(broken), "--init-config", str(target)]) == 0
    assert capsys.readouterr().out == f"wrote {target}\n" and "[api]" in target.read_text()
    assert cli.main(["--init-config", str(target)]) == 2  # never overwritten
    assert "already exists" in capsys.readouterr().err
