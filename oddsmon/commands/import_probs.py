"""``oddsmon --import-probs FILE.csv``: the analyst's own probabilities into the shared store,
where value and Kelly are worked out against them ("model") beside the market and the
prediction (docs/model.md)."""

from __future__ import annotations

from pathlib import Path

from ..clock import Clock
from ..config import Settings
from ..desk.probs import ProbsError, import_probs
from ..store import Store, StoreError
from .common import EXIT_CANNOT_RUN, EXIT_FAIL, EXIT_OK, fail


def run(settings: Settings, path: Path, clock: Clock | None = None) -> int:
    """Exit 0 imported, 1 the file does not read (the first problem, by row and column: nothing
    is written), 3 the store cannot be opened."""
    from ..clock import SystemClock

    try:
        store = Store.open(settings)
    except StoreError as exc:
        return fail(str(exc), EXIT_CANNOT_RUN)
    try:
        count = import_probs(store, path, (clock or SystemClock()).now())
    except ProbsError as exc:
        return fail(f"{exc}; nothing imported", EXIT_FAIL)
    except StoreError as exc:
        return fail(str(exc), EXIT_CANNOT_RUN)
    finally:
        store.close()
    print(f"imported {count} probabilit{'y' if count == 1 else 'ies'} from {path}: the model set "
          f"now (the previous one replaced)")
    return EXIT_OK
