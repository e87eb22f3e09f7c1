"""The provider seam: what oddsmon asks a source of fixtures, odds and predictions for (the
requests, in the domain's terms), what it gets back (domain types, and the body the cache keeps
to read them back), and how a provider tells its quota and refusals in neutral terms.

A request's ``key`` is what the cache is keyed by: its kind and its parameters, never a
provider's URL, so the cache, the store, the reports and the collector name no endpoint.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from urllib.parse import parse_qs

from ..domain.models import Bookmaker, Fixture, FixtureOdds, League, LiveOdds, Prediction
from ..domain.odds_page import PageBook
from ..store.cache import cache_key

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True, slots=True)
class Request(Generic[T_co]):
    """One thing asked for; ``T_co`` is what it answers."""

    kind: ClassVar[str]  # what the cache groups entries by (the reports' pages are made of kinds)
    # Parameters whose latest cached value may stand in for a value never cached (a window).
    window: ClassVar[tuple[str, ...]] = ()

    def params(self) -> dict[str, str]:
        return {}

    @property
    def key(self) -> str:
        """The cache key: the kind and the sorted parameters."""
        return cache_key(self.kind, self.params())


@dataclass(frozen=True, slots=True)
class BookmakersRequest(Request[list[Bookmaker]]):
    """Every bookmaker the provider prices with."""

    kind: ClassVar[str] = "bookmakers"


@dataclass(frozen=True, slots=True)
class SeasonRequest(Request[list[League]]):
    """A league with its current season, and what the provider covers in it."""

    kind: ClassVar[str] = "seasons"
    league: int

    def params(self) -> dict[str, str]:
        return {"league": str(self.league)}


@dataclass(frozen=True, slots=True)
class FixturesRequest(Request[list[Fixture]]):
    """A league's fixtures of one season from ``first`` through ``last``."""

    kind: ClassVar[str] = "fixtures"
    window: ClassVar[tuple[str, ...]] = ("from", "to")
    league: int
    season: int
    first: date
    last: date

    def params(self) -> dict[str, str]:
        return {"league": str(self.league), "season": str(self.season),
                "from": self.first.isoformat(), "to": self.last.isoformat()}


@dataclass(frozen=True, slots=True)
class FixturesByIdsRequest(Request[list[Fixture]]):
    """Some fixtures by id, whatever their league or day: the priced fixtures no fixtures page
    of the watch window describes (at most ``Codec.ids_per_call`` ids a request)."""

    kind: ClassVar[str] = "fixtures"
    ids: tuple[int, ...]

    def params(self) -> dict[str, str]:
        return {"ids": "-".join(str(i) for i in self.ids)}

    @staticmethod
    def asked(key: str) -> tuple[int, ...]:
        """The ids a cached entry's ``key`` asked for (none: it is another fixtures request)."""
        if not key.startswith(f"{FixturesByIdsRequest.kind}?"):
            return ()
        found = parse_qs(key.partition("?")[2]).get("ids", [""])[0]
        return tuple(int(i) for i in found.split("-") if i.isdigit())


@dataclass(frozen=True, slots=True)
class LiveFixturesRequest(Request[list[Fixture]]):
    """The fixtures in play now in the given leagues, one request for all of them."""

    kind: ClassVar[str] = "fixtures"
    leagues: tuple[int, ...]

    def params(self) -> dict[str, str]:
        return {"live": "-".join(str(lg) for lg in self.leagues)}


@dataclass(frozen=True, slots=True)
class LeagueOddsRequest(Request[list[FixtureOdds]]):
    """A league's pre-match odds of one season, every fixture of it (possibly many pages)."""

    kind: ClassVar[str] = "odds"
    league: int
    season: int

    def params(self) -> dict[str, str]:
        return {"league": str(self.league), "season": str(self.season)}


@dataclass(frozen=True, slots=True)
class FixtureOddsRequest(Request[list[FixtureOdds]]):
    """One fixture's pre-match odds."""

    kind: ClassVar[str] = "odds"
    fixture: int

    def params(self) -> dict[str, str]:
        return {"fixture": str(self.fixture)}


@dataclass(frozen=True, slots=True)
class LiveOddsRequest(Request[list[LiveOdds]]):
    """A league's fixtures in play, with their in-play odds."""

    kind: ClassVar[str] = "live-odds"
    league: int

    def params(self) -> dict[str, str]:
        return {"league": str(self.league)}


@dataclass(frozen=True, slots=True)
class PredictionRequest(Request[list[Prediction]]):
    """The provider's prediction for one fixture."""

    kind: ClassVar[str] = "predictions"
    fixture: int

    def params(self) -> dict[str, str]:
        return {"fixture": str(self.fixture)}


