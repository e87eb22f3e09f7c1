"""``/odds/live`` for the simulator: in-play prices of the fixtures in play, in the shape of
the provider's docs sample (``odds_live__official_docs_fixture721238.json``).

The live feed has no bookmaker and its own bet ids (``/odds/live/bets``): 59 Fulltime
Result, 25 Match Goals (``handicap`` is the line), 69 Both Teams to Score, 33 Asian Handicap.
Prices come from the goals still to come (Poisson on what is left of each team's rate) given
the score at the minute, so they move as the clock runs and jump at a goal; a market is
suspended in the minute a goal is scored and the whole feed is ``stopped`` at half time.

``full`` (the ``live_full`` quirk) makes an item as large as the docs' sample: its 35 other
markets (``live_extra``) beside these four, three goal lines and five Asian handicap lines
(39 bets, 253 values, 37 of them suspended), and the feed ``blocked`` in the minute of a goal
and now and then besides.
"""

from __future__ import annotations

import math
from typing import Any

from .data import LIVE_MINUTES, Fixture, SimData, iso_plus00
from .live_extra import EXTRA_BETS

LIVE_FULLTIME_RESULT = 59
LIVE_MATCH_GOALS = 25
LIVE_BOTH_TEAMS_SCORE = 69
LIVE_ASIAN_HANDICAP = 33
_MARGIN = 1.06
_GOAL_LINES = (0.5, 1.5, 2.5, 3.5, 4.5)
# Full feed: blocked one minute in this many besides the minute of a goal; the extra markets'
# odds drift within this share of the sample's.
_BLOCKED_EVERY = 13
_EXTRA_DRIFT = 0.08


def _pmf(lam: float, n: int = 11) -> list[float]:
    return [math.exp(-lam) * lam ** k / math.factorial(k) for k in range(n)]


def _price(odd: float) -> str:
    # The live feed quotes up to three decimals ("4.333"); never below 1.01.
    return f"{max(1.01, odd):.3f}".rstrip("0").rstrip(".")


def _odd(p: float) -> str:
    return _price(1.0 / max(p * _MARGIN, 1e-6))


def _value(label: str, p: float, handicap: str | None, main: bool | None, suspended: bool) -> dict[str, Any]:
    return {"value": label, "odd": _odd(p), "handicap": handicap, "main": main, "suspended": suspended}


def extra_bets(fx: Fixture, minute: int) -> list[dict[str, Any]]:
    """The docs sample's other markets for ``fx`` at ``minute``: their odds moved by a drift
    keyed on the fixture and the minute (a suspended "0" stays "0")."""
    out = []
    for bet_id, name, values in EXTRA_BETS:
        shown = []
        for k, (label, odd, handicap, main, suspended) in enumerate(values):
            wave = math.sin(fx.id * 0.37 + bet_id * 1.3 + k * 0.71 + minute * 0.19)
            price = float(odd)
            text = odd if price == 0 else _price(price * (1 + _EXTRA_DRIFT * wave))
            shown.append({"value": label, "odd": text, "handicap": handicap, "main": main,
                          "suspended": suspended})
        out.append({"id": bet_id, "name": name, "values": shown})
    return out


