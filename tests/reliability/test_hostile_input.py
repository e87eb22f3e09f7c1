"""Hostile bytes and absurd values from outside, through the real command line (issue 12):

- class 2: a key that could leak (a second line in the key file, non-ASCII, Latin-1),
  credentials in ``base_url``;
- class 3: terminal escape sequences and bidi overrides in names, provider error texts, HTTP
  reason phrases and a person's ``--note``;
- class 8: absurd numbers in the quota headers and in the body;
- class 9: config values that used to be accepted and then crashed or poisoned the store.

The API is the simulator on a loopback port, behind a raw proxy that twists its real answers.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oddsmon.sim import LoopbackServer, SimConfig, Simulator

from ..clocks import ShiftedClock
from ..conftest import SECRET
from .faults import RawHttpServer, respond, secret_hits
from .hostile import (
    HOSTILE,
    ODDS_39,
    Proxy,
    cli_env,
    has_terminal_controls,
    oddsmon,
    quota_headers,
    write_config,
)


@pytest.fixture
def live(day_clock: ShiftedClock) -> Iterator[LoopbackServer]:
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=5000, per_minute=5000), clock=day_clock)
    with LoopbackServer(sim) as srv:
        yield srv


def _every_name(value: Any, twist: str) -> Any:
    """The body with ``twist`` woven into every name (teams, leagues, bookmakers, bets)."""
    if isinstance(value, dict):
        return {k: (f"{v[:3]}{twist}{v[3:]}" if k in ("name", "label") and isinstance(v, str)
                    else _every_name(v, twist)) for k, v in value.items()}
    if isinstance(value, list):
        return [_every_name(v, twist) for v in value]
    return value


def _files_text(root: Path) -> dict[str, str]:
    """Every file oddsmon wrote under ``root``, and the SQLite store's text columns."""
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and p.suffix not in (".toml", ".db") and "-wal" not in p.name and "-shm" not in p.name:
            out[str(p)] = p.read_text(encoding="utf-8", errors="replace")
    db = root / "state" / "oddsmon.db"
    conn = sqlite3.connect(db)
    try:
        for table, column in (("cache", "body"), ("state", "detail"), ("transitions", "detail"),
                              ("incident_actions", "text"), ("requests", "status")):
            rows = conn.execute(f"SELECT {column} FROM {table}").fetchall()
            out[f"{db}:{table}.{column}"] = "\n".join(str(r[0]) for r in rows)
    finally:
        conn.close()
    return out


ALWAYS_EXPIRED = ("\n[cache]\nfixtures_ttl_s = 0\npredictions_ttl_s = 0\nodds_ttl_s = 0\n"
                  "bookmakers_ttl_s = 0\n")


# -- class 3 -------------------------------------------------------------------------------


