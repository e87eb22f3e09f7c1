"""Settlement rules against bookmakers' published worked examples, and value once pushes and
half results count.

Sources (each figure below is theirs):
* Pinnacle, "What is the explanation for Asian Handicap and double totals?"
  (cs.help.pinnaclesports.com/en/support/solutions/articles/1000116864): -1 on Team A wins by
  2 or more, pushes on a 1-goal win, loses otherwise; Team A at +0.5 and +1 (+3/4) losing 0-1
  loses half and pushes half; under 5 and 5.5 (under 5 1/4) with 5 goals: half ties, half wins.
* bet365 sports rules, Soccer, Asian Handicap (help.nj.bet365.com/s/el-us/sportsrules/soccer/
  asian-handicap): line 0 void on a draw; 0,0.5 ball: the giving team's draw refunds half and
  loses half, the receiving team's draw settles half at the price and refunds half; 0.5,1
  ball: the giving team winning by exactly 1 settles half at the price, refunds half; the
  receiving team losing by exactly 1 refunds half, loses half.
* Unibet help, "Asian Handicap - Full, Half & Quarter Lines" (unibet.co.uk/help/products/
  sportsbook/asian-handicap/asian-handicap-lines): GBP 10 at 2.05 on Manchester United +2:
  0-1 wins, 0-2 gives the stake back; at +1.5: 0-1 wins GBP 20.50, 0-2 loses.
* asianhandicap.tripod.com/page3.htm: Cardiff giving 3/4 ball to Swansea, GBP 100 on Cardiff
  at 1.825 and GBP 100 on Swansea at 2.075: 0-0 loses Cardiff's 100 and returns Swansea's
  207.50; a 1-goal Cardiff win pays Cardiff half its winnings, and Swansea loses half its stake.
* RoyalPanda help, "Asiatische Handicap-Wetten (X.25/X.75)": +1.25 on team 1, team 2 winning
  by 1 wins half and refunds half, by 2 loses.
* vptop.com help, "Football Prediction Guide" and slipsiq.com, "Handicaps": Over 2.75 with 3
  goals (2-1) wins half, pushes half; Over 2.25 with 2 goals loses half; Under 2.75 with 3
  goals loses half.
"""

from __future__ import annotations

import pytest

from oddsmon.domain import settlement as rules
from oddsmon.domain.markets import settle
from oddsmon.domain.settlement import line_states, mass_at_line, settled_value


def returned(bet: int, outcome: str, line: str, score: tuple[int, int], stake: float, price: float) -> float:
    settled = settle(bet, outcome, line, *score)
    assert settled is not None
    return settled.returned(stake, price)


@pytest.mark.parametrize(("outcome", "line", "score", "result"), [
    # Pinnacle: -1 on Team A (home here)
    ("Home", "-1", (3, 1), "won"), ("Home", "-1", (2, 1), "void"), ("Home", "-1", (1, 1), "lost"),
    ("Home", "-1", (0, 1), "lost"),
    # Pinnacle: Team A at +3/4 loses 0-1 (the away side here, the home handicap -0.75)
    ("Away", "-0.75", (1, 0), "half lost"),
    # bet365 0,0.5 ball: giving (home -0.25) and receiving (away) on a draw
    ("Home", "-0.25", (1, 1), "half lost"), ("Away", "-0.25", (1, 1), "half won"),
    ("Home", "-0.25", (2, 1), "won"), ("Away", "-0.25", (2, 1), "lost"),
    # bet365 0.5,1 ball: giving wins by exactly 1; receiving loses by exactly 1
    ("Home", "-0.75", (2, 1), "half won"), ("Away", "-0.75", (2, 1), "half lost"),
    ("Home", "-0.75", (3, 1), "won"), ("Away", "-0.75", (1, 1), "won"),
    # bet365 line 0
    ("Home", "+0", (1, 1), "void"), ("Away", "0", (0, 0), "void"), ("Away", "+0", (0, 1), "won"),
    # RoyalPanda: +1.25 on team 1 (home +1.25)
    ("Home", "+1.25", (0, 1), "half won"), ("Home", "+1.25", (0, 2), "lost"), ("Home", "+1.25", (1, 1), "won"),
])
def test_asian_handicap_worked_examples(outcome: str, line: str, score: tuple[int, int], result: str) -> None:
    settled = settle(4, outcome, line, *score)
    assert settled is not None and settled.result == result


