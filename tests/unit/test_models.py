"""Domain models against the provider's documented response bodies, and against garbage.

The samples are the bundled copy of ``shared/api-samples`` (see tests/samples.py).
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oddsmon.domain.models import (
    BOTH_TEAMS_SCORE,
    COMPARISON_ORDER,
    GOALS_OVER_UNDER,
    MARKETS,
    MATCH_WINNER,
    ApiStatus,
    Bet,
    BetType,
    Bookmaker,
    Fixture,
    FixtureOdds,
    League,
    OddValue,
    ParseError,
    Prediction,
    Team,
    market_prices,
    parse_bets,
    parse_bookmakers,
    parse_fixtures,
    parse_leagues,
    parse_odds,
    parse_predictions,
    parse_status,
)

from ..samples import SAMPLES

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"API samples missing at {SAMPLES}")

FIXTURES = "fixtures__official_docs_live_all.json"
LEAGUES = "leagues__official_docs_id39.json"
ODDS = "odds__official_docs_fixture326090_bookmaker6.json"
REAL_ODDS = "odds__real_fixture815162_bookmaker6.json"
BETS = "odds_bets__official_docs_search_under.json"
BOOKMAKERS = "odds_bookmakers__official_docs.json"
LIVE_ODDS = "odds_live__official_docs_fixture721238.json"
LIVE_BETS = "odds_live_bets__official_docs.json"
MAPPING = "odds_mapping__official_docs.json"
PREDICTIONS = "predictions__official_docs_fixture198772.json"
STATUS = "status__official_docs.json"
TIMEZONE = "timezone__official_docs_truncated.json"

_TEXT_CACHE: dict[str, str] = {}


def body(name: str) -> dict[str, Any]:
    """A fresh copy of a whole sample body (envelope included), safe to mutate."""
    if name not in _TEXT_CACHE:
        _TEXT_CACHE[name] = (SAMPLES / name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(_TEXT_CACHE[name])
    return data


def response(name: str) -> Any:
    return body(name)["response"]


ALL_PARSERS: list[Callable[[Any], Any]] = [
    parse_fixtures,
    parse_leagues,
    parse_bookmakers,
    parse_bets,
    parse_odds,
    parse_predictions,
    parse_status,
]

UTC = UTC


# ------------------------------------------------------------------------------ samples


@needs_samples
def test_every_sample_file_is_covered() -> None:
    # A new sample dropped into the folder should get a test here, not be silently ignored.
    known = {FIXTURES, LEAGUES, ODDS, BETS, BOOKMAKERS, LIVE_ODDS, LIVE_BETS, MAPPING}
    known |= {PREDICTIONS, STATUS, TIMEZONE, REAL_ODDS}
    assert {p.name for p in SAMPLES.glob("*.json")} == known


@needs_samples
def test_real_captured_odds_body_parses_whole() -> None:
    # A body captured from the live service: one bookmaker carries 35 bets and 239 values,
    # about 30x the docs sample. Every price that pays parses; its one "1.00" (Under 6.5 pays
    # nothing) is skipped and counted, not turned into a price or a failed page.
    raw = body(REAL_ODDS)
    [fo] = parse_odds(raw["response"])
    [book] = fo.bookmakers
    assert (fo.fixture_id, book.bookmaker.name) == (815162, "Bwin")
    assert len(book.bets) == 35
    assert sum(len(b.values) for b in book.bets) == 238 and fo.skipped == 1
    over_under = next(b for b in book.bets if b.id == 5)
    assert over_under.price("Under 6.5") is None and over_under.price("Over 6.5") == 23.0
    assert {b.id for b in book.bets} >= {1, 5, 8, 9, 10, 12}


@needs_samples
def test_fixtures_sample() -> None:
    raw = body(FIXTURES)
    # The docs announce 4 results but list one: the list at hand is what counts.
    assert raw["results"] == 4
    fixtures = parse_fixtures(raw["response"])
    assert len(fixtures) == len(raw["response"]) == 1
    fx = fixtures[0]
    assert fx == Fixture(
        id=239625,
        league_id=200,
        league_name="Botola Pro",
        country="Morocco",
        season=2019,
        round="Regular Season - 14",
        kickoff=datetime(2020, 2, 6, 14, 0, tzinfo=UTC),
        status_short="HT",
        status_long="Halftime",
        elapsed=45,
        home=Team(967, "Rapide Oued ZEM"),
        away=Team(968, "Wydad AC"),
        goals_home=0,
        goals_away=1,
        venue="Stade Municipal",
        referee=None,
    )
    assert fx.kickoff.utcoffset() == timedelta(0)
    assert fx.is_live and not fx.is_finished and not fx.is_upcoming


@needs_samples
def test_leagues_sample() -> None:
    (league,) = parse_leagues(response(LEAGUES))
    assert league == League(
        id=39,
        name="Premier League",
        country="England",
        type="League",
        logo_url="https://media.api-sports.io/football/leagues/2.png",
        seasons=(2010, 2011),
        current_season=None,
    )


@needs_samples
def test_bookmakers_and_bets_samples() -> None:
    raw = body(BOOKMAKERS)
    bookmakers = parse_bookmakers(raw["response"])
    assert raw["results"] == len(bookmakers) == 15
    assert bookmakers[5] == Bookmaker(6, "Bwin")
    assert bookmakers[-1] == Bookmaker(16, "Unibet")

    bets = parse_bets(response(BETS))
    assert bets[0] == BetType(GOALS_OVER_UNDER, "Goals Over/Under")
    assert [b.id for b in bets] == [5, 6, 26, 45, 57, 58, 74]


@needs_samples
def test_live_bets_sample_parses_as_bet_types() -> None:
    raw = body(LIVE_BETS)
    live = parse_bets(raw["response"])
    assert raw["results"] == 137 and len(live) == len(raw["response"])
    # Same shape as /odds/bets, different id space: id 1 is not Match Winner here.
    assert live[0] == BetType(1, "Over/Under Extra Time")
    assert BetType(20, "Match Corners") in live


@needs_samples
def test_odds_sample() -> None:
    (odds,) = parse_odds(response(ODDS))
    assert odds.fixture_id == 326090
    assert odds.league_id == 116
    assert odds.season == 2020
    assert odds.kickoff == datetime(2020, 5, 15, 15, 0, tzinfo=UTC)
    assert odds.updated_at == datetime(2020, 5, 15, 9, 49, 32, tzinfo=UTC)
    assert odds.skipped == 0
    (bwin,) = odds.bookmakers
    assert bwin.bookmaker == Bookmaker(6, "Bwin")
    assert len(bwin.bets) == len(body(ODDS)["response"][0]["bookmakers"][0]["bets"]) == 32

    match_winner = bwin.bet(MATCH_WINNER)
    assert match_winner is not None and match_winner.name == "Match Winner"
    assert match_winner.price("Home") == 2.50
    assert match_winner.price("Draw") == 2.95
    assert match_winner.price("Away") == 2.95
    # The sample lists Away, Draw, Home; market_prices puts them in display order.
    assert market_prices(match_winner, MATCH_WINNER) == [2.50, 2.95, 2.95]

    assert market_prices(bwin.bet(GOALS_OVER_UNDER), GOALS_OVER_UNDER) == [2.35, 1.55]
    assert market_prices(bwin.bet(GOALS_OVER_UNDER), GOALS_OVER_UNDER, line="3.5") == [4.2, 1.19]
    assert market_prices(bwin.bet(BOTH_TEAMS_SCORE), BOTH_TEAMS_SCORE) == [2.00, 1.72]

    exact_goals = bwin.bet(38)
    assert exact_goals is not None
    # "value": 4 (an integer in the JSON) becomes the label "4".
    assert exact_goals.values[0] == OddValue("4", 7.00)
    assert exact_goals.price("4") == 7.00
    assert exact_goals.price("more 8") == 251.00
    assert all(isinstance(v.label, str) for v in exact_goals.values)


@needs_samples
def test_predictions_sample() -> None:
    (pred,) = parse_predictions(response(PREDICTIONS), fixture_id=198772)
    assert pred.fixture_id == 198772
    assert pred.advice == "Combo Double chance : Deportivo Santani or draw and -3.5 goals"
    assert pred.winner == Team(1189, "Deportivo Santani")
    assert pred.winner_comment == "Win or draw"
    assert pred.win_or_draw is True
    assert pred.under_over == "-3.5"
    assert (pred.goals_home, pred.goals_away) == ("-2.5", "-1.5")
    assert (pred.percent_home, pred.percent_draw, pred.percent_away) == (0.45, 0.45, 0.10)
    assert [row.name for row in pred.comparison] == list(COMPARISON_ORDER)
    total = pred.comparison[-1]
    assert (total.name, total.home, total.away) == ("total", 0.515, 0.485)
    assert (pred.comparison[0].home, pred.comparison[0].away) == (0.60, 0.40)
    assert pred.home == Team(1189, "Deportivo Santani")
    assert pred.away == Team(1180, "Deportivo Capiata")
    assert (pred.league_id, pred.league_name) == (252, "Primera Division - Clausura")


@needs_samples
def test_predictions_fixture_id_defaults_to_none() -> None:
    (pred,) = parse_predictions(response(PREDICTIONS))
    assert pred.fixture_id is None


@needs_samples
def test_predictions_h2h_block_parses_as_fixtures() -> None:
    h2h = parse_fixtures(response(PREDICTIONS)[0]["h2h"])
    assert len(h2h) == 7
    assert all(fx.is_finished for fx in h2h)
    assert h2h[0].referee == "J. Méndez"
    assert (h2h[0].goals_home, h2h[0].goals_away) == (3, 1)


@needs_samples
def test_status_sample() -> None:
    status = parse_status(response(STATUS))
    assert status == ApiStatus(
        plan="Free",
        active=True,
        subscription_end=datetime(2020, 4, 10, 23, 24, 27, tzinfo=UTC),
        requests_current=12,
        limit_day=100,
    )


@needs_samples
@pytest.mark.parametrize("name", [LIVE_ODDS, MAPPING, TIMEZONE])
@pytest.mark.parametrize("parser", ALL_PARSERS, ids=lambda p: p.__name__)
def test_unmodelled_samples_are_rejected_cleanly(name: str, parser: Callable[[Any], Any]) -> None:
    # Live odds, the odds mapping and the timezone list have no model here: fed to any parser
    # by mistake (a wrong cache key, a routing slip) they must give a ParseError, not a crash.
    with pytest.raises(ParseError) as info:
        parser(response(name))
    assert info.value.path.startswith("response")


@needs_samples
def test_live_and_mapping_items_are_not_pre_match_odds() -> None:
    with pytest.raises(ParseError, match=r"^response\[0\]\.bookmakers: expected a list"):
        parse_odds(response(LIVE_ODDS))
    with pytest.raises(ParseError, match=r"^response\[0\]\.bookmakers: expected a list"):
        parse_odds(response(MAPPING))
    with pytest.raises(ParseError, match=r"^response\[0\]: expected an object, got a string"):
        parse_odds(response(TIMEZONE))


@needs_samples
@pytest.mark.parametrize(
    "name,parser",
    [
        (FIXTURES, parse_fixtures),
        (LEAGUES, parse_leagues),
        (ODDS, parse_odds),
        (BETS, parse_bets),
        (BOOKMAKERS, parse_bookmakers),
        (PREDICTIONS, parse_predictions),
    ],
)
def test_list_parsers_reject_the_status_object(name: str, parser: Callable[[Any], Any]) -> None:
    with pytest.raises(ParseError, match=r"^response: expected a list, got an object"):
        parser(response(STATUS))
    # And an empty page is just an empty list (the error envelope carries `response: []`).
    assert parser([]) == []


# ------------------------------------------------------------------------ null tolerance


@needs_samples
def test_fixture_optional_fields_may_be_null() -> None:
    raw = response(FIXTURES)
    item = raw[0]
    item["fixture"]["referee"] = None
    item["fixture"]["venue"]["name"] = None
    item["fixture"]["status"] = {"long": "Not Started", "short": "NS", "elapsed": None}
    item["goals"] = {"home": None, "away": None}
    (fx,) = parse_fixtures(raw)
    assert (fx.referee, fx.venue, fx.elapsed, fx.goals_home, fx.goals_away) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert fx.is_upcoming and not fx.is_live

    item["fixture"]["venue"] = None
    del item["goals"]
    del item["fixture"]["referee"]
    (fx,) = parse_fixtures(raw)
    assert (fx.venue, fx.goals_home, fx.referee) == (None, None, None)


@needs_samples
def test_fixture_kickoff_falls_back_to_timestamp() -> None:
    raw = response(FIXTURES)
    raw[0]["fixture"]["date"] = None
    assert parse_fixtures(raw)[0].kickoff == datetime(2020, 2, 6, 14, 0, tzinfo=UTC)
    del raw[0]["fixture"]["date"]
    assert parse_fixtures(raw)[0].kickoff == datetime(2020, 2, 6, 14, 0, tzinfo=UTC)
    # Naive (no offset) is ambiguous; the timestamp settles it.
    raw[0]["fixture"]["date"] = "2020-02-06T16:00:00"
    assert parse_fixtures(raw)[0].kickoff == datetime(2020, 2, 6, 14, 0, tzinfo=UTC)


@needs_samples
def test_fixture_kickoff_offsets_are_converted_to_utc() -> None:
    raw = response(FIXTURES)
    del raw[0]["fixture"]["timestamp"]
    raw[0]["fixture"]["date"] = "2020-02-06T16:00:00+02:00"
    kickoff = parse_fixtures(raw)[0].kickoff
    assert kickoff == datetime(2020, 2, 6, 14, 0, tzinfo=UTC)
    assert kickoff.tzinfo is UTC
    raw[0]["fixture"]["date"] = "2020-02-06T14:00:00Z"
    assert parse_fixtures(raw)[0].kickoff == datetime(2020, 2, 6, 14, 0, tzinfo=UTC)
    raw[0]["fixture"]["date"] = "2020-02-06T14:00:00"
    with pytest.raises(ParseError, match=r"^response\[0\]\.fixture\.date: expected an ISO 8601"):
        parse_fixtures(raw)
    raw[0]["fixture"]["date"] = None
    with pytest.raises(ParseError, match=r"^response\[0\]\.fixture\.date: .* got null"):
        parse_fixtures(raw)


@needs_samples
def test_prediction_optional_fields_may_be_null() -> None:
    raw = response(PREDICTIONS)
    pred = raw[0]["predictions"]
    pred["winner"]["comment"] = None
    pred["under_over"] = None
    pred["goals"] = {"home": None, "away": None}
    pred["percent"] = {"home": "", "draw": None, "away": "10%"}
    pred["advice"] = None
    pred["win_or_draw"] = None
    (p,) = parse_predictions(raw, fixture_id=198772)
    assert p.winner == Team(1189, "Deportivo Santani")
    assert (p.winner_comment, p.under_over, p.goals_home, p.goals_away) == (None,) * 4
    assert (p.percent_home, p.percent_draw, p.percent_away) == (None, None, 0.10)
    assert (p.advice, p.win_or_draw) == (None, None)


@needs_samples
def test_prediction_without_winner() -> None:
    raw = response(PREDICTIONS)
    # What the real API sends when it picks no winner.
    raw[0]["predictions"]["winner"] = {"id": None, "name": None, "comment": None}
    (p,) = parse_predictions(raw)
    assert (p.winner, p.winner_comment) == (None, None)
    raw[0]["predictions"]["winner"] = None
    assert parse_predictions(raw)[0].winner is None
    del raw[0]["predictions"]["winner"]
    assert parse_predictions(raw)[0].winner is None


@needs_samples
def test_prediction_comparison_keeps_provider_order_and_ignores_extras() -> None:
    raw = response(PREDICTIONS)
    comparison = raw[0]["comparison"]
    shuffled = {key: comparison[key] for key in reversed(list(comparison))}
    shuffled["novelty"] = {"home": "1%", "away": "99%"}
    shuffled["h2h"] = {"home": None, "away": ""}
    del shuffled["goals"]
    raw[0]["comparison"] = shuffled
    (p,) = parse_predictions(raw)
    expected = ["form", "att", "def", "poisson_distribution", "h2h", "total"]
    assert [r.name for r in p.comparison] == expected
    h2h = p.comparison[4]
    assert (h2h.home, h2h.away) == (None, None)

    del raw[0]["comparison"]
    assert parse_predictions(raw)[0].comparison == ()


@needs_samples
@pytest.mark.parametrize("bad", ["45", "abc%", "-5%", "101%", "4 5%", 45, True, []])
def test_prediction_percent_is_checked(bad: Any) -> None:
    raw = response(PREDICTIONS)
    raw[0]["predictions"]["percent"]["home"] = bad
    if bad == "45":
        # A bare number in a percent field is still a percentage.
        assert parse_predictions(raw)[0].percent_home == 0.45
        return
    with pytest.raises(ParseError, match=r"^response\[0\]\.predictions\.percent\.home: "):
        parse_predictions(raw)


@needs_samples
def test_league_current_season_and_nulls() -> None:
    raw = response(LEAGUES)
    raw[0]["seasons"][1]["current"] = True
    raw[0]["league"]["logo"] = None
    (league,) = parse_leagues(raw)
    assert league.current_season == 2011
    assert league.logo_url is None
    raw[0]["seasons"] = None
    assert parse_leagues(raw)[0].seasons == ()


@needs_samples
def test_status_null_end_and_error_shape() -> None:
    raw = response(STATUS)
    raw["subscription"]["end"] = None
    assert parse_status(raw).subscription_end is None
    # With a bad key the API answers `response: []`.
    with pytest.raises(ParseError, match=r"^response: expected an object, got a list"):
        parse_status([])
    raw["requests"]["limit_day"] = "100"
    with pytest.raises(ParseError, match=r"^response\.requests\.limit_day: expected an integer"):
        parse_status(raw)


@needs_samples
def test_odds_bad_values_are_skipped_and_counted() -> None:
    raw = response(ODDS)
    bets = raw[0]["bookmakers"][0]["bets"]
    match_winner = next(b for b in bets if b["id"] == MATCH_WINNER)
    assert [v["value"] for v in match_winner["values"]] == ["Away", "Draw", "Home"]
    match_winner["values"][0]["odd"] = "N/A"  # Away
    match_winner["values"][1]["odd"] = "1.00"  # Draw: pays nothing
    btts = next(b for b in bets if b["id"] == BOTH_TEAMS_SCORE)
    btts["values"].append({"value": None, "odd": "2.00"})
    btts["values"].append("Yes 2.00")
    btts["values"].append({"value": "Maybe", "odd": "nan"})
    btts["values"].append({"value": "Maybe", "odd": "0"})
    btts["values"].append({"value": "Maybe", "odd": None})
    btts["values"].append({"value": True, "odd": "2.00"})

    (odds,) = parse_odds(raw)
    assert odds.skipped == 8
    book = odds.bookmakers[0]
    assert market_prices(book.bet(MATCH_WINNER), MATCH_WINNER) == [2.50, None, None]
    assert market_prices(book.bet(BOTH_TEAMS_SCORE), BOTH_TEAMS_SCORE) == [2.00, 1.72]
    assert len(book.bets) == 32


@needs_samples
def test_odds_numeric_odds_and_float_labels_are_accepted() -> None:
    raw = response(ODDS)
    bet = raw[0]["bookmakers"][0]["bets"][0]
    bet["values"] = [{"value": 4.0, "odd": 7}, {"value": 2.5, "odd": 3.25}]
    (odds,) = parse_odds(raw)
    assert odds.bookmakers[0].bets[0].values == (OddValue("4", 7.0), OddValue("2.5", 3.25))
    assert odds.skipped == 0


@needs_samples
def test_odds_optional_times_and_extra_keys() -> None:
    raw = response(ODDS)
    raw[0]["update"] = None
    raw[0]["fixture"]["date"] = None
    raw[0]["fixture"]["timestamp"] = None
    raw[0]["surprise"] = {"new": ["field"]}
    raw[0]["bookmakers"][0]["bets"][0]["values"][0]["handicap"] = "8"
    (odds,) = parse_odds(raw)
    assert (odds.kickoff, odds.updated_at) == (None, None)
    raw[0]["update"] = "yesterday"
    with pytest.raises(ParseError, match=r"^response\[0\]\.update: expected an ISO 8601"):
        parse_odds(raw)


# ---------------------------------------------------------------------- structural errors


DROP = object()


def _mutate(root: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set ``root[path]`` to ``value``, or delete it when ``value`` is DROP."""
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    if value is DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


