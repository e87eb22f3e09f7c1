"""A league's ``/odds`` page decoded once, as it arrives, into what the warm keeps of it.

A real page is about 80 KB a fixture, about 2,000 values a fixture of which the screens show a
quarter. ``json.loads`` builds a Python object for every one of them; here msgspec decodes the
bytes straight into Structs of the fields that are read, and leaves each bet's values as raw
JSON until its bet id says it is wanted: a value nobody reads never becomes an object. The
same pass yields each fixture's item as the bytes received (its ``/odds?fixture=N`` entry is
those bytes in an envelope, never re-serialised) and its Match Winner cut (the league entry).
A bet read but not typed (the warm types Match Winner alone) goes from its JSON straight into
its bookmaker's PageBook as ``{outcome: price}``, what the history records.

The boundary rules are parse_odds's (domain/models.py): anything this fast path does not
recognise at once (a missing key, a wrong type, an unusable value, a date it cannot read)
sends the whole page through ``parse_odds`` on ``json.loads``, which keeps the tolerated
oddities and raises the ParseError naming the offending key for the rest. So a page gives
the same models, and a bad one the same message, whichever path it took.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any, Final

import msgspec

from ..text import clean
from .models import (
    INT_LIMIT,
    MATCH_WINNER,
    Bet,
    Bookmaker,
    BookmakerOdds,
    FixtureOdds,
    OddValue,
    ParseError,
    _from_timestamp,
    _iso_utc,
    _odd_label,
    _odd_price,
    only_bet,
    parse_odds,
)


class _Value(msgspec.Struct):
    value: str | int | float | None = None
    odd: str | float | None = None


class _Bet(msgspec.Struct):
    id: int
    name: str
    values: msgspec.Raw  # decoded only for a wanted bet


class _Book(msgspec.Struct):
    id: int
    name: str
    bets: list[_Bet]


class _Fixture(msgspec.Struct):
    id: int
    date: str | None = None
    timestamp: int | float | None = None


class _League(msgspec.Struct):
    id: int
    season: int


class _Item(msgspec.Struct):
    # Kept raw so the Match Winner cut carries them as received; decoded apart (small).
    fixture: msgspec.Raw
    league: msgspec.Raw
    bookmakers: list[_Book]
    update: str | None = None


_ITEMS: Final = msgspec.json.Decoder(list[msgspec.Raw])
_ITEM: Final = msgspec.json.Decoder(_Item)
_FIXTURE: Final = msgspec.json.Decoder(_Fixture)
_LEAGUE: Final = msgspec.json.Decoder(_League)
_VALUES: Final = msgspec.json.Decoder(list[_Value])
_ENCODE: Final = msgspec.json.Encoder().encode

# (label as sent, odd as sent) -> the outcome it is, or None when unusable: a page repeats a
# few thousand of them (every "Over 2.5" at "1.85"), so each is checked once. Models are
# frozen, so one OddValue may stand in every fixture. Bounded: emptied when full.
_SEEN: dict[tuple[Any, Any], OddValue | None] = {}
_SEEN_MAX: Final = 100_000
_UNSEEN: Final[Any] = object()
# A label as sent -> the outcome's label, an odd as sent -> its price (None: unusable). Keys
# that compare equal read alike (4 and 4.0 are both "4"; a boolean never decodes as one).
_LABELS: dict[str | int | float | None, str | None] = {}
_PRICES: dict[str | float | None, float | None] = {}
# A bet's name as sent -> cleaned: a page names the same few dozen bets thousands of times.
_NAMES: dict[str, str] = {}

# A bookmaker's prices as the history records them: {bet id: {outcome: price}}.
Prices = dict[int, dict[str, float]]


class _Slow(Exception):
    """The fast path met something only parse_odds knows how to judge."""


@dataclass(frozen=True, slots=True)
class PageBook:
    """A bookmaker's entry of a fixture as the history and the Bookmakers summary take it: the
    bets read, as (id, name) and as prices, no model made for each value."""

    bookmaker: Bookmaker
    bets: tuple[tuple[int, str], ...]  # as listed
    prices: Prices  # the usable values; an outcome (or a bet) listed twice keeps its last price


@dataclass(frozen=True, slots=True)
class PageItem:
    """One fixture of a league page: the markets asked for typed, each bookmaker's bets read
    as a PageBook, its item as received, and the item cut down to Match Winner (what the
    league's entry keeps)."""

    odds: FixtureOdds
    books: tuple[PageBook, ...]
    body: bytes
    match_winner: msgspec.Raw


def decode_odds_page(raw: bytes | msgspec.Raw, only_bets: Collection[int] | None,
                     typed: Collection[int] | None = None) -> list[PageItem]:
    """The page's ``response`` (JSON text of a list) as PageItems: the bets ``only_bets`` (None:
    every bet) read into each PageBook, those of them in ``typed`` (None: all) typed too. A
    bet read but not typed goes from its JSON straight into the prices: a real-size page's
    values made no OddValue tuple, Bet or second pass for the history. ``skipped`` counts
    the unusable values of the bets read.

    Raises ParseError (naming the key) for a page parse_odds rejects (``only_bets`` read).
    """
    try:
        return [_fast_item(item, only_bets, typed) for item in _ITEMS.decode(raw)]
    except (msgspec.DecodeError, _Slow):
        return _slow_page(raw, only_bets, typed)


def page_book(odds: BookmakerOdds) -> PageBook:
    """A typed bookmaker's entry as a PageBook."""
    prices: Prices = {}
    for bet in odds.bets:
        _add(prices, bet.id, {v.label: v.price for v in bet.values})
    return PageBook(odds.bookmaker, tuple((bet.id, bet.name) for bet in odds.bets), prices)


def _add(prices: Prices, bet: int, outcomes: dict[str, float]) -> None:
    """A bet's outcomes into its book's prices, after a bet of the same id listed before."""
    if bet in prices:
        prices[bet].update(outcomes)
    else:
        prices[bet] = outcomes


def _fast_item(raw: msgspec.Raw, only_bets: Collection[int] | None, typed: Collection[int] | None) -> PageItem:
    item = _ITEM.decode(raw)
    fx = _FIXTURE.decode(item.fixture)
    league = _LEAGUE.decode(item.league)
    if not (_small(fx.id) and _small(league.id) and _small(league.season)):
        raise _Slow
    kickoff = _iso_utc(fx.date) if fx.date is not None else None
    if kickoff is None and fx.timestamp is not None:
        kickoff = _from_timestamp(fx.timestamp)
        if kickoff is None:
            raise _Slow
    if kickoff is None and fx.date is not None:
        raise _Slow
    updated = _iso_utc(item.update) if item.update is not None else None
    if updated is None and item.update is not None:
        raise _Slow
    books: list[BookmakerOdds] = []
    read: list[PageBook] = []
    cut: list[dict[str, Any]] = []
    skipped = 0
    for book in item.bookmakers:
        if not _small(book.id):
            raise _Slow
        bets: list[Bet] = []
        listed: list[tuple[int, str]] = []
        prices: Prices = {}
        for bet in book.bets:
            if not _small(bet.id):
                raise _Slow
            if only_bets is None or bet.id in only_bets:
                name = _NAMES.get(bet.name) or _remember(_NAMES, bet.name, clean(bet.name))
                listed.append((bet.id, name))
                if typed is None or bet.id in typed:
                    usable, unusable = _values(bet.values)
                    bets.append(Bet(bet.id, name, usable))
                    outcomes = {v.label: v.price for v in usable}
                else:
                    outcomes, unusable = _outcomes(bet.values)
                skipped += unusable
                _add(prices, bet.id, outcomes)
        bookmaker = Bookmaker(book.id, clean(book.name))
        books.append(BookmakerOdds(bookmaker, tuple(bets)))
        read.append(PageBook(bookmaker, tuple(listed), prices))
        cut.append({"id": book.id, "name": book.name, "bets": [
            {"id": bet.id, "name": bet.name, "values": bet.values} for bet in book.bets if bet.id == MATCH_WINNER]})
    odds = FixtureOdds(fx.id, league.id, league.season, kickoff, updated, tuple(books), skipped)
    mw = _ENCODE({"league": item.league, "fixture": item.fixture, "update": item.update, "bookmakers": cut})
    return PageItem(odds, tuple(read), bytes(raw), msgspec.Raw(mw))


def _values(raw: msgspec.Raw) -> tuple[tuple[OddValue, ...], int]:
    """The usable values as the outcomes they are, and how many were not (parse_odds skips
    and counts those)."""
    out: list[OddValue] = []
    unusable = 0
    seen = _SEEN
    for v in _VALUES.decode(raw):
        key = (v.value, v.odd)
        got = seen.get(key, _UNSEEN)
        if got is _UNSEEN:
            label, price = _odd_label(v.value), _odd_price(v.odd)
            got = None if label is None or price is None else OddValue(label, price)
            if len(seen) >= _SEEN_MAX:
                seen.clear()
            seen[key] = got
        if got is None:
            unusable += 1
        else:
            out.append(got)
    return tuple(out), unusable


def _outcomes(raw: msgspec.Raw) -> tuple[dict[str, float], int]:
    """``_values`` as {outcome: price} (the last of an outcome listed twice), no tuple made.
    Labels and odds are looked up apart: a page repeats a hundred labels and a few thousand
    odds, two small tables where their pairs would be one of tens of thousands (half the time
    a bet)."""
    out: dict[str, float] = {}
    unusable = 0
    labels, prices = _LABELS, _PRICES
    for v in _VALUES.decode(raw):
        label = labels.get(v.value)
        if label is None:
            label = _remember(labels, v.value, _odd_label(v.value))
        price = prices.get(v.odd)
        if price is None:
            price = _remember(prices, v.odd, _odd_price(v.odd))
        if label is None or price is None:
            unusable += 1
        else:
            out[label] = price
    return out, unusable


def _remember(table: dict[Any, Any], key: Any, value: Any) -> Any:
    """``table[key] = value``, the table emptied first when full; the value."""
    if len(table) >= _SEEN_MAX:
        table.clear()
    table[key] = value
    return value


def _small(value: int) -> bool:
    return -INT_LIMIT < value < INT_LIMIT


def _slow_page(raw: bytes | msgspec.Raw, only_bets: Collection[int] | None,
               typed: Collection[int] | None) -> list[PageItem]:
    try:
        items = json.loads(bytes(raw))
    except ValueError as exc:
        raise ParseError("response", f"not JSON ({exc})") from None
    odds = parse_odds(items, only_bets=only_bets)  # raises on a page it rejects
    cut = only_bet(items, MATCH_WINNER)
    return [PageItem(_typed(fo, typed), tuple(page_book(bo) for bo in fo.bookmakers), _dumps(item),
                     msgspec.Raw(_dumps(mw))) for fo, item, mw in zip(odds, items, cut, strict=True)]


def _typed(odds: FixtureOdds, typed: Collection[int] | None) -> FixtureOdds:
    """``odds`` with the bets ``typed`` alone (None: all), its skipped count kept."""
    if typed is None:
        return odds
    return replace(odds, bookmakers=tuple(replace(bo, bets=tuple(b for b in bo.bets if b.id in typed))
                                          for bo in odds.bookmakers))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

