"""The bundled API-Football simulator: shapes, quota, faults, data, determinism, prices."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from oddsmon.clock import FakeClock, next_utc_midnight
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.sim.app import MSG_ENDPOINT, MSG_RATE_LIMIT, MSG_REQUESTS, MSG_REQUIRED, MSG_TOKEN
from oddsmon.sim.data import season_for, to_ladder

from ..samples import SAMPLES

KEY = "test-key-123"
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ENVELOPE = ["get", "parameters", "errors", "results", "paging", "response"]


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(clock=clock)


def client_for(sim: Simulator, key: str | None = KEY, **kwargs: Any) -> httpx.AsyncClient:
    headers = {"x-apisports-key": key} if key is not None else {}
    return httpx.AsyncClient(transport=SimTransport(sim), base_url="http://sim",
                             headers=headers, **kwargs)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sim) as c:
        yield c


def shape_mismatches(ours: Any, sample: Any, path: str = "") -> list[str]:
    """Differences between the dict keys of two documents (lists: first elements)."""
    if isinstance(sample, dict):
        if not isinstance(ours, dict):
            return [f"{path}: expected an object, got {type(ours).__name__}"]
        out = []
        if set(ours) != set(sample):
            out.append(f"{path}: keys {sorted(set(ours) ^ set(sample))} differ")
        for k in set(ours) & set(sample):
            out += shape_mismatches(ours[k], sample[k], f"{path}.{k}")
        return out
    if isinstance(sample, list) and sample and isinstance(ours, list) and ours:
        return shape_mismatches(ours[0], sample[0], f"{path}[0]")
    return []


def first_upcoming(sim: Simulator) -> Any:
    now = sim.clock.timestamp()
    return next(f for f in sim.data.fixtures if f.kickoff > now and f.arb_bookmaker is None)


def match_winner_book_sum(item: dict[str, Any] | None) -> float:
    assert item is not None, "no odds item"
    best: dict[str, float] = {}
    for bm in item["bookmakers"]:
        for bet in bm["bets"]:
            if bet["id"] == 1:
                for v in bet["values"]:
                    best[v["value"]] = max(best.get(v["value"], 0.0), float(v["odd"]))
    assert set(best) == {"Home", "Draw", "Away"}
    return sum(1.0 / o for o in best.values())


# ---------------------------------------------------------------------------------- shapes

async def test_status_envelope_and_not_counted(client: httpx.AsyncClient, sim: Simulator) -> None:
    for _ in range(3):
        r = await client.get("/status")
        assert r.status_code == 200
    body = r.json()
    # As the live service answers it: results 0 and a paging block, whatever the docs show.
    assert list(body) == ["get", "parameters", "errors", "results", "paging", "response"]
    assert body["results"] == 0 and body["paging"] == {"current": 1, "total": 1}
    assert body["get"] == "status" and body["parameters"] == [] and body["errors"] == []
    resp = body["response"]
    assert set(resp) == {"account", "subscription", "requests"}
    assert set(resp["subscription"]) == {"plan", "end", "active"}
    assert resp["requests"] == {"current": 0, "limit_day": 100}
    st = sim.stats()
    assert st["status_calls"] == 3 and st["counted_total"] == 0 and st["quota_used"] == 0


ENDPOINT_CASES = [
    ("/leagues", {"id": "39"}, "leagues__official_docs_id39.json"),
    ("/fixtures", {"date": "2026-11-24"}, "fixtures__official_docs_live_all.json"),
    ("/predictions", None, "predictions__official_docs_fixture198772.json"),
    ("/odds", None, "odds__official_docs_fixture326090_bookmaker6.json"),
    ("/odds/bookmakers", {}, "odds_bookmakers__official_docs.json"),
    ("/odds/bets", {"search": "under"}, "odds_bets__official_docs_search_under.json"),
]


@pytest.mark.parametrize("path,params,sample", ENDPOINT_CASES)
async def test_envelope_keys_match_provider_samples(client: httpx.AsyncClient, sim: Simulator,
                                                    path: str, params: dict | None,
                                                    sample: str) -> None:
    if params is None:
        fx = first_upcoming(sim)
        params = {"fixture": str(fx.id)}
    r = await client.get(path, params=params)
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ENVELOPE
    assert body["get"] == path.lstrip("/")
    assert body["parameters"] == (params or [])
    assert body["errors"] == []
    assert body["results"] == len(body["response"]) >= 1
    assert body["paging"] == {"current": 1, "total": 1}
    if not (SAMPLES / sample).exists():
        pytest.skip("provider samples not available")
    doc = json.loads((SAMPLES / sample).read_text())
    body.pop("parameters"), doc.pop("parameters")  # echo the query: compared above
    assert shape_mismatches(body, doc) == []


async def test_status_shape_matches_sample(client: httpx.AsyncClient) -> None:
    path = SAMPLES / "status__official_docs.json"
    if not path.exists():
        pytest.skip("provider samples not available")
    r = await client.get("/status")
    # Only the live service's paging block differs from the docs' sample.
    assert shape_mismatches(r.json(), json.loads(path.read_text())) == [": keys ['paging'] differ"]


async def test_catalogues_equal_the_documented_lists(client: httpx.AsyncClient) -> None:
    bms = (await client.get("/odds/bookmakers")).json()
    assert bms["results"] == 15 and bms["parameters"] == []
    bets = (await client.get("/odds/bets", params={"search": "under"})).json()
    assert [b["id"] for b in bets["response"]] == [5, 6, 26, 45, 57, 58, 74]
    for name, doc in (("odds_bookmakers__official_docs.json", bms),
                      ("odds_bets__official_docs_search_under.json", bets)):
        if (SAMPLES / name).exists():
            assert doc["response"] == json.loads((SAMPLES / name).read_text())["response"]
    one = (await client.get("/odds/bookmakers", params={"id": "8"})).json()
    assert one["response"] == [{"id": 8, "name": "Bet365"}]


async def test_rate_headers_on_counted_calls(client: httpx.AsyncClient) -> None:
    r = await client.get("/leagues", params={"id": "61"})
    h = r.headers
    assert h["content-type"] == "application/json"
    assert h["x-ratelimit-requests-limit"] == "100"
    assert h["x-ratelimit-requests-remaining"] == "99"
    assert h["X-RateLimit-Limit"] == "30"
    assert h["X-RateLimit-Remaining"] == "29"
    r = await client.get("/odds/bets")
    assert r.headers["x-ratelimit-requests-remaining"] == "98"
    assert r.headers["X-RateLimit-Remaining"] == "28"
    status = (await client.get("/status")).json()["response"]["requests"]
    assert status == {"current": 2, "limit_day": 100}


# ---------------------------------------------------------------------------------- quota

async def test_quota_exhaustion_answers_requests_error_uncounted(client: httpx.AsyncClient,
                                                                sim: Simulator) -> None:
    sim.set_quota(limit=3)
    for _ in range(3):
        assert (await client.get("/odds/bets")).json()["errors"] == []
    r = await client.get("/fixtures", params={"live": "all"})
    assert r.status_code == 200
    body = r.json()
    assert body["errors"] == {"requests": MSG_REQUESTS}
    assert body["results"] == 0 and body["response"] == [] and body["paging"] == {"current": 1, "total": 1}
    assert r.headers["x-ratelimit-requests-remaining"] == "0"
    await client.get("/odds/bets")
    st = sim.stats()
    assert st["quota_used"] == 3 and st["counted_total"] == 3 and st["outcomes"]["requests"] == 2
    # /status still answers, free.
    status = (await client.get("/status")).json()
    assert status["errors"] == [] and status["response"]["requests"] == {"current": 3, "limit_day": 3}


async def test_exhaust_quota_then_reset_at_its_own_time_of_day_not_midnight(
        client: httpx.AsyncClient, sim: Simulator, clock: FakeClock) -> None:
    await client.get("/odds/bets")
    sim.exhaust_quota()
    assert (await client.get("/odds/bets")).json()["errors"] == {"requests": MSG_REQUESTS}
    midnight = next_utc_midnight(clock.now())
    clock.set(midnight + timedelta(minutes=1))  # the day does not turn at 00:00 UTC
    assert (await client.get("/odds/bets")).json()["errors"] == {"requests": MSG_REQUESTS}
    reset = midnight + timedelta(hours=3, minutes=30)
    clock.set(reset - timedelta(seconds=1))
    assert (await client.get("/odds/bets")).json()["errors"] == {"requests": MSG_REQUESTS}
    clock.advance(1)
    r = await client.get("/odds/bets")
    assert r.json()["errors"] == []
    assert r.headers["x-ratelimit-requests-remaining"] == "99"
    st = sim.stats()
    assert st["quota"]["used"] == 1 and st["quota"]["day"] == midnight.date().isoformat()


async def test_per_minute_limit_answers_rate_limit_envelope(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(per_minute=3), clock=clock)
    async with client_for(sim) as client:
        remaining = []
        for _ in range(3):
            r = await client.get("/odds/bets")
            assert r.json()["errors"] == []
            remaining.append(r.headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        r = await client.get("/odds/bets")
        assert r.status_code == 200
        assert r.json()["errors"] == {"rateLimit": MSG_RATE_LIMIT}
        assert r.json()["response"] == [] and r.json()["results"] == 0
        assert sim.stats()["quota_used"] == 3  # the refused call is not counted
        assert (await client.get("/status")).json()["errors"] == []  # /status is exempt
        clock.advance(60)
        assert (await client.get("/odds/bets")).json()["errors"] == []


async def test_rate_limit_next(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.rate_limit_next(2)
    assert (await client.get("/status")).json()["errors"] == []  # not consumed by /status
    for _ in range(2):
        assert (await client.get("/odds/bets")).json()["errors"] == {"rateLimit": MSG_RATE_LIMIT}
    assert (await client.get("/odds/bets")).json()["errors"] == []
    assert sim.stats()["quota_used"] == 1


@pytest.mark.parametrize("key", [None, "", "   "])
async def test_missing_key_is_token_error(sim: Simulator, key: str | None) -> None:
    async with client_for(sim, key=key) as client:
        for path in ("/status", "/odds/bets"):
            r = await client.get(path)
            assert r.status_code == 200
            assert r.json()["errors"] == {"token": MSG_TOKEN}
            assert r.json()["response"] == []
    assert sim.stats()["quota_used"] == 0


async def test_reject_key(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.reject_key = True
    assert (await client.get("/fixtures", params={"live": "all"})).json()["errors"] == {"token": MSG_TOKEN}
    sim.reject_key = False
    assert (await client.get("/fixtures", params={"live": "all"})).json()["errors"] == []
    assert sim.stats()["quota_used"] == 1


async def test_unknown_endpoint_is_an_http_200_envelope_uncounted(client: httpx.AsyncClient,
                                                                 sim: Simulator) -> None:
    r = await client.get("/teams/statistics")
    assert r.status_code == 200  # the provider answers it like any refusal: in the envelope
    assert r.json() == {"get": "teams/statistics", "parameters": [],
                        "errors": {"endpoint": "This endpoint do not exist."}, "results": 0,
                        "paging": {"current": 1, "total": 1}, "response": []}
    assert sim.stats()["quota_used"] == 0


async def test_parameter_errors(client: httpx.AsyncClient, sim: Simulator) -> None:
    async def errors(path: str, **params: str) -> Any:
        body = (await client.get(path, params=params)).json()
        assert body["response"] == [] and body["results"] == 0
        return body["errors"]

    assert await errors("/predictions") == {"required": MSG_REQUIRED}
    assert await errors("/fixtures") == {"required": MSG_REQUIRED}
    assert await errors("/fixtures", timezone="Europe/Paris") == {"required": MSG_REQUIRED}
    assert await errors("/odds") == {"required": MSG_REQUIRED}
    assert await errors("/fixtures", league="39") == {"season": "The Season field is required."}
    assert await errors("/odds", league="39") == {"season": "The Season field is required."}
    assert await errors("/predictions", fixture="abc") == {"fixture": "The Fixture field must contain an integer."}
    assert await errors("/predictions", fixture="1", foo="2") == {"foo": "The Foo field do not exist."}
    assert list(await errors("/fixtures", date="2026-13-01")) == ["date"]
    assert list(await errors("/leagues", season="26")) == ["season"]
    assert list(await errors("/odds/bets", search="un")) == ["search"]
    # Parameter errors reached the API: they count, like at the provider.
    assert sim.stats()["quota_used"] == 11


# ---------------------------------------------------------------------------------- data

def test_season_convention() -> None:
    assert season_for(datetime(2026, 11, 24, tzinfo=UTC)) == 2026
    assert season_for(datetime(2026, 3, 1, tzinfo=UTC)) == 2025
    assert season_for(datetime(2026, 7, 1, tzinfo=UTC)) == 2026
    assert Simulator(clock=FakeClock(datetime(2026, 3, 1, 9, tzinfo=UTC))).data.season == 2025
    assert Simulator(SimConfig(season=2024), clock=FakeClock(START)).data.season == 2024


def test_schedule_window_and_default_figures(sim: Simulator) -> None:
    data, now = sim.data, sim.clock.timestamp()
    assert list(data.leagues) == [39, 61, 140, 78, 135]
    names = {lg.id: (lg.name, lg.country) for lg in data.leagues.values()}
    assert names[39] == ("Premier League", "England") and names[140] == ("La Liga", "Spain")
    first = min(f.kickoff for f in data.fixtures)
    last = max(f.kickoff for f in data.fixtures)
    assert now - 3 * 86400 - 12 * 3600 < first < now - 2 * 86400
    assert now + 13 * 86400 < last <= now + 15 * 86400
    for fx in data.fixtures:
        hour = datetime.fromtimestamp(fx.kickoff, UTC).hour
        assert 11 <= hour <= 20
        st = data.status_at(fx, now)
        if fx.fate is None:
            assert st.short == ("FT" if fx.kickoff + 100 * 60 <= now else "NS")
        assert fx.home.league_id == fx.away.league_id == fx.league.id
        assert len(fx.bookmakers) == 8
    for lg in data.leagues:
        soon = [f for f in data.by_league[lg] if now < f.kickoff <= now + 3 * 86400]
        assert len(soon) == 5
    # No team plays twice in one matchday.
    for fxs in data.by_league.values():
        by_round: dict[str, list[int]] = {}
        for f in fxs:
            by_round.setdefault(f.round, []).extend([f.home.id, f.away.id])
        assert all(len(ids) == len(set(ids)) for ids in by_round.values())


async def test_fixture_timeline_live_then_finished(clock: FakeClock) -> None:
    sim = Simulator(clock=clock)
    fx = next(f for f in sim.data.fixtures if f.kickoff > clock.timestamp()
              and f.home_goal_minutes and any(m <= 45 for m in f.home_goal_minutes + f.away_goal_minutes))
    async with client_for(sim) as client:
        async def get() -> dict[str, Any]:
            body = (await client.get("/fixtures", params={"id": str(fx.id)})).json()
            assert body["results"] == 1
            return body["response"][0]

        ns = await get()
        assert ns["fixture"]["status"] == {"long": "Not Started", "short": "NS", "elapsed": None}
        assert ns["goals"] == {"home": None, "away": None}
        assert ns["teams"]["home"]["winner"] is None

        clock.set(datetime.fromtimestamp(fx.kickoff + 30 * 60, UTC))
        live = (await client.get("/fixtures", params={"live": "all"})).json()["response"]
        assert fx.id in [f["fixture"]["id"] for f in live]
        assert all(f["fixture"]["status"]["short"] in ("1H", "HT", "2H") for f in live)
        h1 = await get()
        assert h1["fixture"]["status"]["short"] == "1H" and h1["fixture"]["status"]["elapsed"] == 31
        assert h1["goals"]["home"] == sum(1 for m in fx.home_goal_minutes if m <= 31)
        assert h1["fixture"]["periods"] == {"first": fx.kickoff, "second": None}

        clock.advance(20 * 60)
        ht = await get()
        assert ht["fixture"]["status"] == {"long": "Halftime", "short": "HT", "elapsed": 45}
        assert ht["score"]["halftime"]["home"] == sum(1 for m in fx.home_goal_minutes if m <= 45)
        assert ht["score"]["fulltime"] == {"home": None, "away": None}

        clock.advance(20 * 60)
        h2 = await get()
        assert h2["fixture"]["status"]["short"] == "2H" and 45 < h2["fixture"]["status"]["elapsed"] <= 90

        clock.advance(60 * 60)
        ft = await get()
        assert ft["fixture"]["status"] == {"long": "Match Finished", "short": "FT", "elapsed": 90}
        goals = (len(fx.home_goal_minutes), len(fx.away_goal_minutes))
        assert (ft["goals"]["home"], ft["goals"]["away"]) == goals
        assert ft["score"]["fulltime"] == ft["goals"]
        if goals[0] != goals[1]:
            assert ft["teams"]["home"]["winner"] is (goals[0] > goals[1])
        assert fx.id not in [f["fixture"]["id"] for f in
                             (await client.get("/fixtures", params={"live": "all"})).json()["response"]]


async def test_fixture_filters(client: httpx.AsyncClient, sim: Simulator) -> None:
    data, now = sim.data, sim.clock.timestamp()
    season = str(data.season)

    async def ids(**params: str) -> list[int]:
        body = (await client.get("/fixtures", params=params)).json()
        assert body["errors"] == [], body["errors"]
        return [f["fixture"]["id"] for f in body["response"]]

    upcoming = [f.id for f in data.fixtures if data.status_at(f, now).short in ("NS", "TBD")]
    assert await ids(next="7") == upcoming[:7]
    finished = sorted((f for f in data.fixtures if data.status_at(f, now).short in ("FT", "AET", "PEN")),
                      key=lambda f: (f.kickoff, f.id), reverse=True)
    assert await ids(last="3") == [f.id for f in finished[:3]]
    assert await ids(league="61", season=season) == [f.id for f in data.by_league[61]]
    assert await ids(league="61", season=str(data.season - 1)) == []
    assert await ids(date="2026-11-24", league="39", season=season) == \
        [f.id for f in data.by_date["2026-11-24"] if f.league.id == 39]
    assert await ids(ids=f"{upcoming[3]}-{upcoming[1]}") == [upcoming[3], upcoming[1]]
    assert set(await ids(status="FT", league="78", season=season)) == \
        {f.id for f in data.by_league[78] if f.kickoff + 6000 <= now}
    window = await ids(league="140", season=season, **{"from": "2026-11-24", "to": "2026-11-26"})
    assert len(window) == 5
    team = data.by_league[135][0].home.id
    assert all(team in (data.by_id[i].home.id, data.by_id[i].away.id)
               for i in await ids(team=str(team), season=season))


async def test_leagues_filters(client: httpx.AsyncClient, sim: Simulator) -> None:
    async def get(**params: str) -> list[dict[str, Any]]:
        body = (await client.get("/leagues", params=params)).json()
        assert body["errors"] == []
        return body["response"]

    assert [lg["league"]["id"] for lg in await get()] == [39, 61, 140, 78, 135]
    cur = await get(id="39", current="true")
    assert [s["year"] for s in cur[0]["seasons"]] == [sim.data.season]
    assert cur[0]["seasons"][0]["current"] is True and cur[0]["seasons"][0]["coverage"]["odds"] is True
    assert [lg["league"]["id"] for lg in await get(country="France")] == [61]
    assert [lg["league"]["id"] for lg in await get(search="liga")] == [140, 78]
    assert await get(season="1999") == []


async def test_predictions_shape_and_nulls(client: httpx.AsyncClient, sim: Simulator) -> None:
    fx = first_upcoming(sim)
    body = (await client.get("/predictions", params={"fixture": str(fx.id)})).json()
    pred = body["response"][0]
    pct = pred["predictions"]["percent"]
    assert all(v.endswith("%") for v in pct.values())
    assert sum(int(v[:-1]) for v in pct.values()) == 100
    assert pred["predictions"]["winner"]["id"] in (fx.home.id, fx.away.id)
    assert pred["teams"]["home"]["id"] == fx.home.id
    assert pred["league"]["id"] == fx.league.id
    for block in pred["comparison"].values():
        assert block["home"].endswith("%") and block["away"].endswith("%")
    for match in pred["h2h"]:
        assert match["fixture"]["status"]["short"] == "FT"
        assert {match["teams"]["home"]["id"], match["teams"]["away"]["id"]} == {fx.home.id, fx.away.id}
    # Across the data set the provider's nulls show up.
    preds = [sim.data.prediction_json(f)["predictions"] for f in sim.data.fixtures]
    assert any(p["under_over"] is None for p in preds)
    assert any(p["under_over"] is not None for p in preds)
    assert any(p["winner"]["comment"] is None for p in preds)
    assert any(p["goals"]["home"] is None or p["goals"]["away"] is None for p in preds)
    unknown = (await client.get("/predictions", params={"fixture": "1"})).json()
    assert unknown["errors"] == [] and unknown["results"] == 0


# ---------------------------------------------------------------------------------- odds

async def test_odds_item_shape_and_markets(client: httpx.AsyncClient, sim: Simulator) -> None:
    fx = first_upcoming(sim)
    body = (await client.get("/odds", params={"fixture": str(fx.id)})).json()
    item = body["response"][0]
    assert set(item) == {"league", "fixture", "update", "bookmakers"}
    assert set(item["league"]) == {"id", "name", "country", "logo", "flag", "season"}
    assert item["fixture"] == {"id": fx.id, "timezone": "UTC",
                               "date": datetime.fromtimestamp(fx.kickoff, UTC).isoformat(),
                               "timestamp": fx.kickoff}
    assert [b["id"] for b in item["bookmakers"]] == list(fx.bookmakers)
    for bm in item["bookmakers"]:
        bets = {b["id"]: b for b in bm["bets"]}
        assert bets[1]["name"] == "Match Winner"
        assert [v["value"] for v in bets[1]["values"]] == ["Home", "Draw", "Away"]
        assert bets[5]["name"] == "Goals Over/Under"
        labels = [v["value"] for v in bets[5]["values"]]
        for line in ("0.5", "1.5", "2.5", "3.5", "4.5", "5.5"):
            assert f"Over {line}" in labels and f"Under {line}" in labels
        assert bets[8]["name"] == "Both Teams Score"
        assert [v["value"] for v in bets[8]["values"]] == ["Yes", "No"]
        for bet in bm["bets"]:
            for v in bet["values"]:
                assert isinstance(v["odd"], str) and len(v["odd"].split(".")[1]) == 2
                assert float(v["odd"]) >= 1.01
        if 38 in bets:
            assert any(isinstance(v["value"], int) for v in bets[38]["values"])
    one = (await client.get("/odds", params={"fixture": str(fx.id), "bookmaker": str(fx.bookmakers[0]),
                                              "bet": "1"})).json()
    books = one["response"][0]["bookmakers"]
    assert [b["id"] for b in books] == [fx.bookmakers[0]]
    assert [b["id"] for b in books[0]["bets"]] == [1]
    absent = next(b for b in (1, 2, 3, 4, 6, 7, 8, 9, 11, 16) if b not in fx.bookmakers)
    none = (await client.get("/odds", params={"fixture": str(fx.id), "bookmaker": str(absent)})).json()
    assert none["results"] == 0 and none["response"] == []


async def test_odds_pagination(client: httpx.AsyncClient, sim: Simulator) -> None:
    season = str(sim.data.season)
    league_ids = [f.id for f in sim.data.by_league[39]]
    pages = math.ceil(len(league_ids) / 10)
    assert pages >= 3
    seen: list[int] = []
    for page in range(1, pages + 1):
        body = (await client.get("/odds", params={"league": "39", "season": season,
                                                  "page": str(page)})).json()
        assert body["paging"] == {"current": page, "total": pages}
        assert body["results"] == len(body["response"]) == min(10, len(league_ids) - 10 * (page - 1))
        seen += [it["fixture"]["id"] for it in body["response"]]
    assert seen == league_ids  # pages are disjoint and cover the league, in kickoff order
    beyond = (await client.get("/odds", params={"league": "39", "season": season,
                                                "page": str(pages + 1)})).json()
    assert beyond["errors"] == [] and beyond["response"] == [] and beyond["results"] == 0
    assert beyond["paging"] == {"current": pages + 1, "total": pages}
    by_date = (await client.get("/odds", params={"date": "2026-11-25"})).json()
    assert {it["fixture"]["id"] for it in by_date["response"]} == \
        {f.id for f in sim.data.by_date["2026-11-25"]}


async def test_odds_page_size_is_configurable(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(odds_page_size=4), clock=clock)
    async with client_for(sim) as client:
        body = (await client.get("/odds", params={"league": "61", "season": str(sim.data.season)})).json()
    assert len(body["response"]) == 4
    assert body["paging"]["total"] == math.ceil(len(sim.data.by_league[61]) / 4)


async def test_determinism_same_seed_same_time(clock: FakeClock) -> None:
    bodies = []
    for _ in range(2):
        sim = Simulator(SimConfig(seed=42), clock=FakeClock(START))
        fx = first_upcoming(sim)
        async with client_for(sim) as client:
            got = []
            for path, params in (("/fixtures", {"league": "39", "season": "2026"}),
                                 ("/odds", {"league": "135", "season": "2026", "page": "2"}),
                                 ("/predictions", {"fixture": str(fx.id)})):
                got.append((await client.get(path, params=params)).content)
        bodies.append(got)
    assert bodies[0] == bodies[1]
    other = Simulator(SimConfig(seed=43), clock=FakeClock(START))
    async with client_for(other) as client:
        odds = (await client.get("/odds", params={"league": "135", "season": "2026", "page": "2"})).content
    assert odds != bodies[0][1]


async def test_prices_stable_within_a_period_and_move_across_periods(clock: FakeClock) -> None:
    period = SimConfig().move_period_s
    assert period == 3 * 3600  # the provider's cadence for pre-match odds
    clock.set(datetime.fromtimestamp((clock.timestamp() // period + 1) * period, UTC))
    sim = Simulator(clock=clock)
    params = {"league": "39", "season": str(sim.data.season), "page": "2"}

    def prices(body: dict[str, Any]) -> dict[tuple, float]:
        return {(it["fixture"]["id"], bm["id"], bet["id"], str(v["value"])): float(v["odd"])
                for it in body["response"] for bm in it["bookmakers"]
                for bet in bm["bets"] for v in bet["values"]}

    async with client_for(sim) as client:
        a = (await client.get("/odds", params=params)).json()
        clock.advance(period - 1)
        b = (await client.get("/odds", params=params)).json()
        assert a["response"] == b["response"]
        clock.advance(1)
        c = (await client.get("/odds", params=params)).json()
        clock.advance(12 * period)
        d = (await client.get("/odds", params=params)).json()
    pa, pc, pd = prices(a), prices(c), prices(d)
    upcoming = {fid for fid in {k[0] for k in pa} if sim.data.by_id[fid].kickoff > clock.timestamp()}
    keys = [k for k in pa if k[0] in upcoming]
    assert keys
    changed_next = sum(1 for k in keys if pa[k] != pc[k])
    changed_later = sum(1 for k in keys if pa[k] != pd[k])
    assert 0 < changed_next < changed_later
    # Moves between adjacent periods are small.
    moves = sorted(abs(pc[k] / pa[k] - 1) for k in keys)
    assert moves[len(moves) // 2] < 0.03
    assert c["response"][0]["update"] != a["response"][0]["update"]


def test_prices_freeze_at_kickoff(sim: Simulator) -> None:
    data = sim.data
    fx = data.fixtures[0]
    assert fx.kickoff < sim.clock.timestamp()
    a = data.odds_item(fx, fx.kickoff + 3600)
    b = data.odds_item(fx, fx.kickoff + 3 * 86400)
    assert a == b and a is not None
    assert a["update"] <= datetime.fromtimestamp(fx.kickoff, UTC).isoformat()


def test_a_price_drop_happens_somewhere(sim: Simulator) -> None:
    """Occasional bigger moves exist, so a "price drop alert" can fire within a day."""
    data, now = sim.data, sim.clock.timestamp()
    n0 = data.period(now)

    def first_drop() -> tuple[int, int] | None:
        for fx in data.fixtures:
            if fx.kickoff < now + 86400:
                continue
            bid = fx.bookmakers[0]
            prev = None
            for n in range(n0, n0 + 144, 3):
                odds = [float(v["odd"]) for v in data.prices(fx, n)[bid][0]["values"]]
                if prev is not None and any(o < p * 0.93 for p, o in zip(prev, odds, strict=False)):
                    return fx.id, n
                prev = odds
        return None

    assert first_drop() is not None


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_arbitrage_fixture_is_real_and_others_are_not(seed: int, clock: FakeClock) -> None:
    # The core markets: Match Winner, the market an arbitrage is made in, comes first in both
    # sets and is priced from the same draws; the full set's 35 bets were a 7x slower test.
    sim = Simulator(SimConfig(seed=seed, arbitrage_fixtures=2, full_markets=False), clock=clock)
    data = sim.data
    assert len(data.arbitrage_fixture_ids) == 2
    for n_later in (0, 1, 100):
        ts = clock.timestamp() + n_later * 600
        for fx in data.fixtures:
            total = match_winner_book_sum(data.odds_item(fx, ts))
            if fx.id in data.arbitrage_fixture_ids:
                assert total < 1.0
                assert fx.kickoff > clock.timestamp()
            else:
                assert total > 1.0
    async with client_for(sim) as client:
        fid = data.arbitrage_fixture_ids[0]
        body = (await client.get("/odds", params={"fixture": str(fid), "bet": "1"})).json()
    assert match_winner_book_sum(body["response"][0]) < 1.0


def test_no_arbitrage_fixtures_when_disabled(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(arbitrage_fixtures=0), clock=clock)
    assert sim.data.arbitrage_fixture_ids == ()
    assert all(match_winner_book_sum(sim.data.odds_item(f, clock.timestamp())) > 1.0
               for f in sim.data.fixtures)


async def test_bookmakers_per_fixture_honoured(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(bookmakers_per_fixture=3), clock=clock)
    async with client_for(sim) as client:
        body = (await client.get("/odds", params={"date": "2026-11-24"})).json()
    assert body["response"]
    assert all(len(it["bookmakers"]) == 3 for it in body["response"])
    assert all(len(f.bookmakers) == 3 for f in sim.data.fixtures)


def test_price_ladder() -> None:
    assert to_ladder(1.004) == 1.01
    assert to_ladder(1.857) == 1.85
    assert to_ladder(2.537) == 2.52
    assert to_ladder(7.4) == 7.25
    assert to_ladder(7.4, fine=True) == 7.40
    assert to_ladder(68.2) == 67.0
    assert to_ladder(3000) == 1001.0


# ---------------------------------------------------------------------------------- faults

async def test_http429_fault(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.http429_next(1, retry_after=30)
    r = await client.get("/odds/bets")
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    assert "x-ratelimit-requests-remaining" not in r.headers
    assert (await client.get("/odds/bets")).status_code == 200
    assert sim.stats()["quota_used"] == 1


async def test_fail_fault_json_and_html(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.fail_next(1)
    r = await client.get("/status")
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    sim.fail_next(2, status=502, html=True)
    for _ in range(2):
        r = await client.get("/fixtures", params={"live": "all"})
        assert r.status_code == 502
        assert r.headers["content-type"] == "text/html"
        assert "<center>nginx</center>" in r.text and "502 Bad Gateway" in r.text
    assert (await client.get("/fixtures", params={"live": "all"})).status_code == 200
    assert sim.stats()["quota_used"] == 1
    with pytest.raises(ValueError):
        sim.fail_next(1, status=404)


async def test_garbage_fault(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.garbage_next(1)
    r = await client.get("/odds/bets")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    assert r.text.startswith('{"get":"odds/bets"')
    assert (await client.get("/odds/bets")).json()["errors"] == []
    st = sim.stats()
    assert st["quota_used"] == 2 and st["outcomes"]["garbage"] == 1


async def test_slow_uses_injected_clock(client: httpx.AsyncClient, sim: Simulator,
                                        clock: FakeClock) -> None:
    sim.slow_s = 7.5
    before = clock.timestamp()
    assert (await client.get("/status")).status_code == 200
    # The 7.5 s went to the fake clock (which sleeps by moving on), not to real time.
    assert clock.slept == [7.5] and clock.timestamp() == before + 7.5


async def test_stall_is_real_time_and_trips_read_timeout(sim: Simulator) -> None:
    sim.stall_s = 30.0
    async with client_for(sim, timeout=httpx.Timeout(5.0, read=0.1)) as client:
        with pytest.raises(httpx.ReadTimeout):  # the read timeout ended it: the 30 s stall answers
            await client.get("/odds/bets")
        sim.stall_s = 0.05
        assert (await client.get("/odds/bets")).status_code == 200


async def test_network_cut_in_process(client: httpx.AsyncClient, sim: Simulator) -> None:
    assert (await client.get("/status")).status_code == 200
    sim.cut_network()
    with pytest.raises(httpx.ConnectError, match="simulated network cut"):
        await client.get("/odds/bets")
    assert sim.stats()["requests_total"] == 1
    sim.restore_network()
    assert (await client.get("/odds/bets")).status_code == 200


async def test_async_client_helper(sim: Simulator) -> None:
    async with sim.async_client() as client:
        assert str(client.base_url) == "https://v3.football.api-sports.io"
        assert (await client.get("/odds/bets")).json()["errors"] == []
    assert sim.stats()["recent"][0]["key_present"] is True


async def test_reset_faults(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.fail_next(3)
    sim.http429_next(3)
    sim.garbage_next(3)
    sim.rate_limit_next(3)
    sim.reject_key = True
    sim.slow_s = 1
    sim.cut_network()
    sim.reset_faults()
    r = await client.get("/odds/bets")
    assert r.status_code == 200 and r.json()["errors"] == []
    faults = sim.stats()["faults"]
    assert faults["fail_next"] == faults["http429_next"] == faults["garbage_next"] == 0
    assert faults["network_down"] is False and faults["slow_s"] == 0


# ---------------------------------------------------------------------------------- control surface, stats

async def test_http_control_surface(sim: Simulator) -> None:
    async with client_for(sim, key=None) as client:  # /__sim needs no key
        st = (await client.get("/__sim/stats")).json()
        assert st["requests_total"] == 0
        st = (await client.post("/__sim/control", json={"set_quota": {"limit": 20, "used": 5}})).json()
        assert st["quota"] == {"limit": 20, "used": 5, "remaining": 15, "day": "2026-11-24"}
        st = (await client.post("/__sim/control", json={"exhaust_quota": True})).json()
        assert st["quota_remaining"] == 0
        st = (await client.post("/__sim/control",
                                json={"fail_next": 3, "status": 503, "html": True, "slow_s": 2,
                                      "stall_s": 0, "rate_limit_next": 1, "http429_next": 2,
                                      "garbage_next": 1, "reject_key": True})).json()
        f = st["faults"]
        assert (f["fail_next"], f["fail_status"], f["fail_html"]) == (3, 503, True)
        assert (f["rate_limit_next"], f["http429_next"], f["garbage_next"]) == (1, 2, 1)
        assert f["slow_s"] == 2 and f["reject_key"] is True
        st = (await client.post("/__sim/control", json={"reset_faults": True, "per_minute": 5})).json()
        assert st["faults"]["fail_next"] == 0 and st["per_minute"]["limit"] == 5
        bad = await client.post("/__sim/control", json={"explode": True})
        assert bad.status_code == 400 and "explode" in bad.json()["error"]
        bad = await client.post("/__sim/control", json={"fail_next": 1, "status": 418})
        assert bad.status_code == 400
        assert sim.stats()["faults"]["fail_next"] == 0  # nothing applied from a bad document
        bad = await client.post("/__sim/control", content=b"{not json")
        assert bad.status_code == 400
        assert (await client.get("/__sim/nope")).status_code == 404
        assert (await client.get("/__sim/health")).json() == {"ok": True}
    assert sim.stats()["requests_total"] == 0  # control calls are not API requests


async def test_stats_record_requests_without_the_key(client: httpx.AsyncClient, sim: Simulator) -> None:
    await client.get("/status")
    await client.get("/odds", params={"fixture": str(first_upcoming(sim).id)})
    await client.get("/odds/bets", headers={"x-apisports-key": ""})
    st = sim.stats()
    assert st["requests_total"] == 3 and st["counted_total"] == 1 and st["status_calls"] == 1
    assert st["by_endpoint"] == {"/status": 1, "/odds": 1, "/odds/bets": 1}
    assert st["counted_by_endpoint"] == {"/odds": 1}
    recent = st["recent"]
    assert [r["path"] for r in recent] == ["/status", "/odds", "/odds/bets"]
    assert [r["key_present"] for r in recent] == [True, True, False]
    assert [r["outcome"] for r in recent] == ["ok", "ok", "token"]
    assert "fixture" in recent[1]["params"]
    assert all("x-apisports-key" not in r["headers"] for r in recent)
    assert KEY not in json.dumps(st)
    assert KEY not in repr(vars(sim))
    sim.reset_stats()
    assert sim.stats()["requests_total"] == 0 and sim.stats()["quota_used"] == 1


# ---------------------------------------------------------------------------------- config, performance

@pytest.mark.parametrize("bad", [dict(bookmakers_per_fixture=0), dict(bookmakers_per_fixture=11),
                                 dict(per_minute=0), dict(leagues=()), dict(move_period_s=0),
                                 dict(daily_limit=-1), dict(leagues=(39, 39))])
def test_config_validation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SimConfig(**bad)


def test_unknown_league_ids_are_synthesised(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39, 4242)), clock=clock)
    assert sim.data.leagues[4242].name == "Sim League 4242"
    assert len(sim.data.leagues[4242].teams) >= 18
    assert sim.data.by_league[4242]


def test_big_day_holds_enough_fixtures_with_stable_prices(clock: FakeClock) -> None:
    # How fast it builds is a benchmark's business (make bench), not a test's.
    big = Simulator(SimConfig.big_day(2000), clock=clock)
    assert len(big.data.fixtures) >= 2000
    busiest = max(len(v) for v in big.data.by_date.values())
    assert busiest >= 150
    data = big.data
    now = clock.timestamp()
    for fx in data.by_league[39][:10]:
        item = data.odds_item(fx, now)
        assert item is not None and item["fixture"]["id"] == fx.id
        assert [b["id"] for b in item["bookmakers"]] == list(fx.bookmakers)
        assert data.odds_item(fx, now) == item  # same instant, same prices


def test_a_bookmaker_entry_is_real_size_like_the_captured_one(sim: Simulator) -> None:
    # The live service's Bwin entry: 35 bets, 239 values (odds__real_fixture815162_bookmaker6);
    # the simulator adds Asian Handicap (11 lines, 22 values) and, at three bookmakers, exact goals.
    fx = first_upcoming(sim)
    item = sim.data.odds_item(fx, sim.clock.timestamp())
    assert item is not None
    sizes = [(len(b["bets"]), sum(len(bet["values"]) for bet in b["bets"])) for b in item["bookmakers"]]
    assert all(36 <= bets <= 37 and 215 <= values <= 255 for bets, values in sizes), sizes
    values = [v for b in item["bookmakers"] for bet in b["bets"] for v in bet["values"]]
    assert any(isinstance(v["value"], int) for v in values)  # exact goals: integer labels
    names = {bet["name"] for bet in item["bookmakers"][0]["bets"]}
    assert {"Double Chance", "Exact Score", "Handicap Result", "HT/FT Double",
            "Goals Over/Under First Half", "Asian Handicap"} <= names
    ou = next(bet for bet in item["bookmakers"][0]["bets"] if bet["id"] == 5)
    assert len(ou["values"]) == 14  # every line, 0.5 to 6.5


def test_near_certain_outcomes_are_priced_1_00_and_parse(clock: FakeClock) -> None:
    from oddsmon.domain.models import parse_odds

    sim = Simulator(clock=clock)
    items = [sim.data.odds_item(f, clock.timestamp()) for f in sim.data.fixtures[:40]]
    odds = [v["odd"] for it in items if it for b in it["bookmakers"] for bet in b["bets"] for v in bet["values"]]
    assert "1.00" in odds
    parsed = parse_odds([it for it in items if it])
    assert all(v.price > 1.0 for fo in parsed for bo in fo.bookmakers for bet in bo.bets for v in bet.values)


def test_every_documented_fixture_status_is_served(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(odd_fate_every=1, fixtures_per_matchday=10), clock=clock)
    seen: set[str] = set()
    for fx in sim.data.fixtures:
        for minute in range(-5 * 24 * 60, 200, 5):
            seen.add(sim.data.status_at(fx, fx.kickoff + minute * 60).short)
    assert seen == {"TBD", "NS", "1H", "HT", "2H", "ET", "BT", "P", "SUSP", "INT", "FT", "AET", "PEN",
                    "PST", "CANC", "ABD", "AWD", "WO", "LIVE"}


def test_a_tbd_kickoff_changes_and_some_venues_are_null(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(odd_fate_every=1, fixtures_per_matchday=10), clock=clock)
    tbd = next(f for f in sim.data.fixtures if f.fate == "TBD" and f.kickoff > clock.timestamp() + 3 * 86400)
    early = sim.data.fixture_json(tbd, clock.timestamp())
    late = sim.data.fixture_json(tbd, tbd.kickoff - 3600)
    assert early["fixture"]["status"]["short"] == "TBD" and late["fixture"]["status"]["short"] == "NS"
    assert early["fixture"]["timestamp"] != late["fixture"]["timestamp"] == tbd.kickoff
    venues = [sim.data.fixture_json(f, clock.timestamp())["fixture"]["venue"] for f in sim.data.fixtures]
    assert any(v["id"] is None and v["city"] is None for v in venues)


async def test_seasons_are_per_league_and_a_wrong_one_is_empty(clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    sim = Simulator(SimConfig(leagues=(78, 253)), clock=clock)
    async with client_for(sim) as client:
        current = (await client.get("/leagues", params={"current": "true"})).json()["response"]
        years = {lg["league"]["id"]: [s["year"] for s in lg["seasons"]] for lg in current}
        assert years == {78: [2026], 253: [2027]}
        wrong = (await client.get("/fixtures", params={"league": "253", "season": "2026"})).json()
        assert wrong["errors"] == [] and wrong["response"] == []  # empty, not an error


async def test_free_plan_refuses_seasons_outside_its_range(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39,), plan_seasons=(2021, 2023)), clock=clock)
    async with client_for(sim) as client:
        body = (await client.get("/fixtures", params={"league": "39", "season": "2026"})).json()
        assert body["errors"] == {"plan": "Free plans do not have access to this season, "
                                          "try from 2021 to 2023."}
        ok = (await client.get("/fixtures", params={"league": "39", "season": "2022"})).json()
        assert ok["errors"] == []


async def test_rapidapi_gateway_mode(clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39,), gateway="rapidapi", daily_limit=2), clock=clock)
    headers = {"x-rapidapi-key": KEY, "x-rapidapi-host": "api-football-v1.p.rapidapi.com"}
    async with httpx.AsyncClient(transport=SimTransport(sim), base_url="http://sim") as client:
        assert (await client.get("/v3/status", headers=headers)).json()["errors"] == []
        rejected = await client.get("/v3/status", headers={"x-apisports-key": KEY})
        assert rejected.status_code == 401 and "Invalid API key" in rejected.json()["message"]
        assert (await client.get("/status", headers=headers)).json()["errors"] == {"endpoint": MSG_ENDPOINT}
        for _ in range(2):
            assert (await client.get("/v3/odds/bets", headers=headers)).status_code == 200
        spent = await client.get("/v3/odds/bets", headers=headers)
        assert spent.status_code == 429 and "DAILY quota" in spent.json()["message"]
