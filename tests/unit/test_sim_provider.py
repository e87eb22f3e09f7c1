"""The simulator models the provider's failures and real bodies (docs/provider.md): a quota day
that turns at any hour of any zone, RapidAPI's reset header, a rejected key and a suspended
account in each gateway's shapes, and the real bodies' quirks; each switch reachable from the
control surface and from ``python -m oddsmon.sim``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.sim.__main__ import build_parser, controls_from
from oddsmon.sim.app import MSG_ACCESS, MSG_REQUESTS, MSG_TOKEN

from ..samples import SAMPLES

KEY = "test-key-123"
DIRECT = {"x-apisports-key": KEY}
RAPID = {"x-rapidapi-key": KEY, "x-rapidapi-host": "api-football-v1.p.rapidapi.com"}
WINTER = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def client_for(sim: Simulator, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=SimTransport(sim), base_url="http://sim",
                             headers=DIRECT if headers is None else headers)


async def spent(client: httpx.AsyncClient, path: str = "/odds/bets") -> bool:
    return (await client.get(path)).json()["errors"] == {"requests": MSG_REQUESTS}


# ---------------------------------------------------------------------------------- the quota day

@pytest.mark.parametrize(("zone", "utc_reset"), [
    ("UTC", datetime(2026, 11, 25, 3, 30, tzinfo=UTC)),
    ("Europe/Paris", datetime(2026, 11, 25, 2, 30, tzinfo=UTC)),  # CET, UTC+1
    ("America/New_York", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),  # EST, UTC-5
])
async def test_the_quota_day_turns_at_0330_of_its_zone(zone: str, utc_reset: datetime) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    sim = Simulator(SimConfig(quota_reset_s=3 * 3600 + 1800, quota_reset_tz=zone), clock=clock)
    async with client_for(sim) as client:
        sim.exhaust_quota()
        assert await spent(client)
        clock.set(datetime(2026, 11, 25, 0, 1, tzinfo=UTC))  # 00:00 UTC turns nothing
        assert await spent(client)
        clock.set(utc_reset - timedelta(seconds=1))
        assert await spent(client)
        clock.advance(1)
        assert not await spent(client)
    assert sim.stats()["quota_reset"] == {"at": "03:30", "tz": zone, "header": False,
                                          "next": (utc_reset + timedelta(days=1)).isoformat()}


async def test_the_reset_follows_summer_time() -> None:
    # 03:30 in Paris is 01:30 UTC in July (CEST, UTC+2).
    clock = FakeClock(datetime(2026, 7, 14, 12, 0, tzinfo=UTC))
    sim = Simulator(SimConfig(quota_reset_tz="Europe/Paris"), clock=clock)
    async with client_for(sim) as client:
        sim.exhaust_quota()
        clock.set(datetime(2026, 7, 15, 1, 29, 59, tzinfo=UTC))
        assert await spent(client)
        clock.advance(1)
        assert not await spent(client)


async def test_the_reset_moves_at_runtime_keeping_the_day_count(clock: FakeClock) -> None:
    sim = Simulator(clock=clock)
    async with client_for(sim) as client:
        await client.get("/odds/bets")
        r = await client.post("/__sim/control", json={"quota_reset": {"at": "18:45", "tz": "Asia/Tokyo"}})
        assert r.json()["quota_used"] == 1  # the day is renamed, not turned
        sim.exhaust_quota()
        clock.set(datetime(2026, 11, 24, 9, 44, 59, tzinfo=UTC))  # 18:44:59 in Tokyo
        assert await spent(client)
        clock.advance(1)
        assert not await spent(client)
        for bad in ({"at": "25:00"}, {"tz": "Mars/Olympus"}, {"at": 330}, {}):
            answer = await client.post("/__sim/control", json={"quota_reset": bad, "exhaust_quota": True})
            assert answer.status_code == 400
        assert sim.stats()["quota_remaining"] > 0  # nothing of a bad document applied


# ---------------------------------------------------------------------------------- RapidAPI's reset header

async def test_rapidapi_sends_the_seconds_to_the_reset_and_the_direct_api_does_not(clock: FakeClock) -> None:
    rapid = Simulator(SimConfig(gateway="rapidapi", quota_reset_s=3 * 3600 + 1800,
                                quota_reset_tz="Europe/Paris"), clock=clock)
    async with client_for(rapid, RAPID) as client:
        ok = await client.get("/v3/odds/bets")
        # 09:00 UTC -> 02:30 UTC tomorrow (03:30 in Paris): 17.5 h.
        assert ok.headers["x-ratelimit-requests-reset"] == str(int(17.5 * 3600))
        assert (await client.get("/v3/status")).headers["x-ratelimit-requests-reset"] == str(int(17.5 * 3600))
        rapid.exhaust_quota()
        clock.advance(3600)
        refused = await client.get("/v3/odds/bets")
        assert refused.status_code == 429 and refused.headers["x-ratelimit-requests-reset"] == str(int(16.5 * 3600))
        await client.post("/__sim/control", json={"reset_header": False})
        assert "x-ratelimit-requests-reset" not in (await client.get("/v3/status")).headers
    direct = Simulator(clock=clock)
    async with client_for(direct) as client:
        answer = await client.get("/odds/bets")
        assert "x-ratelimit-requests-remaining" in answer.headers
        assert "x-ratelimit-requests-reset" not in answer.headers


# ---------------------------------------------------------------------------------- key and account

@pytest.mark.parametrize(("account", "field", "message"), [
    ("rejected", "token", MSG_TOKEN), ("suspended", "access", MSG_ACCESS)])
async def test_direct_api_refuses_with_its_http_200_envelope(
        clock: FakeClock, account: str, field: str, message: str) -> None:
    sim = Simulator(clock=clock)
    async with client_for(sim) as client:
        sim.control({"account": account})
        for path in ("/status", "/odds/bets", "/fixtures?live=all"):
            r = await client.get(path)
            assert r.status_code == 200 and r.json()["errors"] == {field: message}
            assert r.json()["response"] == [] and r.json()["results"] == 0
            # A refused key names no account: no quota headers to believe.
            assert "x-ratelimit-requests-remaining" not in r.headers
        assert message.startswith("Your account is suspended") or "application key" in message
        sim.control({"refusal_status": 403})
        r = await client.get("/odds/bets")
        assert r.status_code == 403 and r.json()["errors"] == {field: message}
        sim.control({"account": "active", "refusal_status": None})
        assert (await client.get("/odds/bets")).json()["errors"] == []
    assert sim.stats()["counted_total"] == 1  # refusals are not counted


@pytest.mark.parametrize(("account", "status", "message"), [
    ("rejected", 401, "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."),
    ("suspended", 403, "You are not subscribed to this API.")])
async def test_rapidapi_gateway_refuses_with_its_own_bodies(
        clock: FakeClock, account: str, status: int, message: str) -> None:
    sim = Simulator(SimConfig(gateway="rapidapi"), clock=clock)
    sim.account = account
    async with client_for(sim, RAPID) as client:
        for path in ("/v3/status", "/v3/odds/bets"):
            r = await client.get(path)
            assert (r.status_code, r.json()) == (status, {"message": message})
    assert sim.stats()["counted_total"] == 0 and sim.stats()["faults"]["account"] == account


async def test_bad_account_controls_change_nothing(clock: FakeClock) -> None:
    sim = Simulator(clock=clock)
    for bad in ({"account": "closed"}, {"refusal_status": 500}, {"refusal_status": True}):
        with pytest.raises(ValueError, match=r"account|refusal_status"):
            sim.control({**bad, "exhaust_quota": True})
    assert sim.stats()["faults"]["account"] == "active" and sim.stats()["quota_remaining"] > 0


# ---------------------------------------------------------------------------------- real bodies

def first_priced(sim: Simulator) -> Any:
    now = sim.clock.timestamp()
    return next(f for f in sim.data.fixtures if f.kickoff > now + 86400)


async def odds_of(sim: Simulator, fixture: int) -> dict[str, Any]:
    async with client_for(sim) as client:
        item: dict[str, Any] = (await client.get("/odds", params={"fixture": fixture})).json()["response"][0]
        return item


async def before_and_after(clock: FakeClock, quirk: str) -> tuple[Simulator, int, dict[str, Any], dict[str, Any]]:
    """A fixture's odds without, then with ``quirk``: (simulator, fixture, plain, quirky)."""
    sim = Simulator(clock=clock)
    fx = first_priced(sim).id
    plain = await odds_of(sim, fx)
    sim.control({quirk: True})
    return sim, fx, plain, await odds_of(sim, fx)


