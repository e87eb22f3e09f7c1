"""API-Football v3 as a provider (both auth kinds, apisports and RapidAPI: the wire's
``api.auth``): each request as the endpoint and parameters the API knows, its envelope parsed
to the domain types, its refusals and paging told in oddsmon's terms (docs/provider.md)."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..api import BadResponse, ProviderError
from ..domain.models import (
    ParseError,
    parse_bookmakers,
    parse_fixtures,
    parse_leagues,
    parse_live_odds,
    parse_odds,
    parse_predictions,
)
from ..domain.odds_page import decode_odds_page
from ..text import MAX_JSON_DEPTH, json_too_deep
from .base import (
    BookmakersRequest,
    Fetched,
    FixtureOddsRequest,
    FixturesByIdsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    LiveFixturesRequest,
    LiveOddsRequest,
    OddsKeeper,
    OddsPage,
    PredictionRequest,
    Refusal,
    Refused,
    Request,
    SeasonRequest,
    gc_paused,
)

if TYPE_CHECKING:
    from ..api import ApiClient

T = TypeVar("T")

STATUS = "/status"  # free: the quota probe
_ODDS_PAGE_SIZE = 10  # /odds items per page (the provider's docs)
_IDS_PER_CALL = 20  # /fixtures?ids=: "Maximum of 20 fixtures ids" (the provider's docs)

# A route's parser: the envelope's ``response`` -> the answer (``only_bets``: odds typed for
# those bets only).
_Parse = Callable[[Any, "Request[Any] | None", "frozenset[int] | None"], Any]


@dataclass(frozen=True, slots=True)
class _Route:
    endpoint: str
    params: Callable[[Any], dict[str, str]]
    parse: _Parse


def _odds(response: Any, _request: Request[Any] | None, only_bets: frozenset[int] | None) -> Any:
    return parse_odds(response, only_bets=only_bets)


def _prediction(response: Any, request: Request[Any] | None, _bets: frozenset[int] | None) -> Any:
    return parse_predictions(response, fixture_id=None if request is None else cast(PredictionRequest, request).fixture)


def _plain(parse: Callable[[Any], Any]) -> _Parse:
    return lambda response, _request, _bets: parse(response)


def _same(request: Request[Any]) -> dict[str, str]:
    return request.params()


_ROUTES: dict[type[Request[Any]], _Route] = {
    BookmakersRequest: _Route("/odds/bookmakers", _same, _plain(parse_bookmakers)),
    SeasonRequest: _Route("/leagues", lambda r: {"id": str(r.league), "current": "true"}, _plain(parse_leagues)),
    FixturesRequest: _Route("/fixtures", _same, _plain(parse_fixtures)),
    FixturesByIdsRequest: _Route("/fixtures", _same, _plain(parse_fixtures)),
    LiveFixturesRequest: _Route("/fixtures", _same, _plain(parse_fixtures)),
    LeagueOddsRequest: _Route("/odds", _same, _odds),
    FixtureOddsRequest: _Route("/odds", _same, _odds),
    LiveOddsRequest: _Route("/odds/live", _same, _plain(parse_live_odds)),
    PredictionRequest: _Route("/predictions", _same, _prediction),
}


def _fixture_envelope(fixture_id: int, item: bytes) -> bytes:
    """The body the API answers ``/odds?fixture=N`` with: the item as received (its bytes,
    not re-serialised), on one page."""
    return (b'{"get":"odds","parameters":{"fixture":"%d"},"errors":[],"results":1,'
            b'"paging":{"current":1,"total":1},"response":[%b]}' % (fixture_id, item))


def refusal_of(messages: Mapping[str, str]) -> Refusal:
    """The envelope's ``errors`` as a refusal, with what to change."""
    hint = ""
    if "plan" in messages:
        hint = " Set [watch] season or [watch.seasons] to a season your plan allows, or upgrade the plan."
    elif "endpoint" in messages:
        hint = " This oddsmon asks for an endpoint the provider does not know: report it."
    elif messages:
        hint = f" Check the configuration behind {', '.join(messages)}."
    return Refusal(dict(messages), hint)


