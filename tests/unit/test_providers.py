"""The provider seam, held to API-Football behind it (on the in-process simulator): every kind
of request is fetched into domain types, what the cache keeps of it reads back as the same
answer, a league's odds arrive page by page with each fixture's own entry, and a refusal is
told in oddsmon's terms."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from oddsmon.api import ProviderError
from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.domain.models import MATCH_WINNER, FixtureOdds
from oddsmon.providers import (
    REQUESTS,
    BookmakersRequest,
    FixtureOddsRequest,
    FixturesByIdsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    LiveFixturesRequest,
    LiveOddsRequest,
    OddsKeeper,
    OddsPage,
    PredictionRequest,
    Provider,
    Refused,
    Request,
    SeasonRequest,
    codec,
    connect,
)
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.store import Store

from ..conftest import SECRET


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(SimConfig(leagues=(39, 61), season=2026, daily_limit=500, per_minute=300,
                               full_markets=False), clock=clock)


@pytest.fixture
async def provider(settings: Settings, store: Store, clock: FakeClock, sim: Simulator) -> AsyncIterator[Provider]:
    provider = connect(settings.api, Secret(SECRET), store.ledger, clock, transport=SimTransport(sim))
    yield provider
    await provider.aclose()


async def _each_request(provider: Provider, clock: FakeClock) -> list[Request[Any]]:
    """One request of every kind, about what the simulator has (a fixture it lists)."""
    today = clock.now().date()
    listed = (await provider.fetch(FixturesRequest(39, 2026, today, today + timedelta(days=7)))).data
    fixture = next(f for f in listed if f.is_upcoming).id
    return [BookmakersRequest(), SeasonRequest(39), FixturesRequest(39, 2026, today, today + timedelta(days=7)),
            FixturesByIdsRequest((listed[0].id, fixture)), LiveFixturesRequest((39, 61)), LeagueOddsRequest(39, 2026), FixtureOddsRequest(fixture),
            LiveOddsRequest(39), PredictionRequest(fixture)]


async def test_every_kind_of_request_reads_back_as_it_was_fetched(provider: Provider, clock: FakeClock) -> None:
    requests = await _each_request(provider, clock)
    assert {type(r) for r in requests} == set(REQUESTS)
    read = codec()
    for request in requests:
        fetched = await provider.fetch(request)
        assert read.decode(request, fetched.body) == fetched.data, request
        assert fetched.quota_left is not None  # every counted answer says what is left
    # The keys are the requests', never a URL: what the cache, the store and the reports see.
    assert [r.key.split("?")[0] for r in requests] == [
        "bookmakers", "seasons", "fixtures", "fixtures", "fixtures", "odds", "odds", "live-odds", "predictions"]
    assert not any(r.key.startswith("/") for r in requests)
    by_ids = next(r for r in requests if isinstance(r, FixturesByIdsRequest))
    assert FixturesByIdsRequest.asked(by_ids.key) == by_ids.ids
    assert FixturesByIdsRequest.asked(requests[2].key) == ()


async def test_fixtures_by_ids_answer_those_fixtures_at_most_the_provider_s_batch_a_call(
        provider: Provider, clock: FakeClock, sim: Simulator) -> None:
    ids = tuple(sorted(f.id for f in sim.data.fixtures))[:provider.ids_per_call]
    assert provider.ids_per_call == 20 and len(ids) == 20  # the provider's docs: at most 20 ids
    fetched = await provider.fetch(FixturesByIdsRequest(ids))
    assert sorted(f.id for f in fetched.data) == list(ids)
    assert all(f.home.name and f.away.name for f in fetched.data)
    with pytest.raises(Refused):  # one more than the provider allows is refused, never split here
        await provider.fetch(FixturesByIdsRequest(tuple(sorted(f.id for f in sim.data.fixtures))[:21]))


async def test_a_league_s_odds_arrive_page_by_page_with_each_fixture_s_own_entry(
        provider: Provider, clock: FakeClock) -> None:
    pages: list[OddsPage] = []
    fetched = await provider.fetch(LeagueOddsRequest(39, 2026), OddsKeeper(frozenset({MATCH_WINNER, 5}), pages.append))
    received = [fo for page in pages for fo in page.odds]
    assert pages and received
    # The league's answer keeps the Match Winner part; each fixture's entry is its whole answer.
    assert {fo.fixture_id for fo in fetched.data} == {fo.fixture_id for fo in received}
    assert all({bet.id for bo in fo.bookmakers for bet in bo.bets} <= {MATCH_WINNER} for fo in fetched.data)
    read = codec()
    for page in pages:
        for request, body in page.entries:
            whole: list[FixtureOdds] = read.decode(request, body.decode())
            assert [fo.fixture_id for fo in whole] == [request.fixture]
            alone = await provider.fetch(request)  # what asking for the fixture alone answers
            assert whole == alone.data


async def test_a_refusal_is_told_with_what_to_change(settings: Settings, store: Store, clock: FakeClock) -> None:
    body = {"get": "odds", "parameters": {"season": "2019"}, "results": 0, "paging": {"current": 1, "total": 1},
            "errors": {"plan": "Free plans do not have access to this season, try from 2022 to 2024."},
            "response": []}

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body, headers={"x-ratelimit-requests-remaining": "80"})

    provider = connect(settings.api, Secret(SECRET), store.ledger, clock, transport=httpx.MockTransport(refuse))
    with pytest.raises(Refused) as refused:
        await provider.fetch(LeagueOddsRequest(39, 2019))
    await provider.aclose()
    refusal = codec().refusal(refused.value.body)
    assert refusal == refused.value.refusal and refusal is not None
    assert refusal.messages == {"plan": body["errors"]["plan"]}  # type: ignore[index]
    assert "[watch.seasons]" in refusal.text(clock.now())
    assert codec().refusal(json.dumps({**body, "errors": []})) is None


async def test_an_errors_list_is_an_error_never_kept_as_the_page(settings: Settings, store: Store,
                                                                 clock: FakeClock) -> None:
    body = {"get": "odds", "parameters": {"league": "39"}, "results": 0, "paging": {"current": 1, "total": 1},
            "errors": ["The request could not be handled."], "response": []}
    provider = connect(settings.api, Secret(SECRET), store.ledger, clock,
                       transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
    with pytest.raises(ProviderError, match="The request could not be handled") as failed:
        await provider.fetch(LeagueOddsRequest(39, 2026))
    await provider.aclose()
    assert not isinstance(failed.value, Refused) and failed.value.body is None  # nothing to keep
    # A store written before this kept such a body: it reads back as what it is, not as a
    # day of no odds.
    refusal = codec().refusal(json.dumps(body))
    assert refusal is not None and refusal.messages == {"0": "The request could not be handled."}