def over_under(book: dict[str, Any]) -> list[str]:
    bet = next(b for b in book["bets"] if b["id"] == 5)
    return [v["value"] for v in bet["values"]]


async def test_one_prices_shortest_price_becomes_1_00(clock: FakeClock) -> None:
    sim, fx, plain, quirky = await before_and_after(clock, "one_prices")
    ones = [(b["id"], bet["id"]) for b in quirky["bookmakers"] for bet in b["bets"]
            for v in bet["values"] if v["odd"] == "1.00"]
    assert ones and {bm for bm, _ in ones} != {b["id"] for b in quirky["bookmakers"]}  # some entries only
    assert all(v["odd"] != "1.00" for b in plain["bookmakers"] for bet in b["bets"] for v in bet["values"]
               if (b["id"], bet["id"]) in ones)
    assert await odds_of(sim, fx) == quirky  # the same every time


async def test_shuffled_and_unpaired_over_under_lines(clock: FakeClock) -> None:
    sim, fx, plain, quirky = await before_and_after(clock, "shuffled_lines")
    pairs = [(over_under(a), over_under(b)) for a, b in zip(plain["bookmakers"], quirky["bookmakers"], strict=True)]
    assert any(q != p and sorted(q) == sorted(p) for p, q in pairs)  # reordered
    unpaired = [q for p, q in pairs if len(q) < len(p)]
    assert unpaired and all(sum(v.startswith("Over") for v in q) > sum(v.startswith("Under") for v in q)
                            for q in unpaired)
    assert (await odds_of(sim, fx)) == quirky


