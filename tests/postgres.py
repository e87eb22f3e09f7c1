"""A real PostgreSQL server for the test session, from the machine's PostgreSQL binaries.

Started on first use by each pytest process (each xdist worker has its own server: no port,
directory or database is shared between workers), on a private Unix socket directory (no TCP
port), and stopped when the session ends, on failure too. The server is our child with a
parent-death signal: a pytest worker killed half way takes its server with it.

PostgreSQL refuses to run as root: when the tests run as root, ``initdb`` and ``postgres`` run
as the package's ``postgres`` user (else ``nobody``) through ``setpriv``. No binaries, and
none installable here: the PostgreSQL tests fail with one line saying what to install (CI
installs Debian's ``postgresql`` package in ``.ci/run``: they must run there).

Each test gets a database of its own (``PgServer.database()``); the session's tests share the
server. The server runs with ``fsync = off``: it holds nothing worth a crash's recovery.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# A role with a password (scram-sha-256 over the socket), for the tests of the password's
# sources; every other role connects without one (trust, on a socket only this session reaches).
PASSWORD_ROLE = "oddsmon_pw"
PASSWORD = "s3cret-Pa55-never-shown"
_START_TIMEOUT_S = 60


def dbname(url: str) -> str:
    """The database a URL of ``PgServer.url`` names."""
    return url.split("@/", 1)[1].split("?", 1)[0]


def find_bindir() -> Path | None:
    """The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/<version>/bin, else
    pg_config's, else a ``postgres`` on the PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                      key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        bindir = Path(out.stdout.strip())
        if (bindir / "postgres").exists():
            return bindir
    found = shutil.which("postgres")
    return Path(found).parent if found else None


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix running a program as an unprivileged user when we are root, and that
    user's uid and gid (None: ourselves)."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            user = pwd.getpwnam(name)
            return (["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"],
                    user.pw_uid, user.pw_gid)
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


class PgServer:
    """One running server: ``url(dbname)`` and ``database()`` for the tests."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # Run as another user (we are root), the server walks into this directory: never under
        # a private one (pytest's tmp_path, a TMPDIR of mode 0700), which it could not enter.
        self.base = Path(tempfile.mkdtemp(prefix="oddsmon-pg-", dir="/tmp" if os.geteuid() == 0 else None))
        self.data = self.base / "data"
        self.sockets = self.base / "run"
        self.proc: subprocess.Popen[bytes] | None = None
        self.superuser = ""
        self._names = itertools.count(1)
        self.started_s = 0.0  # what starting it cost

    def start(self) -> PgServer:
        t0 = time.perf_counter()
        prefix, uid, gid = _run_as()
        self.sockets.mkdir()
        self.data.mkdir()
        if uid is not None and gid is not None:
            os.chmod(self.base, 0o755)  # the server's user walks in; nothing secret is here
            for path in (self.sockets, self.data):
                os.chown(path, uid, gid)
        self.superuser = pwd.getpwuid(uid if uid is not None else os.geteuid()).pw_name
        log = self.base / "initdb.log"
        with log.open("wb") as out:
            done = subprocess.run([*prefix, str(self.bindir / "initdb"), "-D", str(self.data),
                                   "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
                                  stdout=out, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {log.read_text(errors='replace')[-1500:]}")
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n")
        if uid is not None and gid is not None:
            os.chown(hba, uid, gid)
        self._launch()
        self._wait_ready()
        self.sql("postgres", f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        self.started_s = time.perf_counter() - t0
        return self

    def _launch(self) -> None:
        prefix, _, _ = _run_as()
        # The server dies with this process (a parent-death signal), whatever ends it.
        launcher = [*(prefix or ["setpriv"]), "--pdeathsig=SIGINT"] if shutil.which("setpriv") else prefix
        self.proc = subprocess.Popen(
            [*launcher, str(self.bindir / "postgres"), "-D", str(self.data), "-k", str(self.sockets),
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=64MB"],
            stdout=subprocess.DEVNULL, stderr=(self.base / "server.log").open("ab"))

    def crash(self) -> None:
        """The server gone at once, as in a crash (an immediate shutdown: every connection cut,
        nothing flushed); ``resume`` starts it again on the same data."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)
            proc.wait(timeout=30)

    def resume(self) -> None:
        self._launch()
        self._wait_ready()

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited {self.proc.returncode}: "
                                   f"{(self.base / 'server.log').read_text(errors='replace')[-1500:]}")
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError("postgres did not accept connections within "
                                       f"{_START_TIMEOUT_S} s") from None
                time.sleep(0.05)  # the server's start-up, not a test's clock

    def url(self, dbname: str, user: str | None = None) -> str:
        return f"postgresql://{user or self.superuser}@/{dbname}?host={self.sockets}"

    def sql(self, dbname: str, statement: str) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            cur = conn.execute(statement)
            return list(cur.fetchall()) if cur.description else []

    def database(self) -> str:
        """A new, empty database's URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE template0")
        # The password role is a team's member: what the superuser creates there is theirs too.
        self.sql(name, f"GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}; "
                       f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO {PASSWORD_ROLE}; "
                       f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO {PASSWORD_ROLE}")
        return self.url(name)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown: clients are cut, nothing kept
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.base, ignore_errors=True)


_server: PgServer | None = None


def server() -> PgServer:
    """This process's server, started on first use; a clear failure without binaries."""
    global _server
    if _server is None:
        bindir = find_bindir()
        if bindir is None:
            pytest.fail("PostgreSQL tests need the server binaries (Debian: apt-get install "
                        "postgresql; .ci/run installs it) and none were found", pytrace=False)
        _server = PgServer(bindir)
        try:
            _server.start()
        except (RuntimeError, OSError) as exc:
            _server.stop()
            _server = None
            pytest.fail(f"PostgreSQL could not be started for the tests: {exc}", pytrace=False)
    return _server


def stop() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database of the session's server, as a libpq URL."""
    yield server().database()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """An empty store on each backend in turn: the SQLite file, then a PostgreSQL database."""
    from oddsmon.store import Store

    where = tmp_path / "state" / "oddsmon.db" if request.param == "sqlite" else server().database()
    store = Store.open(where)
    yield store
    store.close()
