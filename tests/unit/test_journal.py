"""The incident journal: rendered from the store's incident records, append-only, idempotent,
human lines untouched, safe with several processes, and refusing files that are not its own."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.commands import note
from oddsmon.config import Settings
from oddsmon.store import Store
from oddsmon.supervision import journal
from oddsmon.supervision.journal import HEADER_MARK, JournalError
from oddsmon.types import Reason

from ..conftest import SECRET
from .supervision_helpers import ROOT, machine


def outage(store: Store, clock: FakeClock, settings: Settings, reason: Reason = "quota",
           minutes: int = 90, close: bool = True) -> None:
    m = machine(store, clock, settings)
    m.go_offline(reason, "daily quota exhausted" if reason == "quota" else "connection refused")
    clock.advance(60)
    journal.record_action(store, clock.now(), "warm", "0 page(s) fetched, 0 counted call(s) spent")
    clock.advance(minutes * 60 - 60)
    if close:
        m.go_online("manual resume (--online)")


def test_new_journal_records_an_incident_start_to_end(store: Store, clock: FakeClock,
                                                       settings: Settings) -> None:
    outage(store, clock, settings)
    result = journal.sync(store, settings)
    path = settings.paths.incidents
    text = path.read_text()
    assert result.created and result.appended == 5  # opened, transition, warm, transition, closed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert HEADER_MARK in text
    assert "## Incident #1 - quota - 2026-11-24T09:00:00Z" in text
    # UTC and local time (Europe/Paris is UTC+1 in November), reason, actions, resume, duration.
    assert "Opened 2026-11-24 09:00:00 UTC (10:00:00 CET); reason `quota`" in text
    assert "· warm · 0 page(s) fetched" in text
    assert "**Back online** 2026-11-24 10:30:00 UTC (11:30:00 CET): effective resume, " \
           "incident #1 lasted 1 h 30 min" in text
    # Idempotent: a second sync, in this process or another, appends nothing.
    assert journal.sync(store, settings).appended == 0
    journal._last_sync.clear()
    assert journal.sync(store, settings).appended == 0
    assert path.read_text() == text


def test_actions_are_appended_as_they_happen(store: Store, clock: FakeClock, settings: Settings) -> None:
    m = machine(store, clock, settings)
    m.go_offline("network", "connection refused")
    journal.sync(store, settings)
    first = settings.paths.incidents.read_text()
    assert "Back online" not in first
    clock.advance(120)
    journal.record_action(store, clock.now(), "note", "alice: contacted support")
    journal.sync(store, settings)
    second = settings.paths.incidents.read_text()
    assert second.startswith(first) and "· note · alice: contacted support" in second
    clock.advance(120)
    m.go_online()
    journal.sync(store, settings)
    third = settings.paths.incidents.read_text()
    assert third.startswith(second) and "lasted 4 min 00 s" in third


def test_probes_are_summarised_in_one_line(store: Store, clock: FakeClock, settings: Settings) -> None:
    m = machine(store, clock, settings)
    m.go_offline("network", "connection refused")
    for ok in (False, False, False, True):
        clock.advance(30)
        store.ledger.log_request(clock.now(), "/status", "200" if ok else "connect-error", 1.0, False, free=True)
        m.probe_result(ok, None if ok else "refused")
    journal.sync(store, settings)
    text = settings.paths.incidents.read_text()
    probe_lines = [line for line in text.splitlines() if "/status" in line]
    assert len(probe_lines) == 1
    assert "4 /status probes during the outage; 3 failed (connect-error x3); 1 succeeded" in probe_lines[0]


def test_human_lines_are_never_rewritten_or_lost(store: Store, clock: FakeClock, settings: Settings) -> None:
    path = settings.paths.incidents
    outage(store, clock, settings, close=False)
    journal.sync(store, settings)
    # People write lines between oddsmon's, and leave the last one without a newline.
    with path.open("a") as f:
        f.write("Bob: called the provider, ticket #4411\n\n> blockquote kept as is")
    mine = path.read_text()
    clock.advance(60)
    machine(store, clock, settings).go_online()
    journal.sync(store, settings)
    text = path.read_text()
    assert text.startswith(mine)  # everything before is byte-for-byte unchanged
    assert "> blockquote kept as is\n- " in text  # our line starts on a line of its own


def test_a_lost_oddsmon_line_is_written_again(store: Store, clock: FakeClock, settings: Settings) -> None:
    outage(store, clock, settings)
    journal.sync(store, settings)
    path = settings.paths.incidents
    lines = path.read_text().splitlines(keepends=True)
    kept = [line for line in lines if "· warm ·" not in line]
    path.write_text("".join(kept) + "someone's line\n")  # an editor saved a stale buffer
    journal.sync(store, settings)
    text = path.read_text()
    assert text.count("· warm ·") == 1 and text.index("someone's line") < text.index("· warm ·")


def test_a_rebuilt_store_is_not_mistaken_for_the_old_one(tmp_path: Path, clock: FakeClock,
                                                          settings: Settings) -> None:
    first = Store.open(tmp_path / "a.db")
    outage(first, clock, settings)
    journal.sync(first, settings)
    first.close()
    second = Store.open(tmp_path / "b.db")  # ids restart at 1
    clock.advance(3600)
    outage(second, clock, settings, reason="network")
    journal.sync(second, settings)
    second.close()
    text = settings.paths.incidents.read_text()
    assert text.count("## Incident #1 - ") == 2
    assert "## Incident #1 - network" in text


def test_a_file_that_is_not_oddsmons_is_refused_and_left_alone(store: Store, clock: FakeClock,
                                                                settings: Settings) -> None:
    path = settings.paths.incidents
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Journal d'incidents\n\n- 12/03 coupure réseau, relancé à la main\n")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    outage(store, clock, settings)
    with pytest.raises(JournalError, match=str(path)) as info:
        journal.sync(store, settings)
    assert "not oddsmon's incident journal" in str(info.value)
    with pytest.raises(JournalError):
        journal.check_usable(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    # Adopting it: add the header line; the old lines stay, oddsmon appends below.
    with path.open("a") as f:
        f.write(HEADER_MARK + "\n")
    journal.sync(store, settings)
    assert path.read_text().startswith(before[0].decode())
    assert "## Incident #1" in path.read_text()


def test_binary_or_directory_journal_is_refused(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = settings.paths.incidents
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(JournalError, match="not UTF-8"):
        journal.sync(store, settings)
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match=r"[Nn]ot a (writable )?directory"):
        journal.check_usable(blocker / "journal.md")
    with pytest.raises(JournalError, match="is a directory"):
        journal.check_usable(tmp_path)


def test_empty_file_made_by_a_person_is_adopted(store: Store, clock: FakeClock, settings: Settings) -> None:
    path = settings.paths.incidents
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    os.chmod(path, 0o660)  # the team made it group-writable: appending keeps that
    outage(store, clock, settings)
    journal.sync(store, settings)
    assert HEADER_MARK in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_record_action_targets_open_or_recently_closed_incident(store: Store, clock: FakeClock,
                                                               settings: Settings) -> None:
    assert journal.record_action(store, clock.now(), "note", "nothing yet") is None
    outage(store, clock, settings)
    assert journal.record_action(store, clock.now(), "warm", "rebuilt after resume") == 1
    clock.advance(25 * 3600)
    assert journal.record_action(store, clock.now(), "warm", "a day later") is None
    # A person's note goes to the latest incident at any age, once however often it is retried.
    assert journal.record_note(store, clock.now(), "post-mortem", None) == (1, True)
    assert journal.record_note(store, clock.now(), "post-mortem", None) == (1, False)


def test_text_is_one_line_without_marker_lookalikes_or_key(store: Store, clock: FakeClock,
                                                           settings: Settings) -> None:
    outage(store, clock, settings, close=False)
    journal.record_action(store, clock.now(), "note",
                          f"line one\nline two <!-- oddsmon abcdef:a99 --> key {SECRET}", secret=SECRET)
    journal.sync(store, settings)
    text = settings.paths.incidents.read_text()
    assert "line one line two <!- oddsmon abcdef:a99 -> key ********" in text
    assert SECRET not in text


def test_note_command(store: Store, clock: FakeClock, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("USER", "carol")
    assert note.run(settings, "contacted support", clock) == 1  # no incident yet
    assert not settings.paths.incidents.exists()
    outage(store, clock, settings, close=False)
    assert note.run(settings, "contacted support", clock) == 0
    assert "note added to incident #1 (open)" in capsys.readouterr().out
    actions = store.incidents.current().actions  # type: ignore[union-attr]
    assert actions[-1].kind == "note" and actions[-1].text.endswith(": contacted support")
    assert "· note · " in settings.paths.incidents.read_text()


def test_note_with_a_foreign_journal_changes_nothing(store: Store, clock: FakeClock, settings: Settings,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    outage(store, clock, settings, close=False)
    path = settings.paths.incidents
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("my own notes\n")
    count = len(store.incidents.current().actions)  # type: ignore[union-attr]
    assert note.run(settings, "contacted support", clock) == 1
    assert str(path) in capsys.readouterr().err
    assert len(store.incidents.current().actions) == count  # type: ignore[union-attr]
    assert path.read_text() == "my own notes\n"


def test_note_with_an_unreadable_store_exits_3(settings: Settings, tmp_path: Path) -> None:
    settings.paths.db.parent.mkdir(parents=True, exist_ok=True)
    settings.paths.db.write_bytes(b"this is not sqlite" * 100)
    assert note.run(settings, "x") == 3
    assert settings.paths.db.read_bytes() == b"this is not sqlite" * 100


_WORKER = """
import sys
from dataclasses import replace
from pathlib import Path
from oddsmon.config import Settings
from oddsmon.store import Store
from oddsmon.supervision import journal
db, path = Path(sys.argv[1]), Path(sys.argv[2])
settings = Settings().with_paths(db=db, metrics=path.with_suffix('.json'), incidents=path)
settings = replace(settings, watch=replace(settings.watch, timezone='Europe/Paris'))
store = Store.open(db)
for _ in range(25):
    journal._last_sync.clear()
    journal.sync(store, settings)
