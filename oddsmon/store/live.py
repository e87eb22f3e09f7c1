"""In-play odds: the live feed's prices (changes only) and each fixture's latest minute and score.

Kept apart from ``odds_snapshots``: the live feed has no bookmaker and numbers its bets in its
own id space (``/odds/live/bets``), so a live bet 59 must never meet a pre-match bet 59.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..clock import utc_from_ts

if TYPE_CHECKING:  # the models module is big: the store's readers import it only when used
    from ..domain.models import LiveStatus
    from .backend import Backend

# (bet, outcome, handicap or '', seq): one live series of a fixture.
LiveKey = tuple[int, str, str, int]


@dataclass(frozen=True, slots=True)
class LivePrice:
    fixture_id: int
    bet_id: int
    outcome: str
    handicap: str
    seq: int
    price: float | None  # None while suspended
    main: bool | None
    suspended: bool

    @property
    def key(self) -> LiveKey:
        return (self.bet_id, self.outcome, self.handicap, self.seq)


@dataclass(frozen=True, slots=True)
class LiveState:
    fixture_id: int
    observed_at: datetime
    status: LiveStatus


@dataclass(frozen=True, slots=True)
class LiveBoard:
    """One fixture in play as last seen: its state, prices now, and the first in-play prices."""

    state: LiveState
    now: dict[LiveKey, LivePrice]
    first: dict[LiveKey, float]  # first priced observation of each series: movement since kickoff

    def unbettable(self, price: LivePrice) -> str | None:
        """Why ``price`` is not an offer now: the value is suspended (or has no price), or the
        whole match is blocked, stopped or finished; None when it can be bet on."""
        if price.suspended or price.price is None:
            return "suspended"
        return self.state.status.halted

    def bettable(self) -> dict[LiveKey, float]:
        """The prices that are offers now: the only ones value, arbitrage or an alert may use."""
        return {k: p.price for k, p in self.now.items()
                if p.price is not None and self.unbettable(p) is None}


class LiveOddsStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def record(self, at: datetime, states: Iterable[LiveState], prices: Iterable[LivePrice]) -> int:
        """Store each fixture's state and the prices that changed (price or suspension);
        returns how many price rows were written. Compared inside the write transaction, so
        two processes recording the same answer do not both insert it."""
        rows = list(prices)
        with self.db.write() as tx:
            for st in states:
                tx.execute(
                    "INSERT INTO live_state (fixture_id, observed_at, status, elapsed, goals_home, "
                    "goals_away, stopped, blocked, finished) VALUES (?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(fixture_id) DO UPDATE SET observed_at=excluded.observed_at, "
                    "status=excluded.status, elapsed=excluded.elapsed, goals_home=excluded.goals_home, "
                    "goals_away=excluded.goals_away, stopped=excluded.stopped, "
                    "blocked=excluded.blocked, finished=excluded.finished",
                    (st.fixture_id, at.timestamp(), st.status.status_long, st.status.elapsed,
                     st.status.goals_home, st.status.goals_away, int(st.status.stopped),
                     int(st.status.blocked), int(st.status.finished)))
            latest: dict[tuple[int, int, str, str, int], tuple[float | None, int]] = {}
            last = self.db.dialect.row_with_extreme(
                "bet_id, outcome, handicap, seq, price, suspended", "observed_at",
                "FROM live_odds WHERE fixture_id = ?", "bet_id, outcome, handicap, seq")
            for fid in sorted({r.fixture_id for r in rows}):
                for r in tx.execute(last, (fid,)):
                    latest[(fid, r[0], r[1], r[2], r[3])] = (r[4], r[5])
            changed = [r for r in rows
                       if latest.get((r.fixture_id, *r.key)) != (r.price, int(r.suspended))]
            tx.executemany(
                "INSERT INTO live_odds (fixture_id, bet_id, outcome, handicap, seq, "
                "observed_at, price, main, suspended) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                [(r.fixture_id, r.bet_id, r.outcome, r.handicap, r.seq, at.timestamp(), r.price,
                  None if r.main is None else int(r.main), int(r.suspended)) for r in changed])
        return len(changed)

    def states(self) -> dict[int, LiveState]:
        from ..domain.models import LiveStatus

        return {r[0]: LiveState(r[0], utc_from_ts(r[1]),  # type: ignore[arg-type]
                                LiveStatus(r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]), bool(r[8])))
                for r in self.db.query(
                    "SELECT fixture_id, observed_at, status, elapsed, goals_home, goals_away, "
                    "stopped, blocked, finished FROM live_state")}

    def board(self, fixture_id: int) -> LiveBoard | None:
        state = self.states().get(fixture_id)
        if state is None:
            return None
        now: dict[LiveKey, LivePrice] = {}
        extreme = self.db.dialect.row_with_extreme
        series = "bet_id, outcome, handicap, seq"
        for r in self.db.query(extreme(f"{series}, price, main, suspended", "observed_at",
                                       "FROM live_odds WHERE fixture_id = ?", series), (fixture_id,)):
            now[(r[0], r[1], r[2], r[3])] = LivePrice(
                fixture_id, r[0], r[1], r[2], r[3], r[4], None if r[5] is None else bool(r[5]), bool(r[6]))
        first = {(r[0], r[1], r[2], r[3]): r[4] for r in self.db.query(
            extreme(f"{series}, price", "observed_at",
                    "FROM live_odds WHERE fixture_id = ? AND price IS NOT NULL", series, least=True),
            (fixture_id,))}
        return LiveBoard(state, now, first)

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM live_odds")
        return 0 if row is None else row[0]
