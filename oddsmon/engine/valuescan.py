"""The value scan: each fixture's value bets, arbitrages and middles worked out after its odds
are stored, and kept (store/values.py), so the Value screen reads rows instead of parsing
thousands of bodies.

Worked out outside the page's write (doing it inside made a league's warm three times as long)
and a few fixtures at a time, giving the engine's loop back between them. Whatever stores odds
may run it (the warm, the collector, the Value screen itself): which fixtures need it is read
from the store (an entry fetched after its kept scan), never from one process's memory, so a
collector's pages are scanned by whichever process asks first.
"""

from __future__ import annotations

import asyncio
import heapq
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from ..domain.market import ValueBet, fixture_value
from ..providers import FixtureOddsRequest
from ..types import FairMethod
from .pages import Pages, without_bookmakers

# A scan between yields to the engine's loop: one fixture is tens of milliseconds at real size.
_BATCH = 4


@dataclass(frozen=True, slots=True)
class Scan:
    """What a fixture's value bets depend on besides its odds."""

    method: FairMethod
    consensus: str
    hidden_bookmakers: frozenset[int]

    def key(self, books: str) -> str:
        """The store's key for this scan over ``books`` (``watch.bookmakers``, '' all)."""
        return "|".join((self.method, self.consensus, ",".join(map(str, sorted(self.hidden_bookmakers))), books))


def encode(bets: Iterable[ValueBet]) -> str:
    return json.dumps([[b.market_id, b.market, b.line, b.outcome, b.price, b.bookmaker, b.edge,
                        b.fair_probability, list(b.window)] for b in bets], separators=(",", ":"))


def _rows(text: str) -> list[list[Any]]:
    return cast(list[list[Any]], json.loads(text))


def _bet(fixture_id: int, row: list[Any]) -> ValueBet:
    m, name, line, outcome, price, book, edge, p, window = row
    return ValueBet(fixture_id, m, name, line, outcome, price, book, edge, p, tuple(window))


@dataclass(frozen=True, slots=True)
class Found:
    bets: list[ValueBet]  # best edge first, at most the limit asked
    total: int  # how many there are
    pending: int  # watched fixtures whose odds are not scanned yet under these settings


class ValueScan:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.store = pages.store

    def _key(self, scan: Scan) -> str:
        return scan.key(self.pages.recorder.books_key())

    def _stale(self, scan: Scan, fixture_ids: Iterable[int]) -> tuple[dict[int, str], list[int]]:
        """The kept value bets (text) of those fixtures still true of their odds entry, and
        the fixtures to scan; fixtures never priced are neither. Only the ones without a
        current scan have their entry looked up (a key each: milliseconds apiece at 2,000)."""
        ids = list(fixture_ids)
        kept = self.store.values.current(self._key(scan), ids)
        missing = [fid for fid in ids if fid not in kept]
        if missing:
            fetched: Mapping[str, datetime] = self.store.cache.fetched_times(FixtureOddsRequest.kind)
            missing = [fid for fid in missing if FixtureOddsRequest(fid).key in fetched]
        return kept, missing

    def _scan(self, scan: Scan, fixture_ids: list[int]) -> int:
        """Scan those fixtures now and keep what was found (one write for them all); how many
        were kept (an entry that does not read is not)."""
        rows: list[tuple[int, str, datetime, str]] = []
        watched = self.pages.recorder.watched
        for fid in fixture_ids:
            # Every bet of the answer: value, arbitrage and middles are looked for in all of them.
            entry = self.pages.fixture_entry(fid, None)
            if entry is None:
                continue
            found = [bet for fo in entry[1] for bet in fixture_value(
                without_bookmakers(watched(fo), scan.hidden_bookmakers), method=scan.method,
                consensus_mode=scan.consensus)]
            rows.append((fid, FixtureOddsRequest(fid).key, entry[0], encode(found)))
        if rows:
            self.store.values.put(self._key(scan), rows)
        return len(rows)

    def read(self, scan: Scan, fixture_ids: Iterable[int], limit: int | None = None) -> Found:
        """The kept value bets of those fixtures, best edge first (the ``limit`` best), and how
        many of them have no current scan (:meth:`run` them). Only the rows returned are made
        into bets: 2,000 real-size fixtures keep some 16,000."""
        kept, stale = self._stale(scan, fixture_ids)
        # One parse for every fixture's rows (one call, not 2,000): [[fixture id, rows], ...].
        parsed = _rows("[" + ",".join(f"[{fid},{text}]" for fid, text in kept.items()) + "]")
        found = [(row[6], fid, row) for fid, rows in parsed for row in rows]
        best = heapq.nlargest(len(found) if limit is None else limit, found, key=lambda f: f[0])
        return Found([_bet(fid, row) for _, fid, row in best], len(found), len(stale))

    async def run(self, scan: Scan, fixture_ids: Iterable[int]) -> int:
        """Scan every one of those fixtures whose kept scan is missing or older than its odds,
        a few at a time, yielding to the loop between; returns how many were scanned and kept."""
        _, stale = self._stale(scan, fixture_ids)
        scanned = 0
        for start in range(0, len(stale), _BATCH):
            # An entry that does not read is not scanned (nor counted: nothing changed).
            scanned += self._scan(scan, stale[start:start + _BATCH])
            await asyncio.sleep(0)
        return scanned
