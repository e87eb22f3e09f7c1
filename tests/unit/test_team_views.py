"""The SQL interface for the team's tools (docs/team.md), run as documented: the read-only role's
GRANTs and the Grafana recipe's queries are read from the page itself and run on a real
PostgreSQL store, as that role; what they answer is what the store recorded."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from oddsmon.store import NewPick, Store
from tests import postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "team.md"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KICKOFF = T0 + timedelta(hours=3)


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```sql {kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _filled(url: str) -> None:
    """Fixture 868071 (Arsenal v Chelsea) priced by two bookmakers, moving before kickoff, and
    two analysts' picks on it."""
    store = Store.open(url, author="ana@laptop")
    store.history.note_fixtures(T0, [(868071, KICKOFF, 39, "Premier League", "Arsenal", "Chelsea")])
    store.history.note_priced(T0, "/odds?league=39&season=2026", [(868071, 39, 2026)],
                              [(868071, 8, "Bet365", [1]), (868071, 6, "Bwin", [1])], [(1, "Match Winner")])
    store.history.note_seen(T0, [(868071, KICKOFF)])
    store.history.record(T0, [(868071, 8, 1, "Home", 2.10), (868071, 6, 1, "Home", 2.05),
                              (868071, 8, 1, "Away", 3.60)])
    store.history.record(T0 + timedelta(hours=1), [(868071, 8, 1, "Home", 2.00)])
    store.history.record(KICKOFF + timedelta(minutes=5), [(868071, 8, 1, "Home", 1.50)])  # in play
    pick = NewPick(868071, KICKOFF, "Arsenal v Chelsea", "Premier League", 1, "", "Home", "Home", 8,
                   "Bet365", 2.10, 10.0)
    store.picks.add(pick, T0)
    Store(store.db, author="bob@desk").picks.add(replace(pick, price=2.20), T0)
    store.close()


def _grafana(query: str) -> str:
    """Grafana's macros and variables as the SQL they expand to, over the whole of 2026."""
    query = re.sub(r"\$__timeFilter\((\w+)\)",
                   r"\1 BETWEEN '2026-01-01T00:00:00Z' AND '2026-12-31T23:59:59Z'", query)
    return query.replace("$fixture", "868071")


def test_the_documented_role_reads_the_views_and_nothing_else(pg_url: str) -> None:
    _filled(pg_url)
    server, dbname = postgres.server(), postgres.dbname(pg_url)
    [grants] = _blocks("grants")
    for statement in filter(None, (s.strip() for s in grants.split(";"))):
        if statement.startswith("CREATE ROLE") and server.sql(
                "postgres", "SELECT 1 FROM pg_roles WHERE rolname = 'oddsmon_reader'"):
            continue  # roles are the server's: an earlier test of the session made it
        server.sql(dbname, statement.replace("DATABASE oddsmon", f"DATABASE {dbname}"))
    queries = _blocks("grafana")
    assert len(queries) == 3
    reader = server.url(dbname, user="oddsmon_reader")
    with psycopg.connect(reader) as conn:
        series = conn.execute(_grafana(queries[0])).fetchall()
        closes = conn.execute(_grafana(queries[1])).fetchall()
        clv = conn.execute(_grafana(queries[2])).fetchall()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM cache")
    # Every observation of the Match Winner, named, in time order (the in-play one included).
    assert [(t.astimezone(UTC), metric, value) for t, metric, value in series] == [
        (T0, "Bet365 Away", 3.60), (T0, "Bet365 Home", 2.10), (T0, "Bwin Home", 2.05),
        (T0 + timedelta(hours=1), "Bet365 Home", 2.00), (KICKOFF + timedelta(minutes=5), "Bet365 Home", 1.50)]
    # The close: the last price before kickoff, per bookmaker and outcome, with the teams.
    assert [(k.astimezone(UTC), *rest) for k, *rest in closes] == [
        (KICKOFF, "Arsenal v Chelsea", "Match Winner", "Bet365", "Away", 3.60),
        (KICKOFF, "Arsenal v Chelsea", "Match Winner", "Bet365", "Home", 2.00),
        (KICKOFF, "Arsenal v Chelsea", "Match Winner", "Bwin", "Home", 2.05)]
    # CLV against that bookmaker's close (2.00): ana took 2.10 (+5 %), bob 2.20 (+10 %).
    assert [(author, round(value, 6)) for author, value in clv] == [("bob@desk", 10.0), ("ana@laptop", 5.0)]


def test_the_views_exist_on_every_migrated_store(pg_url: str) -> None:
    store = Store.open(pg_url)
    names = {r[0] for r in store.db.query("SELECT viewname FROM pg_views WHERE schemaname = 'public'")}
    assert {"team_odds_history", "team_closing_prices", "team_picks"} <= names
    assert store.db.query("SELECT * FROM team_picks") == []
    store.close()


def test_the_history_views_name_each_bet_as_the_api_does(pg_url: str) -> None:
    """Schema 14: each observation and each close carries its bet's name (bet_names), as the
    views' last column; a bet the API never named (recorded before names were kept) is NULL."""
    _filled(pg_url)
    store = Store.open(pg_url)
    try:
        store.history.record(T0, [(868071, 8, 99, "Yes", 1.9)])  # a bet with no name recorded
        assert store.db.query("SELECT DISTINCT bet_id, bet FROM team_odds_history ORDER BY 1") == [
            (1, "Match Winner"), (99, None)]
        assert store.db.query("SELECT DISTINCT bet_id, bet FROM team_closing_prices ORDER BY 1") == [
            (1, "Match Winner"), (99, None)]
        # team_picks still reads the closes (a view over the replaced view).
        assert [r[0] for r in store.db.query("SELECT clv_pct FROM team_picks ORDER BY id")] == [
            pytest.approx(5.0), pytest.approx(10.0)]
    finally:
        store.close()