@needs_samples
@pytest.mark.parametrize(
    "path,value,message",
    [
        ((0, "fixture", "id"), None, r"fixture\.id: expected an integer, got null$"),
        ((0, "fixture", "id"), "239625", r"fixture\.id: expected an integer, got a string"),
        ((0, "fixture", "id"), True, r"fixture\.id: expected an integer, got a boolean"),
        ((0, "fixture", "id"), DROP, r"fixture\.id: expected an integer, got nothing"),
        ((0, "teams"), DROP, r"teams: expected an object"),
        ((0, "teams", "away", "name"), 7, r"teams\.away\.name: expected a string"),
        ((0, "goals", "home"), "1", r"goals\.home: expected an integer or null"),
        ((0, "fixture", "status", "elapsed"), 45.5, r"fixture\.status\.elapsed: "),
        ((0, "fixture", "venue"), "Stade", r"fixture\.venue: expected an object"),
        ((0, "league", "season"), "2019", r"league\.season: expected an integer"),
    ],
)
def test_fixture_structure_errors_name_the_field(
    path: tuple[Any, ...], value: Any, message: str
) -> None:
    raw = response(FIXTURES)
    _mutate(raw, path, value)
    with pytest.raises(ParseError, match=r"^response\[0\]\." + message):
        parse_fixtures(raw)


