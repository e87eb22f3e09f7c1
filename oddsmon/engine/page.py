"""What every answer of the engine is: its data and where it came from (``Page``, ``Provenance``),
and how the provenance of a page built from several cache entries is told (``combine``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from ..types import Reason, Source

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an answer came from, and how old it is."""

    source: Source
    fetched_at: datetime | None
    age_s: float | None
    stale: bool  # past its time-to-live
    offline_reason: Reason | None = None  # set when offline mode decided how it was served
    error: str | None = None  # what went wrong when fetching, if anything
    missing: tuple[str, ...] = ()  # parts of a combined page that were never cached
    expires_at: datetime | None = None  # when its first part falls due again (auto-refresh)
    refused: bool = False  # the provider refused the request; ``error`` holds its message
    notes: tuple[str, ...] = ()  # why parts of a page are not asked for (coverage, season)


NOTHING = Provenance("none", None, None, False)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    data: T | None
    provenance: Provenance

    @property
    def cached_never(self) -> bool:
        return self.data is None and self.provenance.source == "none"


def combine(provs: list[Provenance], now: datetime) -> Provenance:
    """One provenance for a page built from several entries: as old as its oldest part."""
    if not provs:
        return NOTHING
    have = [p for p in provs if p.source != "none"]
    missing = tuple(m for p in provs for m in p.missing)
    reason = next((p.offline_reason for p in provs if p.offline_reason), None)
    error = next((p.error for p in provs if p.error), None)
    refused = any(p.refused for p in provs)
    if not have:
        return Provenance("none", None, None, False, reason, error, missing, refused=refused)
    oldest = min(have, key=lambda p: p.fetched_at or now)
    source: Source = "live" if all(p.source == "live" for p in have) else "cache"
    return Provenance(source, oldest.fetched_at, oldest.age_s, any(p.stale for p in have),
                      reason, error, missing,
                      expires_at=min((p.expires_at for p in have if p.expires_at is not None), default=None),
                      refused=refused)