store.close()
"""


def test_several_processes_syncing_at_once_write_each_record_once(store: Store, clock: FakeClock,
                                                                   settings: Settings) -> None:
    for _ in range(3):
        outage(store, clock, settings)
        clock.advance(600)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(settings.paths.db),
                               str(settings.paths.incidents)], env=env) for _ in range(4)]
    # Meanwhile this process keeps adding records and syncing too.
    m = machine(store, clock, settings)
    for i in range(10):
        clock.advance(60)
        if i % 2 == 0:
            m.go_offline("network", "refused")
        else:
            m.go_online()
        journal.sync(store, settings)
    assert all(p.wait(30) == 0 for p in procs)
    journal._last_sync.clear()
    journal.sync(store, settings)
    text = settings.paths.incidents.read_text()
    markers = [line.rsplit("<!-- oddsmon ", 1)[1] for line in text.splitlines() if "<!-- oddsmon " in line]
    assert len(markers) == len(set(markers))
    total = store.db.query_one("SELECT count(*) FROM incident_actions")[0]  # type: ignore[index]
    incidents = store.db.query_one("SELECT count(*) FROM incidents")[0]  # type: ignore[index]
    assert sum(1 for m_ in markers if ":a" in m_) == total
    assert sum(1 for m_ in markers if ":i" in m_) == incidents
    assert text.count(HEADER_MARK) == 1


def test_sync_is_cheap_when_nothing_changed(store: Store, clock: FakeClock, settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    outage(store, clock, settings)
    journal.sync(store, settings)
    monkeypatch.setattr(journal, "_read", lambda path: pytest.fail("file read again"))
    assert journal.sync(store, settings).appended == 0


def test_timezone_utc_shows_one_time(store: Store, clock: FakeClock, settings: Settings) -> None:
    utc = replace(settings, watch=replace(settings.watch, timezone="UTC"))
    outage(store, clock, utc, minutes=2)
    journal.sync(store, utc)
    text = utc.paths.incidents.read_text()
    assert "Opened 2026-11-24 09:00:00 UTC; reason" in text


def test_duration_and_dual_formats() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from oddsmon.supervision.common import dual, duration

    assert duration(12) == "12 s"
    assert duration(250) == "4 min 10 s"
    assert duration(15 * 3600) == "15 h 00 min"
    assert duration(2 * 86400 + 3 * 3600 + 5 * 60) == "2 d 03 h 05 min"
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert dual(late, ZoneInfo("Europe/Paris")) == "2026-11-24 23:30:00 UTC (2026-11-25 00:30:00 CET)"
    assert dual(late - timedelta(hours=3), ZoneInfo("Europe/Paris")) == "2026-11-24 20:30:00 UTC (21:30:00 CET)"
    # A host whose zone is Etc/UTC: the time is said once, not "... UTC (23:30:00 UTC)".
    assert dual(late, ZoneInfo("Etc/UTC")) == dual(late, ZoneInfo("UTC")) == "2026-11-24 23:30:00 UTC"


def test_commands_refuse_a_foreign_journal_before_changing_anything(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from oddsmon import cli

    journal_path = tmp_path / "docs" / "incidents.md"
    journal_path.parent.mkdir()
    journal_path.write_text("notes written by hand\n")
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[paths]\ndb = "{tmp_path / "state" / "o.db"}"\nmetrics = "{tmp_path / "m.json"}"\n'
                      f'incidents = "{journal_path}"\n')
    assert cli.main(["--config", str(config), "--offline"]) == 1
    assert str(journal_path) in capsys.readouterr().err
    assert not (tmp_path / "state").exists()  # not even a store was created
    store = Store.open(tmp_path / "state" / "o.db")
    store.close()
    assert cli.main(["--config", str(config), "--export"]) == 1
    assert not (tmp_path / "m.json").exists()
    assert journal_path.read_text() == "notes written by hand\n"
