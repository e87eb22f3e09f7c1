"""``oddsmon --export-odds [PATH|-] --format csv|jsonl [--since ISO] [--league N] [--fixture N]``.

One row per stored price observation (the history keeps a price each time it moved), streamed
from the store to the file or stdout: memory stays flat however many rows there are. Written
to a PATH atomically (a temp file renamed at the end). Columns: see ``COLUMNS`` and
``docs/export-odds.md``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

from ..domain.markets import export_parts
from ..store import Store
from ..supervision.common import iso
from .cells import number_cell, text_cell, writer
from .known import bookmaker_names, known_fixtures

COLUMNS = ("observed_at", "fixture_id", "kickoff", "league_id", "league", "home", "away",
           "bookmaker_id", "bookmaker", "market", "line", "outcome", "price")
FORMATS = ("csv", "jsonl")
Row = tuple[str | int | float | None, ...]


def parse_since(text: str) -> datetime:
    """``--since``: an ISO 8601 date or time; one without an offset is taken as UTC."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: expected an ISO 8601 date or time, "
                         f"e.g. 2026-11-24 or 2026-11-24T18:00:00Z") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _as_is(text: str) -> str:
    return text


def rows(store: Store, *, since: datetime | None = None, league: int | None = None,
         fixture: int | None = None, spreadsheet: bool = False) -> Iterator[Row]:
    """The export's rows, in the history's order (fixture, market, outcome, bookmaker, time).

    A fixture no cached page describes keeps its prices, with empty names and kickoff; with
    ``league`` it cannot be placed in one, so it is left out. ``spreadsheet`` (CSV): every name
    is made a cell no spreadsheet evaluates (``cells.text_cell``); each name once, where it is
    memoised, not once per row.
    """
    fixtures = known_fixtures(store)
    text, line_text = (text_cell, number_cell) if spreadsheet else (_as_is, _as_is)
    books = {book: text(name) for book, name in bookmaker_names(store).items()}
    named = store.history.bet_names()  # each bet as the API names it, the catalogue's otherwise
    ids: list[int] | None = None if fixture is None else [fixture]
    if league is not None:
        ids = [f.id for f in fixtures.values() if f.league_id == league and (ids is None or f.id in ids)]
    # Per fixture, per label and per instant, the text is made once: one fetch records every
    # price at the same instant, and a fixture has hundreds of rows.
    about = {f.id: (iso(f.kickoff), f.league_id, text(f.league_name), text(f.home.name), text(f.away.name))
             for f in fixtures.values()}
    unknown = (None,) * 5
    times: dict[float, str] = {}

    @functools.lru_cache(maxsize=4096)
    def parts(bet: int, label: str) -> tuple[str, str, str]:
        market, line, outcome = export_parts(bet, label)
        return text(named.get(bet, market)), line_text(line), text(outcome)

    for fid, bookmaker, bet, label, at, price in store.history.stream(since=since, fixtures=ids):
        when = times.get(at)
        if when is None:
            if len(times) > 100_000:  # bounded: a long history has many instants
                times.clear()
            when = times[at] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
        market, line, outcome = parts(bet, label)
        yield (when, fid, *about.get(fid, unknown), bookmaker, books.get(bookmaker), market, line,
               outcome, price)


def write(out: TextIO, data: Iterator[Row], fmt: str) -> int:
    """Write ``data`` as CSV (a header, then rows; empty where unknown; text quoted, numbers
    bare: ``cells.writer``) or JSON Lines (one object a line, null where unknown); returns the
    number of rows."""
    count = 0
    if fmt == "csv":
        sheet = writer(out)
        sheet.writerow(COLUMNS)
        for row in data:
            sheet.writerow(row)
            count += 1
        return count
    for row in data:
        out.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), separators=(",", ":")) + "\n")
        count += 1
    return count
