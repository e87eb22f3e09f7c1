"""``oddsmon --collect --once`` and ``--check --json`` through the real command line, against the
simulator on a loopback port, with a webhook receiver: the issue's "Done when", minus the
stand-in serving real bodies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oddsmon.alerts import drop_alert
from oddsmon.domain.market import PriceDrop
from oddsmon.sim import LoopbackServer, SimConfig, Simulator
from oddsmon.store import Queued, Store

from ..webhook import Receiver
from .test_headless_e2e import KEY, Cli, control, stats


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    sim = Simulator(SimConfig(leagues=(39, 61), season=2026, daily_limit=100, per_minute=300))
    srv = LoopbackServer(sim).start()
    yield srv
    srv.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def config(tmp_path: Path, server: LoopbackServer, hook: str, budget: int) -> Path:
    path = tmp_path / "oddsmon.toml"
    path.write_text(f"""
[api]
base_url = "{server.url}"
daily_reserve = 5
retries = 0
[watch]
leagues = [39, 61]
season = 2026
[paths]
db = "state/oddsmon.db"
metrics = "docs/supervision_metrics.json"
incidents = "docs/incidents_supervision.md"
[collect]
daily_budget = {budget}
[alerts]
webhook_url = "{hook}"
min_interval_s = 0.0
""")
    return path


def test_collect_once_within_budget_then_check_reports_it(server: LoopbackServer, receiver: Receiver,
                                                           tmp_path: Path) -> None:
    cli = Cli(tmp_path, config(tmp_path, server, receiver.url, budget=5))
    proc = cli("--collect", "--once")
    assert proc.returncode == 0, proc.stderr
    counted = stats(server)["counted_total"]
    assert 0 < counted <= 5 and "counted call(s)" in proc.stdout

    _code, data = cli.check()
    col: dict[str, Any] = data["collector"]
    assert col["running"] is False and col["last_cycle"] is not None
    assert col["budget"] == {"daily": 5, "spent": counted, "left": 5 - counted,
                             "by_kind": col["budget"]["by_kind"]}
    assert sum(col["budget"]["by_kind"].values()) == counted

    # A second collector while one runs (held here by this test's own process) does not start.
    store = Store.open(tmp_path / "state" / "oddsmon.db")
    try:
        from datetime import datetime

        assert store.collector.acquire("collector", datetime.now(UTC), 300) is None
        before = stats(server)["requests_total"]
        proc = cli("--collect", "--once")
        assert proc.returncode == 0
        assert f"pid {os.getpid()}" in proc.stdout and "not starting another" in proc.stdout
        assert stats(server)["requests_total"] == before
        assert cli.check()[1]["collector"]["running"] is True
        store.collector.release("collector")
    finally:
        store.close()


def test_a_quota_outage_during_collection_posts_a_mode_change_alert(
        server: LoopbackServer, receiver: Receiver, tmp_path: Path) -> None:
    cli = Cli(tmp_path, config(tmp_path, server, receiver.url, budget=40))
    control(server, exhaust_quota=True)
    proc = cli("--collect", "--once")
    assert proc.returncode == 0, proc.stderr
    assert [b["kind"] for b in receiver.bodies] == ["offline"]
    assert "quota" in receiver.bodies[0]["text"]
    assert all(KEY.encode() not in raw for raw in receiver.raw)
    assert all(KEY not in out for out in cli.outputs)


def test_collect_never_imports_textual(server: LoopbackServer, receiver: Receiver, tmp_path: Path) -> None:
    import subprocess
    import sys

    cli = Cli(tmp_path, config(tmp_path, server, receiver.url, budget=3))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "oddsmon", "--config", str(cli.config),
                           "--collect", "--once"], cwd=tmp_path, env=cli.env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert imported and not {m for m in imported if m.split(".")[0] == "textual"}


def _collector(cli: Cli) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "oddsmon", "--config", str(cli.config), "--collect"],
                            cwd=cli.tmp, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_alerts_pending_when_the_collector_is_killed_are_delivered_once_after_a_restart(
        server: LoopbackServer, receiver: Receiver, tmp_path: Path) -> None:
    cli = Cli(tmp_path, config(tmp_path, server, receiver.url, budget=40))
    (tmp_path / "state").mkdir()
    store = Store.open(tmp_path / "state" / "oddsmon.db")
    now = datetime.now(UTC)
    pending = [drop_alert(PriceDrop(1380000 + n, 8, 1, "Home", 2.10, 1.80, now), "Arsenal v Chelsea", "Bet365")
               for n in range(25)]
    try:
        store.outbox.enqueue(["webhook"], [Queued(a.key, a.kind, a.to_json()) for a in pending], now)
        for stop in (signal.SIGKILL, signal.SIGTERM):
            receiver.hang()
            proc = _collector(cli)
            try:
                # The collector's webhook task has claimed the pending alerts and is posting them.
                assert receiver.hung.wait(60), "the collector never posted"
                os.kill(proc.pid, stop)
                proc.wait(60)
            finally:
                if proc.poll() is None:
                    proc.kill()
            claimed = store.db.query("SELECT count(*) FROM alert_outbox WHERE claimed_pid = ? AND sent_at IS NULL",
                                     (proc.pid,))[0][0]
            # kill -9 leaves its claim (taken over as its process is gone); SIGTERM releases it.
            assert claimed == (len(pending) if stop == signal.SIGKILL else 0), proc.stdout
            receiver.come_back()  # the held post is dropped: nothing of it was delivered
            assert receiver.alerts() == []
        restarted = cli("--collect", "--once")
        assert restarted.returncode == 0, restarted.stderr
        left = store.db.query("SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL")[0][0]
    finally:
        store.close()
    keys = [a["key"] for a in receiver.alerts()]
    delivered = [k for k in keys if k in {a.key for a in pending}]
    print(f"\nalerts delivered after a kill -9 of the collector: {len(set(delivered))} of {len(pending)}, "
          f"{len(delivered) - len(set(delivered))} twice")
    assert sorted(delivered) == sorted(a.key for a in pending) and len(keys) == len(set(keys))
    assert left == 0 and "delivered to http://127.0.0.1:" in restarted.stdout
