"""The command line, declared once: every headless command (its flag, help, the module and
function that run it, what it takes from the command line) and the options they share, in
``--help``'s order. The flags, their help and the exit statuses are the runbook's interface:
they change only with it (docs/hostile.md, docs/runbook.en.md).

``oddsmon.cli`` builds its parser from :data:`ARGUMENTS` and imports a command's module only
when that command runs, so each command pays for its own imports alone (``--check`` never
loads the engine, httpx or Textual). Declaring a command here is all it takes to add one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import ID_MAX, QUOTA_MAX
from ..records import field, record
from .common import EXIT_CHECK_USAGE, EXIT_USAGE


def _shown(text: str) -> str:
    """``text`` quoted for an error message, cut short when it is long (a number of 5,000
    digits is not worth repeating)."""
    return repr(text) if len(text) <= 24 else f"{text[:20]!r}... ({len(text)} characters)"


def _whole(text: str, what: str, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi`` written in ASCII digits, or a usage error naming
    ``what``. The bounds are checked on the text before ``int()``: a value past 64 bits is a
    usage error here, never an ``OverflowError`` from SQLite or a ``ValueError`` from Python's
    limit on long integer strings."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError(f"expected {what} from {lo} to {hi}, got {_shown(text)}")
    value = int(digits) if len(digits.lstrip("0")) <= len(str(hi)) else hi + 1
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"expected {what} from {lo} to {hi}, got {_shown(text)}")
    return value


def _threshold(text: str) -> int:
    return _whole(text, "a number of calls", 0, QUOTA_MAX)


def _id(text: str) -> int:
    return _whole(text, "an id", 1, ID_MAX)


def _port(text: str) -> int:
    return _whole(text, "a port", 1, 65535)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 86400:  # NaN included
        raise argparse.ArgumentTypeError(f"expected seconds above 0, at most a day, got {text!r}")
    return value


def _some_text(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected some text")
    return text


def _switch() -> dict[str, Any]:
    return {"action": "store_true"}


@record
class Command:
    """A headless command: ``oddsmon FLAG`` runs ``module.function`` and exits with what it
    returns. The commands exclude each other; with none, oddsmon starts the TUI."""

    flag: str
    help: str
    module: str  # imported when the command runs, never before
    function: str = "run"
    # Its keyword arguments from the command line: "name" (the option of that name) or
    # "name=dest" (an option's value under another name; the command's own flag's included).
    params: tuple[str, ...] = ()
    shape: dict[str, Any] = field(default_factory=_switch)  # add_argument's keywords, help aside
    formats: tuple[str, ...] = ()  # the --format it takes (``fmt``), its default first
    settings: bool = True  # takes the loaded configuration, first
    demo_store: bool = False  # with --demo: acts on the running demo (its store, its simulator)
    needs_key: bool = False  # sends requests: no API key is exit 3, naming what to set
    usage_status: int = EXIT_USAGE  # the exit status of bad usage and a broken configuration

    @property
    def dest(self) -> str:
        return self.flag[2:].replace("-", "_")


@record
class Option:
    """An option of the command line that is not a command. ``goes_with``: the commands (their
    ``dest``) it only goes with, in the order its error names them; none: it goes with any."""

    flags: tuple[str, ...]
    shape: dict[str, Any]
    goes_with: tuple[str, ...] = ()
    misuse: str = ""  # the error when it comes without them, if not "only goes with ..."

    @property
    def dest(self) -> str:
        return self.flags[-1][2:].replace("-", "_")


# Goes with the commands that write a format (their ``formats``), each with its own.
FORMAT = Option(
    ("--format",), {"choices": ("json", "prometheus", "csv", "jsonl", "text"), "default": None,
                    "help": "with --export: json (default) or prometheus (textfile collector); "
                            "with --export-odds: csv (default) or jsonl; with --picks: text "
                            "(default) or csv"},
    misuse="json or prometheus with --export, csv or jsonl with --export-odds, text or csv with --picks")

ARGUMENTS: tuple[Command | Option, ...] = (
    Option(("--version",), {"action": "version", "version": f"oddsmon {__version__}"}),
    Option(("--config",), {"metavar": "PATH", "help": "config file (default: $ODDSMON_CONFIG, "
                           "./oddsmon.toml, $XDG_CONFIG_HOME/oddsmon/oddsmon.toml)"}),
    Option(("--demo",), {"action": "store_true",
                         "help": "the TUI on the bundled API simulator with a throwaway store; "
                                 "with a command: act on the running demo's store and "
                                 "simulator (the most recent, when several run)"}),
    Command("--offline", "switch every oddsmon on this host to offline mode (reason: user)",
            "oddsmon.commands.mode", "offline", demo_store=True),
    Command("--online", "leave offline mode now (a manual or quota offline)",
            "oddsmon.commands.mode", "online", params=("force",), demo_store=True),
    Command("--warm", "refresh the four critical pages within the quota, then exit",
            "oddsmon.commands.warm", params=("force",), needs_key=True, demo_store=True),
    Command("--collect", "run the collector in the foreground: record odds, closing prices "
                         "and in-play odds within [collect] daily_budget, send the alerts; "
                         "one per host; stops cleanly on SIGTERM/SIGINT",
            "oddsmon.commands.collect", params=("once",), needs_key=True, demo_store=True),
    Command("--init-config", "write a commented default config file to PATH and exit",
            "oddsmon.commands.init_config", params=("path=init_config",),
            shape={"metavar": "PATH", "type": Path}, settings=False),
    Command("--check", "print the recovery status and the closing checklist; exit 0 OK, "
                       "1 WARNING, 2 CRITICAL, 3 UNKNOWN (sends nothing, writes nothing)",
            "oddsmon.commands.check", "main",
            params=("as_json=json", "probe", "warning", "critical", "timeout"),
            usage_status=EXIT_CHECK_USAGE, demo_store=True),
    Command("--export", "write the supervision metrics atomically to PATH (default: "
                        "paths.metrics; '-' prints them)",
            "oddsmon.commands.export", params=("target=export",), formats=("json", "prometheus"),
            shape={"metavar": "PATH", "nargs": "?", "const": "", "default": None}, demo_store=True),
    Command("--selftest", "quick functional tests: config, store integrity, the four pages "
                          "from cache, a simulator round trip; the result is recorded",
            "oddsmon.commands.selftest", demo_store=True),
    Command("--note", "add a person's action to the current incident (and its journal)",
            "oddsmon.commands.note", params=("text=note",), demo_store=True,
            shape={"metavar": "TEXT", "type": _some_text}),
    Command("--export-odds", "write every stored price observation as CSV or JSON Lines to PATH "
                             "('-' or nothing: stdout), streamed; see docs/export-odds.md",
            "oddsmon.commands.export_odds", params=("target=export_odds", "since", "league", "fixture"),
            formats=("csv", "jsonl"), demo_store=True,
            shape={"metavar": "PATH", "nargs": "?", "const": "-", "default": None}),
    Command("--picks", "list the recorded picks with closing price, CLV, result and profit",
            "oddsmon.commands.picks", formats=("text", "csv"), demo_store=True),
    Command("--import-probs", "import your own probabilities (CSV: fixture_id, market, line, "
                              "outcome, p) as the model set value and Kelly are worked out "
                              "against; see docs/model.md",
            "oddsmon.commands.import_probs", params=("path=import_probs",), demo_store=True,
            shape={"metavar": "FILE", "type": Path}),
    Command("--upgrade-store", "upgrade the store to this oddsmon's schema, under its migration lock, and "
                               "exit (no API call); what --check names when it finds an older store",
            "oddsmon.commands.upgrade_store", demo_store=True),
    Command("--copy-store", "copy the store FROM to TO, between SQLite and PostgreSQL (each a path or "
                            "a postgresql:// URL), verified by row counts and checksums; run it again "
                            "to resume; refuses a TO that holds a store (docs/team.md)",
            "oddsmon.commands.copy_store", params=("stores=copy_store",),
            shape={"nargs": 2, "metavar": ("FROM", "TO")}),
    Option(("--since",), {"metavar": "ISO8601", "help": "with --export-odds: observations at or after "
                                                        "this time"}, ("export_odds",)),
    Option(("--league",), {"metavar": "N", "type": _id,
                           "help": "with --export-odds: one league id"}, ("export_odds",)),
    Option(("--fixture",), {"metavar": "N", "type": _id,
                            "help": "with --export-odds: one fixture id"}, ("export_odds",)),
    Option(("--once",), {"action": "store_true",
                         "help": "with --collect: run what is due once and exit (for cron and timers)"},
           ("collect",)),
    Command("--serve", "serve the TUI to a browser on 127.0.0.1 (textual-serve), behind the "
                       "token it prints; reach it from elsewhere with ssh -L",
            "oddsmon.commands.serve", params=("port", "socket_path=socket", "demo")),
    Option(("--port",), {"metavar": "N", "type": _port, "default": None,
                         "help": "with --serve: the port (default 8765)"},
           ("serve",), misuse="goes with --serve, a port from 1 to 65535"),
    Option(("--socket",), {"metavar": "PATH", "default": None,
                           "help": "with --serve: listen on a Unix socket of mode 0600 instead of "
                                   "a port (ssh -L forwards to it)"}, ("serve",)),
    Option(("--debug",), {"action": "store_true",
                          "help": "TUI: an error ends the app with its traceback instead of being logged "
                                  "(also ODDSMON_DEBUG=1)"}),
    Option(("--json",), {"action": "store_true", "help": "with --check: print one JSON object"}, ("check",)),
    Option(("--probe",), {"action": "store_true",
                          "help": "with --check: also try the free /status probe "
                                  "(may end a network outage)"}, ("check",)),
    Option(("-w", "--warning"), {"metavar": "N", "type": _threshold,
                                 "help": "with --check: WARNING below N calls left today "
                                         "(overrides supervision.quota_warning)"}, ("check",)),
    Option(("-c", "--critical"), {"metavar": "N", "type": _threshold,
                                  "help": "with --check: CRITICAL below N calls left today "
                                          "(overrides supervision.quota_critical)"}, ("check",)),
    Option(("-t", "--timeout"), {"metavar": "SECONDS", "type": _seconds,
                                 "help": "with --check: give up after SECONDS, the probe included, "
                                         "and exit 3 (UNKNOWN) saying so (default: no limit)"},
           ("check",)),
    Option(("--force",), {"action": "store_true",
                          "help": "with --warm: refetch every critical page, fresh or not (within the "
                                  "quota); with --online: go online even with no calls left above "
                                  "the reserve"}, ("warm", "online")),
    FORMAT,
)
COMMANDS: tuple[Command, ...] = tuple(a for a in ARGUMENTS if isinstance(a, Command))
