"""Helpers of the hostile-world tests (issue 12): the real command line in a temp home, and a
proxy on a real loopback socket that passes the simulator's answers through with a twist
(hostile names, absurd headers, huge bodies, slow drips).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ..clocks import OFFSET_ENV, ShiftedClock
from ..conftest import SECRET
from .conftest import python_env
from .faults import RawHttpServer

# Everything a terminal would act on, and what a clean output may never hold.
ESC, BEL, RLO = "\x1b", "\x07", "\u202e"
OSC52 = "\x1b]52;c;aGFja2Vk\x07"  # a complete clipboard write ("hacked")
CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x1b\\"
HOSTILE = f"{OSC52}{CLEAR}{TITLE}\x9b31m{RLO}\x00\x08"


def has_terminal_controls(text: str) -> list[str]:
    """The dangerous characters found in ``text`` (empty when it is safe to print)."""
    found = [c for c in (ESC, BEL, RLO, "\x9b", "\x00", "\x08", "\u2066") if c in text]
    return [repr(c) for c in found]



# The warm's line for league 39's odds: its league page, or its fixtures at hand one by one,
# whichever is cheaper for them (engine/requests.py: odds_route); a regular expression.
ODDS_39 = r"odds (league 39|fixture \d+ \(league 39\))"

def write_config(root: Path, url: str, *, api: str = "", extra: str = "") -> Path:
    """An oddsmon.toml in ``root`` pointing at ``url``, every file under ``root``."""
    cfg = root / "oddsmon.toml"
    cfg.write_text(f'[api]\nbase_url = "{url}"\nretries = 1\ntimeout_s = 3.0\n{api}\n'
                   f'[watch]\nleagues = [39]\ndays_ahead = 2\n\n'
                   f'[paths]\ndb = "{root / "state" / "oddsmon.db"}"\n'
                   f'metrics = "{root / "docs" / "supervision_metrics.json"}"\n'
                   f'incidents = "{root / "docs" / "incidents_supervision.md"}"\n{extra}')
    return cfg


def cli_env(root: Path, **extra: str) -> dict[str, str]:
    (root / "home").mkdir(exist_ok=True)
    env = python_env(APISPORTS_KEY=SECRET, HOME=str(root / "home"),
                     XDG_CONFIG_HOME=str(root / "home" / "config"),
                     XDG_STATE_HOME=str(root / "home" / "state"),
                     XDG_DATA_HOME=str(root / "home" / "data"))
    env.update(extra)
    return env


def at_clock(clock: ShiftedClock, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command line of a real oddsmon reading its time on ``clock`` (tests/perf/at_clock.py),
    and ``env`` with the clock's offset in it."""
    return [sys.executable, "-m", "tests.perf.at_clock"], {**env, OFFSET_ENV: repr(clock.offset_s)}


def oddsmon(cfg: Path | None, *args: str, clock: ShiftedClock, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``oddsmon [--config cfg] args`` on the test's ``clock``; never a traceback, whatever
    happened."""
    root = cfg.parent if cfg is not None else Path.cwd()
    launcher, env = at_clock(clock, env or cli_env(root))
    cmd = [*launcher, *(["--config", str(cfg)] if cfg else []), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout)
    assert "Traceback" not in proc.stderr, (args, proc.stderr)
    return proc


Twist = Callable[[str, httpx.Response], Awaitable[tuple[int, str, dict[str, str], bytes]]]


@dataclass
class Proxy:
    """A raw loopback HTTP server in front of ``upstream``: each request is forwarded (with
    its headers, the key among them) and ``twist`` turns the answer into what is sent back:
    (status, reason, headers, body)."""

    upstream: str
    twist: Twist
    server: RawHttpServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = RawHttpServer(self._behave)

    async def _behave(self, srv: RawHttpServer, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        target = lines[0].split(" ")[1]
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        headers.pop("Host", None)
        headers.pop("host", None)
        async with httpx.AsyncClient() as client:
            answer = await client.get(self.upstream + target, headers=headers)
        status, reason, extra, body = await self.twist(target, answer)
        head_lines = [f"HTTP/1.1 {status} {reason}", f"content-length: {len(body)}",
                      "content-type: application/json"] + [f"{k}: {v}" for k, v in extra.items()]
        writer.write(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> Proxy:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def quota_headers(answer: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.lower().startswith("x-ratelimit")}
