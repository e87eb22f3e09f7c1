"""Service facade over a scripted API (httpx.MockTransport serving the provider's samples):
provenance, cache-first reads, stale-on-failure, offline serving, parse errors, warm."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.service import Service
from oddsmon.offline import OfflineMachine
from oddsmon.providers import FixtureOddsRequest, LeagueOddsRequest, connect
from oddsmon.store import Store

from ..conftest import SECRET
from ..samples import SAMPLES
from ..stores import sqlite_backend

FILES = {
    "/odds/bookmakers": "odds_bookmakers__official_docs.json",
    "/fixtures": "fixtures__official_docs_live_all.json",
    "/odds": "odds__official_docs_fixture326090_bookmaker6.json",
    "/predictions": "predictions__official_docs_fixture198772.json",
    "/status": "status__official_docs.json",
}


@dataclass
class FakeApi:
    remaining: int = 90
    fail: str | None = None  # "connect" | "500" | "garbage" | "quota"
    calls: list[str] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)  # path -> body replacing the sample

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(path)
        self.requests.append(request)
        if self.fail == "connect":
            raise httpx.ConnectError("Connection refused")
        if self.fail == "500":
            return httpx.Response(500)
        if self.fail == "garbage" and path != "/status":
            return httpx.Response(200, text='{"response": [{"fixture": ')
        headers = {"x-ratelimit-requests-limit": "100"}
        if path != "/status":
            self.remaining -= 1
            headers["x-ratelimit-requests-remaining"] = str(self.remaining)
        if self.fail == "quota" and path != "/status":
            envelope = {"errors": {"requests": "You have reached the request limit for the day"},
                        "response": [], "results": 0}
            return httpx.Response(200, json=envelope, headers=headers)
        body = self.bodies.get(path) or (SAMPLES / FILES[path]).read_text()
        return httpx.Response(200, text=body, headers=headers)

    def counted(self) -> int:
        return len([c for c in self.calls if c != "/status"])


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def service(settings: Settings, store: Store, clock: FakeClock, api: FakeApi) -> Iterator[Service]:
    machine = OfflineMachine(store, clock, settings.supervision)
    provider = connect(settings.api, Secret(SECRET), store.ledger, clock,
                       transport=httpx.MockTransport(api), gate=machine.gate)
    yield Service(settings, store, machine, provider, clock)


async def test_fresh_entries_come_from_the_cache(service: Service, api: FakeApi, clock: FakeClock) -> None:
    first = await service.bookmakers()
    assert first.provenance.source == "live" and first.data is not None and len(first.data) == 15
    clock.advance(60)
    second = await service.bookmakers()
    assert second.provenance.source == "cache" and second.provenance.age_s == 60
    assert not second.provenance.stale
    assert api.counted() == 1
    service.flush_counters()
    counters = service.store.ledger.counters()
    assert (counters["hits"], counters["misses"]) == (1, 1)


async def test_expired_entry_is_fetched_again(service: Service, api: FakeApi, clock: FakeClock,
                                              settings: Settings) -> None:
    await service.bookmakers()
    clock.advance(settings.cache.bookmakers_ttl_s + 1)
    page = await service.bookmakers()
    assert page.provenance.source == "live" and api.counted() == 2


async def test_the_same_fixtures_entries_answer_the_same_list_and_a_refetch_a_new_one(
        service: Service, clock: FakeClock) -> None:
    """The screens memoise their arrangement of the fixtures by the list's identity (sorting
    2,000 at each switch cost 80 ms): unchanged entries must answer the very same list."""
    first = (await service.fixtures()).data
    clock.advance(1)
    again = await service.fixtures()
    assert again.provenance.source == "cache" and again.data is first and first
    fresh = (await service.fixtures(force=True)).data
    assert fresh is not None and fresh is not first
    assert [(f.kickoff, f.id) for f in fresh] == sorted((f.kickoff, f.id) for f in fresh)


async def test_failed_refresh_serves_stale_and_goes_offline(service: Service, api: FakeApi,
                                                            clock: FakeClock, settings: Settings) -> None:
    await service.odds()
    clock.advance(settings.cache.odds_ttl_s + 5)
    api.fail = "connect"
    page = await service.odds()
    assert page.data is not None and 326090 in page.data
    assert page.provenance.source == "cache" and page.provenance.stale
    assert page.provenance.offline_reason == "network"
    assert "Connection refused" in (page.provenance.error or "")
    assert service.mode().reason == "network"
    calls = len(api.calls)
    await service.odds(force=True)  # offline: nothing leaves the process, even when forced
    await service.bookmakers()
    assert len(api.calls) == calls


async def test_never_cached_page_says_so_offline(service: Service, api: FakeApi) -> None:
    service.set_offline()
    page = await service.prediction(198772)
    assert page.data is None and page.cached_never
    assert page.provenance.offline_reason == "user"
    assert api.calls == []


async def test_unparseable_body_is_a_page_error_never_cached(service: Service, api: FakeApi) -> None:
    api.fail = "garbage"
    page = await service.bookmakers()
    assert page.data is None and "not valid JSON" in (page.provenance.error or "")
    assert service.store.cache.stats()[0] == 0
    assert service.mode().offline is False  # a bad body is not an outage


async def test_quota_envelope_goes_offline_until_midnight(service: Service, api: FakeApi) -> None:
    api.fail = "quota"
    await service.bookmakers()
    mode = service.mode()
    assert mode.reason == "quota" and mode.resume_at is not None
    assert mode.resume_at.isoformat() == "2026-11-25T00:00:00+00:00"


async def test_headers_reaching_the_reserve_go_offline(service: Service, api: FakeApi,
                                                       settings: Settings) -> None:
    api.remaining = settings.api.daily_reserve + 1
    page = await service.bookmakers()
    assert page.provenance.source == "live"  # the call that reached the reserve is still used
    assert service.mode().reason == "quota"
    before = len(api.calls)
    await service.odds()
    assert len(api.calls) == before


async def test_offline_date_window_falls_back_to_the_last_cached_window(service: Service, clock: FakeClock) -> None:
    live = await service.fixtures()
    assert live.data
    service.set_offline()
    clock.advance(2 * 86400)  # the window's dates moved on
    page = await service.fixtures()
    assert page.data == live.data and page.provenance.source == "cache"
    assert page.provenance.age_s == 2 * 86400


async def test_warm_fetches_each_page_once_and_reports_calls(service: Service, api: FakeApi,
                                                            settings: Settings) -> None:
    progress: list[tuple[int, int]] = []
    report = await service.warm(lambda done, total, step: progress.append((done, total)))
    leagues = len(settings.watch.leagues)
    # bookmakers + fixtures per league; the docs' fixtures are all live, so no prediction is
    # due and no fixture is at hand to price: asked for one by one, their odds take no call,
    # fewer than any league page (a naive client asks none either), and nothing is priced
    # that would need naming.
    assert report.counted_calls == 1 + leagues == api.counted()
    assert not any(s.page == "odds" or s.label.startswith("names") for s in report.steps)
    assert [(r.per_fixture, r.calls) for r in report.odds] == [(True, 0)] * leagues
    assert report.stopped is None
    assert progress[-1] == (report_total := len(report.steps), report_total)
    assert {total for _, total in progress} == {report_total}  # one total from the first report on
    assert [done for done, _ in progress] == list(range(1, report_total + 1))
    again = await service.warm()
    assert again.counted_calls == 0 and api.counted() == 1 + leagues


async def test_warm_while_quota_offline_sends_nothing(service: Service, api: FakeApi) -> None:
    service.machine.go_offline("quota")
    report = await service.warm()
    assert api.calls == [] and report.counted_calls == 0
    assert "quota" in (report.stopped or "")


async def test_warm_while_network_offline_sends_one_probe(service: Service, api: FakeApi) -> None:
    service.machine.go_offline("network")
    api.fail = "connect"
    report = await service.warm()
    assert api.calls == ["/status"]
    assert "network" in (report.stopped or "")


async def test_the_key_is_never_cached(service: Service) -> None:
    await service.warm()
    dump = "\n".join(sqlite_backend(service.store).conn.iterdump())
    assert SECRET not in dump
    assert json.dumps([e for e in dump.splitlines() if "x-apisports" in e]) == "[]"


async def test_league_odds_page_serves_each_fixture_without_another_call(service: Service, api: FakeApi) -> None:
    await service.odds()
    calls = api.counted()
    page = await service.fixture_odds(326090)
    assert page.data is not None and page.data.fixture_id == 326090
    assert page.provenance.source == "cache" and api.counted() == calls


def _priced_fixture_upcoming(api: FakeApi) -> None:
    """The docs' fixtures answer as the fixture the odds sample prices, not yet started (the
    sample's is in play): a fixture at hand, whose odds the pages ask for."""
    listed = json.loads((SAMPLES / FILES["/fixtures"]).read_text())
    fixture = listed["response"][0]["fixture"]
    fixture.update(id=326090, date="2026-11-25T14:00:00+00:00", timestamp=1795615200,
                   status={"long": "Not Started", "short": "NS", "elapsed": None})
    api.bodies["/fixtures"] = json.dumps(listed)