@needs_samples
def test_a_bad_item_after_good_ones_is_located() -> None:
    raw = response(FIXTURES)
    raw.append(None)
    with pytest.raises(ParseError, match=r"^response\[1\]: expected an object, got null$"):
        parse_fixtures(raw)


@needs_samples
@pytest.mark.parametrize(
    "path,value,where",
    [
        ((0, "bookmakers", 0, "id"), DROP, "bookmakers[0].id"),
        ((0, "bookmakers", 0, "bets"), {}, "bookmakers[0].bets"),
        ((0, "bookmakers", 0, "bets", 3, "id"), "16", "bookmakers[0].bets[3].id"),
        ((0, "bookmakers", 0, "bets", 3, "values"), None, "bookmakers[0].bets[3].values"),
        ((0, "league", "season"), None, "league.season"),
        ((0, "fixture"), [], "fixture"),
    ],
)
def test_odds_structure_errors_name_the_field(
    path: tuple[Any, ...], value: Any, where: str
) -> None:
    raw = response(ODDS)
    _mutate(raw, path, value)
    with pytest.raises(ParseError) as info:
        parse_odds(raw)
    assert info.value.path == f"response[0].{where}"
    assert str(info.value).startswith(f"response[0].{where}: expected ")


@pytest.mark.parametrize("parser", ALL_PARSERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("value", [None, "", 0, 1.5, True, "response", {"a": 1}, [1], [[]]])
def test_wrong_top_level_is_a_parse_error(parser: Callable[[Any], Any], value: Any) -> None:
    with pytest.raises(ParseError):
        parser(value)


def test_parse_error_is_a_value_error_and_pickles() -> None:
    error = ParseError("response[3].fixture.id", "expected an integer, got null")
    assert isinstance(error, ValueError)
    assert str(error) == "response[3].fixture.id: expected an integer, got null"
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.path, clone.problem, str(clone)) == (error.path, error.problem, str(error))