@pytest.mark.slow
def test_escape_sequences_from_the_api_and_a_person_reach_no_output_file_or_store(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    """Names carrying a clipboard write (OSC 52), a screen clear, a title change, an 8-bit CSI,
    a right-to-left override, NUL and backspace: every output, the journal, the export and
    the store hold the names without them; the same for a provider's error text, an HTTP
    reason phrase in 8-bit C1 controls, and a person's note typed with escapes."""
    mode = {"phase": "names"}

    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        headers = quota_headers(answer)
        if mode["phase"] == "errors" and not target.startswith("/status"):
            body = json.loads(answer.content)
            body["errors"] = {f"bug{HOSTILE}": f"Something {HOSTILE} broke"}
            body["response"] = []
            return 200, "OK", headers, json.dumps(body).encode()
        if mode["phase"] == "reason" and not target.startswith("/status"):
            return 503, "\x9b2J\x9d0;pwned\x9c Service Unavailable", headers, b"{}"
        body = _every_name(json.loads(answer.content), HOSTILE)
        return answer.status_code, "OK", headers, json.dumps(body, ensure_ascii=False).encode()

    with Proxy(live.url, twist) as proxy:
        cfg = write_config(tmp_path, proxy.url, extra=ALWAYS_EXPIRED)
        run = functools.partial(oddsmon, cfg, clock=day_clock)
        outputs = [run("--warm")]
        assert outputs[0].returncode == 0, outputs[0].stdout + outputs[0].stderr
        outputs += [run("--check"), run("--check", "--json"), run("--export", "-"), run("--export")]
        mode["phase"] = "errors"
        run("--offline")
        run("--online")
        outputs.append(run("--warm", env=cli_env(tmp_path)))
        mode["phase"] = "reason"
        outputs.append(run("--warm"))
        outputs += [run("--check"), run("--note", f"called {HOSTILE.replace(chr(0), '')} support")]
        outputs.append(run("--export"))
    said = "\n".join(p.stdout + p.stderr for p in outputs)
    assert "Service Unavailable" in said and "Something" in said  # the faults were seen
    assert has_terminal_controls(said) == [], said
    for where, text in _files_text(tmp_path).items():
        assert has_terminal_controls(text) == [], (where, text[:2000])
    journal = (tmp_path / "docs" / "incidents_supervision.md").read_text()
    assert "called" in journal and "support" in journal  # the note is there, cleaned


# -- class 2 -------------------------------------------------------------------------------


@pytest.mark.parametrize("content, why", ids=["second-line", "latin-1", "utf-8", "blank"], argvalues=[
    (f"{SECRET}\n# rotated 2026-11-02\n".encode(), "line break"),
    (f"{SECRET}é".encode("latin-1"), "printable ASCII"),
    (f"{SECRET}é".encode(), "printable ASCII"),
    (f"{SECRET[:10]} {SECRET[10:]}".encode(), "blank"),
])
def test_a_key_that_could_leak_is_refused_where_it_is_loaded(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, live: LoopbackServer,
        content: bytes, why: str, day_clock: ShiftedClock) -> None:
    """Exit 2 naming the key file, for every command, before anything is sent or written;
    the key (in any encoding) appears nowhere."""
    key_file = tmp_path_factory.mktemp("secrets") / "key"  # outside the directory scanned for it
    key_file.write_bytes(content)
    key_file.chmod(0o600)
    cfg = write_config(tmp_path, live.url, api=f'key_file = "{key_file}"\n')
    env = cli_env(tmp_path)
    env.pop("APISPORTS_KEY")
    for args in (["--warm"], ["--check"], ["--check", "--probe"], ["--export", "-"], ["--online"]):
        proc = oddsmon(cfg, *args, env=env, clock=day_clock)
        assert proc.returncode == config_exit(args), (args, proc.stdout, proc.stderr)
        assert str(key_file) in config_said(proc, args) and why in config_said(proc, args), proc
        assert not secret_hits((proc.stdout + proc.stderr).encode(), SECRET[:12])
    assert not (tmp_path / "state").exists()  # nothing written anywhere


def test_a_non_ascii_key_in_the_environment_is_refused_naming_the_variable(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, live.url)
    proc = oddsmon(cfg, "--warm", env=cli_env(tmp_path, APISPORTS_KEY=f"{SECRET}\u00e9"), clock=day_clock)
    assert proc.returncode == 2 and "$APISPORTS_KEY" in proc.stderr, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr


def config_exit(args: list[str]) -> int:
    """A configuration error exits 2, or 3 (UNKNOWN) for --check, a monitoring plugin."""
    return 3 if "--check" in args else 2


def config_said(proc: subprocess.CompletedProcess[str], args: list[str]) -> str:
    """Where a configuration error is said: on stderr, or for --check in its UNKNOWN verdict,
    the first line of stdout (the one line a monitor reads)."""
    if "--check" not in args:
        return proc.stderr
    assert proc.stdout.startswith("ODDSMON UNKNOWN - ") and proc.stdout.count("\n") == 1, proc.stdout
    return proc.stdout


def test_credentials_in_base_url_are_refused_and_never_printed(
        tmp_path: Path, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, "http://analyst:hunter2secret@127.0.0.1:9")
    for args in (["--warm"], ["--check"], ["--export", "-"]):
        proc = oddsmon(cfg, *args, clock=day_clock)
        assert proc.returncode == config_exit(args), proc.stderr
        assert "api.base_url" in config_said(proc, args) and "credentials" in config_said(proc, args)
        assert "hunter2secret" not in proc.stdout + proc.stderr
    assert not (tmp_path / "state").exists()


# -- class 8 -------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {"x-ratelimit-requests-remaining": "99999999999999999999999"},
    {"X-RateLimit-Limit": "-1", "X-RateLimit-Remaining": "-5"},
    {"x-ratelimit-requests-limit": "7500", "x-ratelimit-requests-remaining": "14436"},
    {"x-ratelimit-requests-remaining": "1e9", "X-RateLimit-Limit": "0x10"},
])
def test_absurd_quota_headers_are_ignored_or_clamped(
        tmp_path: Path, live: LoopbackServer, headers: dict[str, str], day_clock: ShiftedClock) -> None:
    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        return answer.status_code, "OK", {**quota_headers(answer), **headers}, answer.content

    with Proxy(live.url, twist) as proxy:
        cfg = write_config(tmp_path, proxy.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
        assert warm.returncode == 0, warm.stdout + warm.stderr
        check = json.loads(oddsmon(cfg, "--check", "--json", clock=day_clock).stdout)
    daily, minute = check["quota"]["daily"], check["quota"]["per_minute"]
    left, limit = daily["remaining"], daily["limit"]
    assert left is None or 0 <= left <= 10**9
    assert left is None or limit is None or left <= limit, daily  # never "14436 left of 7500"
    assert minute["limit"] is None or minute["limit"] > 0


@pytest.mark.parametrize("path, value", [
    (("response", 0, "id"), 2**64),                       # a bookmaker id past SQLite's range
    (("response", 0, "id"), -(2**70)),
])
def test_an_impossible_number_in_a_body_is_an_error_for_that_page(
        tmp_path: Path, live: LoopbackServer, path: tuple[Any, ...], value: int,
        day_clock: ShiftedClock) -> None:
    """The page is refused (not cached), the other pages stand, the command exits 1 (partly
    done) with no traceback, and the store is not poisoned for the next run."""
    armed = {"on": True}

    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        body = json.loads(answer.content)
        if armed["on"] and target.startswith("/odds/bookmakers"):
            node = body
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
        return answer.status_code, "OK", quota_headers(answer), json.dumps(body).encode()

    with Proxy(live.url, twist) as proxy:
        cfg = write_config(tmp_path, proxy.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
        assert warm.returncode == 1, warm.stdout + warm.stderr
        assert "bookmakers: failed" in warm.stdout and "out of range" in warm.stdout, warm.stdout
        assert re.search(f"{ODDS_39}: live", warm.stdout), warm.stdout
        armed["on"] = False
        again = oddsmon(cfg, "--warm", clock=day_clock)
        assert again.returncode == 0, again.stdout + again.stderr


def test_odds_history_refuses_a_bookmaker_id_past_2_63_without_hanging_the_page(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    async def twist(target: str, answer: httpx.Response) -> tuple[int, str, dict[str, str], bytes]:
        body = json.loads(answer.content)
        if target.startswith("/odds?") and body.get("response"):
            body["response"][0]["bookmakers"][0]["id"] = 2**64
        return answer.status_code, "OK", quota_headers(answer), json.dumps(body).encode()

    with Proxy(live.url, twist) as proxy:
        cfg = write_config(tmp_path, proxy.url)
        warm = oddsmon(cfg, "--warm", clock=day_clock)
    assert warm.returncode == 1 and re.search(f"{ODDS_39}: failed", warm.stdout), warm.stdout


# -- class 9 -------------------------------------------------------------------------------


@pytest.mark.parametrize("api, extra, key", [
    ("timeout_s = nan\n", "", "api.timeout_s"),
    ("timeout_s = inf\n", "", "api.timeout_s"),
    ("deadline_s = -inf\n", "", "api.deadline_s"),
    ("daily_reserve = 9223372036854775807\n", "", "api.daily_reserve"),
    ("", "\n[supervision]\nprobe_min_s = nan\n", "supervision.probe_min_s"),
    ("", "\n[cache]\nodds_ttl_s = 9223372036854775807\n", "cache.odds_ttl_s"),
    ("", "\n[odds]\ndrop_alert_pct = nan\n", "odds.drop_alert_pct"),
    ("max_body_mb = 0\n", "", "api.max_body_mb"),
])
def test_config_numbers_out_of_bounds_exit_2_naming_the_key(
        tmp_path: Path, api: str, extra: str, key: str, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", api=api, extra=extra)
    for args in (["--warm"], ["--check"], ["--offline"]):
        proc = oddsmon(cfg, *args, clock=day_clock)
        said = config_said(proc, args)
        assert proc.returncode == config_exit(args) and f"{cfg}:" in said and key in said, proc
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://bad host", "http://exa..mple",
                                 "http://127.0.0.1:0", "http://-x-/", "https://h/v3?key=1"])
def test_a_broken_base_url_exits_2(tmp_path: Path, url: str, day_clock: ShiftedClock) -> None:
    proc = oddsmon(write_config(tmp_path, url), "--warm", clock=day_clock)
    assert proc.returncode == 2 and "api.base_url" in proc.stderr, proc.stderr


def test_empty_config_flag_and_init_config_under_a_file_exit_2(
        tmp_path: Path, day_clock: ShiftedClock) -> None:
    proc = oddsmon(None, "--config", "", "--check", env=cli_env(tmp_path), clock=day_clock)
    assert proc.returncode == config_exit(["--check"]) and "--config" in config_said(proc, ["--check"]), proc
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    proc = oddsmon(None, "--init-config", str(blocker / "sub" / "oddsmon.toml"), env=cli_env(tmp_path),
                   clock=day_clock)
    assert proc.returncode == 2 and str(blocker) in proc.stderr, proc.stderr
    assert blocker.read_text() == "x"


def test_a_store_poisoned_by_a_huge_ttl_counts_as_expired(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    """A store an older, unchecked config left with ``expires_at = 9.2e18``: every page is
    read as expired (refetched), nothing crashes."""
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    conn = sqlite3.connect(tmp_path / "state" / "oddsmon.db")
    with conn:
        conn.execute("UPDATE cache SET expires_at = 9.2e18")
        conn.execute("UPDATE cache SET expires_at = 'soon', fetched_at = 1e300 "
                     "WHERE key = (SELECT min(key) FROM cache)")
    conn.close()
    warm = oddsmon(cfg, "--warm", clock=day_clock)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert "0 already fresh" in warm.stdout  # all expired, all fetched again
    assert oddsmon(cfg, "--check", clock=day_clock).returncode in (0, 1)
    assert os.stat(tmp_path / "state" / "oddsmon.db").st_size > 0


def test_provider_error_text_quoting_a_header_never_reaches_the_outputs(
        tmp_path: Path, day_clock: ShiftedClock) -> None:
    """A body that echoes the request's key back (a hostile or broken gateway): the message
    shown is the provider's, with the key masked in every encoding."""
    echo = json.dumps({"get": "status", "parameters": [], "errors": {
        "token": f"bad key {SECRET!r} / {json.dumps(SECRET)} / {SECRET.replace('-', '%2D')}"},
        "results": 0, "paging": {"current": 1, "total": 1}, "response": []}).encode()
    with RawHttpServer(respond(200, "OK", echo)) as raw:
        cfg = write_config(tmp_path, raw.url)
        outs = [oddsmon(cfg, "--warm", clock=day_clock), oddsmon(cfg, "--check", "--probe", clock=day_clock),
                oddsmon(cfg, "--check", "--json", clock=day_clock)]
    said = "".join(p.stdout + p.stderr for p in outs)
    assert "bad key" in said
    assert SECRET not in said and SECRET.replace("-", "%2D") not in said, said