def _league_key(settings: Settings, league: int) -> str:
    assert settings.watch.one_season is not None
    return LeagueOddsRequest(league, settings.watch.one_season).key


async def test_dashboard_reads_the_match_winner_part_a_league_page_left(
        service: Service, api: FakeApi, store: Store, clock: FakeClock, settings: Settings) -> None:
    _priced_fixture_upcoming(api)
    full = await service.odds()  # its fixtures not known yet: by league page
    await service.fixtures()
    assert full.data is not None
    league = settings.watch.leagues[0]
    # The league's entry keeps its Match Winner part; the whole answer is in its fixtures'
    # entries, written with it, kept once.
    part = store.cache.get(_league_key(settings, league))
    fixtures = [e for fid in full.data if (e := store.cache.get(FixtureOddsRequest(fid).key)) is not None]
    assert part is not None and fixtures and len(fixtures) == len(full.data)
    assert all((e.fetched_at, e.expires_at) == (part.fetched_at, part.expires_at) for e in fixtures)
    assert len(part.body) < sum(len(e.body) for e in fixtures) / 3
    # The Dashboard reads only the part: another process does, even with the fixtures'
    # bodies damaged behind it (their entries keep their times: not due for a refetch).
    for e in fixtures:
        store.cache.put(e.key, "odds", "{damaged", e.fetched_at, (e.expires_at - e.fetched_at).total_seconds())
    calls = api.counted()
    clock.advance(30)  # within the fixtures' live TTL too (the docs' sample is all live)
    dash = await Service(settings, store, service.machine, service.provider, clock).dashboard()
    assert dash.data is not None and api.counted() == calls
    assert dash.provenance.error is None
    assert dash.provenance.source == "cache" and dash.provenance.age_s == 30
    shown = dash.data.odds[326090]
    whole = full.data[326090]
    assert [b.id for bo in shown.bookmakers for b in bo.bets] == [1]
    assert [bo.bet(1) for bo in shown.bookmakers] == [bo.bet(1) for bo in whole.bookmakers]

    # Offline past expiry, the part is what is served, stale, with its age.
    clock.advance(settings.cache.odds_ttl_s)
    service.set_offline()
    stale = await service.dashboard()
    assert stale.data is not None and stale.data.odds[326090] == shown
    assert stale.provenance.stale and stale.provenance.offline_reason == "user"
    assert api.counted() == calls

    # Back online, a refresh fetches the whole league page, never the bet=1 form, and the
    # part is rewritten with it.
    service.set_online()
    await service.dashboard(force=True)
    assert api.counted() > calls
    assert not any("bet" in str(r.url.params) for r in api.requests)
    again = store.cache.get(_league_key(settings, league))
    assert again is not None and again.fetched_at == clock.now()
    assert (await service.odds()).data == full.data  # the whole answer, from the fixtures' entries


