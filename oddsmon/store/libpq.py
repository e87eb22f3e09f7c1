"""A team's PostgreSQL store read by a one-shot report (``oddsmon --check``, opened read-only),
through libpq alone: psycopg's import (asyncio, its type system, its error classes) costs
several times what the whole check may, and a report sends a few plain queries.

The library is psycopg's own (the copy its binary package bundles, so both connect alike), else
the system's ``libpq.so.5``; with neither, the report uses psycopg (postgres.py). Parameters are
sent as text with their types; values come back as psycopg returns them for the types the
schema uses (integers, floats, text, bytea, booleans, numeric as Decimal).
"""

from __future__ import annotations

import _thread  # threading's own parts: a report needs no more, and threading costs its import
import contextlib
import ctypes
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .backend import Health, StoreError, StoreUnreachable, StoreWriteError
from .postgres_sql import DIALECT, OPENING, SIZE, VERSION, check_schema, integrity, pg

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .backend import Params, Row

_CONNECT_TIMEOUT_S = 10
_OK, _COMMAND_OK, _TUPLES_OK = 0, 1, 2
_SQLSTATE = ord("C")
# Parameter types by Python type (text format): int8, float8, text, bytea, bool.
_OIDS = {int: 20, float: 701, str: 25, bytes: 17, bool: 16}
_INTS, _FLOATS, _BYTEA, _BOOL, _NUMERIC = {20, 21, 23, 26}, {700, 701}, 17, 16, 1700


def _library() -> ctypes.CDLL | None:
    import importlib.util

    spec = importlib.util.find_spec("psycopg_binary")
    names = []
    if spec is not None and spec.submodule_search_locations:
        libs = os.path.join(os.path.dirname(next(iter(spec.submodule_search_locations))), "psycopg_binary.libs")
        with contextlib.suppress(OSError):
            names += [os.path.join(libs, n) for n in sorted(os.listdir(libs)) if n.startswith("libpq")]
    for name in [*names, "libpq.so.5"]:
        with contextlib.suppress(OSError):
            return _typed(ctypes.CDLL(name))
    return None


def _typed(lib: ctypes.CDLL) -> ctypes.CDLL:
    p, c, i, u = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint
    for name, args, result in (
            ("PQconnectdbParams", [ctypes.POINTER(c), ctypes.POINTER(c), i], p),
            ("PQstatus", [p], i), ("PQerrorMessage", [p], c), ("PQfinish", [p], None),
            ("PQexecParams", [p, c, i, ctypes.POINTER(u), ctypes.POINTER(c), p, p, i], p),
            ("PQresultStatus", [p], i), ("PQresultErrorMessage", [p], c),
            ("PQresultErrorField", [p, i], c), ("PQntuples", [p], i), ("PQnfields", [p], i),
            ("PQftype", [p, i], u), ("PQgetisnull", [p, i, i], i), ("PQgetvalue", [p, i, i], c),
            ("PQcmdTuples", [p], c), ("PQclear", [p], None)):
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, result
    return lib


_LIB: list[ctypes.CDLL | None] = []


def available() -> bool:
    """Whether libpq can be loaded here (once)."""
    if not _LIB:
        _LIB.append(_library())
    return _LIB[0] is not None


