"""Command line: the TUI by default, and headless actions for on-call staff and cron.

Exit statuses: 0 done; 1 a runtime failure (store unusable, warm stopped by an outage);
2 bad usage or configuration (argparse's convention). ``--check`` exits like a monitoring
plugin instead (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; see oddsmon/supervision/check.py), and
``--export`` and ``--note`` exit 3 when the shared store cannot be read. Headless paths never
import Textual; ``--check`` does not import httpx unless ``--probe`` is given, so it starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .config import ConfigError, Settings, load, write_default

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="oddsmon",
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
    p.add_argument("--json", action="store_true", help="with --check: print one JSON object")
    p.add_argument("--probe", action="store_true",
                   help="with --check: also try the free /status probe (may end a network outage)")
    p.add_argument("--format", choices=("json", "prometheus"), default=None,
                   help="with --export: json (default) or prometheus (textfile collector)")
    return p


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    print(f"oddsmon: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.json or args.probe) and not args.check:
        parser.error(f"argument {'--json' if args.json else '--probe'}: only goes with --check")
    if args.format is not None and args.export is None:
        parser.error("argument --format: only goes with --export")
    if args.demo and (args.check or args.export is not None or args.note is not None):
        parser.error("argument --demo: --check, --export and --note read the shared store; "
                     "the demo has only a throwaway one")
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
        return _fail(str(exc), EXIT_USAGE)

    missing = None if args.demo else settings.missing_key()
    if missing is not None and (args.check or args.warm):
        # A cron job's environment without the key must not warm a throwaway simulator store
        # and exit 0: it fails, naming what to set, and sends nothing.
        if args.check:
            print(f"ODDSMON UNKNOWN - {missing}")
            return 3
        return _fail(missing)
    if args.check:
        from .supervision.check import run as check

        return check(settings, as_json=args.json, probe=args.probe)
    if args.export is not None:
        from .supervision.export import run as export

        return export(settings, args.export or None, args.format or "json")
    if args.note is not None:
        from .supervision.journal import run_note

        return run_note(settings, args.note)
    if args.selftest:
        from .supervision.selftest import run as selftest

        return selftest(settings)

    from .store import StoreError
    from .supervision.common import SupervisionError

    try:
        if args.offline or args.online:
            return _set_mode(settings, offline=args.offline)
        if args.warm:
            import asyncio

            return asyncio.run(_warm(settings, demo=args.demo))
    except (StoreError, SupervisionError) as exc:
        return _fail(str(exc))
    return _run_tui(settings, demo=args.demo or missing is not None)


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


def _set_mode(settings: Settings, *, offline: bool) -> int:
    from .clock import SystemClock
    from .runtime import open_store
    from .supervision import OfflineMachine, journal

    journal.check_usable(settings.paths.incidents)  # a bad journal: say so before changing anything
    store = open_store(settings)
    try:
        machine = OfflineMachine(store, SystemClock(), settings.supervision)
        changed = machine.go_offline("user", "manual offline (--offline)") if offline \
            else machine.go_online("manual resume (--online)")
        view = machine.view()
        _journal_sync(store, settings)
    finally:
        store.close()
    state = f"OFFLINE ({view.reason})" if view.offline else "ONLINE"
    print(f"oddsmon is {state}{'' if changed else ' (unchanged)'}")
    if not offline and settings.api_key() is not None:
        import asyncio

        print(asyncio.run(_refresh_quota(settings)))
    return EXIT_OK


async def _refresh_quota(settings: Settings) -> str:
    from .runtime import build_engine

    engine = build_engine(settings, key=settings.api_key())
    try:
        return await engine.service.refresh_quota()
    finally:
        await engine.aclose()


async def _warm(settings: Settings, *, demo: bool) -> int:
    from .runtime import build_engine
    from .supervision import journal

    engine = build_engine(settings, demo=demo)
    try:
        journal.check_usable(engine.settings.paths.incidents)

        def progress(done: int, total: int, step: object) -> None:
            print(f"  [{done}/{total}] {step.label}: {step.source}"  # type: ignore[attr-defined]
                  f"{f' ({step.calls} calls)' if step.calls else ''}"  # type: ignore[attr-defined]
                  f"{f' - {step.error}' if step.error else ''}")  # type: ignore[attr-defined]

        report = await engine.service.warm(progress)
        _journal_sync(engine.store, engine.settings)
    finally:
        await engine.aclose()
    for step in report.steps:
        if step.source == "skipped" and step.error:  # no call spent on it, and why
            print(f"  skipped {step.label}: {step.error}")
    print(f"warm: {report.summary}")
    if report.stopped:
        print(f"warm stopped: {report.stopped}")
        return EXIT_FAIL
    return EXIT_OK


def _run_tui(settings: Settings, *, demo: bool) -> int:
    from .tui.app import run

    return run(settings, demo=demo)


if __name__ == "__main__":
    raise SystemExit(main())