async def test_dashboard_headlines_are_kept_when_odds_are_stored_and_read_as_computed(
        service: Service, api: FakeApi, store: Store, clock: FakeClock, settings: Settings) -> None:
    _priced_fixture_upcoming(api)
    fresh = await service.dashboard()
    assert fresh.data is not None and set(fresh.data.headlines) == {326090}
    kept = store.db.query("SELECT fixture_id FROM headlines")
    assert {r[0] for r in kept} >= set(fresh.data.headlines)
    # Computed here (a bookmaker hidden that prices nothing) they are the same headlines.
    computed = await service.dashboard(hidden_bookmakers=frozenset({999_999}))
    assert computed.data is not None and computed.data.headlines == fresh.data.headlines
    # Another process reads them without parsing any odds: with every odds body damaged, the
    # headlines still come, and only the odds behind them (asked for) are missing.
    for (key,) in store.db.query("SELECT key FROM cache WHERE kind = 'odds'"):
        entry = store.cache.get(key)
        assert entry is not None
        store.cache.put(key, "odds", "{damaged", entry.fetched_at,
                        (entry.expires_at - entry.fetched_at).total_seconds())
    other = await Service(settings, store, service.machine, service.provider, clock).dashboard()
    assert other.data is not None and other.data.headlines == fresh.data.headlines
    assert other.data.movers == fresh.data.movers and dict(other.data.odds) == {}


