"""JSON bombs (issue 24, item 3): a body nested deeper than any API-Football answer (10,000
arrays or objects inside one another) is that page's error, naming it, before any parser sees
it; the other pages are fetched as usual, nothing is cached for it, and no ``RecursionError``
leaves a parser: ``--warm`` says which page and exits 1, ``--collect`` goes on cycling and says
it, the TUI shows the error instead of "loading…", and a bomb already in the cache (kept by an
older oddsmon) is a page that does not read, never a crash.

The bombs come from a proxy on a real loopback socket in front of the simulator.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.commands.collect import cycles
from oddsmon.config import Secret, Settings, load_file
from oddsmon.engine.runtime import build_engine
from oddsmon.providers import FixturesRequest
from oddsmon.sim import LoopbackServer, SimConfig, SimTransport, Simulator
from oddsmon.store import Store
from oddsmon.text import MAX_JSON_DEPTH, json_too_deep

from ..clocks import ShiftedClock
from ..conftest import SECRET
from ..loopback import pointed_at
from ..tui.conftest import SIZE, RecordingApp, settle
from .hostile import ODDS_39, Proxy, oddsmon, quota_headers, write_config

DEPTH = 10_000
REFUSED = f"nests more than {MAX_JSON_DEPTH} arrays or objects"


def bomb(endpoint: str, shape: str = "arrays") -> bytes:
    """An envelope whose ``response`` is ``DEPTH`` arrays (or objects) inside one another."""
    inner = "[" * DEPTH + "]" * DEPTH if shape == "arrays" else '{"a":' * DEPTH + "1" + "}" * DEPTH
    return (f'{{"get":"{endpoint.strip("/")}","parameters":{{}},"errors":[],"results":1,'
            f'"paging":{{"current":1,"total":1}},"response":{inner}}}').encode()


def bombing(path: str, shape: str = "arrays") -> object:
    """The proxy's twist: ``path``'s answers are bombs, every other answer passes as it is."""
    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        if target.split("?")[0] == path:
            return 200, "OK", quota_headers(answer), bomb(path, shape)
        return answer.status_code, "OK", quota_headers(answer), answer.content
    return twist


@pytest.fixture
def live(day_clock: ShiftedClock) -> Iterator[LoopbackServer]:
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=5000, per_minute=5000), clock=day_clock)
    with LoopbackServer(sim) as srv:
        yield srv


@pytest.mark.parametrize(("text", "deep"), [
    ("[" * 64 + "]" * 64, False),
    ("[" * 65 + "]" * 65, True),
    ('{"a":' * 65 + "1" + "}" * 65, True),
    ("[{" * 32 + "}]" * 32, False),
    ("[" * DEPTH, True),  # never closed: a parser goes that deep before it finds out
    ("]" * DEPTH, False),  # not JSON, but nothing to recurse into: the parser says so
    ('["' + "[" * 500 + '"]', False),  # brackets in a string are text
    ('["\\"' + "[" * 500 + '", "\\\\"]', False),  # ...after an escaped quote too
    ('["\\\\"' + "[" * 65 + "]" * 65 + "]", True),  # an escaped backslash ends no string
])
def test_depth_is_measured_on_the_structure_not_the_text(text: str, deep: bool) -> None:
    assert json_too_deep(text) is deep
    assert json_too_deep(text.encode()) is deep


def test_a_real_answer_is_far_from_the_bound(live: LoopbackServer) -> None:
    """The deepest answers the provider sends (odds, predictions) nest about ten levels."""
    odds = httpx.get(f"{live.url}/odds", params={"league": "39", "season": "2026"},
                     headers={"x-apisports-key": SECRET}).content
    assert json.loads(odds)["response"] and not json_too_deep(odds, 12)


@pytest.mark.parametrize(("path", "label", "shape"), [
    ("/fixtures", r"fixtures league 39", "arrays"),
    ("/odds", ODDS_39, "objects"),  # the typed msgspec path of a league's odds
    ("/odds/bookmakers", r"bookmakers", "arrays"),
])
def test_a_bomb_is_the_error_of_its_page_in_the_warm(tmp_path: Path, live: LoopbackServer, path: str,
                                                     label: str, shape: str, day_clock: ShiftedClock) -> None:
    with Proxy(live.url, bombing(path, shape)) as proxy:  # type: ignore[arg-type]
        cfg = write_config(tmp_path, proxy.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
        check = oddsmon(cfg, "--check", clock=day_clock)
    assert warm.returncode == 1, warm.stdout + warm.stderr
    failed = [line for line in warm.stdout.splitlines() if re.search(f"{label}: failed", line)]
    assert failed and REFUSED in failed[0] and path in failed[0], warm.stdout
    assert sum(": live" in line for line in warm.stdout.splitlines()) >= 2  # the other pages came
    assert "OFFLINE" not in check.stdout  # a page error, not an outage
    store = Store.open(tmp_path / "state" / "oddsmon.db", read_only=True)
    try:
        assert not any(json_too_deep(body) for kind in ("fixtures", "odds", "bookmakers")
                       for body in store.cache.bodies(kind))
    finally:
        store.close()


def test_a_bomb_in_a_gateway_refusal_is_read_as_no_message(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        return 403, "Forbidden", {}, b'{"message":' + b"[" * DEPTH + b"]" * DEPTH + b"}"

    with Proxy(live.url, twist) as proxy:
        warm = oddsmon(write_config(tmp_path, proxy.url), "--warm", clock=day_clock)
    assert warm.returncode == 1 and "API key rejected (HTTP 403)" in warm.stdout, warm.stdout


def test_the_collector_keeps_cycling_through_a_bomb(tmp_path: Path, live: LoopbackServer,
                                                    settings: Settings, day_clock: ShiftedClock) -> None:
    """``--collect --once`` ends its cycle (exit 0) saying which page failed; the collector's
    loop goes on to the next cycle, which asks again and says it again."""
    with Proxy(live.url, bombing("/fixtures")) as proxy:  # type: ignore[arg-type]
        once = oddsmon(write_config(tmp_path, proxy.url), "--collect", "--once", clock=day_clock)
        assert once.returncode == 0, once.stdout + once.stderr
        assert f"not fetched: fixtures 39: /fixtures: the body {REFUSED}" in once.stdout, once.stdout

        said: list[str] = []
        sleeps = 0

        async def sleeper(_seconds: float) -> None:
            # The loop sleeps in steps between its lease's renewals: end it (as SIGTERM does)
            # once it has said its second cycle, bounded should it never say one.
            nonlocal sleeps
            sleeps += 1
            if sum("counted call(s)" in line for line in said) >= 2 or sleeps > 100:
                raise asyncio.CancelledError

        async def run() -> int:
            eng = build_engine(pointed_at(replace(settings, watch=replace(settings.watch, leagues=(39,))),
                                          proxy.url),
                               clock=day_clock, key=Secret(SECRET))
            try:
                return await cycles(Collector(eng.service), say=said.append, sleeper=sleeper)
            finally:
                await eng.aclose()

        assert asyncio.run(run()) == 0
    cycled = [line for line in said if "counted call(s)" in line]
    assert len(cycled) == 2 and all(f"not fetched: fixtures 39: /fixtures: the body {REFUSED}" in line
                                    for line in cycled), said


class _Bombing(httpx.AsyncBaseTransport):
    """The simulator in process (the TUI's own transport), its ``/fixtures`` answers bombs."""

    def __init__(self, sim: Simulator) -> None:
        self.inner = SimTransport(sim)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.inner.handle_async_request(request)
        if request.url.path != "/fixtures":
            return answer
        await answer.aread()
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() != "content-length"]
        return httpx.Response(200, headers=headers, content=bomb("/fixtures"))