def live_item(data: SimData, fx: Fixture, ts: float, *, full: bool = False) -> dict[str, Any] | None:
    """One ``/odds/live`` item for ``fx`` at ``ts``, or None when it is not in play; ``full``:
    as large as the docs' sample (see the module doc)."""
    st = data.status_at(fx, ts)
    if not st.live or st.elapsed is None:
        return None
    gh, ga = st.goals_home or 0, st.goals_away or 0
    left = max(0.0, (90 - st.elapsed) / 90.0)
    ph, pa = _pmf(fx.lam_home * left), _pmf(fx.lam_away * left)
    home = draw = away = 0.0
    totals = [0.0] * 21
    for i, a in enumerate(ph):
        for j, b in enumerate(pa):
            p = a * b
            totals[min(20, gh + ga + i + j)] += p
            diff = gh + i - (ga + j)
            home += p if diff > 0 else 0.0
            draw += p if diff == 0 else 0.0
            away += p if diff < 0 else 0.0
    scored_now = st.short != "HT" and (st.elapsed in fx.home_goal_minutes or st.elapsed in fx.away_goal_minutes)
    both = 1.0 if gh and ga else (1.0 if gh else 1.0 - ph[0]) * (1.0 if ga else 1.0 - pa[0])
    lines = [gh + ga + 0.5 + k for k in range(3)] if full else \
        [ln for ln in _GOAL_LINES if ln > gh + ga] or [gh + ga + 0.5]
    main_line = min(lines, key=lambda ln: abs(sum(totals[int(ln) + 1:]) - 0.5))
    goals = []
    for ln in lines:
        over = sum(totals[int(ln) + 1:])
        goals += [_value("Over", over, f"{ln:g}", ln == main_line, scored_now),
                  _value("Under", 1.0 - over, f"{ln:g}", ln == main_line, scored_now)]
    # Asian handicap on the current margin: home gives the goals it leads by, minus a half.
    line = ga - gh - 0.5
    home_ah = home if line < 0 else home + draw
    handicaps = [_value(side, p, f"{sign * (line + shift):g}", shift == 0, scored_now)
                 for shift in ((-2, -1, 0, 1, 2) if full else (0,))
                 for side, p, sign in (("Home", _shifted(home_ah, shift), 1),
                                       ("Away", 1.0 - _shifted(home_ah, shift), -1))]
    odds = [
        {"id": LIVE_FULLTIME_RESULT, "name": "Fulltime Result",
         "values": [_value(lab, p, None, None, scored_now)
                    for lab, p in (("Home", home), ("Draw", draw), ("Away", away))]},
        {"id": LIVE_MATCH_GOALS, "name": "Match Goals", "values": goals},
        {"id": LIVE_BOTH_TEAMS_SCORE, "name": "Both Teams to Score",
         "values": [_value("Yes", both, None, None, scored_now),
                    _value("No", 1.0 - both, None, None, scored_now)]},
        {"id": LIVE_ASIAN_HANDICAP, "name": "Asian Handicap", "values": handicaps},
    ]
    if full:
        odds += extra_bets(fx, st.elapsed)
    blocked = full and (scored_now or (fx.id + st.elapsed) % _BLOCKED_EVERY == 0)
    seconds = int(ts - fx.kickoff) % 60
    return {
        "fixture": {"id": fx.id, "status": {"long": st.long, "elapsed": st.elapsed,
                                            "seconds": f"{st.elapsed}:{seconds:02d}"}},
        "league": {"id": fx.league.id, "season": fx.season},
        "teams": {"home": {"id": fx.home.id, "goals": gh}, "away": {"id": fx.away.id, "goals": ga}},
        "status": {"stopped": st.short == "HT", "blocked": blocked,
                   "finished": ts - fx.kickoff >= LIVE_MINUTES * 60},
        "update": iso_plus00(ts - ts % 60),
        "odds": odds,
    }


def _shifted(p: float, shift: int) -> float:
    """The home side's chance with ``shift`` more goals of handicap in its favour (fewer when
    negative): each goal moves it a third of the way to 1 (to 0). A rough ladder around the
    main line, which alone is exact."""
    for _ in range(abs(shift)):
        p = p + (1 - p) / 3 if shift > 0 else p * 2 / 3
    return p


def live_items(data: SimData, ts: float, *, fixture: int | None, league: int | None,
               bet: int | None, full: bool = False) -> list[dict[str, Any]]:
    """``/odds/live`` answered: every fixture in play, narrowed by the filters."""
    if fixture is not None:
        fx0 = data.by_id.get(fixture)
        cands = [fx0] if fx0 is not None else []
    else:
        cands = list(data.by_league.get(league, [])) if league is not None else list(data.fixtures)
    out = []
    for fx in cands:
        if league is not None and fx.league.id != league:
            continue
        item = live_item(data, fx, ts, full=full)
        if item is None:
            continue
        if bet is not None:
            item["odds"] = [b for b in item["odds"] if b["id"] == bet]
        out.append(item)
    return out
