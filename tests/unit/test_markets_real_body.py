"""Every market the Odds screen shows, parsed and analysed on the body captured from the live
service (FA Cup 2022-01-10, Bwin: 35 bets, ~240 values), plus small synthetic books for what
the captured body lacks (a second bookmaker, Asian Handicap, outliers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from oddsmon.domain.market import REFERENCE_BOOKMAKER, analyse_market
from oddsmon.domain.markets import BY_ID, every_bet, export_parts, lines, settle, split_label
from oddsmon.domain.models import (
    Bet,
    Bookmaker,
    BookmakerOdds,
    FixtureOdds,
    OddValue,
    Prediction,
    Team,
    parse_odds,
)

from ..samples import SAMPLES

REAL = SAMPLES / "odds__real_fixture815162_bookmaker6.json"
DOCS = SAMPLES / "odds__official_docs_fixture326090_bookmaker6.json"


@pytest.fixture(scope="module")
def real() -> FixtureOdds:
    (odds,) = parse_odds(json.loads(REAL.read_text())["response"])
    return odds


@pytest.fixture(scope="module")
def docs_body() -> FixtureOdds:
    (odds,) = parse_odds(json.loads(DOCS.read_text())["response"])
    return odds


# Every bet of the captured Bwin entry: (bet id, the API's name, its lines, the lines that are
# a complete book). A line is complete when its outcomes partition the results; the reasons
# the others are not are asserted below.
REAL_BETS = [
    (1, "Match Winner", [""], [""]),
    (5, "Goals Over/Under", ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5", "6.5"],
     ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5"]),  # "Under 6.5" is "1.00": dropped
    (9, "Handicap Result", ["-3", "-2", "-1", "+1"], ["-3", "-2", "-1", "+1"]),
    (12, "Double Chance", [""], [""]),
    (2, "Home/Away", [""], [""]),
    (13, "First Half Winner", [""], [""]),
    (8, "Both Teams Score", [""], [""]),
    (10, "Exact Score", [""], []),  # 25 scores, no "any other score"
    (3, "Second Half Winner", [""], [""]),
    (6, "Goals Over/Under First Half", ["0.5", "1.5", "2.5", "3.5", "4.5"],
     ["0.5", "1.5", "2.5", "3.5"]),  # "Over 4.5" alone
    (7, "HT/FT Double", [""], [""]),  # the 9 pairs
    (11, "Highest Scoring Half", [""], [""]),
    (14, "Team To Score First", [""], [""]),  # "Draw" is no goal
    (16, "Total - Home", ["0.5", "1.5", "2.5", "3.5"], ["0.5", "1.5", "2.5", "3.5"]),
    (17, "Total - Away", ["0.5", "1.5", "2.5", "3.5"], ["0.5", "1.5", "2.5"]),  # "Over 3.5" alone
    (18, "Handicap Result - First Half", ["-1", "+1"], ["-1", "+1"]),
    (20, "Double Chance - First Half", [""], [""]),
    (21, "Odd/Even", [""], [""]),
    (22, "Odd/Even - First Half", [""], [""]),
    (24, "Results/Both Teams Score", [""], [""]),
    (25, "Result/Total Goals", ["0.5", "1.5", "2.5", "3.5", "4.5"], ["0.5", "1.5", "2.5", "3.5", "4.5"]),
    (26, "Goals Over/Under - Second Half", ["0.5", "1.5", "2.5", "3.5"], ["0.5", "1.5", "2.5", "3.5"]),
    (27, "Clean Sheet - Home", [""], [""]),
    (28, "Clean Sheet - Away", [""], [""]),
    (29, "Win to Nil - Home", [""], [""]),
    (30, "Win to Nil - Away", [""], [""]),
    (31, "Correct Score - First Half", [""], []),
    (32, "Win Both Halves", [""], [""]),
    (33, "Double Chance - Second Half", [""], [""]),
    (34, "Both Teams Score - First Half", [""], [""]),
    (35, "Both Teams To Score - Second Half", [""], [""]),
    (43, "Home Team Score a Goal", [""], [""]),
    (44, "Away Team Score a Goal", [""], [""]),
    (45, "Corners Over Under", ["8.5", "9.5", "10.5", "11.5", "12.5"], ["8.5", "9.5", "10.5", "11.5", "12.5"]),
    (62, "Correct Score - Second Half", [""], []),
]


def _survey(odds: FixtureOdds) -> list[tuple[int, str, list[str], list[str]]]:
    """Each bet priced, as the Odds screen reaches it: its lines and the complete ones."""
    found = []
    for market in every_bet(odds):
        shown = lines(odds, market) if market.lined else [""]
        views = [analyse_market(odds, market.id, line=line) for line in shown]
        assert [v.line for v in views] == shown  # every line is reachable
        found.append((market.id, market.name, shown, [v.line for v in views if v.complete]))
    return found


def test_every_bet_of_the_captured_body_is_read_with_its_lines_and_complete_books(real: FixtureOdds) -> None:
    raw = json.loads(REAL.read_text())["response"][0]["bookmakers"][0]["bets"]
    assert len(raw) == 35 and {b["id"] for b in raw} == {bet for bet, *_ in REAL_BETS}
    assert _survey(real) == REAL_BETS
    # Every complete line has a margin, a fair view summing to its book and a value per
    # outcome; the others keep their prices, say why, and compute none of it.
    for bet, _, shown, complete in REAL_BETS:
        for line in shown:
            view = analyse_market(real, bet, line=line)
            if line in complete:
                total = 2.0 if bet in (12, 20, 33) else 1.0
                assert view.rows[0].margin is not None and view.note is None
                assert sum(o.fair_probability or 0 for o in view.outcomes) == pytest.approx(total)
                assert all(o.value is not None for o in view.outcomes)
            else:
                assert view.note is not None and view.note.startswith("not a complete book: ")
                assert view.rows[0].margin is None and view.arbitrage is None
                assert all(o.fair_probability is None and o.value is None for o in view.outcomes)
                assert any(o.best is not None for o in view.outcomes)


def test_a_result_total_line_leaves_out_what_cannot_happen(real: FixtureOdds) -> None:
    # Line 0.5: a home or away win has a goal, so Home/Under 0.5 and Away/Under 0.5 are no
    # outcomes; Bwin prices the other four, a complete book.
    view = analyse_market(real, 25, line="0.5")
    assert view.labels == ("Home/Over 0.5", "Draw/Over 0.5", "Away/Over 0.5", "Draw/Under 0.5")
    assert view.rows[0].margin == pytest.approx(1 / 1.63 + 1 / 5.00 + 1 / 4.33 + 1 / 10.50 - 1)
    assert len(analyse_market(real, 25, line="2.5").labels) == 6


def test_the_documentation_body_groups_exact_goals_by_their_top(docs_body: FixtureOdds) -> None:
    # Bet 38 lists 0..7 with both "more 5" and "more 8": two complete books, 0-4 + 5 or more
    # and 0-7 + 8 or more.
    assert lines(docs_body, BY_ID[38]) == ["5", "8"]
    five = analyse_market(docs_body, 38, line="5")
    assert five.labels == ("0", "1", "2", "3", "4", "more 5") and five.complete
    assert five.rows[0].margin == pytest.approx(
        1 / 6.25 + 1 / 3.90 + 1 / 3.40 + 1 / 4.40 + 1 / 7.00 + 1 / 8.00 - 1)
    assert analyse_market(docs_body, 38, line="8").labels[-1] == "more 8"
    assert analyse_market(docs_body, 46, line="3").labels == ("0", "1", "2", "more 3")


def test_the_documentation_body_result_total_lacks_the_draw(docs_body: FixtureOdds) -> None:
    view = analyse_market(docs_body, 25, line="2.5")
    assert not view.complete and view.note is not None
    assert "no bookmaker prices Draw/Over 2.5, Draw/Under 2.5" in view.note
    assert [o.best.price if o.best else None for o in view.outcomes] == [4.60, None, 5.50, 4.50, None, 5.25]
    # Team To Score Last names the goalless outcome "No goal": a complete three-way book.
    last = analyse_market(docs_body, 15)
    assert last.labels == ("Home", "No goal", "Away") and last.complete


DOCS_BETS = {1: [""], 2: [""], 3: [""], 5: ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5"], 6: ["0.5", "1.5", "2.5", "3.5"],
             7: [""], 8: [""], 9: ["-2", "-1", "+1", "+2"], 10: [], 12: [""], 13: [""], 14: [""], 15: [""],
             16: ["1.5", "2.5"], 17: ["1.5", "2.5"], 20: [""], 21: [""], 22: [""], 24: [""], 25: [],
             26: ["0.5", "1.5", "2.5", "3.5"], 29: [""], 30: [""], 32: [""], 34: [""], 38: ["5", "8"],
             40: ["3"], 41: ["3"], 42: ["3"], 43: [""], 44: [""], 46: ["3"]}


def test_every_bet_of_the_documentation_body_is_read(docs_body: FixtureOdds) -> None:
    assert {bet: complete for bet, _, _, complete in _survey(docs_body)} == DOCS_BETS


def test_every_goals_line_is_offered_and_2_5_is_preselected(real: FixtureOdds) -> None:
    assert lines(real, BY_ID[5]) == ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5", "6.5"]
    view = analyse_market(real, 5, line="")
    assert view.line == "2.5" and view.labels == ("Over 2.5", "Under 2.5")
    assert [o.best.price for o in view.outcomes] == [1.78, 1.93]  # type: ignore[union-attr]
    # 1/1.78 + 1/1.93 - 1
    assert view.rows[0].margin == pytest.approx(1 / 1.78 + 1 / 1.93 - 1)
    other = analyse_market(real, 5, line="3.5")
    assert other.labels == ("Over 3.5", "Under 3.5")
    assert [o.best.price for o in other.outcomes] == [2.95, 1.35]  # type: ignore[union-attr]
    assert other.outcomes[0].fair_probability == pytest.approx((1 / 2.95) / (1 / 2.95 + 1 / 1.35))


def test_a_line_with_a_price_of_1_00_is_an_incomplete_book_and_says_so(real: FixtureOdds) -> None:
    # "Under 6.5" is "1.00" in the capture: unusable, so Bwin prices only one side of 6.5.
    view = analyse_market(real, 5, line="6.5")
    assert view.outcomes[1].best is None
    assert view.rows[0].margin is None and view.outcomes[0].fair_probability is None
    assert view.outcomes[0].value is None and view.arbitrage is None
    assert view.note == ("not a complete book: no bookmaker prices Under 6.5 on Goals Over/Under 6.5; "
                         "best prices and movement only")


def test_handicap_result_lines_carry_the_home_handicap(real: FixtureOdds) -> None:
    assert lines(real, BY_ID[9]) == ["-3", "-2", "-1", "+1"]
    view = analyse_market(real, 9, line="-1")
    assert view.labels == ("Home -1", "Draw -1", "Away -1")
    assert [o.best.price for o in view.outcomes] == [2.75, 3.50, 2.15]  # type: ignore[union-attr]
    assert sum(o.fair_probability or 0 for o in view.outcomes) == pytest.approx(1.0)


def test_double_chance_is_a_200_percent_book(real: FixtureOdds) -> None:
    view = analyse_market(real, 12)
    assert view.labels == ("Home/Draw", "Home/Away", "Draw/Away")
    booksum = 1 / 1.19 + 1 / 1.24 + 1 / 2.15
    assert view.rows[0].margin == pytest.approx(booksum / 2 - 1)
    assert sum(o.fair_probability or 0 for o in view.outcomes) == pytest.approx(2.0)
    assert view.arbitrage is None  # overlapping outcomes: no sure-bet arithmetic applies


def test_draw_no_bet_half_time_and_btts_are_plain_books(real: FixtureOdds) -> None:
    dnb = analyse_market(real, 2)
    assert dnb.market_name == "Home/Away (Draw No Bet)" and dnb.labels == ("Home", "Away")
    assert dnb.rows[0].margin == pytest.approx(1 / 1.28 + 1 / 3.40 - 1)
    ht = analyse_market(real, 13)
    assert [o.best.price for o in ht.outcomes] == [2.20, 2.25, 4.60]  # type: ignore[union-attr]
    btts = analyse_market(real, 8)
    assert btts.rows[0].margin == pytest.approx(1 / 1.82 + 1 / 1.88 - 1)


def test_correct_score_lists_the_most_likely_and_never_computes_a_margin(real: FixtureOdds) -> None:
    view = analyse_market(real, 10)
    # Shortest best price first; 3:0 and 0:1 are both 11.50, the label breaks the tie.
    assert view.labels == ("1:0", "1:1", "2:0", "2:1", "0:0", "0:1", "3:0", "3:1")
    assert view.rows[0].margin is None
    assert all(o.fair_probability is None and o.value is None for o in view.outcomes)
    assert view.outcomes[0].implied == pytest.approx(1 / 6.75)
    assert view.note is not None and 'no "any other score"' in view.note


def test_value_against_the_prediction_maps_onto_dnb_and_double_chance(real: FixtureOdds) -> None:
    pred = Prediction(815162, None, None, None, None, None, None, None, 0.5, 0.3, 0.2, (),
                      Team(1, "H"), Team(2, "A"), 45, "FA Cup")
    dnb = analyse_market(real, 2, prediction=pred)
    assert dnb.outcomes[0].predicted == pytest.approx(0.5 / 0.7)
    # A draw refunds the stake: 0.5 at 1.28 plus the 0.3 draw back, less the stake.
    assert dnb.outcomes[0].value_vs_prediction == pytest.approx(0.5 * 1.28 + 0.3 - 1)
    dc = analyse_market(real, 12, prediction=pred)
    assert [o.predicted for o in dc.outcomes] == pytest.approx([0.8, 0.7, 0.5])
    assert analyse_market(real, 5, prediction=pred).outcomes[0].predicted is None


def _fixture(*books: BookmakerOdds) -> FixtureOdds:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    return FixtureOdds(1, 39, 2026, t, t, books)


def test_asian_handicap_lines_pair_home_and_away_with_the_same_suffix() -> None:
    odds = _fixture(BookmakerOdds(Bookmaker(8, "Bet365"), (Bet(4, "Asian Handicap", (
        OddValue("Home -0.5", 1.95), OddValue("Away -0.5", 1.90),
        OddValue("Home -1.25", 2.60), OddValue("Away -1.25", 1.50))),)))
    assert lines(odds, BY_ID[4]) == ["-1.25", "-0.5"]
    view = analyse_market(odds, 4, line="-1.25")
    assert view.labels == ("Home -1.25", "Away -1.25")
    assert view.rows[0].margin == pytest.approx(1 / 2.6 + 1 / 1.5 - 1)


def _three(bid: int, name: str, h: float, d: float, a: float) -> BookmakerOdds:
    return BookmakerOdds(Bookmaker(bid, name), (Bet(1, "Match Winner", (
        OddValue("Home", h), OddValue("Draw", d), OddValue("Away", a))),))


def test_consensus_modes_all_reference_and_trimmed() -> None:
    odds = _fixture(_three(REFERENCE_BOOKMAKER, "Pinnacle", 2.0, 4.0, 4.0),
                    _three(8, "Bet365", 2.0, 4.0, 4.0), _three(6, "Bwin", 2.0, 4.0, 4.0),
                    _three(11, "Odd", 4.0, 4.0, 2.0))
    every = analyse_market(odds, consensus_mode="all")
    assert every.outcomes[0].fair_probability == pytest.approx((0.5 * 3 + 0.25) / 4)
    assert every.consensus == "all 4 bookmakers"
    ref = analyse_market(odds, consensus_mode="reference")
    assert ref.outcomes[0].fair_probability == pytest.approx(0.5) and "Pinnacle" in ref.consensus
    trimmed = analyse_market(odds, consensus_mode="trimmed")
    assert trimmed.outcomes[0].fair_probability == pytest.approx(0.5)
    assert trimmed.consensus == "3 bookmakers, outliers dropped: Odd"
    no_ref = analyse_market(_fixture(_three(8, "Bet365", 2.0, 4.0, 4.0)), consensus_mode="reference")
    assert no_ref.consensus.startswith("no Pinnacle price")


def test_labels_split_into_market_line_and_outcome_for_the_export() -> None:
    assert export_parts(5, "Over 2.5") == ("Goals Over/Under", "2.5", "Over")
    assert export_parts(9, "Draw -1") == ("Handicap Result", "-1", "Draw")
    assert export_parts(1, "Home") == ("Match Winner", "", "Home")
    assert export_parts(10, "2:1") == ("Exact Score", "", "2:1")
    assert export_parts(25, "Draw/Under 0.5") == ("Result/Total Goals", "0.5", "Draw/Under")
    assert export_parts(38, "more 5") == ("Exact Goals Number", "", "more 5")
    assert export_parts(77, "Whatever 3") == ("bet 77", "", "Whatever 3")
    assert split_label(BY_ID[5], "Over") is None


@pytest.mark.parametrize(("bet", "outcome", "line", "score", "result"), [
    (1, "Home", "", (2, 1), "won"), (1, "Draw", "", (2, 1), "lost"),
    (2, "Home", "", (1, 1), "void"), (12, "Draw/Away", "", (0, 0), "won"),
    (8, "Yes", "", (1, 0), "lost"), (10, "2:1", "", (2, 1), "won"),
    (5, "Over", "2.5", (2, 1), "won"), (5, "Under", "3", (2, 1), "void"),
    (5, "Over", "2.75", (2, 1), "half won"), (5, "Over", "3.25", (2, 1), "half lost"),
    (4, "Home", "-0.5", (1, 0), "won"), (4, "Away", "-0.5", (1, 0), "lost"),
    (4, "Home", "-1", (1, 0), "void"), (4, "Home", "-0.75", (1, 0), "half won"),
    (4, "Away", "-0.25", (0, 0), "half won"),
    (9, "Draw", "-1", (2, 1), "won"), (9, "Home", "-1", (2, 1), "lost"),
])
def test_settlement_on_the_full_time_score(bet: int, outcome: str, line: str,
                                           score: tuple[int, int], result: str) -> None:
    settled = settle(bet, outcome, line, *score)
    assert settled is not None and settled.result == result


def test_profit_of_a_half_won_pick_and_half_time_markets_stay_unsettled() -> None:
    half = settle(5, "Over", "2.75", 2, 1)
    assert half is not None and half.profit(10.0, 2.0) == pytest.approx(5.0)  # 5 at 2.0 + 5 back
    assert settle(13, "Home", "", 1, 0) is None
