"""What real answers carry that a tidy simulator would not, each a switch (all off by default,
so a test asks for the quirk it is about; ``python -m oddsmon.sim --real-bodies`` turns every
one on). docs/provider.md, "Bodies", names the source of each.

- ``one_prices``: in one bookmaker entry in three, each bet's shortest price is "1.00" (the
  captured Bwin body prices near-certain outcomes so);
- ``shuffled_lines``: Over/Under values come in no particular order, and in one entry (or
  live item) in two the highest line lacks its Under (the captured body lists its lines
  unsorted, and two of its Over/Under bets have an "Over" with no "Under" at their top line);
- ``nulls``: in one item in two, the venue's id and city (as in the docs' samples), the
  league's and the country's flags, the country's code and the league's and teams' logos (the
  docs are silent: the harsher reading) are null;
- ``live_full``: a live item as large as the docs' sample (``live.py``).

Selections are pure functions of the ids, so two runs serve the same bodies.
"""

from __future__ import annotations

import copy
import random
from typing import Any

QUIRKS = ("one_prices", "shuffled_lines", "nulls", "live_full")
ONE_PRICE = "1.00"


def _picked(*ids: Any, every: int) -> bool:
    """One in ``every`` of the combinations of ``ids`` (integers; anything else: never)."""
    if not all(isinstance(i, int) for i in ids):
        return False
    return sum(i * (31 ** k) for k, i in enumerate(ids)) % every == 0


def _is_over_under(values: list[dict[str, Any]]) -> bool:
    return bool(values) and all(str(v.get("value", "")).split(" ")[0] in ("Over", "Under") for v in values)


def _line(value: dict[str, Any]) -> str:
    """An Over/Under value's line: "Over 2.5" -> "2.5"; the live feed's is its handicap."""
    label = str(value.get("value", ""))
    return label.partition(" ")[2] or str(value.get("handicap"))


class Quirks:
    def __init__(self) -> None:
        self.one_prices = False
        self.shuffled_lines = False
        self.nulls = False
        self.live_full = False

    def snapshot(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in QUIRKS}

    def shaped(self, endpoint: str, response: Any) -> Any:
        """``response`` with the quirks switched on (a copy: the simulator keeps what it
        generates for the next answer)."""
        touched = (((self.one_prices or self.shuffled_lines) and endpoint in ("/odds", "/odds/live"))
                   or (self.nulls and endpoint in ("/fixtures", "/leagues", "/odds")))
        if not touched or not isinstance(response, list):
            return response
        response = copy.deepcopy(response)
        for item in response:
            if not isinstance(item, dict):
                continue
            if endpoint == "/odds":
                fixture = (item.get("fixture") or {}).get("id")
                for book in item.get("bookmakers") or ():
                    self._bets(book.get("bets") or (), fixture, book.get("id"))
            elif endpoint == "/odds/live":
                self._bets(item.get("odds") or (), (item.get("fixture") or {}).get("id"), 0)
            if self.nulls and endpoint in ("/fixtures", "/leagues", "/odds"):
                _null(item)
        return response

    def _bets(self, bets: Any, fixture: Any, book: Any) -> None:
        one = self.one_prices and _picked(fixture, book, every=3)
        for bet in bets:
            values = bet.get("values")
            if not isinstance(values, list) or not values:
                continue
            if one:
                priced = [v for v in values if _float(v.get("odd")) > 0]
                if priced:
                    min(priced, key=lambda v: _float(v.get("odd")))["odd"] = ONE_PRICE
            if self.shuffled_lines and _is_over_under(values):
                random.Random(f"{fixture}/{book}/{bet.get('id')}").shuffle(values)
                if _picked(fixture, book, every=2):
                    highest = max((_line(v) for v in values), key=_float)
                    under = next((v for v in values if _line(v) == highest
                                  and str(v.get("value")).startswith("Under")), None)
                    if under is not None:
                        values.remove(under)


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def _part(item: dict[str, Any], key: str) -> dict[str, Any]:
    part = item.get(key)
    return part if isinstance(part, dict) else {}


def _null(item: dict[str, Any]) -> None:
    """Null what real bodies leave null, in one item in two."""
    league = _part(item, "league")
    fixture = _part(item, "fixture")
    if not _picked(fixture.get("id", league.get("id")), every=2):
        return
    if isinstance(fixture.get("venue"), dict):
        fixture["venue"].update({"id": None, "city": None})
    for key in ("flag", "logo"):
        if key in league:
            league[key] = None
    country = item.get("country")
    if isinstance(country, dict):
        country.update({"flag": None, "code": None})
    for side in (item.get("teams") or {}).values():
        if isinstance(side, dict) and "logo" in side:
            side["logo"] = None
