"""The Dashboard: the window's fixtures, each with its best Match Winner prices and markers (the
headline kept when its odds were stored), the biggest movers, and what is in play."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..domain.market import Headline, headline, headline_from_row
from ..domain.models import MATCH_WINNER, Fixture, FixtureOdds
from .page import Page, combine
from .pages import Pages, ServedOdds, without_bookmakers

# The Match Winner part of a league's odds: what its league entry keeps, the Dashboard's view.
_MW = frozenset({MATCH_WINNER})


@dataclass(frozen=True, slots=True)
class Dashboard:
    fixtures: list[Fixture]
    odds: Mapping[int, FixtureOdds]  # Match Winner odds by fixture id, parsed on first use
    headlines: dict[int, Headline]  # by fixture id: best Match Winner prices and markers
    movers: list[Headline]  # biggest Match Winner moves since opening, largest first
    # Fixtures in play by id, as the live list last saw them (minute, score): the live marker.
    live: dict[int, Fixture] = field(default_factory=dict)


class _LazyOdds(Mapping[int, FixtureOdds]):
    """Odds by fixture id, loaded on first use: the Dashboard's headlines come ready-made, and
    parsing the odds behind them would cost more than the rest of the page."""

    __slots__ = ("_data", "load_page")

    def __init__(self, load: Callable[[], dict[int, FixtureOdds]]) -> None:
        self.load_page = load
        self._data: dict[int, FixtureOdds] | None = None

    def _loaded(self) -> dict[int, FixtureOdds]:
        if self._data is None:
            self._data = self.load_page()
        return self._data

    def __getitem__(self, fixture_id: int) -> FixtureOdds:
        return self._loaded()[fixture_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


class DashboardPage:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.store = pages.store
        self.recorder = pages.recorder
        self.clock = pages.clock
        self._headlines: dict[int, tuple[FixtureOdds, tuple[Any, ...], Headline]] = {}
        self._kept_heads: dict[int, tuple[str, Headline]] = {}  # the shown fixtures' kept text, decoded

    async def dashboard(self, *, force: bool = False,
                        hidden_bookmakers: frozenset[int] = frozenset()) -> Page[Dashboard]:
        """``hidden_bookmakers``: left out of the best prices (the desk's bookmaker filter).

        Each fixture's headline was computed when its odds were stored, and is read with one
        query; with bookmakers hidden, or a headline missing (a store from before them), they
        are computed here. The Match Winner odds behind them are parsed only if asked for.
        """
        fixtures = await self.pages.fixtures(force=force)
        served, odds_prov = await self.pages.odds_pages(force)
        if fixtures.data is None:
            # Nothing to show without the fixtures, whatever the odds did: the page is as
            # never cached, with the fixtures' error or offline reason.
            return Page(None, fixtures.provenance)
        prov = combine([fixtures.provenance, odds_prov], self.clock.now())
        carried = self.pages.carried(served)
        shown = [f.id for f in fixtures.data if f.id in carried]
        odds = _LazyOdds(lambda: self._match_winner_odds(served, hidden_bookmakers))
        kept = {} if hidden_bookmakers else self.store.headlines.get(shown, self.recorder.books_key())
        if all(fid in kept for fid in shown):
            # A headline whose kept text has not changed is not decoded again: most of a
            # 2,000-fixture Dashboard's refresh was these decodes.
            decoded = {fid: hit[1] for fid in shown
                       if (hit := self._kept_heads.get(fid)) is not None and hit[0] == kept[fid]}
            self._kept_heads = {fid: (kept[fid], decoded.get(fid) or headline_from_row(fid, kept[fid]))
                                for fid in shown}
            heads = {fid: self._kept_heads[fid][1] for fid in shown}
        else:
            openings = self.recorder.openings(shown)
            heads = {fid: self._headline(odds[fid], openings.get(fid)) for fid in shown if fid in odds}
            self._headlines = {fid: self._headlines[fid] for fid in shown if fid in self._headlines}
        movers = sorted((h for h in heads.values() if h.move_pct), key=lambda h: -abs(h.move_pct or 0))
        return Page(Dashboard(fixtures.data, odds, heads, movers[:10], self.pages.in_play()), prov)

    def _match_winner_odds(self, served: ServedOdds, hidden: frozenset[int]) -> dict[int, FixtureOdds]:
        """The Match Winner odds the league entries keep, and those of the fixtures served by
        their own entries (fresher), by fixture id."""
        out: dict[int, FixtureOdds] = {}
        for request in served.pages:
            for fo in self.pages.reader.peek(request, _MW)[0] or []:
                out[fo.fixture_id] = fo
        for fid in served.alone:
            for fo in (self.pages.fixture_entry(fid, _MW) or (None, []))[1]:
                out[fo.fixture_id] = fo
        return {fid: without_bookmakers(self.recorder.watched(fo), hidden) for fid, fo in out.items()}

    def _headline(self, odds: FixtureOdds, openings: dict[tuple[int, str], float] | None) -> Headline:
        # A headline is a full market analysis; on a big day the Dashboard redraws thousands.
        # The parsed odds are memoised per cache entry, so the same object means the same
        # prices: reuse the headline until the prices or the openings change.
        key = (odds, tuple(sorted((openings or {}).items())))
        hit = self._headlines.get(odds.fixture_id)
        if hit is not None and hit[0] is key[0] and hit[1] == key[1]:
            return hit[2]
        head = headline(odds, openings)
        self._headlines[odds.fixture_id] = (key[0], key[1], head)
        return head