# --------------------------------------------------------------------- models and markets


def _fixture(status: str) -> Fixture:
    return Fixture(
        id=1,
        league_id=2,
        league_name="L",
        country="C",
        season=2024,
        round="R",
        kickoff=datetime(2024, 1, 1, tzinfo=UTC),
        status_short=status,
        status_long=status,
        elapsed=None,
        home=Team(1, "A"),
        away=Team(2, "B"),
        goals_home=None,
        goals_away=None,
        venue=None,
        referee=None,
    )


@pytest.mark.parametrize(
    "status,expected",
    [
        *[(s, "upcoming") for s in ["NS", "TBD"]],
        *[(s, "live") for s in ["1H", "HT", "2H", "ET", "BT", "P", "SUSP", "INT", "LIVE"]],
        *[(s, "finished") for s in ["FT", "AET", "PEN"]],
        *[(s, None) for s in ["PST", "CANC", "ABD", "AWD", "WO", "???"]],
    ],
)
def test_status_classification(status: str, expected: str | None) -> None:
    fx = _fixture(status)
    flags = {"upcoming": fx.is_upcoming, "live": fx.is_live, "finished": fx.is_finished}
    assert [name for name, on in flags.items() if on] == ([expected] if expected else [])


def test_models_are_frozen_and_slotted() -> None:
    team = Team(1, "A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        team.name = "B"  # type: ignore[misc]
    assert not hasattr(team, "__dict__")
    assert hash(_fixture("NS")) == hash(_fixture("NS"))


def test_markets_table() -> None:
    assert MARKETS[MATCH_WINNER] == ("Match Winner", ("Home", "Draw", "Away"))
    assert MARKETS[GOALS_OVER_UNDER] == ("Goals Over/Under", ("Over", "Under"))
    assert MARKETS[BOTH_TEAMS_SCORE] == ("Both Teams Score", ("Yes", "No"))
    assert (MATCH_WINNER, GOALS_OVER_UNDER, BOTH_TEAMS_SCORE) == (1, 5, 8)
    with pytest.raises(TypeError):
        MARKETS[99] = ("x", ())  # type: ignore[index]


def test_market_prices_edges() -> None:
    values = (OddValue("Over 2.5", 1.9), OddValue("Under 3.5", 1.3))
    ou = Bet(GOALS_OVER_UNDER, "Goals Over/Under", values)
    assert market_prices(ou, GOALS_OVER_UNDER) == [1.9, None]
    assert market_prices(ou, GOALS_OVER_UNDER, line="3.5") == [None, 1.3]
    assert market_prices(None, MATCH_WINNER) == [None, None, None]
    assert ou.price("Over 9.5") is None
    with pytest.raises(ValueError, match="is not market 1"):
        market_prices(ou, MATCH_WINNER)
    with pytest.raises(ValueError, match="unknown market"):
        market_prices(ou, 38)


def test_fixture_odds_helpers() -> None:
    from oddsmon.domain.models import BookmakerOdds

    bet = Bet(MATCH_WINNER, "Match Winner", (OddValue("Home", 2.0), OddValue("Home", 3.0)))
    book = BookmakerOdds(Bookmaker(6, "Bwin"), (bet,))
    assert book.bet(MATCH_WINNER) is bet and book.bet(8) is None
    assert bet.price("Home") == 2.0  # first one wins on a duplicate label
    odds = FixtureOdds(1, 2, 2024, None, None, (book,))
    assert odds.skipped == 0


# ------------------------------------------------------------------------------ fuzzing

_KEYS = [
    "fixture", "id", "name", "league", "teams", "home", "away", "draw", "goals", "status",
    "short", "long", "elapsed", "date", "timestamp", "venue", "referee", "country", "season",
    "round", "type", "logo", "seasons", "year", "current", "bookmakers", "bets", "values",
    "value", "odd", "update", "predictions", "winner", "comment", "percent", "comparison",
    "advice", "under_over", "win_or_draw", "total", "subscription", "requests", "plan",
    "active", "end", "limit_day",
]  # fmt: skip

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()  # json.loads accepts NaN and Infinity, so they can reach a parser
    | st.text(max_size=12)
    | st.sampled_from(
        ["1.85", "45%", "", "2020-02-06T14:00:00+00:00", "9999-12-31T23:59:59-23:59"]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=6), children, max_size=6),
    max_leaves=25,
)

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _check_result(result: Any) -> None:
    """Invariants that hold for whatever a parser accepts."""
    items = [result] if isinstance(result, ApiStatus) else result
    assert isinstance(items, list)
    for item in items:
        if isinstance(item, Fixture):
            assert item.kickoff.utcoffset() == timedelta(0)
        elif isinstance(item, FixtureOdds):
            assert item.skipped >= 0
            for book in item.bookmakers:
                for bet in book.bets:
                    for value in bet.values:
                        assert isinstance(value.label, str)
                        assert math.isfinite(value.price) and value.price > 1.0
        elif isinstance(item, Prediction):
            percents = [item.percent_home, item.percent_draw, item.percent_away]
            percents += [x for row in item.comparison for x in (row.home, row.away)]
            assert all(p is None or 0.0 <= p <= 1.0 for p in percents)


