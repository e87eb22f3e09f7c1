"""Every priced fixture's names: the fixtures the stored odds cover that no cached fixtures
answer describes, asked for by id, as many a call as the provider allows.

The provider prices about two weeks ahead, the watch window's fixtures pages cover a few days:
without these, an export's rows, a pick or a value bet of a later fixture had no teams, league
or kickoff. The warm and the collector send them (within the quota and the collector's budget);
a fixture is asked for once a fixtures TTL, named or not (one the provider does not answer is
not paid for every cycle).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.models import Fixture
from ..providers import FixturesByIdsRequest, FixturesRequest
from .page import Page
from .reader import Reader


class Names:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.store = reader.store
        # Per cached fixtures entry: when it was fetched and the fixtures it names (a body is
        # decoded once per fetch, not once per cycle).
        self._named: dict[str, tuple[datetime, frozenset[int]]] = {}

    def _described(self) -> set[int]:
        """Fixtures a cached fixtures answer names, and those a by-ids request still fresh asked
        for."""
        cache, codec = self.store.cache, self.reader.provider
        now = self.reader.clock.now()
        ttl = timedelta(seconds=self.reader.settings.cache.fixtures_ttl_s)
        times = cache.fetched_times(FixturesRequest.kind)
        for gone in self._named.keys() - times.keys():
            del self._named[gone]
        out: set[int] = set()
        for key, at in times.items():
            memo = self._named.get(key)
            if memo is None or memo[0] != at:
                entry = cache.get(key)
                named: frozenset[int] = frozenset()
                if entry is not None:
                    try:
                        found: list[Fixture] = codec.decode(FixturesRequest, entry.body)
                        named = frozenset(f.id for f in found)
                    except ValueError:
                        pass  # a body that does not read names nothing, as everywhere else
                memo = self._named[key] = (at, named)
            out |= memo[1]
            if now - at < ttl:
                out.update(FixturesByIdsRequest.asked(key))
        return out

    def missing(self) -> list[FixturesByIdsRequest]:
        """The requests that would name every priced fixture nothing names yet, sorted by id,
        ``ids_per_call`` a request."""
        unnamed = sorted(set(self.store.history.priced()) - self._described())
        size = self.reader.provider.ids_per_call
        return [FixturesByIdsRequest(tuple(unnamed[i:i + size])) for i in range(0, len(unnamed), size)]

    async def fetch(self, request: FixturesByIdsRequest) -> Page[list[Fixture]]:
        return await self.reader.read(request)
