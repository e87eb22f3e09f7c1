"""Value and Kelly against your own probabilities ("model") beside the market's: the Value
data, the sources ``k`` cycles, alerts, and ``[model] file`` read again when it changes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.domain.models import MATCH_WINNER
from oddsmon.domain.odds import kelly_stake
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator

from ..conftest import SECRET

HEADER = "fixture_id,market,line,outcome,p\n"


@pytest.fixture
async def engine(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Engine]:
    base = Settings()
    settings = replace(base, watch=replace(base.watch, leagues=(39,), season=2026, days_ahead=3),
                       model=replace(base.model, file=tmp_path / "model.csv"),
                       alerts=replace(base.alerts, value_pct=5.0)).with_paths(
        db=tmp_path / "oddsmon.db", metrics=tmp_path / "metrics.json", incidents=tmp_path / "incidents.md")
    sim = Simulator(SimConfig(leagues=(39,), season=2026, daily_limit=10_000, per_minute=10_000,
                              full_markets=False), clock=clock)
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    assert (await eng.service.warm()).stopped is None
    yield eng
    await eng.aclose()


def _write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


async def _home_price(engine: Engine) -> tuple[int, float]:
    odds = (await engine.service.odds()).data or {}
    fid = min(f for f, fo in odds.items() if fo.kickoff and fo.kickoff > engine.clock.now())
    best = max(v.price for b in odds[fid].bookmakers if (bet := b.bet(MATCH_WINNER))
               for v in bet.values if v.label == "Home")
    return fid, best


async def test_value_and_kelly_against_the_model_beside_the_market(engine: Engine, tmp_path: Path,
                                                                   clock: FakeClock) -> None:
    service = engine.service
    assert service.value_sources() == ("market",)  # no set imported yet
    fid, price = await _home_price(engine)
    p = round(1.2 / price, 6)  # 20 % of value at the best price, by the model's account
    _write(tmp_path / "model.csv", HEADER + f"{fid},Match Winner,,Home,{p}\n{fid},Match Winner,,Away,0.01\n", 1000.0)
    assert service.model_poll() is None
    assert service.value_sources() == ("market", "model")
    board = (await service.value_board(basis="model")).data
    assert board is not None and board.pending == 0
    (bet,) = board.bets  # the Away at 1 % has no value at any price offered
    assert (bet.fixture_id, bet.market, bet.outcome, bet.price) == (fid, "Match Winner", "Home", price)
    assert bet.edge == pytest.approx(0.2, abs=1e-5) and bet.fair_probability == p
    # Kelly against the model, as the Value screen sizes it at the bet's price (``price``, as
    # asserted above): a quarter of (bp - q) / b.
    b = price - 1
    assert kelly_stake(price, p, 1000.0, 0.25, 0.01) == pytest.approx(250 * (b * p - (1 - p)) / b, abs=0.01)
    # The market's board is still there, unchanged by the model.
    market = (await service.value_board()).data
    assert market is not None and all(v.fair_probability != p for v in market.bets)
    # Alerts: value against the model once odds were fetched (the warm's).
    alerts = service.alerting.take()
    assert any("against your model" in a.text and a.fixture == fid for a in alerts)
    imported = service.store.model.last_import()
    assert imported is not None and imported.imported_at == clock.now()  # the injected clock


async def test_the_model_file_is_read_again_when_it_changes_and_kept_when_it_breaks(
        engine: Engine, tmp_path: Path, clock: FakeClock) -> None:
    service, path = engine.service, tmp_path / "model.csv"
    assert "cannot be read" in (service.model_poll() or "")  # configured, not there yet
    _write(path, HEADER + "1,Match Winner,,Home,0.5\n", 1000.0)
    assert service.model_poll() is None
    assert service.store.model.probabilities(1) == {(1, "Home"): 0.5}
    clock.advance(60)
    assert service.model_poll() is None  # unchanged: not read again
    assert service.store.model.last_import().imported_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # type: ignore[union-attr]
    _write(path, HEADER + "1,Match Winner,,Home,5\n", 2000.0)
    problem = service.model_poll() or ""
    assert "model.csv: row 2, column p ('5')" in problem and "previous set is kept" in problem
    assert service.model_poll() is None  # told once per change of the file
    assert service.store.model.probabilities(1) == {(1, "Home"): 0.5}
    clock.advance(60)
    _write(path, HEADER + "1,Match Winner,,Away,0.3\n", 3000.0)
    assert service.model_poll() is None
    assert service.store.model.probabilities(1) == {(1, "Away"): 0.3}
    assert service.store.model.last_import().imported_at == clock.now()  # type: ignore[union-attr]


async def test_simultaneous_kelly_on_the_picks_path_matches_the_published_example(engine: Engine) -> None:
    """Smoczynski & Tomkins (2010), the worked example: five exclusive outcomes at 5.50,
    2.625, 3.25, 6.00 and 21.00 with chances 20, 40, 30, 8 and 2 %: back the first three,
    5.96 %, 10.59 % and 6.25 % of the bankroll (full Kelly)."""
    from oddsmon.domain.market import ValueBet

    prices, ps = [5.50, 2.625, 3.25, 6.00, 21.00], [0.20, 0.40, 0.30, 0.08, 0.02]
    scores = ["1:0", "2:1", "1:1", "0:1", "3:3"]
    bets = [ValueBet(1, 10, "Exact Score", "", s, price, "Book", price * p - 1, p)
            for s, price, p in zip(scores, prices, ps, strict=True)]
    # [stakes] defaults: a quarter Kelly of 1,000, rounded to 1.
    assert engine.service.kelly_stakes(bets, simultaneous=True) == [15.0, 26.0, 16.0, 0.0, 0.0]
    # One by one, each as if alone: the 1:1 at 3.25 (97.5 % expected return) is no bet on its
    # own, but backed with the others it is a hedge worth 6.25 %.
    alone = engine.service.kelly_stakes(bets)
    assert alone == [kelly_stake(pr, p, 1000.0, 0.25, 1.0) if pr * p > 1 else 0.0
                     for pr, p in zip(prices, ps, strict=True)] == [6.0, 8.0, 0.0, 0.0, 0.0]