async def test_market_view_from_the_docs_sample(service: Service, api: FakeApi) -> None:
    await service.odds()
    service.set_offline()  # the prediction is not cached: the view still renders without it
    page = await service.market(326090)
    view = page.data
    assert view is not None and [r.bookmaker.name for r in view.rows] == ["Bwin"]
    # Bwin Match Winner 2.50 / 2.95 / 2.95: 0.4 + 2 * 0.338983 - 1 = 0.077966
    margin = view.rows[0].margin
    assert margin is not None and f"{margin * 100:.2f}%" == "7.80%"
    assert [o.predicted for o in view.outcomes] == [None, None, None]


async def test_stored_only_reads_what_is_cached_however_old_and_sends_nothing(
        service: Service, api: FakeApi, clock: FakeClock, settings: Settings) -> None:
    """What the Odds screen reads ahead of the analyst (the fixtures beside the one shown): the
    cached odds even past their time-to-live and online, a never-cached prediction answered as
    never cached, and not one call, nor a hit counted."""
    await service.odds()
    sent = api.counted()
    service.flush_counters()
    counted = service.store.ledger.counters()
    clock.advance(settings.cache.odds_ttl_s + 1)  # expired, and the service is online
    with service.stored_only():
        page = await service.market(326090)
        prediction = await service.prediction(326090)
    assert page.data is not None and page.provenance.source == "cache" and page.provenance.stale
    assert [r.bookmaker.name for r in page.data.rows] == ["Bwin"]
    assert prediction.cached_never
    assert api.counted() == sent
    service.flush_counters()
    assert service.store.ledger.counters() == counted
    fresh = await service.market(326090)  # outside it: the odds fetched again, the prediction first
    assert fresh.provenance.source == "live" and api.calls[-2:] == ["/odds", "/predictions"]
    assert api.counted() == sent + 2


async def test_price_drop_alert_after_a_refetch(service: Service, api: FakeApi, clock: FakeClock,
                                                settings: Settings) -> None:
    await service.odds()
    assert service.take_drop_alerts() == []
    original = (SAMPLES / FILES["/odds"]).read_text()
    shortened = original.replace('"value": "Home",\n                  "odd": "2.50"',
                                 '"value": "Home",\n                  "odd": "2.10"')
    assert shortened != original
    api.bodies["/odds"] = shortened
    clock.advance(settings.cache.odds_ttl_s + 1)
    await service.odds()
    drops = service.take_drop_alerts()
    assert [(d.fixture_id, d.outcome, d.before, d.after) for d in drops] == [(326090, "Home", 2.5, 2.1)]
    assert drops[0].pct == pytest.approx(16.0)
    assert service.take_drop_alerts() == []  # reported once


