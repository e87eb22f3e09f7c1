"""The provider's endpoints over the simulated data: parameters checked as the provider checks
them, answers wrapped in its envelope. No quota, faults or HTTP here (see ``app``)."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, timedelta
from typing import Any

from ..clock import Clock
from . import catalogue as cat
from .data import PRICED_BETS, Fixture, SimConfig, SimData
from .live import live_items
from .quirks import Quirks

MSG_REQUESTS = ("You have reached the request limit for the day, Go to "
                "https://dashboard.api-football.com to upgrade your plan.")
MSG_RATE_LIMIT = ("Too many requests. You have exceeded the limit of requests per minute "
                  "of your subscription.")
MSG_TOKEN = ("Error/Missing application key. Go to "
             "https://www.api-football.com/documentation-v3 to learn how to get your API "
             "application key.")
# ``errors`` as a list of messages, not the documented object: the docs' own success value
# ``[]`` shows the field may be a list; what fills one is not documented (docs/provider.md).
MSG_LIST_ERROR = "The request could not be handled."
# A suspended account (HTTP 200, ``errors.access``), as the live service words it (docs/provider.md).
MSG_ACCESS = "Your account is suspended, check on https://dashboard.api-football.com."
MSG_REQUIRED = "At least one parameter is required."
MSG_ENDPOINT = "This endpoint do not exist."
MSG_GATEWAY_KEY = "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."
MSG_GATEWAY_UNSUBSCRIBED = "You are not subscribed to this API."
MSG_GATEWAY_DAILY = ("You have exceeded the DAILY quota for Requests on your current plan, BASIC. "
                     "Upgrade your plan at https://rapidapi.com/api-sports/api/api-football")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEASON_RE = re.compile(r"^\d{4}$")

# Parameters each endpoint accepts (the provider's documented ones); anything else is refused.
ALLOWED: dict[str, frozenset[str]] = {
    "status": frozenset(),
    "leagues": frozenset({"id", "name", "country", "code", "season", "team", "type", "current",
                          "search", "last"}),
    "fixtures": frozenset({"id", "ids", "live", "date", "league", "season", "team", "last",
                           "next", "from", "to", "round", "status", "venue", "timezone"}),
    "predictions": frozenset({"fixture"}),
    "odds": frozenset({"fixture", "league", "season", "date", "timezone", "page", "bookmaker",
                       "bet"}),
    "odds/live": frozenset({"fixture", "league", "bet"}),
    "odds/bookmakers": frozenset({"id", "search"}),
    "odds/bets": frozenset({"id", "search"}),
}


class ParamError(Exception):
    """A provider-style parameter error: becomes ``errors: {field: message}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass
