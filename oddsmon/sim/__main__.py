"""``python -m oddsmon.sim --port N``: serve the simulator on loopback until Ctrl-C.

Every behaviour of the provider it models can be chosen here (and changed while it runs with
``POST /__sim/control``): the gateway, when the quota day turns, RapidAPI's reset header, a
rejected key or a suspended account and how it is said, and the real bodies' quirks.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from .app import Simulator
from .data import SimConfig, zone
from .faults import ACCOUNTS, REFUSAL_STATUSES
from .quirks import QUIRKS
from .quota import parse_reset_time
from .server import LoopbackServer


def _int_in(lo: int, hi: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {raw!r}") from None
        if value < lo or (hi is not None and value > hi):
            bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


def _any_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {raw!r}") from None


def _reset_time(raw: str) -> int:
    try:
        return parse_reset_time(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _zone_name(raw: str) -> str:
    try:
        zone(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return raw


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m oddsmon.sim",
        description="Serve the API-Football v3 simulator on a loopback port.",
    )
    p.add_argument("--port", type=_int_in(0, 65535), required=True,
                   help="TCP port to listen on (0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to bind (default 127.0.0.1; loopback only)")
    p.add_argument("--daily-limit", type=_int_in(0), default=None,
                   help="requests per day (default 100, the Free plan)")
    p.add_argument("--per-minute", type=_int_in(1), default=None,
                   help="requests per minute (default 30)")
    p.add_argument("--seed", type=_any_int, default=None, help="data seed (default 1)")
    p.add_argument("--bookmakers-per-fixture", type=_int_in(1, 10), default=None,
                   help="bookmakers pricing each fixture, 1-10 (default 8)")
    p.add_argument("--arbitrage-fixtures", type=_int_in(0), default=None,
                   help="upcoming fixtures with a real Match Winner arbitrage (default 1)")
    p.add_argument("--move-period", type=_int_in(1), default=None,
                   help="seconds between price moves (default 10800: the docs' 3 hours)")
    p.add_argument("--gateway", choices=("apisports", "rapidapi"), default=None,
                   help="answer as the direct API (default) or as RapidAPI's gateway: paths under "
                        "/v3, x-rapidapi-key + x-rapidapi-host, its 401/403/429 bodies and its "
                        "x-ratelimit-requests-reset header")
    quota = p.add_argument_group("the quota day")
    quota.add_argument("--quota-reset", metavar="HH:MM", type=_reset_time, default=None,
                       help="wall-clock time the daily quota resets (default 03:30; the docs do "
                            "not say when)")
    quota.add_argument("--quota-reset-tz", metavar="ZONE", type=_zone_name, default=None,
                       help="IANA time zone of --quota-reset (default UTC), e.g. Europe/Paris")
    quota.add_argument("--no-reset-header", action="store_true",
                       help="with --gateway rapidapi: leave out x-ratelimit-requests-reset "
                            "(seconds to the reset), which the gateway sends by default")
    key = p.add_argument_group("the key and the account")
    key.add_argument("--account", choices=ACCOUNTS, default=None,
                     help="rejected: every call answers errors.token (direct) or HTTP 401 "
                          "\"Invalid API key\" (rapidapi); suspended: errors.access \"Your account "
                          "is suspended\" (direct) or HTTP 403 \"You are not subscribed to this "
                          "API.\" (rapidapi); /status included; expired: refused as suspended, "
                          "but the direct API's /status answers, with subscription.active false "
                          "(default active)")
    key.add_argument("--refusal-status", type=int, choices=REFUSAL_STATUSES, default=None,
                     help="the direct API refuses the key with this HTTP status instead of its "
                          "HTTP 200 envelope")
    bodies = p.add_argument_group("real bodies' quirks (all off by default)")
    bodies.add_argument("--one-prices", action="store_true",
                        help='in one bookmaker entry in three, each bet\'s shortest price is "1.00"')
    bodies.add_argument("--shuffled-lines", action="store_true",
                        help="Over/Under values unsorted, and one line in two entries without "
                             "its Under")
    bodies.add_argument("--nulls", action="store_true",
                        help="null venues, flags and logos in one item in two")
    bodies.add_argument("--live-full", action="store_true",
                        help="/odds/live items as large as the docs' sample (39 bets, 253 "
                             "values, 37 suspended) and blocked now and then")
    bodies.add_argument("--real-bodies", action="store_true", help="all four quirks above")
    return p


def controls_from(args: argparse.Namespace) -> dict[str, object]:
    """The control document the flags ask for (applied once the simulator is built)."""
    controls: dict[str, object] = {name: True for name in QUIRKS
                                   if args.real_bodies or getattr(args, name)}
    if args.no_reset_header:
        controls["reset_header"] = False
    if args.account is not None:
        controls["account"] = args.account
    if args.refusal_status is not None:
        controls["refusal_status"] = args.refusal_status
    return controls


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"argument --host: {args.host!r} is not a loopback address; the simulator "
                     "only serves on loopback (127.0.0.1, ::1 or localhost)")
    overrides = {
        "daily_limit": args.daily_limit,
        "per_minute": args.per_minute,
        "seed": args.seed,
        "bookmakers_per_fixture": args.bookmakers_per_fixture,
        "arbitrage_fixtures": args.arbitrage_fixtures,
        "move_period_s": args.move_period,
        "gateway": args.gateway,
        "quota_reset_s": args.quota_reset,
        "quota_reset_tz": args.quota_reset_tz,
    }
    config = SimConfig(**{k: v for k, v in overrides.items() if v is not None})
    sim = Simulator(config)
    sim.control(controls_from(args))
    server = LoopbackServer(sim, host=args.host, port=args.port)
    try:
        server.start()
    except OSError as exc:
        print(f"python -m oddsmon.sim: cannot listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"oddsmon simulator listening on {server.url} "
          f"(seed {config.seed}, {len(sim.data.fixtures)} fixtures, "
          f"{config.daily_limit}/day reset at {sim.stats()['quota_reset']['at']} "
          f"{config.quota_reset_tz}, {config.per_minute}/min) - Ctrl-C to stop", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print("oddsmon simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
