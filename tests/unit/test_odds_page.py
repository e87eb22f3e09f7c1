"""The warm's typed decode of a league odds page (domain/odds_page.py): the same models as
parse_odds, the same ParseError naming the key for a page it rejects, each fixture's item kept
as the bytes received and its Match Winner cut for the league entry."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from oddsmon.domain.models import MATCH_WINNER, FixtureOdds, ParseError, parse_odds
from oddsmon.domain.odds_page import decode_odds_page, page_book

from ..samples import SAMPLES
from .test_models import DROP, _mutate

REAL = SAMPLES / "odds__real_fixture815162_bookmaker6.json"
DOCS = SAMPLES / "odds__official_docs_fixture326090_bookmaker6.json"

# Some bets typed, the rest left raw: the nine the screens showed first.
SHOWN_BETS = frozenset({1, 5, 4, 9, 12, 2, 13, 8, 10})


def _response(path: Any) -> list[Any]:
    return list(json.loads(path.read_text())["response"])


def _raw(items: Any) -> bytes:
    return json.dumps(items).encode()


@pytest.mark.parametrize("sample", [REAL, DOCS], ids=["real", "docs"])
def test_samples_decode_to_what_parse_odds_gives(sample: Any) -> None:
    items = _response(sample)
    page = decode_odds_page(_raw(items), SHOWN_BETS)
    assert [it.odds for it in page] == parse_odds(items, only_bets=SHOWN_BETS)
    # Each fixture's entry is its item as received; the league entry's cut is Match Winner alone.
    assert [json.loads(it.body) for it in page] == items
    cut = [json.loads(bytes(it.match_winner)) for it in page]
    assert parse_odds(cut) == parse_odds(items, only_bets={1})
    assert {bet["id"] for item in cut for book in item["bookmakers"] for bet in book["bets"]} == {1}


def test_real_body_unusable_price_is_skipped_and_counted() -> None:
    # The live body holds a price of "1.00": one outcome dropped, not the page.
    page = decode_odds_page(_raw(_response(REAL)), SHOWN_BETS)
    assert page[0].odds.skipped == parse_odds(_response(REAL), only_bets=SHOWN_BETS)[0].skipped >= 1


def _set(path: list[Any], value: Any) -> Callable[[list[Any]], None]:
    return lambda items: _mutate(items, tuple(path), value)


_BOOK = [0, "bookmakers", 0]
_BET = [*_BOOK, "bets", 27]  # Match Winner, a market the screens show
_UNSHOWN = [*_BOOK, "bets", 0]  # id 38, renumbered outside the catalogue: only its id is read
_VALUE = [*_BET, "values", 0]

REJECTED: dict[str, Callable[[list[Any]], object]] = {
    "fixture id a string": _set([0, "fixture", "id"], "815162"),
    "fixture missing": _set([0, "fixture"], DROP),
    "league season missing": _set([0, "league", "season"], DROP),
    "bookmakers not a list": _set([0, "bookmakers"], {"id": 6}),
    "bookmaker id a boolean": _set([*_BOOK, "id"], True),
    "bet id past 2^53": _set([*_BET, "id"], 2**60),
    "bet name missing": _set([*_BET, "name"], DROP),
    "update not a date": _set([0, "update"], "yesterday"),
    "kickoff unreadable": lambda items: (_set([0, "fixture", "date"], "soon")(items),
                                         _set([0, "fixture", "timestamp"], DROP)(items)),
}

TOLERATED: dict[str, Callable[[list[Any]], object]] = {
    "value not an object": _set(_VALUE, "Home 1.5"),
    "label a boolean": _set([*_VALUE, "value"], True),
    "label an integer": _set([*_VALUE, "value"], 4),
    "odd an object": _set([*_VALUE, "odd"], {"x": 1}),
    "odd a number": _set([*_VALUE, "odd"], 2.5),
    "odd not finite": _set([*_VALUE, "odd"], "1e400"),
    "update missing": _set([0, "update"], DROP),
    "kickoff by timestamp only": _set([0, "fixture", "date"], None),
    "extra keys": _set([0, "extra"], {"deep": [1, 2]}),
    "date unreadable, timestamp read": _set([0, "fixture", "date"], "soon"),
    "a market not typed lacks its name": lambda items: (_set([*_UNSHOWN, "id"], 9999)(items),
                                                        _set([*_UNSHOWN, "name"], DROP)(items)),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_a_rejected_page_gives_the_same_error_naming_the_key(name: str) -> None:
    items = copy.deepcopy(_response(DOCS))
    REJECTED[name](items)
    with pytest.raises(ParseError) as expected:
        parse_odds(items, only_bets=SHOWN_BETS)
    with pytest.raises(ParseError) as got:
        decode_odds_page(_raw(items), SHOWN_BETS)
    assert str(got.value) == str(expected.value) and got.value.path.startswith("response[0]")


@pytest.mark.parametrize("name", sorted(TOLERATED))
def test_a_tolerated_oddity_gives_the_same_models(name: str) -> None:
    items = copy.deepcopy(_response(DOCS))
    TOLERATED[name](items)
    page = decode_odds_page(_raw(items), SHOWN_BETS)
    assert [it.odds for it in page] == parse_odds(items, only_bets=SHOWN_BETS)
    assert [json.loads(it.body) for it in page] == items


def test_not_a_list_and_not_json_are_parse_errors() -> None:
    with pytest.raises(ParseError, match=r"^response: expected a list"):
        decode_odds_page(b'{"fixture": 1}', SHOWN_BETS)
    with pytest.raises(ParseError, match=r"^response: not JSON"):
        decode_odds_page(b"[{", SHOWN_BETS)


def _only(odds: FixtureOdds, bets: frozenset[int]) -> FixtureOdds:
    return replace(odds, bookmakers=tuple(replace(bo, bets=tuple(b for b in bo.bets if b.id in bets))
                                          for bo in odds.bookmakers))


def _twice(items: list[Any]) -> None:
    """An outcome listed twice (the second at another price) in a bet read but not typed."""
    bet = next(b for b in items[0]["bookmakers"][0]["bets"] if b["id"] in SHOWN_BETS and b["id"] != MATCH_WINNER)
    bet["values"].append({**bet["values"][0], "odd": "7.77"})


@pytest.mark.parametrize("name", ["real", "an outcome twice", *sorted(TOLERATED)])
def test_bets_read_but_not_typed_reach_the_books_as_their_models_would(name: str) -> None:
    # The warm reads every bet and types Match Winner alone (engine/recorder.py): the other
    # bets go from the JSON to each bookmaker's PageBook, which holds what their models would
    # give (a repeated outcome keeps its last price), whichever path the page took.
    items = _response(REAL if name == "real" else DOCS)
    if name == "an outcome twice":
        _twice(items)
    elif name in TOLERATED:
        TOLERATED[name](items)
    typed = frozenset({MATCH_WINNER})
    page = decode_odds_page(_raw(items), SHOWN_BETS, typed)
    read = parse_odds(items, only_bets=SHOWN_BETS)
    assert [it.books for it in page] == [tuple(page_book(bo) for bo in fo.bookmakers) for fo in read]
    # The typed models are those bets' alone; the unusable values counted are every read bet's.
    assert [it.odds for it in page] == [_only(fo, typed) for fo in read]
    if name == "an outcome twice":
        book = page[0].books[0]
        bet = next(b for b, _ in book.bets if b != MATCH_WINNER)
        assert 7.77 in book.prices[bet].values()