def _run(parser: Callable[[Any], Any], value: Any) -> None:
    try:
        result = parser(value)
    except ParseError as error:
        assert error.path.startswith("response")
        return
    _check_result(result)


@FUZZ
@given(value=json_values, parser=st.sampled_from(ALL_PARSERS))
def test_fuzz_arbitrary_json(value: Any, parser: Callable[[Any], Any]) -> None:
    _run(parser, value)


@FUZZ
@given(items=st.lists(json_values, max_size=3), parser=st.sampled_from(ALL_PARSERS))
def test_fuzz_arbitrary_items(items: list[Any], parser: Callable[[Any], Any]) -> None:
    _run(parser, items)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


def _unread_prediction_block(path: tuple[Any, ...]) -> bool:
    # The per-team statistics and the h2h list are not modelled; mutating them would only
    # dilute the search.
    if path[1:2] == ("h2h",):
        return True
    return path[1:2] == ("teams",) and len(path) > 3 and path[3] in ("last_5", "league")


def _mutation_cases() -> list[tuple[str, Callable[[Any], Any], tuple[Any, ...]]]:
    if not SAMPLES.is_dir():
        return []
    cases: list[tuple[str, Callable[[Any], Any], tuple[Any, ...]]] = []
    for name, parser in [
        (FIXTURES, parse_fixtures),
        (LEAGUES, parse_leagues),
        (ODDS, parse_odds),
        (BETS, parse_bets),
        (BOOKMAKERS, parse_bookmakers),
        (PREDICTIONS, parse_predictions),
        (STATUS, parse_status),
    ]:
        for path in _paths(response(name)):
            if name == PREDICTIONS and _unread_prediction_block(path):
                continue
            cases.append((name, parser, path))
    return cases


MUTATIONS = _mutation_cases()


@needs_samples
@FUZZ
@given(
    case=st.sampled_from(MUTATIONS) if MUTATIONS else st.nothing(),
    replacement=json_values,
    delete=st.booleans(),
)
def test_fuzz_mutated_samples(
    case: tuple[str, Callable[[Any], Any], tuple[Any, ...]], replacement: Any, delete: bool
) -> None:
    name, parser, path = case
    root = response(name)
    if not path:
        root = replacement
    else:
        parent = root
        for step in path[:-1]:
            parent = parent[step]
        # Deleting is only meaningful for object keys; list slots get replaced instead.
        _mutate(root, path, DROP if delete and isinstance(parent, dict) else replacement)
    _run(parser, root)


def test_odds_can_keep_only_some_bets() -> None:
    only = parse_odds(body(ODDS)["response"], only_bets={1, 8})
    bwin = only[0].bookmakers[0]
    assert [b.id for b in bwin.bets] == [b["id"] for b in body(ODDS)["response"][0]["bookmakers"][0]["bets"]
                                         if b["id"] in (1, 8)]
    assert (bet := bwin.bet(1)) is not None and bet.price("Home") == 2.5