async def test_manual_resume_refreshes_the_quota_for_free(service: Service, api: FakeApi) -> None:
    service.machine.go_offline("quota")
    service.store.ledger.observe(service.clock.now(), 100, 0, None, None)
    assert service.set_online()
    note = await service.refresh_quota()
    assert api.calls == ["/status"]  # free: nothing counted
    # the docs' /status says 12 of 100 used
    assert note == "quota refreshed from /status: 88 calls left today"
    assert (await service.bookmakers()).provenance.source == "live"


async def test_manual_resume_with_no_calls_left_says_so(service: Service, api: FakeApi, store: Store,
                                                         settings: Settings, clock: FakeClock) -> None:
    # /status says 88 left; with a reserve of 95 nothing can be spent: --online says so.
    reserved = replace(settings, api=replace(settings.api, daily_reserve=95))
    note = await Service(reserved, store, service.machine, service.provider, clock).refresh_quota()
    assert "88 calls left today; no calls left above the reserve of 95" in note


async def test_warm_applies_a_reset_that_came_due_while_nothing_ran(service: Service, clock: FakeClock) -> None:
    service.machine.go_offline("quota")
    clock.advance(86400)
    report = await service.warm()
    assert report.stopped is None and report.counted_calls > 0
    assert service.store.incidents.current() is None  # the quota incident is closed


async def test_warm_step_that_failed_is_not_called_fresh(service: Service, api: FakeApi,
                                                         clock: FakeClock, settings: Settings) -> None:
    await service.warm()
    clock.advance(settings.cache.bookmakers_ttl_s + 1)
    api.fail = "garbage"
    report = await service.warm()
    assert report.steps[0].label == "bookmakers" and report.steps[0].source == "failed"


async def test_warm_after_a_resume_refetches_pages_fetched_before_it_even_fresh(
        service: Service, api: FakeApi, clock: FakeClock, settings: Settings) -> None:
    """Runbook §6 "key pages opened online": bookmakers stay fresh 24 h, so a warm that skips
    fresh pages could never tick it the night of the incident."""
    first = await service.warm()
    # Every page; a fixture asked for by id is not asked again within the fixtures TTL.
    full = api.counted() - sum(s.calls for s in first.steps if s.label.startswith("names of fixtures"))
    service.machine.go_offline("user", "manual")
    clock.advance(60)
    service.machine.go_online("manual resume")
    clock.advance(60)
    report = await service.warm()
    assert report.counted_calls == full and report.stopped is None  # every page, though fresh
    assert all(s.refetched.startswith("fetched before the resume at ") for s in report.fetched)
    assert "refetched though fresh: fetched before the resume at" in report.summary
    again = await service.warm()  # now fetched after the resume: fresh pages are skipped again
    assert again.counted_calls == 0 and "refetched" not in again.summary
    forced = await service.warm(force=True)  # --warm --force: everything, within the quota
    assert forced.counted_calls == full and all(s.refetched == "forced" for s in forced.fetched)


async def test_warm_progress_has_one_total_even_when_predictions_join(settings: Settings,
                                                                       clock: FakeClock) -> None:
    """Predictions are planned once the fixtures are known; the progress never jumps from
    [3/7] to [4/12]: every report has the final total."""
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimConfig, SimTransport, Simulator

    sim = Simulator(SimConfig(leagues=tuple(settings.watch.leagues), daily_limit=500, per_minute=300),
                    clock=clock)
    engine = build_engine(settings, clock=clock, transport=SimTransport(sim), key=Secret(SECRET))
    progress: list[tuple[int, int]] = []
    try:
        report = await engine.service.warm(lambda done, total, step: progress.append((done, total)))
    finally:
        await engine.aclose()
    assert any(s.page == "predictions" for s in report.steps)  # the plan grew after the fixtures
    assert progress == [(i, len(report.steps)) for i in range(1, len(report.steps) + 1)]


