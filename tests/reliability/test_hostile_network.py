"""Hostile peers and racing processes, through the real command line (issue 12):

- class 4: a peer that drips one byte at a time never trips the per-read timeout; the overall
  deadline ends the request;
- class 5: ``--warm`` exits 0 only when every page is fresh; a portal page, an error envelope,
  a refused key or a redirect on every page exits 1;
- class 7: eight ``--warm`` at once, through a proxy that answers late and out of order,
  never spend past the daily reserve together;
- class 10: an answer over ``api.max_body_mb`` is an error for that page (announced or not),
  never cached; the WAL gives its space back.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from oddsmon.sim import LoopbackServer, SimConfig, Simulator
from oddsmon.store import Store

from ..clocks import ShiftedClock
from ..stores import sqlite_backend
from .faults import QUOTA_HEADERS, RawHttpServer, envelope_bytes, http_head, respond
from .hostile import Proxy, at_clock, cli_env, oddsmon, quota_headers, write_config


@pytest.fixture
def sim(day_clock: ShiftedClock) -> Simulator:
    return Simulator(SimConfig(leagues=(39,), daily_limit=5000, per_minute=5000), clock=day_clock)


@pytest.fixture
def live(sim: Simulator) -> Iterator[LoopbackServer]:
    with LoopbackServer(sim) as srv:
        yield srv


# -- class 4 -------------------------------------------------------------------------------


def drip(every_s: float) -> object:
    """A 200 with the whole body announced, then one byte every ``every_s`` seconds: each read
    gets something well within its timeout, so only an overall deadline ends it."""
    body = envelope_bytes(50)

    async def behave(srv: RawHttpServer, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter, head: bytes) -> None:
        writer.write(http_head(200, "OK", len(body), extra=QUOTA_HEADERS))
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every_s)

    return behave


def test_a_peer_dripping_bytes_is_cut_by_the_overall_deadline(
        tmp_path: Path, day_clock: ShiftedClock) -> None:
    with RawHttpServer(drip(0.2)) as raw:  # type: ignore[arg-type]
        cfg = write_config(tmp_path, raw.url, api="deadline_s = 1.5\n")  # reads: 3 s
        warm = oddsmon(cfg, "--warm", clock=day_clock)
        probe = oddsmon(cfg, "--check", "--probe", clock=day_clock)
        sent = raw.requests
    assert warm.returncode == 1, warm.stdout + warm.stderr
    assert "within api.deadline_s = 1.5 s" in warm.stdout, warm.stdout
    assert "OFFLINE" in oddsmon(cfg, "--check", clock=day_clock).stdout  # an outage: network
    assert probe.returncode == 2 and "deadline_s" in probe.stdout, probe.stdout
    # One attempt for the page (not retried: the deadline already covered its wait), one
    # /status probe at the start of the warm when offline, one for --check --probe.
    assert sent <= 3, sent


# -- class 5 -------------------------------------------------------------------------------

PORTAL = b"<html><head><title>Hotel WiFi</title></head><body>Please log in</body></html>"
ERRORS = json.dumps({"get": "odds", "parameters": [], "errors": {"required": "At least one "
                     "parameter is required."}, "results": 0, "paging": {"current": 1, "total": 1},
                     "response": []}).encode()


@pytest.mark.parametrize("status, reason, body, ctype, extra", [
    (200, "OK", PORTAL, "text/html", {}),
    (200, "OK", ERRORS, "application/json", {}),
    (302, "Found", b"", "text/html", {"location": "http://portal.example/login"}),
], ids=["portal", "errors-envelope", "redirect"])
def test_warm_exits_1_when_pages_fail_without_an_outage(
        tmp_path: Path, status: int, reason: str, body: bytes, ctype: str,
        extra: dict[str, str], day_clock: ShiftedClock) -> None:
    with RawHttpServer(respond(status, reason, body, ctype, {**QUOTA_HEADERS, **extra})) as raw:
        cfg = write_config(tmp_path, raw.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
    assert warm.returncode == 1, warm.stdout + warm.stderr
    # An errors envelope is a refusal, kept and said as such (issue 11); the rest failed.
    assert ("failed" in warm.stdout or "refused" in warm.stdout) and "0 page(s) fetched" in warm.stdout, \
        warm.stdout


@pytest.mark.parametrize("status, reason, body", [
    (401, "Unauthorized", b'{"message": "Invalid API key"}'),
    (403, "Forbidden", b'{"message": "You are not subscribed to this API."}'),
], ids=["401", "403"])
def test_warm_exits_1_on_a_refused_key_and_check_stays_critical(
        tmp_path: Path, status: int, reason: str, body: bytes, day_clock: ShiftedClock) -> None:
    with RawHttpServer(respond(status, reason, body, "application/json", QUOTA_HEADERS)) as raw:
        cfg = write_config(tmp_path, raw.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
        check = oddsmon(cfg, "--check", clock=day_clock)
        sent = raw.requests
    assert warm.returncode == 1, warm.stdout + warm.stderr
    assert f"stopped: offline (key): API key rejected (HTTP {status})" in warm.stdout, warm.stdout
    assert "0 page(s) fetched" in warm.stdout and "0 counted call(s) spent" in warm.stdout
    assert check.returncode == 2 and "ODDSMON CRITICAL - offline (key)" in check.stdout, check.stdout
    assert sent == 1  # the first refusal stops everything: no call wasted on a dead key


def test_warm_exit_codes_done_fresh_and_cannot_run(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0  # every page fetched
    again = oddsmon(cfg, "--warm", clock=day_clock)
    assert again.returncode == 0 and "already fresh" in again.stdout  # nothing to do: done
    (tmp_path / "docs" / "incidents_supervision.md").write_text("someone else's notes\n")
    refused = oddsmon(cfg, "--warm", clock=day_clock)
    assert refused.returncode == 3, refused.stderr  # could not run: the journal is not ours


# -- class 7 -------------------------------------------------------------------------------


def test_eight_processes_never_spend_past_the_reserve_together(
        tmp_path: Path, sim: Simulator, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    """30 calls left, a reserve of 10: at most 20 counted calls reach the API, whatever the
    order in which eight processes' answers come back."""
    sim.set_quota(limit=100, used=70)
    rng = random.Random(12)

    async def late(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        await asyncio.sleep(rng.uniform(0.0, 0.5))  # answers overtake one another
        return answer.status_code, "OK", quota_headers(answer), answer.content

    with Proxy(live.url, late) as proxy:
        cfg = write_config(tmp_path, proxy.url, api="daily_reserve = 10\n")
        cfg.write_text(cfg.read_text().replace("leagues = [39]", "leagues = [39, 61, 140]"))
        assert oddsmon(cfg, "--online", clock=day_clock).returncode == 0  # the free /status: 30 left is known
        launcher, env = at_clock(day_clock, cli_env(tmp_path))
        procs = [subprocess.Popen([*launcher, "--config", str(cfg), "--warm"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(8)]
        results = [p.communicate(timeout=300) for p in procs]
    for _out, err in results:
        assert "Traceback" not in err, err
    counted = sim.stats()["quota_used"] - 70
    assert 0 < counted <= 20, (counted, [out for out, _ in results])
    check = json.loads(oddsmon(cfg, "--check", "--json", clock=day_clock).stdout)
    assert check["quota"]["daily"]["remaining"] >= 10, check["quota"]


# -- class 10 ------------------------------------------------------------------------------


def unannounced(size: int) -> object:
    """A 200 without Content-Length: the body runs until the connection closes."""
    async def behave(srv: RawHttpServer, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter, head: bytes) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n")
        chunk = b" " * 65536
        for _ in range(size // len(chunk)):
            writer.write(chunk)
            await writer.drain()
        writer.close()

    return behave


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "until-close"])
def test_an_answer_over_the_size_cap_is_a_page_error_never_cached(
        tmp_path: Path, announced: bool, day_clock: ShiftedClock) -> None:
    big = 3_000_000
    body = b'{"get":"odds/bookmakers","errors":[],"response":[' + b" " * big + b"]}"
    behaviour = respond(200, "OK", body, extra=QUOTA_HEADERS) if announced else unannounced(big)
    with RawHttpServer(behaviour) as raw:  # type: ignore[arg-type]
        cfg = write_config(tmp_path, raw.url, api="max_body_mb = 1\n")
        warm = oddsmon(cfg, "--warm", clock=day_clock)
    assert warm.returncode == 1 and "larger than api.max_body_mb = 1 MB" in warm.stdout, warm.stdout
    assert "OFFLINE" not in oddsmon(cfg, "--check", clock=day_clock).stdout  # a page error, not an outage
    db = tmp_path / "state" / "oddsmon.db"
    assert db.stat().st_size < 1_000_000
    store = Store.open(db, read_only=True)
    try:
        assert store.cache.stats() == (0, 0)
    finally:
        store.close()


def test_the_wal_gives_its_space_back(tmp_path: Path) -> None:
    """A burst of writes while a reader holds an old snapshot grows the WAL past 10 MB; once
    the reader is gone and a checkpoint runs, the WAL is cut back to at most 4 MB."""
    db = tmp_path / "state" / "oddsmon.db"
    writer, reader = Store.open(db), Store.open(db)
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    wal = Path(f"{db}-wal")
    try:
        with reader.db.read() as conn:  # the snapshot pins the WAL: no checkpoint can finish
            conn.execute("SELECT count(*) FROM cache").fetchone()
            for i in range(16):  # random text: big bodies are kept compressed, this barely shrinks
                writer.cache.put(f"/big?{i}", "/big", base64.b64encode(os.urandom(750_000)).decode(), now, 60)
            assert wal.stat().st_size > 10_000_000
        sqlite_backend(writer).conn.execute("PRAGMA wal_checkpoint")  # copies the WAL back (no truncation)
        writer.cache.put("/small", "/small", "{}", now, 60)  # restarts the WAL from its start
        assert wal.stat().st_size <= 4 * 1024 * 1024
    finally:
        reader.close()
        writer.close()
