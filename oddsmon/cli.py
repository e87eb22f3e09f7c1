"""Command line: the TUI by default, and headless actions for on-call staff and cron.

Exit statuses: 0 done; 1 a runtime failure (store unusable, warm stopped by an outage);
2 bad usage or configuration (argparse's convention). Headless paths never import Textual.
"""

from __future__ import annotations

import argparse
import asyncio
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
        epilog="With no API key set (see api.key_env in oddsmon.toml), oddsmon runs on its "
               "bundled simulator.",
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
    return p


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    print(f"oddsmon: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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

    from .store import StoreError

    try:
        if args.offline or args.online:
            return _set_mode(settings, offline=args.offline)
        if args.warm:
            return asyncio.run(_warm(settings, demo=args.demo))
    except StoreError as exc:
        return _fail(str(exc))
    return _run_tui(settings, demo=args.demo)


def _set_mode(settings: Settings, *, offline: bool) -> int:
    from .clock import SystemClock
    from .runtime import open_store
    from .supervision import OfflineMachine

    store = open_store(settings)
    try:
        machine = OfflineMachine(store, SystemClock(), settings.supervision)
        changed = machine.go_offline("user", "manual offline (--offline)") if offline \
            else machine.go_online("manual resume (--online)")
        view = machine.view()
    finally:
        store.close()
    state = f"OFFLINE ({view.reason})" if view.offline else "ONLINE"
    print(f"oddsmon is {state}{'' if changed else ' (unchanged)'}")
    return EXIT_OK


async def _warm(settings: Settings, *, demo: bool) -> int:
    from .runtime import build_engine

    engine = build_engine(settings, demo=demo)
    try:
        def progress(done: int, total: int, step: object) -> None:
            print(f"  [{done}/{total}] {step.label}: {step.source}"  # type: ignore[attr-defined]
                  f"{f' ({step.calls} calls)' if step.calls else ''}"  # type: ignore[attr-defined]
                  f"{f' - {step.error}' if step.error else ''}")  # type: ignore[attr-defined]

        report = await engine.service.warm(progress)
    finally:
        await engine.aclose()
    fetched = len(report.fetched)
    print(f"warm: {fetched} page(s) fetched, {report.counted_calls} counted call(s) spent")
    if report.stopped:
        print(f"warm stopped: {report.stopped}")
        return EXIT_FAIL
    return EXIT_OK


def _run_tui(settings: Settings, *, demo: bool) -> int:
    from .tui.app import run

    return run(settings, demo=demo)


if __name__ == "__main__":
    raise SystemExit(main())