# Every kind of request, for the tests that hold a provider to all of them.
REQUESTS: tuple[type[Request[Any]], ...] = (
    BookmakersRequest, SeasonRequest, FixturesRequest, FixturesByIdsRequest, LiveFixturesRequest,
    LeagueOddsRequest,
    FixtureOddsRequest, LiveOddsRequest, PredictionRequest)


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A provider's answer: the domain data, the body the cache keeps for it (``decode`` reads
    it back), and the day's calls left as the answer said (None: it did not say)."""

    data: T
    body: str
    quota_left: int | None = None


@dataclass(frozen=True, slots=True)
class OddsPage:
    """One page of a league's odds as it arrives: each fixture's odds (typed as far as the bets
    asked for), each bookmaker's bets read as (fixture id, PageBook), and each fixture's own
    entry, the body its ``FixtureOddsRequest`` keeps."""

    odds: list[FixtureOdds]
    books: list[tuple[int, PageBook]]
    entries: list[tuple[FixtureOddsRequest, bytes]]


@dataclass(frozen=True, slots=True)
class OddsKeeper:
    """What a league odds fetch hands each page to, before it asks for the next: a big league
    is never held whole."""

    bets: frozenset[int] | None  # the bets read (None: all); the rest stays in the entries
    keep: Callable[[OddsPage], None]
    typed: frozenset[int] | None = None  # of those, the ones typed (None: all); the rest go to the books


@dataclass(frozen=True, slots=True)
class Refusal:
    """The provider refused a request (plan, parameter, unknown request): its words, by what
    they are about, and what to change, in oddsmon's terms."""

    messages: dict[str, str]
    hint: str = ""

    def text(self, until: datetime) -> str:
        words = "; ".join(f"{k}: {v}" for k, v in self.messages.items()) or "unknown error"
        return (f"refused by the provider (not asked again before {until:%Y-%m-%d %H:%M} UTC): "
                f"{words}.{self.hint}")


class Refused(Exception):
    """A fetch the provider refused; ``body`` is kept in the cache like an answer, so the same
    request is not paid for again before its entry expires."""

    def __init__(self, refusal: Refusal, body: str) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in refusal.messages.items()))
        self.refusal = refusal
        self.body = body


class Codec(Protocol):
    """Reading back what a provider's fetches left in the cache."""

    def decode(self, request: Request[T] | type[Request[T]], body: str,
               only_bets: frozenset[int] | None = None) -> T:
        """A kept body as the answer of ``request`` (or of any request of that type: every
        fixtures page, say); ``only_bets``: odds typed for those bets only. Raises ValueError
        (ParseError is one) when the body does not read."""
        ...

    def refusal(self, body: str) -> Refusal | None:
        """The refusal a kept body is, if it is one."""
        ...

    def describe(self, request: Request[Any]) -> str:
        """How the provider names the request, in logs and messages."""
        ...

    def refresh_calls(self, request: Request[Any], items: int | None) -> int:
        """Counted calls a refresh of ``request`` takes, given the items its kept answer
        holds (None: not known)."""
        ...

    @property
    def ids_per_call(self) -> int:
        """The most fixtures one ``FixturesByIdsRequest`` may ask for."""
        ...


class Provider(Codec, Protocol):
    """A source of fixtures, odds and predictions, behind its own wire.

    Failures are the ``ProviderFailure`` family: an ``outage`` names the offline reason it
    switches oddsmon to (network, quota); ``Refused`` is an answer kept like one.
    """

    @property
    def status_name(self) -> str:
        """How people know the free status probe (the runbook names it)."""
        ...

    @property
    def spent(self) -> int:
        """Counted calls this process spent, whatever happened to their answers."""
        ...

    @property
    def rate_limit_give_ups(self) -> int:
        """Requests given up on because the per-minute limit did not lift."""
        ...

    @property
    def notes(self) -> list[str]:
        """What the provider said that oddsmon ignored, and why (each once a process): a
        nonsense rate-limit header, for one. A warm reports the new ones."""
        ...

    def limit_counted(self, allow: Callable[[], bool] | None) -> None:
        """Asked before each counted call (a daily budget, a warm's cap): False refuses it unsent."""
        ...

    async def fetch(self, request: Request[T], keeper: OddsKeeper | None = None) -> Fetched[T]:
        """The request's answer now (``keeper``: a league's odds, handed over page by page)."""
        ...

    async def status(self) -> None:
        """The free status probe: the quota it shows goes to the ledger; raises on failure."""
        ...

    async def aclose(self) -> None: ...


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """A big odds page is about a million new objects, none of them garbage: the collector's
    passes over them were a third of a parse (half on a 26 MB page). Whoever paused it
    first turns it back on; a parse on another thread meanwhile just runs without it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
