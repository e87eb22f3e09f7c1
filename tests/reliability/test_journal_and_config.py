"""Two processes appending to the incident journal around a person's lines (test 21), and bad
configuration files refused before anything is written (test 22)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from oddsmon.clock import SystemClock
from oddsmon.config import load
from oddsmon.offline import OfflineMachine
from oddsmon.store import Store
from oddsmon.supervision import journal

from ..conftest import SECRET
from .conftest import python_env, worker_cmd

MARK = re.compile(r"<!-- oddsmon ([0-9a-f]+):([iacp])(\d+) -->")

PERSON_MIDDLE = [
    "Called the provider's support at 10:05 (ticket #4711); they confirm an outage.",
    "- [ ] check the corporate proxy -- ask Zoé",
    "Écrit par Zoé : relance du support à 10 h 30, pas de réponse.   ",  # trailing spaces kept
]
PERSON_LATE = [f"Person during the run, line {n}: still watching the dashboard." for n in range(5)]


def test_21_two_processes_append_to_the_journal_around_a_persons_lines(tmp_path: Path) -> None:
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(f'[paths]\ndb = "{tmp_path / "oddsmon.db"}"\nincidents = "{tmp_path / "journal.md"}"\n'
                   f'metrics = "{tmp_path / "metrics.json"}"\n')
    settings = load(cfg)
    path = settings.paths.incidents
    store = Store.open(settings.paths.db)
    machine = OfflineMachine(store, SystemClock(), settings.supervision)
    machine.go_offline("user", "first incident")
    journal.sync(store, settings)
    machine.go_online("first incident over")
    journal.sync(store, settings)
    # A person edits the journal in an editor: lines in the middle, and at the end.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if ":c1 -->" in line)
    edited = "".join(lines[:cut] + [f"{t}\n" for t in PERSON_MIDDLE] + lines[cut:]) + "Last line by a person.\n"
    path.write_text(edited, encoding="utf-8")

    rounds = 25
    start_at = time.time() + 1.0  # both writers and the person begin at the same instant
    writers = [subprocess.Popen(worker_cmd("journal_writer", str(cfg), str(rounds), tag, str(start_at)),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=python_env()) for tag in ("proc-A", "proc-B")]
    notes = [subprocess.Popen([sys.executable, "-m", "oddsmon", "--config", str(cfg), "--note",
                               f"note from shell {n}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=python_env())
             for n in range(2)]
    # Meanwhile the person appends from a shell (echo >> journal.md): O_APPEND, one write each.
    time.sleep(max(0.0, start_at - time.time()))
    for text in PERSON_LATE:
        time.sleep(0.05)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, f"{text}\n".encode())
        finally:
            os.close(fd)
    opened = 1
    for proc in writers + notes:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (out, err)
        if proc in writers:
            opened += json.loads(out)["opened"]
    journal.sync(store, settings)  # anything left to write is written by the next oddsmon

    final = path.read_text(encoding="utf-8")
    # Nothing a person wrote was rewritten: what the person saved is still the file's start,
    # byte for byte (oddsmon only appends), and every line they added later is there once.
    assert final.startswith(edited)
    for text in [*PERSON_MIDDLE, "Last line by a person.", *PERSON_LATE]:
        assert final.count(text) == 1, text
    late = [final.index(t) for t in PERSON_LATE]
    assert late == sorted(late)
    # Nothing oddsmon recorded was lost or written twice: one block per record in the store.
    sid = journal.store_id(store)
    marks = [(m.group(2), int(m.group(3))) for m in MARK.finditer(final) if m.group(1) == sid]
    assert len(marks) == len(set(marks)), "a record written twice"
    incidents = store.db.query("SELECT id, closed_at FROM incidents")
    actions = store.db.query("SELECT id FROM incident_actions")
    want = {("i", r[0]) for r in incidents} | {("c", r[0]) for r in incidents if r[1] is not None}
    want |= {("a", r[0]) for r in actions}
    assert want - set(marks) == set(), "records missing from the journal"
    assert len(incidents) == opened  # every incident a process opened (the other may have
    assert len(actions) > 4 * rounds  # found one already open: then it is the same incident)
    # No torn or interleaved line: each marker ends its own line.
    for line in final.splitlines():
        found = MARK.findall(line)
        assert len(found) <= 1 and (not found or line.rstrip().endswith("-->")), line
    assert final.count(journal.HEADER_MARK) == 1
    assert SECRET not in final
    store.close()


BAD_CONFIGS = {
    # name: (text, line, what the message must name)
    "broken_toml": ('[api]\ntimeout_s = 2.0\nbase_url = "http://127.0.0.1:9\n', 3, "api.base_url"),
    "unknown_key": ('[api]\ntimeout_s = 2.0\n\n[watch]\nleagues = [39]\nleauges = [61]\n', 6,
                    "watch.leauges"),
    "wrong_type": ('# shared config\n[api]\nretries = 1\ntimeout_s = "fast"\n', 4, "api.timeout_s"),
    "unclosed_list": ('[watch]\nseason = 2026\nleagues = [39, 61,\n', 3, "watch.leagues"),
}
COMMANDS = [[], ["--warm"], ["--offline"], ["--online"], ["--check"], ["--check", "--json"],
            ["--export"], ["--note", "hello"], ["--selftest"]]


def test_22_bad_config_exits_2_naming_file_line_and_key_nothing_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = python_env(APISPORTS_KEY=SECRET, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
                     XDG_STATE_HOME=str(home / "state"), XDG_DATA_HOME=str(home / "data"))
    configs = {}
    for name, (text, _, _) in BAD_CONFIGS.items():
        d = tmp_path / name
        d.mkdir()
        (d / "oddsmon.toml").write_text(
            text + f'\n# paths that would be written: {d / "state.db"}\n', encoding="utf-8")
        configs[name] = d / "oddsmon.toml"
    # Paths a good run of these configs would write (the defaults, under HOME) must stay absent.
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    runs = []
    for name, cfg in configs.items():
        for args in COMMANDS:
            runs.append((name, args, subprocess.Popen(
                [sys.executable, "-m", "oddsmon", "--config", str(cfg), *args],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cfg.parent,
                stdin=subprocess.DEVNULL)))
    problems = []
    for name, args, proc in runs:
        out, err = proc.communicate(timeout=60)
        _, line, key = BAD_CONFIGS[name]
        where = f"{configs[name]}:{line}:"
        # --check exits 3 (UNKNOWN) for a broken config, as monitoring plugins do, and says why
        # in that verdict on stdout (the line a monitor reads); the rest exit 2, on stderr.
        check = "--check" in args
        if check and "--json" in args:  # the status object alone
            out = "ODDSMON UNKNOWN - " + json.loads(out)["status"]["summary"] + "\n"
        lines = (out if check else err).strip().splitlines()
        if proc.returncode != (3 if check else 2):
            problems.append(f"{name} {args}: exit {proc.returncode}")
        if (err if check else out) or (check and not out.startswith("ODDSMON UNKNOWN - ")):
            problems.append(f"{name} {args}: printed {out!r} and {err!r}")
        if len(lines) != 1 or where not in lines[0] or key not in lines[0]:
            problems.append(f"{name} {args}: expected one line with {where} and {key}, got {lines}")
        if SECRET in out + err:
            problems.append(f"{name} {args}: the key is in the output")
    assert not problems, "\n".join(problems)
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before  # nothing written anywhere: no store, journal, export, lock file
