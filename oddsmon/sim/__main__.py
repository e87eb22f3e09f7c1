"""``python -m oddsmon.sim --port N``: serve the simulator on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from .app import Simulator
from .data import SimConfig
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
                   help="seconds between price moves (default 600)")
    return p


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
    }
    config = SimConfig(**{k: v for k, v in overrides.items() if v is not None})
    sim = Simulator(config)
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
          f"{config.daily_limit}/day, {config.per_minute}/min) - Ctrl-C to stop", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print("oddsmon simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
