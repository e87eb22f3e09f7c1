"""``--check`` on a store an older oddsmon wrote, and ``--upgrade-store``, on each backend: the
check stays read-only and its UNKNOWN line names the command; the command upgrades the store
and nothing else (docs/hostile.md, "An older store")."""

from __future__ import annotations

from pathlib import Path

import pytest

from oddsmon import cli
from oddsmon.store import SCHEMA_VERSION, Store
from tests import postgres
from tests.stores import one_row, schema_15


def _config(tmp_path: Path, where: str) -> str:
    config = tmp_path / "oddsmon.toml"
    db = where if not where.startswith("postgresql:") else tmp_path / "oddsmon.db"
    config.write_text(f'[watch]\nleagues = [39]\n[paths]\ndb = "{db}"\nmetrics = "{tmp_path}/m.json"\n'
                      f'incidents = "{tmp_path}/incidents.md"\n'
                      + (f'[store]\nurl = "{where}"\n' if where.startswith("postgresql:") else ""))
    return str(config)


def _version(where: str) -> int:
    if where.startswith("postgresql:"):
        return int(postgres.server().sql(postgres.dbname(where), "SELECT max(version) FROM oddsmon_schema")[0][0])  # type: ignore[call-overload]
    import sqlite3

    conn = sqlite3.connect(where)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_check_names_the_upgrade_of_an_older_store_and_the_upgrade_clears_it(
        tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APISPORTS_KEY", "k" * 32)  # as on-call staff run it; nothing is sent
    where = schema_15(kind, tmp_path)
    config = _config(tmp_path, where)

    assert cli.main(["--config", config, "--check"]) == 3
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("ODDSMON UNKNOWN - ") and "an older oddsmon store (schema 15)" in line
    assert "nothing was changed: run oddsmon --upgrade-store (no API call" in line
    assert _version(where) == 15  # a monitor's check writes nothing

    assert cli.main(["--config", config, "--upgrade-store"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"upgraded from schema 15 to {SCHEMA_VERSION}")
    assert _version(where) == SCHEMA_VERSION
    store = Store.open_existing(where)
    assert one_row(store, "SELECT count(*) FROM cache")[0] == 0  # the store, read as it is now
    store.close()

    assert cli.main(["--config", config, "--check"]) == 0
    assert capsys.readouterr().out.startswith("ODDSMON OK - ")
    assert cli.main(["--config", config, "--upgrade-store"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"already at schema {SCHEMA_VERSION}: nothing to upgrade")


def test_a_file_that_is_not_an_older_store_is_left_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Another program's file where the store should be: every writing command would move it
    # aside and start afresh; the upgrade refuses, and changes nothing.
    where = tmp_path / "oddsmon.db"
    where.write_bytes(b"not a database, someone's notes\n" * 100)
    config = _config(tmp_path, str(where))
    assert cli.main(["--config", config, "--upgrade-store"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"oddsmon: {where}: ") and err.rstrip().endswith("; not upgraded")
    assert where.read_bytes() == b"not a database, someone's notes\n" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oddsmon.db", "oddsmon.toml"]


def test_a_damaged_older_store_is_left_where_it_is_not_replaced_by_an_empty_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Its header still says schema 15, so --check names the upgrade; the upgrade then meets the
    # damaged pages. A writing command would move the file aside and start an empty store: the
    # upgrade must not, nor say "upgraded" over it.
    monkeypatch.setenv("APISPORTS_KEY", "k" * 32)
    where = Path(schema_15("sqlite", tmp_path))
    data = bytearray(where.read_bytes())
    data[100:112] = b"\xff" * 12  # the first page's b-tree header: the schema table unreadable
    where.write_bytes(bytes(data))
    config = _config(tmp_path, str(where))
    assert cli.main(["--config", config, "--upgrade-store"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"oddsmon: {where}: ") and err.rstrip().endswith("left as it is; not upgraded"), err
    assert where.read_bytes() == bytes(data)
    assert not [p.name for p in tmp_path.iterdir() if "corrupt" in p.name]


def test_copying_from_an_older_store_says_how_to_upgrade_that_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --upgrade-store acts on the configured store: FROM is named, with the config that reaches it.
    older = schema_15("sqlite", tmp_path)
    config = _config(tmp_path, str(tmp_path / "configured.db"))
    assert cli.main(["--config", config, "--copy-store", older, str(tmp_path / "copy.db")]) == 3
    err = capsys.readouterr().err
    assert f"the source {older} is an older oddsmon store (schema 15)" in err
    assert "a config whose paths.db (or store.url) names it: oddsmon --config FILE --upgrade-store" in err
    assert _version(older) == 15 and not (tmp_path / "copy.db").exists()


def test_an_older_store_on_a_server_that_takes_no_writes_says_so_not_run_the_upgrade_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A standby (or a database made read-only): the upgrade cannot happen from here, and naming
    # --upgrade-store again would send the person round in a circle.
    where = schema_15("postgresql", tmp_path)
    postgres.server().sql("postgres", f"ALTER DATABASE {postgres.dbname(where)} SET default_transaction_read_only = on")
    config = _config(tmp_path, where)
    assert cli.main(["--config", config, "--upgrade-store"]) == 3
    err = capsys.readouterr().err
    assert "it takes no writes" in err and "point store.url at the primary" in err, err
    assert "run oddsmon --upgrade-store" not in err
    assert _version(where) == 15
