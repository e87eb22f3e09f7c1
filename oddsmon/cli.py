"""Command line: the TUI by default, and headless commands for on-call staff and cron.

This module parses and dispatches, nothing more: every flag is declared once in
``commands/registry.py`` and every headless command's body lives in ``oddsmon/commands/``,
whose module is imported only when its command runs. Exit statuses, for every command in one
table: docs/hostile.md (in short, ``commands/common.py``).

Headless paths never import Textual; ``--check`` does not import httpx unless ``--probe`` is
given, so it starts fast. Output into a closed pipe (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from .commands.common import EXIT_CANNOT_RUN, EXIT_CHECK_USAGE, EXIT_FAIL, EXIT_USAGE, UsageError, fail
from .commands.registry import ARGUMENTS, COMMANDS, FORMAT, Command, Option
from .config import ConfigError, Settings, load
from .demo import USE_A_REAL_KEY


def _columns() -> int:
    """The width help is wrapped to, by shutil.get_terminal_size's rule ($COLUMNS, else the
    terminal's, else 80), without importing shutil (and with it bz2 and lzma)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width: argparse builds one per argument it adds (to check
    its metavar), each asking shutil for the terminal size, which every command paid for."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_columns() - 2)


class _Parser(argparse.ArgumentParser):
    """argparse, with the exit status for bad usage chosen per command (3 under --check, whose
    reason is its UNKNOWN verdict on standard output: a monitor reads that line alone)."""

    usage_status = EXIT_USAGE
    as_json = False  # under --check: the verdict as --check --json prints it

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        if self.usage_status == EXIT_CHECK_USAGE:
            from .commands.check import unknown

            self.exit(unknown(f"bad usage: {message}", as_json=self.as_json))
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def _is_check(argv: Sequence[str]) -> bool:
    """Whether the command line asks for --check (argparse also accepts a long prefix)."""
    return any(len(a) >= 5 and "--check".startswith(a) for a in argv)


def build_parser() -> _Parser:
    """The parser of :data:`~oddsmon.commands.registry.ARGUMENTS`, in their order; the
    commands exclude each other."""
    p = _Parser(
        prog="oddsmon",
        formatter_class=_Formatter,
        description="Football odds and predictions from API-Football, in the terminal; "
                    "keeps working offline from its cache.",
        epilog="With no API key set (see api.key_env in oddsmon.toml), the TUI runs on its "
               "bundled simulator and says so; headless commands refuse (use --demo). "
               + USE_A_REAL_KEY,
    )
    commands = p.add_mutually_exclusive_group()
    for argument in ARGUMENTS:
        if isinstance(argument, Command):
            commands.add_argument(argument.flag, help=argument.help, **argument.shape)
        else:
            p.add_argument(*argument.flags, **argument.shape)
    return p


def _given(args: argparse.Namespace, dest: str) -> bool:
    return getattr(args, dest, None) not in (None, False)


def _misused(option: Option, command: Command | None) -> str | None:
    """Why ``option`` cannot go with ``command`` (None: the TUI), or None when it can."""
    if not option.goes_with or (command is not None and command.dest in option.goes_with):
        return None
    takers = " or ".join("--" + dest.replace("_", "-") for dest in option.goes_with)
    return f"argument {'/'.join(option.flags)}: {option.misuse or f'only goes with {takers}'}"


def _check_usage(parser: _Parser, args: argparse.Namespace, command: Command | None) -> None:
    """What argparse cannot tell by itself: an option given without the command it goes with,
    a --format the command does not write; --since read as a time."""
    for option in ARGUMENTS:
        if isinstance(option, Option) and _given(args, option.dest):
            why = _misused(option, command)
            if why is not None:
                parser.error(why)
    if args.format is not None and (command is None or args.format not in command.formats):
        parser.error(f"argument --format: {FORMAT.misuse}")
    if args.since is not None:
        args.since = _since(parser, args.since)