async def test_nulls_where_real_bodies_have_them(clock: FakeClock) -> None:
    sim = Simulator(clock=clock)
    sim.control({"nulls": True})
    async with client_for(sim) as client:
        fixtures = (await client.get("/fixtures", params={"date": "2026-11-24"})).json()["response"]
        leagues = (await client.get("/leagues")).json()["response"]
    nulled = [f for f in fixtures if f["fixture"]["venue"]["id"] is None and f["fixture"]["venue"]["city"] is None
              and f["fixture"]["venue"]["name"]]
    assert nulled and len(nulled) < len(fixtures)
    assert all(f["league"]["flag"] is None and f["league"]["logo"] is None
               and f["teams"]["home"]["logo"] is None for f in nulled)
    assert any(lg["country"]["flag"] is None and lg["league"]["logo"] is None for lg in leagues)


async def test_a_full_live_feed_is_as_large_as_the_docs_sample() -> None:
    sample = json.loads((SAMPLES / "odds_live__official_docs_fixture721238.json").read_text())["response"][0]
    clock = FakeClock(WINTER)
    sim = Simulator(SimConfig(leagues=(39,)), clock=clock)
    fx = min((f for f in sim.data.fixtures if f.kickoff > clock.timestamp()), key=lambda f: f.kickoff)
    clock.set(datetime.fromtimestamp(fx.kickoff, UTC) + timedelta(minutes=20))
    sim.control({"live_full": True})
    blocked = []
    async with client_for(sim) as client:
        for _minute in range(40):
            item = (await client.get("/odds/live", params={"fixture": fx.id})).json()["response"][0]
            values = [v for bet in item["odds"] for v in bet["values"]]
            assert len(item["odds"]) == len(sample["odds"]) == 39
            assert len(values) == sum(len(b["values"]) for b in sample["odds"]) == 253
            assert sum(v["suspended"] for v in values) >= 37
            assert any(v["odd"] == "0" and v["suspended"] for v in values)
            blocked.append(item["status"]["blocked"])
            clock.advance(60)
        sim.control({"live_full": False})
        small = (await client.get("/odds/live", params={"fixture": fx.id})).json()["response"][0]
    assert any(blocked) and not all(blocked)
    assert len(small["odds"]) == 4 and small["status"]["blocked"] is False


# ---------------------------------------------------------------------------------- python -m oddsmon.sim

def test_every_switch_has_a_flag_documented_in_the_help() -> None:
    parser = build_parser()
    text = parser.format_help()
    for flag in ("--gateway", "--quota-reset", "--quota-reset-tz", "--no-reset-header", "--account",
                 "--refusal-status", "--one-prices", "--shuffled-lines", "--nulls", "--live-full",
                 "--real-bodies"):
        assert flag in text
    args = parser.parse_args(["--port", "0", "--quota-reset", "03:30", "--quota-reset-tz",
                              "America/New_York", "--account", "suspended", "--refusal-status",
                              "403", "--no-reset-header", "--real-bodies"])
    assert (args.quota_reset, args.quota_reset_tz) == (12600, "America/New_York")
    controls = controls_from(args)
    assert controls == {"one_prices": True, "shuffled_lines": True, "nulls": True, "live_full": True,
                        "reset_header": False, "account": "suspended", "refusal_status": 403}
    Simulator().control(controls)  # a document the control surface accepts


@pytest.mark.parametrize(("argv", "says"), [
    (["--quota-reset", "3h30"], "HH:MM"), (["--quota-reset-tz", "Paris"], "unknown time zone"),
    (["--account", "closed"], "invalid choice")])
def test_bad_flags_are_named(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--port", "0", *argv])
    assert stop.value.code == 2 and says in capsys.readouterr().err