class Result:
    """One statement's rows, as a cursor gives them."""

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def fetchmany(self, size: int = 1) -> list[Any]:
        out, self._rows = self._rows[:size], self._rows[size:]
        return out

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class Tx:
    __slots__ = ("backend",)

    def __init__(self, backend: LibpqBackend) -> None:
        self.backend = backend

    def execute(self, sql: str, params: Params = ()) -> Result:
        return self.backend.run(pg(sql), params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> Result:
        raise self._read_only()

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> None:
        raise self._read_only()

    def upsert_rows(self, insert: str, conflict: str, rows: Sequence[Params], key: int) -> None:
        raise self._read_only()

    def _read_only(self) -> StoreWriteError:
        return StoreWriteError(f"{self.backend.where}: the store is read-only (opened read-only)")

    def iterate(self, sql: str, params: Params = (), batch: int = 2000) -> Iterator[Row]:
        # A server-side cursor, read a batch at a time: memory stays flat whatever the count.
        self.backend.run(f"DECLARE oddsmon_rows NO SCROLL CURSOR FOR {pg(sql)}", params)
        try:
            while rows := self.backend.run(f"FETCH {int(batch)} FROM oddsmon_rows", ()).fetchall():
                yield from rows
        finally:
            self.backend.run("CLOSE oddsmon_rows", ())


class LibpqBackend:
    """An oddsmon store in a PostgreSQL database, read-only, on one connection."""

    dialect = DIALECT
    read_only = True
    degraded = False

    def __init__(self, url: str, *, password: str | None = None) -> None:
        self.where = url  # as configured: config.py refuses a password in it
        self.problem: str | None = None
        self._password = password
        self._conn: int | None = None
        self._lock = _thread.RLock()
        self._size: int | None = None
        self._local = _thread._local()

    def open(self) -> LibpqBackend:
        lib = _LIB[0] if available() else None
        if lib is None:
            raise StoreError(f"{self.where}: libpq cannot be loaded")
        pairs = {"dbname": self.where, "application_name": "oddsmon",
                 "connect_timeout": str(_CONNECT_TIMEOUT_S)}
        if self._password is not None:
            pairs["password"] = self._password
        keys = (ctypes.c_char_p * (len(pairs) + 1))(*[k.encode() for k in pairs], None)
        values = (ctypes.c_char_p * (len(pairs) + 1))(*[v.encode() for v in pairs.values()], None)
        conn = lib.PQconnectdbParams(keys, values, 1)  # dbname holds the URL or key=value pairs
        if conn is None or lib.PQstatus(conn) != _OK:
            text = self._text(lib.PQerrorMessage(conn) if conn else b"out of memory")
            if conn:
                lib.PQfinish(conn)
            raise StoreUnreachable(f"{self.where}: cannot connect to the store: {text}")
        self._conn = conn
        try:
            _, _, marked, foreign, _ = self.run(OPENING, ()).fetchall()[0]
            version = int(self.run(VERSION, ()).fetchall()[0][0]) if marked else None
            check_schema(self.where, version, bool(foreign), as_found=True)
        except StoreError:
            self.close()
            raise
        return self

    def run(self, sql: str, params: Params) -> Result:
        """One statement (PostgreSQL's placeholders) on the connection."""
        lib = _LIB[0]
        if self._conn is None or lib is None:
            raise StoreError(f"{self.where}: store is not open")
        values = [None if v is None else _text(v) for v in params]
        n = len(values)
        types = (ctypes.c_uint * max(n, 1))(*[0 if v is None else _OIDS.get(type(v), 0) for v in params])
        texts = (ctypes.c_char_p * max(n, 1))(*values)
        with self._lock:
            res = lib.PQexecParams(self._conn, sql.encode(), n, types, texts, None, None, 0)
            if not res:
                raise StoreUnreachable(f"{self.where}: the store server cannot be reached "
                                       f"({self._text(lib.PQerrorMessage(self._conn))})")
            try:
                status = lib.PQresultStatus(res)
                if status not in (_COMMAND_OK, _TUPLES_OK):
                    code = lib.PQresultErrorField(res, _SQLSTATE)
                    text = self._text(lib.PQresultErrorMessage(res))
                    if lib.PQstatus(self._conn) != _OK or code is None or code.startswith((b"08", b"57P")):
                        raise StoreUnreachable(f"{self.where}: the store server cannot be reached ({text})")
                    raise StoreError(f"{self.where}: {text}")
                count = lib.PQcmdTuples(res)
                return Result(_rows(lib, res), int(count) if count else 0)
            finally:
                lib.PQclear(res)

    # -- the seam --------------------------------------------------------------------------------

    def write(self) -> contextlib.AbstractContextManager[Tx]:
        raise StoreWriteError(f"{self.where}: the store is read-only (opened read-only)")

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        if getattr(self._local, "tx", None) is not None:
            yield self._local.tx
            return
        with self._lock:
            self.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ())
            self._local.tx = Tx(self)
            try:
                yield self._local.tx
            except BaseException:
                self._local.tx = None
                with contextlib.suppress(StoreError):
                    self.run("ROLLBACK", ())
                raise
            self._local.tx = None
            self.run("COMMIT", ())

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self.run(pg(sql), params).fetchall()

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def hold(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # a report reads each thing once: nothing to hold

    def remember(self, sql: str, params: Params, rows: list[Row]) -> None:
        return None

    def notify(self, tx: object, topic: str, payload: str = "") -> None:
        return None  # a report changes nothing

    def listen(self, topics: Sequence[str]) -> None:
        return None  # a report does not wait for other hosts

    def health(self) -> Health:
        if self._conn is None:
            return Health(self.where, False, False, False, True, self.problem)
        if self._size is None:
            # Summed over every relation's files: a report's one moment needs it once (--check
            # asks at open and again for its metrics).
            try:
                size = self.query_one(SIZE)
            except StoreError as exc:
                return Health(self.where, False, False, False, True, str(exc))
            self._size = int(size[0]) if size else 0
        return Health(self.where, True, False, False, True, self.problem, self._size)

    def reopen_writable(self) -> bool:
        return False

    def integrity_check(self) -> str:
        return integrity(lambda sql: self.query(sql))

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and _LIB and _LIB[0] is not None:
            _LIB[0].PQfinish(conn)

    def _text(self, raw: bytes | None) -> str:
        text = " ".join((raw or b"").decode("utf-8", "replace").split()) or "no detail"
        for secret in (self._password, os.environ.get("PGPASSWORD")):
            if secret:
                text = text.replace(secret, "********")
        return text


def _text(value: object) -> bytes:
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, bytes | bytearray | memoryview):
        return b"\\x" + bytes(value).hex().encode()
    if isinstance(value, float):
        return repr(value).replace("inf", "Infinity").replace("nan", "NaN").encode()
    return str(value).encode()


def _rows(lib: ctypes.CDLL, res: int) -> list[Row]:
    nrows, nfields = lib.PQntuples(res), lib.PQnfields(res)
    if not nrows:
        return []
    convert = [_converter(lib.PQftype(res, col)) for col in range(nfields)]
    value, isnull = lib.PQgetvalue, lib.PQgetisnull
    return [tuple(None if isnull(res, r, c) else convert[c](value(res, r, c)) for c in range(nfields))
            for r in range(nrows)]


def _converter(oid: int) -> Any:
    if oid in _INTS:
        return int
    if oid in _FLOATS:
        return float
    if oid == _BOOL:
        return lambda raw: raw == b"t"
    if oid == _BYTEA:
        return lambda raw: bytes.fromhex(raw[2:].decode())
    if oid == _NUMERIC:
        from decimal import Decimal

        return lambda raw: Decimal(raw.decode())
    return lambda raw: raw.decode()
