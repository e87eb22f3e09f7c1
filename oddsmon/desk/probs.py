"""The analyst's own probabilities, read from a CSV file: ``fixture_id, market, line, outcome, p``,
the same names ``--export-odds`` writes (``Goals Over/Under``, ``2.5``, ``Over``), one row per
outcome. Everything is checked before anything is kept: the first problem is one message naming
the file, the row and the column, and the store is left as it was.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ..domain.markets import BY_ID, MarketSpec, split_label
from ..store import Store
from ..store.model import ModelRow
from ..text import clean

COLUMNS = ("fixture_id", "market", "line", "outcome", "p")
# A market by the API's name or its common one, as the export and the screens write them.
_BY_NAME = {name: spec for spec in BY_ID.values() for name in (spec.name, spec.alias) if name}
_MAX_BYTES = 64 * 1024 * 1024  # a model's file is a few MB; a bigger one is not one


class ProbsError(ValueError):
    """A probabilities file that cannot be imported, with where and why."""


def _label(market: MarketSpec, line: str, outcome: str) -> str | None:
    """The API's outcome label for (line, outcome) in ``market``, None when it is not one."""
    if market.family in ("choice", "scores", "list", "exact_goals"):
        label = outcome
    else:
        label = f"{outcome} {line}" if line else outcome
    return label if split_label(market, label) == (outcome, line) else None


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise ProbsError(f"{path}: larger than {_MAX_BYTES // 2**20} MB: not a probabilities file")
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise ProbsError(f"{path}: empty; expected a header line: {','.join(COLUMNS)}")
            names = [h.strip().lstrip("\ufeff") for h in header]
            for name in names:
                if name not in COLUMNS:
                    raise ProbsError(f"{path}: row 1: column {clean(name)!r} is not one of "
                                     f"{', '.join(COLUMNS)}")
            missing = [c for c in COLUMNS if c not in names]
            if missing or len(names) != len(set(names)):
                raise ProbsError(f"{path}: row 1: the header must name each of {', '.join(COLUMNS)} "
                                 f"once ({'missing ' + ', '.join(missing) if missing else 'repeated'})")
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue  # a blank line
                if len(cells) != len(names):
                    raise ProbsError(f"{path}: row {reader.line_num}: {len(cells)} cells, "
                                     f"expected {len(names)} ({','.join(names)})")
                yield reader.line_num, {n: c.strip() for n, c in zip(names, cells, strict=True)}
    except UnicodeDecodeError as exc:
        raise ProbsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise ProbsError(f"{path}: not a CSV file ({exc})") from None
    except OSError as exc:
        raise ProbsError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_probs(path: Path) -> list[ModelRow]:
    """Every row of ``path`` as (fixture id, bet id, the API's outcome label, p); raises
    ProbsError naming the file, row and column of the first problem."""
    out: list[ModelRow] = []
    seen: dict[tuple[int, int, str], int] = {}
    for row, cells in _rows(path):
        def bad(column: str, why: str, row: int = row, cells: dict[str, str] = cells) -> ProbsError:
            return ProbsError(f"{path}: row {row}, column {column} ({clean(cells[column])!r}): {why}")

        fixture = cells["fixture_id"]
        if not (fixture.isascii() and fixture.isdigit() and int(fixture) > 0):
            raise bad("fixture_id", "expected a fixture id (a positive integer)")
        market = _BY_NAME.get(cells["market"])
        if market is None:
            raise bad("market", "not a market oddsmon knows; write it as --export-odds does "
                                "(Match Winner, Goals Over/Under, ... see docs/markets.md)")
        line = cells["line"]
        if market.lined and market.family != "exact_goals" and not line:
            raise bad("line", f"{market.name} needs a line (2.5, -1, ...)")
        label = _label(market, line, cells["outcome"])
        if label is None:
            raise bad("outcome", f"not an outcome of {market.name}"
                                 + (f" at line {line!r}" if line else "")
                                 + (f" (one of {', '.join(market.outcomes)})" if market.outcomes else ""))
        try:
            p = float(cells["p"])
        except ValueError:
            raise bad("p", "expected a probability between 0 and 1") from None
        if not (math.isfinite(p) and 0.0 < p <= 1.0):
            raise bad("p", "a probability must be above 0 and at most 1")
        key = (int(fixture), market.id, label)
        if key in seen:
            raise bad("outcome", f"the same outcome as row {seen[key]}")
        seen[key] = row
        out.append((int(fixture), market.id, label, p))
    return out


def import_probs(store: Store, path: Path, at: datetime) -> int:
    """Read ``path`` whole, then make it the store's model set in one transaction (nothing
    is written when it does not read); returns the rows kept."""
    rows = read_probs(path)
    try:
        mtime: float | None = path.stat().st_mtime
    except OSError:
        mtime = None
    return store.model.replace(rows, str(path), mtime, at)