async def test_the_tui_shows_the_error_not_loading(settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(seed=1, leagues=(39, 61), daily_limit=500, per_minute=300), clock=clock)
    engine = build_engine(settings, clock=clock, key=Secret(SECRET), transport=_Bombing(sim))
    try:
        app = RecordingApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, rounds=4)
            notice = str(app.screen.query_one("#page-notice", Static).render())
            status = str(app.screen.query_one("#page-status", Static).render())
    finally:
        await engine.aclose()
    assert "Last error: /fixtures: the body" in notice and REFUSED in notice, notice
    assert "loading" not in status and "offline" not in status, status


def test_a_bomb_already_in_the_cache_is_a_page_that_does_not_read(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    """An older oddsmon kept a bomb: offline, the page says its cached copy does not read, and
    the commands that read every cached page (``--export-odds``, ``--check``) carry on."""
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    db = tmp_path / "state" / "oddsmon.db"
    store = Store.open(db)
    try:
        keys = [key for key, _at in store.cache.fetched_times("fixtures").items()]
        now = day_clock.now()
        for key in keys:
            store.cache.put(key, "fixtures", bomb("/fixtures").decode(), now, 86400)
    finally:
        store.close()
    assert oddsmon(cfg, "--offline", clock=day_clock).returncode == 0
    for args in (("--export-odds", str(tmp_path / "odds.csv"), "--format", "csv"), ("--check",)):
        proc = oddsmon(cfg, *args, clock=day_clock)
        assert "RecursionError" not in proc.stdout + proc.stderr, args

    async def read() -> str | None:
        eng = build_engine(load_file(cfg), clock=day_clock, key=Secret(SECRET))
        try:
            requests = eng.service.requests
            season = requests.known_season(39)
            request = requests.fixtures(season)
            assert isinstance(request, FixturesRequest) and request.key in keys
            return (await eng.service.reader.read(request)).provenance.error
        finally:
            await eng.aclose()

    error = asyncio.run(read())
    assert error is not None and "cached /fixtures is unreadable" in error and "nested more than 64" in error


@pytest.mark.parametrize("value", ["[" * DEPTH + "]" * DEPTH, "{a = " * DEPTH + "1" + "}" * DEPTH,
                                   "[1, " * DEPTH + "]" * DEPTH])
def test_a_config_nested_10000_deep_names_its_key_and_line(
        tmp_path: Path, value: str, day_clock: ShiftedClock) -> None:
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(f"[watch]\ndays_ahead = 2\nleagues = {value}\n")
    said = f"{cfg}:3: invalid TOML in watch.leagues: arrays or inline tables nested too deeply"
    export = oddsmon(cfg, "--export", clock=day_clock)
    assert export.returncode == 2 and export.stderr.strip() == f"oddsmon: {said}", export.stderr
    check = oddsmon(cfg, "--check", clock=day_clock)  # a monitoring plugin's UNKNOWN, on standard output
    assert check.returncode == 3 and said in check.stdout, check.stdout + check.stderr
