"""The analyst's desk: picks, pins, filters and the value board (kept in the store, never sent),
and the price history behind the Odds screen's chart and closing prices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from ..desk.picks import PickView, pick_views
from ..desk.probs import ProbsError, import_probs
from ..domain.kelly import kelly_simultaneous
from ..domain.market import ValueBet, model_value_bets
from ..domain.markets import BY_ID
from ..domain.models import Fixture
from ..domain.odds import kelly_stake, share_stake
from ..store import NewPick
from ..store.picks import Scope
from ..types import FairMethod
from .page import Page, combine
from .pages import Pages, without_bookmakers
from .valuescan import Scan, ValueScan

PENDING_NOTE = "value bets still being worked out: shown when done"
# What value is worked out against: the market's fair view, or your own probabilities.
ValueBasis = Literal["market", "model"]


def _win_or_lose(bet: ValueBet) -> bool:
    """Outcomes of one line that are mutually exclusive and never push or settle by halves:
    what simultaneous Kelly sizes together (a whole or quarter line can push: sized alone)."""
    market = BY_ID.get(bet.market_id)
    if market is None or market.kind == "double" or market.family in ("handicap", "list"):
        return False
    return not bet.line or float(bet.line) % 1 == 0.5


@dataclass(frozen=True, slots=True)
class ValueBoard:
    """The Value screen's board: the best bets kept, and how many fixtures are not worked out
    yet (the board shows at once what is kept; ``scan_values`` works out the rest)."""

    bets: list[ValueBet]
    pending: int = 0


@dataclass(frozen=True, slots=True)
class ValuePage:
    """All the Value screen shows, read in one call on the engine's loop: the board, each
    bet's stake in money (0 for arbitrages and middles), the watched fixtures by id (names
    and kickoffs), and the basis the board was worked out against."""

    board: ValueBoard
    stakes: list[float]
    fixtures: dict[int, Fixture]
    basis: ValueBasis


class Desk:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.settings = pages.settings
        self.store = pages.store
        self.clock = pages.clock
        self.values = ValueScan(pages)
        self._model_failed: tuple[str, float] | None = None  # a [model] file told once

    def add_pick(self, pick: NewPick) -> int:
        return self.store.picks.add(pick, self.clock.now())

    async def picks(self, scope: Scope = "mine") -> list[PickView]:
        # Async so the TUI runs it on the engine's loop: it reads every cached fixtures page.
        return pick_views(self.store, self.settings.odds.fair_method, self.clock.now(), scope)

    def filters(self) -> tuple[frozenset[int], frozenset[int]]:
        return self.store.picks.filters()

    def save_filters(self, hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int]) -> None:
        self.store.picks.save_filters(hidden_leagues, hidden_bookmakers)

    def pinned(self, scope: Scope = "mine") -> set[int]:
        return self.store.picks.pinned(scope)

    def toggle_pin(self, fixture_id: int) -> bool:
        return self.store.picks.toggle_pin(fixture_id, self.clock.now())

    def movement(self, fixture_id: int, market_id: int, label: str) -> list[tuple[int, datetime, float]]:
        """Every stored price of one outcome, (bookmaker, observed_at, price), for the chart."""
        return [(p.bookmaker_id, p.observed_at, p.price)
                for p in self.store.history.series(fixture_id, market_id) if p.outcome == label]

    def closing_means(self, fixture_id: int, bet_id: int) -> dict[str, float]:
        """A market's close per outcome: the mean of each bookmaker's last pre-kickoff price."""
        by_outcome: dict[str, list[float]] = {}
        for (_fid, _book, bet, outcome), price in self.store.history.closing([fixture_id]).items():
            if bet == bet_id:
                by_outcome.setdefault(outcome, []).append(price)
        return {outcome: sum(prices) / len(prices) for outcome, prices in by_outcome.items()}

    def kelly_stakes(self, bets: Sequence[ValueBet], *, simultaneous: bool = False) -> list[float]:
        """The money to stake on each of ``bets`` (``[stakes]``: a fraction of full Kelly of the
        bankroll, rounded), each against its own probability. ``simultaneous``: outcomes of one
        market and line that settle win-or-lose only are sized together (domain/kelly.py,
        Smoczynski & Tomkins), as backing them all at once asks; the rest one by one."""
        cfg = self.settings.stakes
        shares: list[float | None] = [None] * len(bets)
        if simultaneous:
            groups: dict[tuple[int, int, str], list[int]] = {}
            for i, bet in enumerate(bets):
                if bet.price is not None and bet.fair_probability is not None and _win_or_lose(bet):
                    groups.setdefault((bet.fixture_id, bet.market_id, bet.line), []).append(i)
            for members in groups.values():
                if len(members) < 2:
                    continue
                joint = kelly_simultaneous([bets[i].price or 0.0 for i in members],
                                           [bets[i].fair_probability or 0.0 for i in members])
                for i, joint_share in zip(members, joint, strict=True):
                    shares[i] = joint_share
        out = []
        for bet, share in zip(bets, shares, strict=True):
            if bet.price is None or bet.fair_probability is None:
                out.append(0.0)
            elif share is None:
                out.append(kelly_stake(bet.price, bet.fair_probability, cfg.bankroll, cfg.kelly_fraction,
                                       cfg.round_to))
            else:
                out.append(share_stake(share, cfg.bankroll, cfg.kelly_fraction, cfg.round_to))
        return out

    def value_sources(self) -> tuple[ValueBasis, ...]:
        return ("market", "model") if self.store.model.last_import() is not None else ("market",)

    def model_poll(self) -> str | None:
        """``[model] file`` imported again when its mtime differs from the one the set in the
        store came from (or the set came from elsewhere); a file that does not read leaves the
        set as it was, and the problem is returned (once per change of the file)."""
        path = self.settings.model.file
        if path is None:
            return None
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            return f"[model] file {path}: cannot be read ({exc.strerror or exc})"
        last = self.store.model.last_import()
        if last is not None and last.source == str(path) and last.mtime == mtime:
            return None
        if self._model_failed == (str(path), mtime):
            return None
        try:
            import_probs(self.store, path, self.clock.now())
        except ProbsError as exc:
            self._model_failed = (str(path), mtime)
            return f"[model] {exc}; the previous set is kept"
        return None

    async def value_board(self, *, method: FairMethod | None = None, consensus: str = "all",
                          pinned: frozenset[int] = frozenset(),
                          hidden_leagues: frozenset[int] = frozenset(),
                          hidden_bookmakers: frozenset[int] = frozenset(),
                          basis: ValueBasis = "market", limit: int | None = None) -> Page[ValueBoard]:
        """Every value bet, arbitrage and middle of the watched fixtures (the pinned ones when
        any are pinned, else every upcoming fixture in a league not hidden), best edge first
        (``limit``: the best so many, a note saying of how many);
        with ``basis`` "model", the value bets against your own probabilities (no arbitrage
        nor middle: those are the market's).

        Read from the value scan kept after the odds were stored (engine/valuescan.py), never
        scanned here: the screen shows the kept bets at once, and the fixtures not worked out yet
        are counted (``pending``) and said in a note (:meth:`scan_values` finishes them)."""
        return await self._board(await self.pages.fixtures(), method=method, consensus=consensus, pinned=pinned,
                                 hidden_leagues=hidden_leagues, hidden_bookmakers=hidden_bookmakers,
                                 basis=basis, limit=limit)

    async def _board(self, fixtures: Page[list[Fixture]], *, method: FairMethod | None, consensus: str,
                     pinned: frozenset[int], hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int],
                     basis: ValueBasis, limit: int | None) -> Page[ValueBoard]:
        """:meth:`value_board` of ``fixtures``, the watched fixtures as read by its caller."""
        pages, odds = await self.pages.odds_pages(force=False)
        prov = combine([fixtures.provenance, odds], self.clock.now())
        if fixtures.data is None or odds.source == "none":
            return Page(None, prov)
        carried = self.pages.carried(pages)
        shown = [f.id for f in fixtures.data if f.id in carried and (
            f.id in pinned if pinned else f.is_upcoming and f.league_id not in hidden_leagues)]
        if basis == "model":
            return Page(ValueBoard(self._model_value(shown, hidden_bookmakers)[:limit]), prov)
        scan = Scan(method or self.settings.odds.fair_method, consensus, hidden_bookmakers)
        found = self.values.read(scan, shown, limit)
        notes = [f"best {len(found.bets):,} of {found.total:,} shown"] if found.total > len(found.bets) else []
        if found.pending:
            notes.append(f"{found.pending} fixtures' {PENDING_NOTE}")
        return Page(ValueBoard(found.bets, found.pending), replace(prov, notes=(*prov.notes, *notes)))

    async def value_page(self, *, method: FairMethod | None = None, pinned: frozenset[int] = frozenset(),
                         hidden_leagues: frozenset[int] = frozenset(),
                         hidden_bookmakers: frozenset[int] = frozenset(), basis: ValueBasis = "market",
                         limit: int | None = None, simultaneous: bool = False) -> Page[ValuePage]:
        """The Value screen's page (:meth:`value_board`, with the stakes of its value bets sized
        by :meth:`kelly_stakes` and the fixtures they are of), against ``basis`` where there
        is one, else the market. One call where four were (the screen's first open waited for
        each to cross to the engine's loop and back)."""
        if basis not in self.value_sources():
            basis = "market"
        # The fixtures read once: the board's watched ones are the names and kickoffs shown.
        fixtures = await self.pages.fixtures()
        board = await self._board(fixtures, method=method, consensus="all", pinned=pinned,
                                  hidden_leagues=hidden_leagues, hidden_bookmakers=hidden_bookmakers,
                                  basis=basis, limit=limit)
        if board.data is None:
            return Page(None, board.provenance)
        bets = board.data.bets
        valued = [b for b in bets if b.kind == "value"]
        stakes = dict(zip(map(id, valued), self.kelly_stakes(valued, simultaneous=simultaneous), strict=True))
        return Page(ValuePage(board.data, [stakes.get(id(b), 0.0) for b in bets],
                              {f.id: f for f in fixtures.data or []}, basis), board.provenance)

    async def scan_values(self, *, method: FairMethod | None = None, consensus: str = "all",
                          hidden_bookmakers: frozenset[int] | None = None) -> int:
        """Work out and keep the value bets of every upcoming fixture whose odds changed since
        (a few at a time, giving the loop back between): what the Value screen then reads.
        ``hidden_bookmakers`` None: the desk's saved filter. Returns how many were scanned."""
        fixtures = await self.pages.fixtures()
        pages, odds = await self.pages.odds_pages(force=False)
        if fixtures.data is None or odds.source == "none":
            return 0
        carried = self.pages.carried(pages)
        hidden = self.filters()[1] if hidden_bookmakers is None else hidden_bookmakers
        scan = Scan(method or self.settings.odds.fair_method, consensus, hidden)
        watched = [f.id for f in fixtures.data if f.is_upcoming and f.id in carried]
        self.store.values.forget_except(watched)  # kicked off or no longer carried: never shown again
        return await self.values.run(scan, watched)

    def _model_value(self, shown: list[int], hidden_bookmakers: frozenset[int]) -> list[ValueBet]:
        modelled = self.store.model.fixtures()
        found: list[ValueBet] = []
        watched = self.pages.recorder.watched
        for fid in shown:
            entry = self.pages.fixture_entry(fid, None) if fid in modelled else None
            if entry is None:
                continue
            probabilities = self.store.model.probabilities(fid)
            found += [bet for fo in entry[1]
                      for bet in model_value_bets(without_bookmakers(watched(fo), hidden_bookmakers), probabilities)]
        return sorted(found, key=lambda v: -v.edge)