async def test_bookmakers_summary_is_read_from_rows_written_at_fetch(
        service: Service, api: FakeApi, store: Store, clock: FakeClock, settings: Settings) -> None:
    await service.odds()
    summary = await service.bookmakers_summary()
    view = summary.data
    assert view is not None and view.watched == 1 and view.odds_provenance.source == "cache"
    # Bwin prices the one fixture on the league pages, with the three shown markets; the other
    # known bookmakers price nothing and follow by name.
    assert (view.rows[0].bookmaker.name, view.rows[0].fixtures, view.rows[0].markets) == ("Bwin", 1, (1, 5, 8))
    assert all(r.fixtures == 0 for r in view.rows[1:]) and len(view.rows) == 15
    names = [r.bookmaker.name.lower() for r in view.rows[1:]]
    assert names == sorted(names)
    # Another process, offline, with every cached odds body damaged: the summary never reads
    # a body, so it is the same, served from the cache with its age.
    for key in [k for (k,) in store.db.query("SELECT key FROM cache WHERE kind = 'odds'")]:
        entry = store.cache.get(key)
        assert entry is not None
        store.cache.put(key, "odds", "{damaged", entry.fetched_at,
                        (entry.expires_at - entry.fetched_at).total_seconds())
    clock.advance(30)
    service.set_offline()
    calls = api.counted()
    other = await Service(settings, store, service.machine, service.provider, clock).bookmakers_summary()
    assert other.data is not None and other.data.rows == view.rows and api.counted() == calls
    assert other.data.odds_provenance.age_s == 30 and other.data.odds_provenance.offline_reason == "user"


async def test_bookmakers_summary_follows_the_latest_league_page(
        service: Service, api: FakeApi, clock: FakeClock, settings: Settings) -> None:
    await service.odds()
    # The next fetch of the league pages no longer carries Bwin: it prices nothing now,
    # though its earlier prices stay in the history.
    sample = json.loads((SAMPLES / FILES["/odds"]).read_text())
    sample["response"][0]["bookmakers"] = []
    api.bodies["/odds"] = json.dumps(sample)
    clock.advance(settings.cache.odds_ttl_s + 1)
    view = (await service.bookmakers_summary()).data
    assert view is not None and view.watched == 1 and view.odds_provenance.source == "live"
    bwin = next(r for r in view.rows if r.bookmaker.name == "Bwin")
    assert (bwin.fixtures, bwin.markets) == (0, ())
    assert service.store.history.count() > 0


async def test_bookmakers_summary_before_any_odds_says_unknown(service: Service, api: FakeApi) -> None:
    await service.bookmakers()
    service.set_offline()
    view = (await service.bookmakers_summary()).data
    assert view is not None and view.odds_provenance.source == "none" and view.watched == 0
    assert {r.fixtures for r in view.rows} == {None}


async def test_a_league_odds_page_is_kept_as_received_and_a_bad_one_names_its_key(
        service: Service, api: FakeApi, store: Store) -> None:
    sample = json.loads((SAMPLES / FILES["/odds"]).read_text())
    bad = json.loads(json.dumps(sample))
    bad["response"][0]["league"]["season"] = "2020"
    api.bodies["/odds"] = json.dumps(bad)
    page = await service.odds()
    assert page.data is None and "response[0].league.season: expected an integer" in (page.provenance.error or "")
    assert store.cache.get(FixtureOddsRequest(326090).key) is None  # nothing kept of it
    del api.bodies["/odds"]
    page = await service.odds(force=True)
    assert page.data is not None and 326090 in page.data
    # The fixture's own entry is its item as received; the league's keeps Match Winner alone.
    fixture = store.cache.get(FixtureOddsRequest(326090).key)
    assert fixture is not None and json.loads(fixture.body)["response"] == sample["response"]
    league = next(e for key in store.cache.fetched_times("odds")
                  if "fixture=" not in key and (e := store.cache.get(key)) is not None)
    books = json.loads(league.body)["response"][0]["bookmakers"]
    assert [[bet["id"] for bet in book["bets"]] for book in books] == [[1]]
    assert books[0]["bets"][0] == next(b for b in sample["response"][0]["bookmakers"][0]["bets"] if b["id"] == 1)
