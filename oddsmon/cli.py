"""Command line: the TUI by default, and headless actions for on-call staff and cron.

Exit statuses, for every command in one table: docs/hostile.md. In short: 0 done; 1 partly or
not done (for ``--warm``: unless every page is now fresh); 2 bad usage or configuration
(argparse's convention; ``--check`` says 3, UNKNOWN, for its own usage and config errors);
3 could not run (``--warm``) or the shared store cannot be read
(``--export``, ``--note``, ``--export-odds``, ``--picks``). ``--check`` exits like a monitoring plugin instead (0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN; see oddsmon/commands/check.py).

Headless paths never import Textual; ``--check`` does not import httpx unless ``--probe`` is
given, so it starts fast. Output into a closed pipe (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .config import ConfigError, Settings, load, write_default
from .records import replace

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3
EXIT_CHECK_USAGE = 3  # UNKNOWN: monitoring-plugins guidelines, "Plugin Return Codes"


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
    """argparse, with the exit status for bad usage chosen per command (3 under --check)."""

    usage_status = EXIT_USAGE

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def _threshold(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of calls, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of calls (0 or more), got {value}")
    return value


def _is_check(argv: Sequence[str]) -> bool:
    """Whether the command line asks for --check (argparse also accepts a long prefix)."""
    return any(len(a) >= 5 and "--check".startswith(a) for a in argv)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="oddsmon",
        formatter_class=_Formatter,
        description="Football odds and predictions from API-Football, in the terminal; "
                    "keeps working offline from its cache.",
        epilog="With no API key set (see api.key_env in oddsmon.toml), the TUI runs on its "
               "bundled simulator and says so; headless commands refuse (use --demo).",
    )
    p.add_argument("--version", action="version", version=f"oddsmon {__version__}")
    p.add_argument("--config", metavar="PATH", help="config file (default: $ODDSMON_CONFIG, "
                   "./oddsmon.toml, $XDG_CONFIG_HOME/oddsmon/oddsmon.toml)")
    p.add_argument("--demo", action="store_true",
                   help="run on the in-process API simulator with a throwaway store")
    actions = p.add_mutually_exclusive_group()
    actions.add_argument("--offline", action="store_true",
                         help="switch every oddsmon on this host to offline mode (reason: user)")
    actions.add_argument("--online", action="store_true",
                         help="leave offline mode now (a manual or quota offline)")
    actions.add_argument("--warm", action="store_true",
                         help="refresh the four critical pages within the quota, then exit")
    actions.add_argument("--collect", action="store_true",
                         help="run the collector in the foreground: record odds, closing prices "
                              "and in-play odds within [collect] daily_budget, send the alerts; "
                              "one per host; stops cleanly on SIGTERM/SIGINT")
    actions.add_argument("--init-config", metavar="PATH", type=Path,
                         help="write a commented default config file to PATH and exit")
    actions.add_argument("--check", action="store_true",
                         help="print the recovery status and the closing checklist; exit 0 OK, "
                              "1 WARNING, 2 CRITICAL, 3 UNKNOWN (sends nothing, writes nothing)")
    actions.add_argument("--export", metavar="PATH", nargs="?", const="", default=None,
                         help="write the supervision metrics atomically to PATH (default: "
                              "paths.metrics; '-' prints them)")
    actions.add_argument("--selftest", action="store_true",
                         help="quick functional tests: config, store integrity, the four pages "
                              "from cache, a simulator round trip; the result is recorded")
    actions.add_argument("--note", metavar="TEXT",
                         help="add a person's action to the current incident (and its journal)")
    actions.add_argument("--export-odds", metavar="PATH", nargs="?", const="-", default=None,
                         help="write every stored price observation as CSV or JSON Lines to PATH "
                              "('-' or nothing: stdout), streamed; see docs/export-odds.md")
    actions.add_argument("--picks", action="store_true",
                         help="list the recorded picks with closing price, CLV, result and profit")
    p.add_argument("--since", metavar="ISO8601", help="with --export-odds: observations at or after this time")
    p.add_argument("--league", metavar="N", type=_positive_id, help="with --export-odds: one league id")
    p.add_argument("--fixture", metavar="N", type=_positive_id, help="with --export-odds: one fixture id")
    p.add_argument("--once", action="store_true",
                   help="with --collect: run what is due once and exit (for cron and timers)")
    actions.add_argument("--serve", action="store_true",
                         help="serve the TUI to a browser on 127.0.0.1 (textual-serve); reach it "
                              "from elsewhere with ssh -L")
    p.add_argument("--port", metavar="N", type=int, default=None,
                   help="with --serve: the port (default 8765)")
    p.add_argument("--debug", action="store_true",
                   help="TUI: an error ends the app with its traceback instead of being logged "
                        "(also ODDSMON_DEBUG=1)")
    p.add_argument("--json", action="store_true", help="with --check: print one JSON object")
    p.add_argument("--probe", action="store_true",
                   help="with --check: also try the free /status probe (may end a network outage)")
    p.add_argument("-w", "--warning", metavar="N", type=_threshold,
                   help="with --check: WARNING below N calls left today "
                        "(overrides supervision.quota_warning)")
    p.add_argument("-c", "--critical", metavar="N", type=_threshold,
                   help="with --check: CRITICAL below N calls left today "
                        "(overrides supervision.quota_critical)")
    p.add_argument("--force", action="store_true",
                   help="with --warm: refetch every critical page, fresh or not (within the "
                        "quota); with --online: go online even with no calls left above the reserve")
    p.add_argument("--format", choices=("json", "prometheus", "csv", "jsonl", "text"), default=None,
                   help="with --export: json (default) or prometheus (textfile collector); "
                        "with --export-odds: csv (default) or jsonl; with --picks: text (default) or csv")
    return p


_FORMATS = {"export": ("json", "prometheus"), "export_odds": ("csv", "jsonl"), "picks": ("text", "csv")}


def _positive_id(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer id, got {text!r}")
    return int(text)


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    from .text import clean

    print(f"oddsmon: {clean(message)}", file=sys.stderr)  # may quote a path or a provider's text
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``oddsmon --check | head -1``): not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAIL


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    checking = _is_check(sys.argv[1:] if argv is None else argv)
    if checking:
        parser.usage_status = EXIT_CHECK_USAGE  # type: ignore[attr-defined]
    args = parser.parse_args(argv)
    for flag, value in (("--json", args.json), ("--probe", args.probe),
                        ("-w/--warning", args.warning is not None),
                        ("-c/--critical", args.critical is not None)):
        if value and not args.check:
            parser.error(f"argument {flag}: only goes with --check")
    if args.once and not args.collect:
        parser.error("argument --once: only goes with --collect")
    action = next((a for a in ("export", "export_odds") if getattr(args, a) is not None),
                  "picks" if args.picks else None)
    if args.format is not None and (action is None or args.format not in _FORMATS[action]):
        parser.error("argument --format: json or prometheus with --export, csv or jsonl with "
                     "--export-odds, text or csv with --picks")
    for flag in ("since", "league", "fixture"):
        if getattr(args, flag) is not None and args.export_odds is None:
            parser.error(f"argument --{flag}: only goes with --export-odds")
    since = None
    if args.since is not None:
        from .desk.export import parse_since

        try:
            since = parse_since(args.since)
        except ValueError as exc:
            parser.error(f"argument {exc}")
    if args.force and not (args.warm or args.online):
        parser.error("argument --force: only goes with --warm or --online")
    if args.port is not None and (not args.serve or not 1 <= args.port <= 65535):
        parser.error("argument --port: goes with --serve, a port from 1 to 65535")
    if args.note is not None and not args.note.strip():
        parser.error("argument --note: expected some text")
    if args.init_config is not None:
        try:
            write_default(args.init_config)
        except ConfigError as exc:
            return _fail(str(exc), EXIT_USAGE)
        print(f"wrote {args.init_config}")
        return EXIT_OK
    try:
        settings = load(args.config)
        if not args.demo:
            settings.api_key()  # a bad key_file is a configuration error, reported up front
    except ConfigError as exc:
        return _fail(str(exc), EXIT_CHECK_USAGE if checking else EXIT_USAGE)

    if args.demo and (args.check or args.export is not None or args.note is not None
                      or args.selftest or args.export_odds is not None or args.picks):
        # The runbook rehearsed on the demo: these read the running demo's throwaway store.
        from .demo import running_demo

        found = running_demo(settings)
        if found is None:
            return _fail("--demo: no demo is running on this account (start `oddsmon --demo` "
                         "in another terminal; these commands then read its store)", 3)
        settings = found

    # A cron job's environment without the key must not warm a throwaway simulator store and
    # exit 0: it fails, naming what to set, and sends nothing.
    missing = None if args.demo else settings.missing_key()
    if missing is not None and (args.warm or args.collect):
        return _fail(missing, EXIT_CANNOT_RUN)
    if args.check:
        from .commands.check import run as check

        sup = settings.supervision
        warning = sup.quota_warning if args.warning is None else args.warning
        critical = sup.quota_critical if args.critical is None else args.critical
        if critical > warning:
            parser.error(f"argument -c/--critical: {critical} is above the warning level {warning}")
        settings = replace(settings, supervision=replace(sup, quota_warning=warning,
                                                         quota_critical=critical))
        if missing is not None:
            print(f"ODDSMON UNKNOWN - {missing}")
            return 3
        return check(settings, as_json=args.json, probe=args.probe)
    if args.export is not None:
        from .supervision.export import run as export

        return export(settings, args.export or None, args.format or "json")
    if args.export_odds is not None:
        from .desk.export import run as export_odds

        return export_odds(settings, args.export_odds, args.format or "csv", since=since,
                           league=args.league, fixture=args.fixture)
    if args.picks:
        from .desk.picks import run as picks

        return picks(settings, args.format or "text")
    if args.note is not None:
        from .supervision.journal import run_note

        return run_note(settings, args.note)
    if args.selftest:
        from .commands.selftest import run as selftest

        return selftest(settings)

    if args.serve:
        from .serve import DEFAULT_PORT
        from .serve import run as serve

        return serve(settings, port=args.port or DEFAULT_PORT, demo=args.demo)

    from .store import StoreError
    from .supervision.common import SupervisionError

    try:
        if args.offline or args.online:
            return _set_mode(settings, offline=args.offline, force=args.force)
        if args.warm:
            import asyncio

            return asyncio.run(_warm(settings, demo=args.demo, force=args.force))
        if args.collect:
            import asyncio

            return asyncio.run(_collect(settings, demo=args.demo, once=args.once))
    except (StoreError, SupervisionError) as exc:
        return _fail(str(exc), EXIT_CANNOT_RUN if args.warm else EXIT_FAIL)
    return _run_tui(settings, demo=args.demo or missing is not None, debug=args.debug)


def _journal_sync(store: object, settings: Settings) -> None:
    """The sync step at the end of a command: the journal shows what the store records.

    A journal that cannot be written is reported on stderr; the command's own work stands.
    """
    from .supervision import journal
    from .supervision.common import SupervisionError

    try:
        journal.sync(store, settings)  # type: ignore[arg-type]
    except SupervisionError as exc:
        print(f"oddsmon: {exc}", file=sys.stderr)


def _set_mode(settings: Settings, *, offline: bool, force: bool = False) -> int:
    import asyncio

    from .clock import SystemClock
    from .engine.runtime import open_store
    from .offline import OfflineMachine
    from .supervision import journal

    journal.check_usable(settings.paths.incidents)  # a bad journal: say so before changing anything
    # Going online: first the free /status, so the calls left are the provider's (the ledger
    # may still hold the 0 it saw before a plan upgrade or a reset).
    quota_note = None if offline or settings.api_key() is None \
        else asyncio.run(_refresh_quota(settings))
    store = open_store(settings)
    try:
        clock = SystemClock()
        left = store.ledger.quota().remaining_at(clock.now())
        reserve = settings.api.daily_reserve
        if not offline and not force and left is not None and left <= reserve:
            # Online with nothing above the reserve is offline (quota) again at the first
            # request, and the journal would record a resume that did not happen.
            return _fail(f"{left} call(s) left today, at or below the reserve ({reserve}): "
                         f"oddsmon would go straight back offline (quota). Wait for the reset, "
                         f"or run: oddsmon --online --force")
        machine = OfflineMachine(store, clock, settings.supervision)
        changed = machine.go_offline("user", "manual offline (--offline)") if offline \
            else machine.go_online("manual resume (--online)")
        view = machine.view()
        _journal_sync(store, settings)
    finally:
        store.close()
    state = f"OFFLINE ({view.reason})" if view.offline else "ONLINE"
    print(f"oddsmon is {state}{'' if changed else ' (unchanged)'}")
    if quota_note is not None:
        print(quota_note)
    return EXIT_OK


async def _refresh_quota(settings: Settings) -> str:
    from .engine.runtime import build_engine

    engine = build_engine(settings, key=settings.api_key())
    try:
        return await engine.service.refresh_quota()
    finally:
        await engine.aclose()


async def _warm(settings: Settings, *, demo: bool, force: bool = False) -> int:
    from .engine.runtime import build_engine
    from .supervision import journal
    from .text import clean

    engine = build_engine(settings, demo=demo)
    try:
        journal.check_usable(engine.settings.paths.incidents)

        def progress(done: int, total: int, step: object) -> None:
            again = f", refetched: {step.refetched}" if step.refetched and step.calls else ""  # type: ignore[attr-defined]
            print(clean(f"  [{done}/{total}] {step.label}: {step.source}{again}"  # type: ignore[attr-defined]
                        f"{f' ({step.calls} calls)' if step.calls else ''}"  # type: ignore[attr-defined]
                        f"{f' - {step.error}' if step.error else ''}"))  # type: ignore[attr-defined]

        report = await engine.service.warm(progress, force=force)
        _journal_sync(engine.store, engine.settings)
    finally:
        await engine.aclose()
    for step in report.steps:
        if step.source == "skipped" and step.error:  # no call spent on it, and why
            print(clean(f"  skipped {step.label}: {step.error}"))
    print(clean(f"warm: {report.summary}"))
    if report.stopped:
        print(clean(f"warm stopped: {report.stopped}"))
    # Success only when every page is now fresh: a page that failed (a portal page, an error
    # envelope, a refused key) is not done, even when nothing stopped the warm.
    return EXIT_OK if report.complete else EXIT_FAIL


async def _collect(settings: Settings, *, demo: bool, once: bool) -> int:
    from .collect.runner import Collector
    from .engine.runtime import build_engine
    from .supervision import journal

    engine = build_engine(settings, demo=demo)
    try:
        journal.check_usable(engine.settings.paths.incidents)
        code = await Collector(engine.service).run(once=once, say=lambda line: print(f"collect: {line}", flush=True),
                                           handle_signals=True)
        _journal_sync(engine.store, engine.settings)
        return code
    finally:
        await engine.aclose()


def _run_tui(settings: Settings, *, demo: bool, debug: bool = False) -> int:
    from .tui.app import run

    return run(settings, demo=demo, debug=debug)


if __name__ == "__main__":
    raise SystemExit(main())