def _since(parser: _Parser, text: str) -> datetime:
    from .desk.export import parse_since

    try:
        return parse_since(text)
    except ValueError as exc:
        parser.error(f"argument {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    try:
        return _main(given)
    except BrokenPipeError:
        # The reader went away (``oddsmon --check | head -1``): not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("oddsmon: interrupted", file=sys.stderr)
        return 128 + 2  # the shell's status for SIGINT
    except Exception as exc:  # the last resort: one line, the traceback only with --debug
        if "--debug" in given or os.environ.get("ODDSMON_DEBUG"):
            raise
        return _unexpected(exc, check=_is_check(given), as_json="--json" in given)


def _unexpected(exc: Exception, *, check: bool, as_json: bool) -> int:
    """What an error nothing else caught is, in one line; exit 3 (UNKNOWN under --check)."""
    if isinstance(exc, ModuleNotFoundError) and not (exc.name or "").startswith("oddsmon"):
        # An old venv, or a Python without oddsmon's dependencies (``python3 -m oddsmon``).
        why = (f"cannot run: {exc} (under {sys.executable}): oddsmon's dependencies are not "
               f"installed for it; use the project's .venv/bin/oddsmon (`make run` sets it up) "
               f"or reinstall: pip install -e .")
    else:
        why = f"unexpected error: {type(exc).__name__}: {exc} (--debug shows the traceback)"
    if check:
        from .commands.check import unknown

        return unknown(why, as_json=as_json)
    return fail(why, EXIT_CANNOT_RUN)


def _main(given: Sequence[str]) -> int:
    parser = build_parser()
    if _is_check(given):
        parser.usage_status = EXIT_CHECK_USAGE
        parser.as_json = "--json" in given
    args = parser.parse_args(given)
    command = next((c for c in COMMANDS if _given(args, c.dest)), None)
    _check_usage(parser, args, command)
    try:
        return _dispatch(args, command)
    except UsageError as exc:  # found by the command, once the configuration is read
        parser.error(str(exc))


def _dispatch(args: argparse.Namespace, command: Command | None) -> int:
    """Run ``command`` (None: the TUI) on the configuration; its exit status."""
    if command is not None and not command.settings:
        return _call(command, args)
    try:
        settings = load(args.config)
        if not args.demo:
            settings.api_key()  # a bad key_file is a configuration error, reported up front
    except ConfigError as exc:
        return _failure(command, args, str(exc), EXIT_USAGE if command is None else command.usage_status)
    if command is None:  # without a key, the TUI runs on the simulator and says so
        return _tui(settings, demo=args.demo or settings.missing_key() is not None, debug=args.debug)
    return _run(command, args, settings)


def _run(command: Command, args: argparse.Namespace, settings: Settings) -> int:
    if args.demo and command.demo_store:
        return _on_demo_store(command, args, settings)
    if command.needs_key and not args.demo:
        # A cron job's environment without the key must not warm a throwaway simulator store
        # and exit 0: it fails, naming what to set, and sends nothing.
        missing = settings.missing_key()
        if missing is not None:
            return fail(missing, EXIT_CANNOT_RUN)
    return _call(command, args, settings)


def _on_demo_store(command: Command, args: argparse.Namespace, settings: Settings) -> int:
    """The runbook rehearsed on the demo: the command acts on the running demo's throwaway
    store and simulator (the most recent demo when several run), and says which on stderr."""
    from .demo import running_demo

    found = running_demo(settings)
    if found is None:
        return _failure(command, args, "--demo: no demo is running on this account (start "
                        "`oddsmon --demo` in another terminal; these commands then act on it)",
                        EXIT_CANNOT_RUN)
    print(f"oddsmon --demo: {found.describe()}", file=sys.stderr)
    return _call(command, args, found.settings)


def _failure(command: Command | None, args: argparse.Namespace, message: str, status: int) -> int:
    """Why the command cannot run, in one line: ``--check``'s is its UNKNOWN verdict on standard
    output (a monitor reads that line alone), the others' on stderr."""
    if command is not None and command.usage_status == EXIT_CHECK_USAGE:
        from .commands.check import unknown

        return unknown(message, as_json=args.json)
    return fail(message, status)


def _call(command: Command, args: argparse.Namespace, settings: Settings | None = None) -> int:
    """``command.module.function(settings, **its params)``, its module imported now."""
    kwargs: dict[str, Any] = {}
    for param in command.params:
        name, _, dest = param.partition("=")
        kwargs[name] = getattr(args, dest or name)
    if command.formats:
        kwargs["fmt"] = args.format or command.formats[0]
    # __import__, not importlib.import_module: ``python -X importtime`` reports the former only.
    function = getattr(__import__(command.module, fromlist=[command.function]), command.function)
    code: int = function(settings, **kwargs) if command.settings else function(**kwargs)
    return code


def _tui(settings: Settings, *, demo: bool, debug: bool) -> int:
    from .tui.app import run

    return run(settings, demo=demo, debug=debug)


if __name__ == "__main__":
    raise SystemExit(main())