class Answer:
    response: Any
    paging: tuple[int, int] = (1, 1)
    results: int | None = None


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _int(params: Mapping[str, str], name: str, lo: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParamError(name, f"The {_title(name)} field must contain an integer.") from None
    if lo is not None and value < lo:
        raise ParamError(name, f"The {_title(name)} field must be at least {lo}.")
    return value


def _season(params: Mapping[str, str]) -> int | None:
    raw = params.get("season")
    if raw is None:
        return None
    if not _SEASON_RE.match(raw.strip()):
        raise ParamError("season", "The Season field must contain 4 digits.")
    return int(raw)


def _date(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    ok = bool(_DATE_RE.match(raw))
    if ok:
        try:
            date.fromisoformat(raw)
        except ValueError:
            ok = False
    if not ok:
        raise ParamError(name, f"The {_title(name)} field must be a valid date (YYYY-MM-DD).")
    return raw


def _search(params: Mapping[str, str]) -> str | None:
    raw = params.get("search")
    if raw is None:
        return None
    raw = raw.strip()
    if len(raw) < 3:
        raise ParamError("search", "The Search field must be at least 3 characters.")
    return raw.lower()

class Endpoints:
    """The seven data endpoints and ``/status``'s document, keyed by path in ``routes``."""

    def __init__(self, config: SimConfig, clock: Clock, data: SimData, quirks: Quirks) -> None:
        self.config = config
        self.clock = clock
        self.data = data
        self.quirks = quirks
        self.routes: dict[str, Callable[[dict[str, str], float], Answer]] = {
            "/leagues": self.leagues,
            "/fixtures": self.fixtures,
            "/predictions": self.predictions,
            "/odds": self.odds,
            "/odds/live": self.odds_live,
            "/odds/bookmakers": self.bookmakers,
            "/odds/bets": self.bets,
        }

    def status(self, params: dict[str, str], used: int, limit: int, *, active: bool = True) -> dict[str, Any]:
        end = (self.clock.now().astimezone(UTC).replace(hour=23, minute=59, second=59,
                                                                  microsecond=0)
               + timedelta(days=365))
        return {
            "get": "status",
            "parameters": params or [],
            "errors": [],
            # The live service answers /status with results 0 and a paging block (the docs'
            # sample says 1, without paging): nothing may rely on either.
            "results": 0,
            "paging": {"current": 1, "total": 1},
            "response": {
                "account": {"firstname": "Oddsmon", "lastname": "Simulator",
                            "email": "sim@oddsmon.invalid"},
                "subscription": {"plan": self.config.plan, "end": end.isoformat(), "active": active},
                "requests": {"current": used, "limit_day": limit},
            },
        }

    def _season_allowed(self, params: Mapping[str, str]) -> int | None:
        """The ``season`` param, refused (``errors.plan``) outside the plan's seasons."""
        season = _season(params)
        allowed = self.config.plan_seasons
        if season is not None and allowed is not None and not allowed[0] <= season <= allowed[1]:
            raise ParamError("plan", f"{self.config.plan} plans do not have access to this season, "
                                     f"try from {allowed[0]} to {allowed[1]}.")
        return season

    @staticmethod
    def _reject_unknown(name: str, params: Mapping[str, str]) -> None:
        allowed = ALLOWED[name]
        for key in params:
            if key not in allowed:
                raise ParamError(key, f"The {_title(key)} field do not exist.")

    def leagues(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("leagues", params)
        data = self.data
        lid = _int(params, "id")
        season = self._season_allowed(params)
        team = _int(params, "team")
        last = _int(params, "last", lo=1)
        search = _search(params)
        current = params.get("current")
        if current is not None:
            current = current.strip().lower()
            if current not in ("true", "false"):
                raise ParamError("current", "The Current field must contain 'true' or 'false' value.")
        ltype = params.get("type")
        if ltype is not None and ltype.strip().lower() not in ("league", "cup"):
            raise ParamError("type", "The Type field must contain 'league' or 'cup' value.")
        out = []
        for league in data.leagues.values():
            if lid is not None and league.id != lid:
                continue
            if "name" in params and league.name.lower() != params["name"].strip().lower():
                continue
            if "country" in params and league.country.lower() != params["country"].strip().lower():
                continue
            if "code" in params and (league.code or "").lower() != params["code"].strip().lower():
                continue
            if ltype is not None and league.type.lower() != ltype.strip().lower():
                continue
            if search is not None and search not in league.name.lower() and search not in league.country.lower():
                continue
            if team is not None and team not in {t.id for t in league.teams}:
                continue
            seasons = data.seasons_of(league.id)
            if season is not None:
                seasons = [y for y in seasons if y == season]
            if current == "true":
                seasons = [y for y in seasons if y == data.season_of(league.id)]
            elif current == "false":
                seasons = [y for y in seasons if y != data.season_of(league.id)]
            if not seasons:
                continue
            out.append(data.league_json(league, seasons))
        if last is not None:
            out = out[-last:]
        return Answer(out)

    def fixtures(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("fixtures", params)
        data = self.data
        if not any(k != "timezone" for k in params):
            raise ParamError("required", MSG_REQUIRED)
        fid = _int(params, "id")
        league = _int(params, "league")
        season = self._season_allowed(params)
        team = _int(params, "team")
        venue = _int(params, "venue")
        nxt = _int(params, "next", lo=1)
        last = _int(params, "last", lo=1)
        for name, value in (("next", nxt), ("last", last)):
            if value is not None and value > 99:
                raise ParamError(name, f"The {_title(name)} field must contain at most 2 digits.")
        day = _date(params, "date")
        frm = _date(params, "from")
        to = _date(params, "to")
        ids: list[int] | None = None
        if "ids" in params:
            try:
                ids = [int(x) for x in params["ids"].split("-") if x.strip() != ""]
            except ValueError:
                raise ParamError("ids", "The Ids field must contain ids separated by '-'.") from None
            if not ids:
                raise ParamError("ids", "The Ids field must contain ids separated by '-'.")
            if len(ids) > 20:
                raise ParamError("ids", "The Ids field must contain at most 20 ids.")
        live_leagues: set[int] | None = None
        live = params.get("live")
        if live is not None:
            live = live.strip()
            if live.lower() != "all":
                try:
                    live_leagues = {int(x) for x in live.split("-")}
                except ValueError:
                    raise ParamError("live", "The Live field must contain 'all' or league ids separated by '-'.") from None
        if (frm is None) != (to is None):
            missing = "to" if to is None else "from"
            raise ParamError(missing, f"The {_title(missing)} field is required.")
        if frm is not None and to is not None and frm > to:
            raise ParamError("to", "The To field must be a date after or equal to From.")
        narrow = fid is not None or ids is not None or live is not None or nxt is not None or last is not None
        if season is None and not narrow and (league is not None or frm is not None or team is not None):
            raise ParamError("season", "The Season field is required.")
        statuses: set[str] | None = None
        if "status" in params:
            statuses = {s.strip().upper() for s in params["status"].split("-") if s.strip()}

        if fid is not None:
            fx0 = data.by_id.get(fid)
            cands: list[Fixture] = [fx0] if fx0 is not None else []
        elif ids is not None:
            cands = [data.by_id[i] for i in ids if i in data.by_id]
        elif day is not None:
            cands = list(data.by_date.get(day, []))
        elif league is not None:
            cands = list(data.by_league.get(league, []))
        else:
            cands = list(data.fixtures)

        def keep(fx: Fixture) -> bool:
            if fid is not None and fx.id != fid:
                return False
            if league is not None and fx.league.id != league:
                return False
            if season is not None and fx.season != season:
                return False
            if day is not None and fx.date_utc != day:
                return False
            if frm is not None and to is not None and not (frm <= fx.date_utc <= to):
                return False
            if team is not None and team not in (fx.home.id, fx.away.id):
                return False
            if venue is not None and fx.home.venue_id != venue:
                return False
            return "round" not in params or fx.round == params["round"]

        cands = [fx for fx in cands if keep(fx)]
        if live is not None or statuses is not None or nxt is not None or last is not None:
            with_status = [(fx, data.status_at(fx, now)) for fx in cands]
            if live is not None:
                with_status = [(fx, st) for fx, st in with_status if st.live
                               and (live_leagues is None or fx.league.id in live_leagues)]
            if statuses is not None:
                with_status = [(fx, st) for fx, st in with_status if st.short in statuses]
            if nxt is not None:
                with_status = [(fx, st) for fx, st in with_status if st.short in ("NS", "TBD")][:nxt]
            if last is not None:
                finished = [(fx, st) for fx, st in with_status if st.short in ("FT", "AET", "PEN")]
                with_status = sorted(finished, key=lambda p: (p[0].kickoff, p[0].id), reverse=True)[:last]
            cands = [fx for fx, _ in with_status]
        if ids is not None:
            order = {i: k for k, i in enumerate(ids)}
            cands.sort(key=lambda fx: order[fx.id])
        return Answer([data.fixture_json(fx, now) for fx in cands])

    def predictions(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("predictions", params)
        if "fixture" not in params:
            raise ParamError("required", MSG_REQUIRED)
        fid = _int(params, "fixture")
        fx = self.data.by_id.get(fid) if fid is not None else None
        return Answer([self.data.prediction_json(fx)] if fx is not None else [])

    def odds(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("odds", params)
        data = self.data
        fid = _int(params, "fixture")
        league = _int(params, "league")
        season = self._season_allowed(params)
        day = _date(params, "date")
        page = _int(params, "page", lo=1) or 1
        bookmaker = _int(params, "bookmaker")
        bet = _int(params, "bet")
        if fid is None and league is None and day is None:
            raise ParamError("required", MSG_REQUIRED)
        if league is not None and season is None:
            raise ParamError("season", "The Season field is required.")
        if fid is not None:
            fx0 = data.by_id.get(fid)
            cands = [fx0] if fx0 is not None else []
        elif day is not None:
            cands = list(data.by_date.get(day, []))
        else:
            cands = list(data.by_league.get(league, []))  # type: ignore[arg-type]
        cands = [fx for fx in cands
                 if (league is None or fx.league.id == league)
                 and (season is None or fx.season == season)
                 and (day is None or fx.date_utc == day)
                 and (bookmaker is None or bookmaker in fx.bookmakers)
                 and fx.league.id not in self.config.no_odds_leagues]
        if bet is not None and bet not in PRICED_BETS:
            cands = []
        size = self.config.odds_page_size
        total = max(1, math.ceil(len(cands) / size))
        chunk = cands[(page - 1) * size: page * size]
        items = []
        for fx in chunk:
            item = data.odds_item(fx, now, bookmaker=bookmaker, bet=bet)
            if item is not None:
                items.append(item)
        return Answer(items, paging=(page, total))

    def odds_live(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("odds/live", params)
        return Answer(live_items(self.data, now, fixture=_int(params, "fixture"),
                                  league=_int(params, "league"), bet=_int(params, "bet"),
                                  full=self.quirks.live_full))

    def bookmakers(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("odds/bookmakers", params)
        bid = _int(params, "id")
        search = _search(params)
        out = [{"id": i, "name": n} for i, n in cat.BOOKMAKERS
               if (bid is None or i == bid) and (search is None or search in n.lower())]
        return Answer(out)

    def bets(self, params: dict[str, str], now: float) -> Answer:
        self._reject_unknown("odds/bets", params)
        bid = _int(params, "id")
        search = _search(params)
        out = [{"id": i, "name": n} for i, n in cat.BETS
               if (bid is None or i == bid) and (search is None or search in n.lower())]
        return Answer(out)


def envelope(get: str, params: Mapping[str, str], *, response: Any = None,
              errors: Mapping[str, str] | list[str] | None = None, paging: tuple[int, int] | bool = (1, 1),
              results: int | None = None) -> dict[str, Any]:
    """The provider's envelope; ``parameters`` is ``[]`` when empty, like the samples."""
    doc: dict[str, Any] = {"get": get, "parameters": dict(params) if params else []}
    if errors:
        doc["errors"] = list(errors) if isinstance(errors, list) else dict(errors)
        doc["results"] = 0
        response = []
    else:
        doc["errors"] = []
        if response is None:
            response = []
        doc["results"] = results if results is not None else (
            len(response) if isinstance(response, list) else 1)
    if paging is not False:
        cur, tot = paging if isinstance(paging, tuple) else (1, 1)
        doc["paging"] = {"current": cur, "total": tot}
    doc["response"] = response
    return doc


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

