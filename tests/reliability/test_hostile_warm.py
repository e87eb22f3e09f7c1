"""A warm within a budget (issue 24, item 4): no warm spends more than ``[warm] max_calls``
counted calls without ``--force``; it fetches the four critical pages first, then predictions
nearest kickoff, and says what it left out and how to get it. A league of 10,000 fixtures costs
the cap, not a day. It never costs more than a naive client asking per fixture: each league's
odds come by league page or fixture by fixture, whichever is cheaper for the fixtures at hand,
and the Dashboard and the Odds screen read them either way. ``X-RateLimit-Limit: 0`` (a nonsense per-minute limit) is ignored and said,
never a silent crawl of a minute per call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings, WarmSettings, load_file
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import LoopbackServer, SimConfig, SimTransport, Simulator

from ..clocks import ShiftedClock
from ..conftest import SECRET
from ..loopback import pointed_at
from .conftest import REPO
from .hostile import Proxy, oddsmon, quota_headers, write_config


@pytest.fixture
def live(day_clock: ShiftedClock) -> Iterator[tuple[LoopbackServer, Simulator]]:
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=5000, per_minute=5000), clock=day_clock)
    with LoopbackServer(sim) as srv:
        yield srv, sim


def test_a_warm_stops_at_its_cap_says_what_it_left_out_and_force_passes_it(
        tmp_path: Path, live: tuple[LoopbackServer, Simulator], day_clock: ShiftedClock) -> None:
    server, sim = live
    cfg = write_config(tmp_path, server.url, extra="\n[warm]\nmax_calls = 5\n")
    capped = oddsmon(cfg, "--warm", clock=day_clock)
    assert capped.returncode == 1, capped.stdout
    assert sim.stats()["counted_total"] <= 5
    said = [line for line in capped.stdout.splitlines() if line.startswith("warm: left out")]
    assert len(said) == 1 and "over [warm] max_calls = 5" in said[0], capped.stdout
    assert "prediction(s), kickoffs from" in said[0] and "oddsmon --warm --force fetches them" in said[0]
    # The critical pages came first.
    assert "bookmakers: live" in capped.stdout and "fixtures league 39: live" in capped.stdout
    predicted = [line for line in capped.stdout.splitlines() if "prediction fixture" in line]
    forced = oddsmon(cfg, "--warm", "--force", clock=day_clock)
    assert forced.returncode == 0, forced.stdout
    assert "left out" not in forced.stdout
    assert sum("prediction fixture" in line for line in forced.stdout.splitlines()) > len(predicted)


async def test_the_default_cap_fits_the_example_config_with_room_to_spare(tmp_path: Path) -> None:
    example = load_file(REPO / "oddsmon.toml")
    assert example.warm.max_calls == 100
    clock = FakeClock(datetime(2026, 11, 28, 9, tzinfo=UTC))  # a Saturday: a full matchday ahead
    settings = example.with_paths(db=tmp_path / "o.db", metrics=tmp_path / "m.json", incidents=tmp_path / "i.md")
    sim = Simulator(SimConfig(leagues=example.watch.leagues, daily_limit=10**6, per_minute=10**6), clock=clock)
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    try:
        report = await eng.service.warm()
    finally:
        await eng.aclose()
    assert report.complete and not report.left_out, report.summary
    assert 0 < report.counted_calls <= example.warm.max_calls // 2, report.summary


async def test_a_light_day_warm_costs_no_more_than_a_naive_client_and_its_odds_are_shown_without_a_call(
        tmp_path: Path) -> None:
    example = load_file(REPO / "oddsmon.toml")
    # The evening after the day's kickoffs: one to three fixtures a league at hand, where a
    # league page of odds (ten fixtures a call, two weeks ahead) costs more than they do.
    clock = FakeClock(datetime(2026, 11, 24, 21, tzinfo=UTC))
    sim = Simulator(SimConfig(leagues=example.watch.leagues, daily_limit=10**6, per_minute=10**6,
                              full_markets=False), clock=clock)
    with LoopbackServer(sim) as server:
        settings = pointed_at(example.with_paths(db=tmp_path / "o.db", metrics=tmp_path / "m.json",
                                                 incidents=tmp_path / "i.md"), server.url)
        eng = build_engine(settings, clock=clock, key=Secret(SECRET))
        try:
            report = await eng.service.warm()
            spent = sim.stats()["counted_total"]
            dash = await eng.service.dashboard()
            assert dash.data is not None
            at_hand = [f for f in dash.data.fixtures if f.is_upcoming]
            # Every page a naive client asks for: each league's season (the config says "auto"),
            # the bookmakers, each league's fixtures, then an odds and a prediction call for
            # each upcoming fixture.
            leagues = len(example.watch.leagues)
            naive = leagues + 1 + leagues + 2 * len(at_hand)
            assert report.complete, report.summary
            assert 0 < len(at_hand) <= 2 * leagues
            assert report.counted_calls == spent <= naive, report.summary
            assert "per fixture" in report.summary and "against" in report.summary, report.summary
            assert sim.stats()["counted_total"] == spent  # the Dashboard sent nothing
            # The Dashboard shows each fixture at hand with its prices, and the Odds screen its
            # market, from the fixtures' own odds: no league page was fetched, none is now.
            assert {f.id for f in at_hand} <= set(dash.data.headlines)
            assert all(dash.data.headlines[f.id].best for f in at_hand)
            for fixture in at_hand:
                view = await eng.service.market(fixture.id)
                assert view.data is not None and view.data.rows, fixture
                assert view.provenance.source == "cache"
            # The Bookmakers screen counts them too.
            books = await eng.service.bookmakers_summary()
            assert books.data is not None and books.data.watched == len(at_hand)
            assert books.data.rows[0].fixtures == len(at_hand)
            assert not [r for r in sim.stats()["recent"] if r["path"] == "/odds" and "league" in r["params"]]
            assert sim.stats()["counted_total"] == spent
        finally:
            await eng.aclose()


class _HugeLeague(httpx.AsyncBaseTransport):
    """The simulator, its league 39 holding 10,000 fixtures in the window (copies of a real
    one, a kickoff every minute), each with a prediction; counts what is sent."""

    def __init__(self, sim: Simulator, now: datetime) -> None:
        self.inner = SimTransport(sim)
        self.now = now
        self.sent: list[str] = []
        self.model_id = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.url.path)
        path = request.url.path
        if path == "/predictions":  # a real fixture's prediction stands for each of them
            request = httpx.Request("GET", request.url.copy_with(params={"fixture": str(self.model_id)}),
                                    headers=request.headers)
        answer = await self.inner.handle_async_request(request)
        body: dict[str, Any] = json.loads(await answer.aread())
        if path == "/fixtures" and body["response"]:
            model = body["response"][0]
            self.model_id = model["fixture"]["id"]
            body["response"] = [self._fixture(model, i) for i in range(10_000)]
            body["results"] = 10_000
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() != "content-length"]
        return httpx.Response(answer.status_code, headers=headers, content=json.dumps(body).encode())

    def _fixture(self, model: dict[str, Any], i: int) -> dict[str, Any]:
        kickoff = self.now + timedelta(hours=2, minutes=i % 4000)
        fixture = {**model["fixture"], "id": 5_000_000 + i, "date": kickoff.isoformat(),
                   "timestamp": int(kickoff.timestamp()), "status": {"long": "Not Started", "short": "NS", "elapsed": None}}
        return {**model, "fixture": fixture}


async def test_a_league_of_10000_fixtures_costs_the_cap_not_a_day(settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=10**6, per_minute=10**6), clock=clock)
    transport = _HugeLeague(sim, clock.now())
    settings = replace(settings, watch=replace(settings.watch, leagues=(39,)), warm=WarmSettings(max_calls=100))
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=transport)
    try:
        report = await eng.service.warm()
    finally:
        await eng.aclose()
    assert report.counted_calls <= 100 and len(transport.sent) <= 100, report.summary
    assert report.left_out_text is not None
    # The league's odds do not fit: named, never half spent. Never fetched, its page is
    # reckoned from the window's 10,000 fixtures over the 21 days the provider prices (four
    # days in the window): 52,500 fixtures, 5,250 pages of ten. Asked for one by one, the
    # fixtures at hand would take 10,000 calls: the league page is the plan.
    assert "odds league 39 (about 5250 call(s))" in report.left_out_text, report.left_out_text
    assert "league 39 by league page: 7375 call(s)" in report.summary, report.summary
    assert "prediction(s), kickoffs from" in report.left_out_text
    fetched = [s.label for s in report.fetched if s.page == "predictions"]
    assert fetched and fetched[0] == "prediction fixture 5000000", (  # nearest kickoff first
        report.summary, [(s.label, s.source, s.error) for s in report.steps][:6])


@pytest.mark.parametrize("remaining", ["0", None])
def test_a_rate_limit_of_zero_is_ignored_and_said_never_a_crawl(
        tmp_path: Path, live: tuple[LoopbackServer, Simulator], remaining: str | None,
        day_clock: ShiftedClock) -> None:
    server, _sim = live

    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        headers = {k: v for k, v in quota_headers(answer).items() if k.lower() not in
                   ("x-ratelimit-limit", "x-ratelimit-remaining")}
        headers["X-RateLimit-Limit"] = "0"
        if remaining is not None:
            headers["X-RateLimit-Remaining"] = remaining
        return answer.status_code, "OK", headers, answer.content

    with Proxy(server.url, twist) as proxy:
        # A crawl would take a minute a call: the whole warm is well inside the timeout.
        warm = oddsmon(write_config(tmp_path, proxy.url), "--warm", timeout=120, clock=day_clock)
    assert warm.returncode == 0, warm.stdout
    notes = [line for line in warm.stdout.splitlines() if line.startswith("warm: note:")]
    assert len(notes) == 1 and "X-RateLimit-Limit: 0 ignored" in notes[0], warm.stdout