def test_asian_handicap_in_money() -> None:
    # Unibet: GBP 10 at 2.05 on the away side at +2 and at +1.5 (home handicap -2 / -1.5).
    assert returned(4, "Away", "-2", (1, 0), 10, 2.05) == pytest.approx(20.50)
    assert returned(4, "Away", "-2", (2, 0), 10, 2.05) == pytest.approx(10.0)
    assert returned(4, "Away", "-1.5", (1, 0), 10, 2.05) == pytest.approx(20.50)
    assert returned(4, "Away", "-1.5", (2, 0), 10, 2.05) == 0.0
    # asianhandicap.tripod.com: Cardiff -3/4 at 1.825, Swansea +3/4 at 2.075, GBP 100 each.
    assert returned(4, "Home", "-0.75", (0, 0), 100, 1.825) == 0.0
    assert returned(4, "Away", "-0.75", (0, 0), 100, 2.075) == pytest.approx(207.50)
    assert returned(4, "Home", "-0.75", (1, 0), 100, 1.825) == pytest.approx(50 * 1.825 + 50)
    assert returned(4, "Away", "-0.75", (1, 0), 100, 2.075) == pytest.approx(50.0)
    assert returned(4, "Home", "-0.75", (2, 0), 100, 1.825) == pytest.approx(182.50)


@pytest.mark.parametrize(("outcome", "line", "score", "result"), [
    ("Under", "5.25", (3, 2), "half won"),  # Pinnacle: under 5 1/4 with 5 goals
    ("Over", "2.75", (2, 1), "half won"), ("Under", "2.75", (2, 1), "half lost"),  # vptop, slipsiq
    ("Over", "2.25", (1, 1), "half lost"), ("Under", "2.25", (1, 1), "half won"),
    ("Over", "2.25", (2, 1), "won"), ("Over", "2.75", (1, 1), "lost"),
    ("Over", "3", (2, 1), "void"), ("Under", "3.0", (2, 1), "void"), ("Over", "3", (2, 2), "won"),
    ("Over", "2.5", (2, 1), "won"), ("Under", "2.5", (2, 1), "lost"),
])
def test_goal_totals_at_half_whole_and_quarter_lines(outcome: str, line: str, score: tuple[int, int],
                                                     result: str) -> None:
    settled = settle(5, outcome, line, *score)
    assert settled is not None and settled.result == result


def test_draw_no_bet_and_team_totals_settle_on_their_own_count() -> None:
    assert [settle(2, o, "", 1, 1).result for o in ("Home", "Away")] == ["void", "void"]  # type: ignore[union-attr]
    assert settle(2, "Away", "", 0, 2).result == "won"  # type: ignore[union-attr]
    assert settle(16, "Over", "1.5", 2, 5).result == "won"  # type: ignore[union-attr]  # home's goals
    assert settle(17, "Over", "1.5", 2, 1).result == "lost"  # type: ignore[union-attr]
    assert settle(38, "more 5", "", 3, 2).result == "won"  # type: ignore[union-attr]
    assert settle(38, "4", "", 3, 2).result == "lost"  # type: ignore[union-attr]
    assert settle(25, "Draw/Under", "2.5", 1, 1).result == "won"  # type: ignore[union-attr]
    assert settle(25, "Home/Over", "2.5", 2, 0).result == "lost"  # type: ignore[union-attr]
    assert settle(24, "Home/No", "", 2, 0).result == "won"  # type: ignore[union-attr]
    assert settle(29, "Yes", "", 1, 0).result == "won"  # type: ignore[union-attr]
    assert settle(21, "Odd", "", 2, 1).result == "won"  # type: ignore[union-attr]
    # A half's, corners' or goal order's market cannot settle on the full-time score.
    assert settle(6, "Over", "0.5", 1, 0) is None and settle(14, "Home", "", 1, 0) is None
    assert settle(45, "Over", "9.5", 1, 0) is None and settle(999, "Home", "", 1, 0) is None