class ApiFootballCodec:
    """Reading back the envelopes API-Football's answers were kept as."""

    ids_per_call = _IDS_PER_CALL

    def _route(self, request: Request[Any] | type[Request[Any]]) -> _Route:
        return _ROUTES[request if isinstance(request, type) else type(request)]

    def describe(self, request: Request[Any]) -> str:
        return self._route(request).endpoint

    def decode(self, request: Request[T] | type[Request[T]], body: str,
               only_bets: frozenset[int] | None = None) -> T:
        asked = None if isinstance(request, type) else request
        if json_too_deep(body):  # refused on the wire since; an older oddsmon may have kept it
            raise ParseError("body", f"nested more than {MAX_JSON_DEPTH} levels deep")
        with gc_paused():
            envelope = json.loads(body)
            if not isinstance(envelope, dict):
                raise ParseError("body", "not an API-Football envelope")
            return cast(T, self._route(request).parse(envelope.get("response"), asked, only_bets))

    def refusal(self, body: str) -> Refusal | None:
        if not any(mark in body for mark in ('"errors":{', '"errors": {', '"errors":["', '"errors": ["')):
            return None  # the common case, answered without parsing a big body twice
        if json_too_deep(body):
            return None  # not a refusal: decode() says what it is
        try:
            errors = json.loads(body).get("errors")
        except (ValueError, AttributeError):
            return None
        if isinstance(errors, list) and errors:
            # Never kept now (an error, not a refusal), but a store from before may hold one:
            # it is said, not served as an empty page.
            return refusal_of({str(i): str(m) for i, m in enumerate(errors)})
        if not isinstance(errors, dict) or not errors:
            return None
        return refusal_of({str(k): str(v) for k, v in errors.items()})

    def refresh_calls(self, request: Request[Any], items: int | None) -> int:
        """Counted calls a refresh takes, given the items its kept answer holds: a league's
        odds come ``_ODDS_PAGE_SIZE`` fixtures a page."""
        if isinstance(request, LeagueOddsRequest) and items:
            return max(1, math.ceil(items / _ODDS_PAGE_SIZE))
        return 1


class ApiFootball(ApiFootballCodec):
    """API-Football over its wire (``oddsmon.api``: one client, auth, quota headers, retries,
    pacing, coalescing, paging)."""

    status_name = STATUS

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @property
    def spent(self) -> int:
        return self.client.spent

    @property
    def rate_limit_give_ups(self) -> int:
        return self.client.rate_limit_give_ups

    @property
    def notes(self) -> list[str]:
        return self.client.notes

    def limit_counted(self, allow: Callable[[], bool] | None) -> None:
        self.client.allow_counted = None if allow is None else (lambda _endpoint: allow())

    async def status(self) -> None:
        await self.client.probe()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, request: Request[T], keeper: OddsKeeper | None = None) -> Fetched[T]:
        route = self._route(request)
        params = route.params(request)
        try:
            if isinstance(request, LeagueOddsRequest):
                answer = await self.client.get_all_pages(
                    route.endpoint, params, None if keeper is None else functools.partial(_keep_page, keeper))
            else:
                answer = await self.client.get(route.endpoint, params)
            with gc_paused():
                data = route.parse(answer.envelope.get("response"), request, None)
        except ParseError as exc:
            raise BadResponse(f"{route.endpoint}: the API's answer did not parse ({exc}); not cached") from None
        except ProviderError as exc:
            if exc.body is None:
                raise
            raise Refused(refusal_of(exc.messages), exc.body) from None
        return Fetched(cast(T, data), answer.body, answer.daily_remaining)


def _keep_page(keeper: OddsKeeper, response: Any) -> list[Any]:
    """One page of a league's odds as it arrives (its ``response`` as the JSON text received):
    read as far as ``keeper.bets``, typed as far as ``keeper.typed`` (a page that does not
    parse stops the fetch, and is not kept), handed over with each fixture's own
    ``/odds?fixture=N`` answer; the league entry keeps the Match Winner part, all the
    Dashboard reads of it."""
    # The collector paused until the page is kept: it is some 300,000 new objects, none of
    # them garbage, which its passes would otherwise walk between the decode and the keeping.
    with gc_paused():
        items = decode_odds_page(response, keeper.bets, keeper.typed)
        keeper.keep(OddsPage([item.odds for item in items],
                             [(item.odds.fixture_id, book) for item in items for book in item.books],
                             [(FixtureOddsRequest(item.odds.fixture_id),
                               _fixture_envelope(item.odds.fixture_id, item.body)) for item in items]))
        return [item.match_winner for item in items]
