"""Every bet of the real bodies in tests/data on the Odds screen at 80x24: ``m`` cycles through
each, the market picker (``j``) lists each and jumps to one typed, the chosen market stays
chosen on the next fixture, and middles across the lines are shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from oddsmon.domain.markets import BY_ID
from oddsmon.engine.runtime import Engine
from oddsmon.providers import FixtureOddsRequest
from oddsmon.tui.market_picker import MarketPicker

from ..samples import SAMPLES
from .conftest import SIZE, RecordingApp, press, rows, settle, text_of

BODIES = {"real Bwin": SAMPLES / "odds__real_fixture815162_bookmaker6.json",
          "documentation": SAMPLES / "odds__official_docs_fixture326090_bookmaker6.json"}


def serve(engine: Engine, fixture_id: int, body_path: Path,
          extra: list[dict[str, object]] | None = None) -> set[int]:
    """The fixture's odds entry replaced by a real body (plus ``extra`` bookmakers); the bet
    ids it prices."""
    body = json.loads(body_path.read_text())
    item = body["response"][0]
    item["fixture"]["id"] = fixture_id
    item["bookmakers"].extend(extra or [])
    request = FixtureOddsRequest(fixture_id)
    engine.store.cache.put(request.key, request.kind, json.dumps(body), engine.clock.now(), 10**7)
    return {bet["id"] for book in item["bookmakers"] for bet in book["bets"] if bet["values"]}


def market_name(app: RecordingApp) -> str:
    return text_of(app, "#market-line").split(" · ")[0].split("\n")[0]


async def first_two(engine: Engine) -> tuple[int, int]:
    fixtures = (await engine.service.fixtures()).data
    assert fixtures is not None
    upcoming = [f.id for f in fixtures if f.is_upcoming]
    return upcoming[0], upcoming[1]


# Pinnacle's Asian Handicap beside the Bwin capture (which has none), as a stand-in serves it.
PINNACLE_AH = {"id": 4, "name": "Pinnacle", "bets": [
    {"id": 4, "name": "Asian Handicap", "values": [
        {"value": "Home -0.5", "odd": "1.62"}, {"value": "Away -0.5", "odd": "2.38"},
        {"value": "Home -1", "odd": "2.05"}, {"value": "Away -1", "odd": "1.85"}]}]}


@pytest.mark.slow  # every bet of a real body, by m and by the picker: 15-17 s each on 2 cores
@pytest.mark.parametrize("body", list(BODIES))
async def test_every_bet_of_a_real_body_is_on_the_screen_by_m_and_by_the_picker(
        app: RecordingApp, engine: Engine, body: str) -> None:
    real = body == "real Bwin"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fid, _ = await first_two(engine)
        bets = serve(engine, fid, BODIES[body], [PINNACLE_AH] if real else None)
        app.selected_fixture = fid
        await press(pilot, "o")
        if real:
            # A lined market's lines, by [ and ].
            await press(pilot, "m")
            assert text_of(app, "#market-line").startswith("Goals Over/Under 2.5 (7 lines: [ ])")
            await press(pilot, "right_square_bracket")
            assert text_of(app, "#market-line").startswith("Goals Over/Under 3.5")
            assert [r[1:3] for r in rows(app, "#odds-table")] == [["2.95", "1.35"]]
            await press(pilot, "left_square_bracket", "left_square_bracket", "left_square_bracket")
            assert text_of(app, "#market-line").startswith("Goals Over/Under 0.5")
        seen = []
        for _ in range(len(bets) - (1 if real else 0)):
            await press(pilot, "m")
            seen.append(market_name(app))
        names = {BY_ID[b].name for b in bets}
        # Each bet once, by the API's name, and back to Match Winner.
        bare = [n.split(" (")[0] for n in seen]
        assert {n.rsplit(" ", 1)[0] if n.rsplit(" ", 1)[0] in names else n for n in bare} == names - (
            {"Goals Over/Under"} if real else set())
        assert seen[-1] == "Match Winner" and len(set(seen)) == len(seen)
        if real:
            # In the catalogue's order, a lined market saying how many lines it has.
            assert seen[:9] == ["Asian Handicap -0.5 (2 lines: [ ])", "Handicap Result -1 (4 lines: [ ])",
                                "Double Chance", "Home/Away (Draw No Bet)",
                                "First Half Winner (Half-Time Result)", "Both Teams Score",
                                "Exact Score (Correct Score)", "Second Half Winner",
                                "Goals Over/Under First Half 1.5 (5 lines: [ ])"]
            assert "Result/Total Goals 2.5 (5 lines: [ ])" in seen
            assert "Corners Over Under 10.5 (5 lines: [ ])" in seen
        await press(pilot, "j")
        picker = app.screen
        assert isinstance(picker, MarketPicker)
        listed = picker.query_one("#market-list", OptionList)
        assert [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)] \
            == [BY_ID[b].title for b in sorted(bets, key=list(BY_ID).index)]
        await press(pilot, "escape")
        assert market_name(app) == "Match Winner"


async def test_the_picker_jumps_to_a_bet_typed_and_it_stays_chosen_on_the_next_fixture(
        app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fid, other = await first_two(engine)
        serve(engine, fid, BODIES["real Bwin"])
        app.selected_fixture = fid
        await press(pilot, "o", "j", *"clean home", "enter")
        assert market_name(app) == "Clean Sheet - Home"
        assert str(app.screen.query_one("#fair-table", DataTable).get_row_at(0)[0]) == "Yes"
        await press(pilot, "j", *"dnb", "enter")  # the short name finds it too
        assert market_name(app) == "Home/Away (Draw No Bet)"
        await press(pilot, "j", *"second half", "down", "enter")  # the second of five
        assert market_name(app).startswith("Goals Over/Under - Second Half 1.5")
        # Another fixture: the same market (the simulator prices it too).
        app.selected_fixture = other
        await settle(pilot)
        assert market_name(app).startswith("Goals Over/Under - Second Half")
        # At 80 columns the format and method go to a second line; nothing is cut nor wrapped.
        assert app.screen.query_one("#market-line").region.height <= 2 and "…" not in text_of(app, "#market-line")


async def test_a_bet_the_next_fixture_does_not_price_stays_chosen_and_is_said(
        app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fid, other = await first_two(engine)
        # A bet outside the catalogue, as a bookmaker might add one.
        serve(engine, fid, BODIES["real Bwin"], [{"id": 7, "name": "Some Book", "bets": [
            {"id": 901, "name": "Player Cards", "values": [{"value": "Over 3.5", "odd": "1.9"},
                                                           {"value": "Under 3.5", "odd": "1.9"}]}]}])
        app.selected_fixture = fid
        await press(pilot, "o", "j", *"player cards", "enter")
        assert market_name(app) == "Player Cards 3.5 (1 lines: [ ])"
        app.selected_fixture = other
        await settle(pilot)
        assert market_name(app) == "Player Cards"
        assert "Player Cards is not priced for this fixture" in text_of(app, "#market-note")
        await press(pilot, "m")  # on from there: the first bet this fixture prices
        assert market_name(app) == "Match Winner"


async def test_middles_across_the_lines_on_the_odds_screen(app: RecordingApp, engine: Engine) -> None:
    """Each middle on one line: in full on a full screen; at 80 columns its legs and prices and
    its worst case, shortened (the bookmakers are in the table above)."""
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        fid, _ = await first_two(engine)
        # A crafted middle: Over 2.5 long at one bookmaker, Under 3.5 long at another.
        serve(engine, fid, BODIES["real Bwin"], [{"id": 7, "name": "Crafted", "bets": [
            {"id": 5, "name": "Goals Over/Under", "values": [
                {"value": "Over 2.5", "odd": "2.40"}, {"value": "Under 2.5", "odd": "1.50"},
                {"value": "Over 3.5", "odd": "4.00"}, {"value": "Under 3.5", "odd": "2.30"}]}]}])
        app.selected_fixture = fid
        await press(pilot, "o", "m")
        middles = app.screen.query_one("#middles")
        text = text_of(app, "#middles")
        assert middles.region.height == len(text.splitlines()), text  # no line wraps
        # 1,000 split so either leg alone returns the same: 489 / 511, worst case +17.4%.
        assert text.splitlines()[1] == ("  Over 2.5 2.40 Crafted + Under 3.5 2.30 Crafted · both win: total 3 · "
                                        "worst +17.4% · best +134.9% · stakes 489 / 511 EUR"), text
        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        text = text_of(app, "#middles")
        assert middles.region.height == len(text.splitlines()), text
        assert text.splitlines()[1].startswith("  Over 2.5 2.40 + Under 3.5 2.30 · "), text
        assert "worst +17.4%" in text.splitlines()[1], text