def test_a_line_must_be_a_multiple_of_a_quarter() -> None:
    with pytest.raises(ValueError, match=r"0\.25"):
        rules.settle_line("up", 2.1, 2)
    with pytest.raises(ValueError, match="Home or Away"):
        rules.asian_handicap("Draw", 0.0, 1, 1)


def test_value_with_a_push_is_not_price_times_p_minus_1() -> None:
    # Over 2 at 2.10: 50 % three or more goals, 25 % exactly two (the stake back), 25 % fewer.
    states = [(0.5, rules.WON), (0.25, rules.VOID), (0.25, rules.LOST)]
    assert settled_value(2.10, states) == pytest.approx(0.5 * 2.10 + 0.25 - 1)  # 0.30
    # Against the chance given no push (0.5 / 0.75) the naive EV would say 0.40.
    assert pytest.approx(0.40) == 2.10 * (0.5 / 0.75) - 1
    half = [(0.5, rules.WON), (0.25, rules.SETTLED["half won"]), (0.25, rules.LOST)]
    assert settled_value(2.0, half) == pytest.approx(0.5 * 2 + 0.25 * (0.5 * 2 + 0.5) - 1)
    with pytest.raises(ValueError, match="sum to 1"):
        settled_value(2.0, [(0.5, rules.WON)])


@pytest.mark.parametrize(("side", "line"), [("up", 2.0), ("down", 2.0), ("up", 2.25), ("down", 2.25),
                                            ("up", 1.75), ("down", 1.75), ("up", -0.25), ("down", 0.75)])
def test_a_fair_line_and_its_neighbour_recover_the_chance_of_a_push(side: str, line: float) -> None:
    # A count distributed 0..5; the line's fair chance for a side is win / (1 - refund), the
    # neighbouring half line says how often it wins outright: together the mass at the line.
    dist = {-1: 0.05, 0: 0.15, 1: 0.3, 2: 0.25, 3: 0.15, 4: 0.07, 5: 0.03}
    settled = [(p, rules.settle_line(side, line, n)) for n, p in dist.items()]  # type: ignore[arg-type]
    win = sum(p * s.win_share for p, s in settled)
    refund = sum(p * s.refund_share for p, s in settled)
    fair = win / (1 - refund)
    k = round(line)
    beyond = sum(p for n, p in dist.items() if (n > k if side == "up" else n < k))
    at = mass_at_line(side, line, fair, beyond)  # type: ignore[arg-type]
    assert at == pytest.approx(dist[k])
    states = line_states(side, line, fair, dist[k])  # type: ignore[arg-type]
    assert states is not None
    # The states give the bet the same value as the whole distribution, at any price.
    for price in (1.5, 2.0, 3.7):
        assert settled_value(price, states) == pytest.approx(
            sum(p * (s.win_share * price + s.refund_share) for p, s in settled) - 1)
    # At its fair price the bet is worth nothing.
    assert settled_value(1 / fair, states) == pytest.approx(0.0, abs=1e-12)


def test_figures_that_cannot_hold_together_give_no_mass() -> None:
    assert mass_at_line("up", 2.0, 0.5, 0.6) is None  # wins outright more often than its fair chance
    assert mass_at_line("up", 2.5, 0.5, 0.4) is None  # a half line: nothing lands on it
    assert line_states("up", 1.75, 0.1, 0.5) is None  # half the push mass already beats its fair chance
