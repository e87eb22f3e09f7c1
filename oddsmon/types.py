"""The states oddsmon passes between layers, as closed sets of names: mypy checks every
comparison and assignment against them, where a plain ``str`` let a typo through."""

from __future__ import annotations

from typing import Literal, get_args

# Where a page's answer came from: fetched now, read from the cache, or never had.
Source = Literal["live", "cache", "none"]

# What a warm did for one page: fetched it, found it fresh, had nothing, was refused by the
# provider, failed, or never asked.
WarmSource = Literal["live", "fresh", "none", "refused", "failed", "skipped"]

# Why offline mode is on (DESIGN.md): the person's switch, a network cut, an exhausted quota,
# a key or account the provider refuses.
Reason = Literal["user", "network", "quota", "key"]
REASONS: tuple[Reason, ...] = get_args(Reason)

# How prices are shown, and how the margin is taken out of a book.
PriceFormat = Literal["decimal", "fractional", "american"]
PRICE_FORMATS: tuple[PriceFormat, ...] = get_args(PriceFormat)
FairMethod = Literal["multiplicative", "additive", "power", "shin", "odds_ratio"]
FAIR_METHODS: tuple[FairMethod, ...] = get_args(FairMethod)
