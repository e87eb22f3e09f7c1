"""Where things may live: SQL and what the store is (a file, its backend) in oddsmon/store only,
and a simulator that stands alone (it is served to drills on hosts where oddsmon is not
configured, and must not pull the app in)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import oddsmon

PACKAGE = Path(oddsmon.__file__).parent


def test_only_the_store_imports_sqlite3_or_runs_sql() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(name.split(".")[0] == "sqlite3" for name in names):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports sqlite3")
            # A statement run on a connection or transaction, or a store.db read (query and
            # query_one alone are also Textual's DOM queries).
            if isinstance(node, ast.Attribute) and (
                    node.attr in ("execute", "executemany", "executescript")
                    or (node.attr in ("query", "query_one") and isinstance(node.value, ast.Attribute)
                        and node.value.attr == "db")):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} calls .{node.attr}")
    assert offenders == []


def test_nothing_outside_the_store_knows_it_is_a_file_or_reaches_its_backend() -> None:
    """A store is opened by ``oddsmon.store`` from the settings, and known by its ``Health``:
    no module outside store/ reads ``paths.db`` (or any ``.db``: a store's backend, the state
    directory through the file's parent), moves a file aside, checks its pages, or imports the
    backend's modules. A second backend is then one module beside ``store/sqlite.py``."""
    backend_modules = {"oddsmon.store.sqlite", "oddsmon.store.backend"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE)
        if where.parts[0] == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "db":
                offenders.append(f"{where}:{node.lineno} reads .db")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                    word in node.value for word in ("quick_check", "integrity_check(", ".corrupt-")):
                offenders.append(f"{where}:{node.lineno} names {node.value!r}")
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: resolve it against the module's own package
                    base = ["oddsmon", *where.parts[:-1]][:len(where.parts) - node.level + 1]
                    module = ".".join([*base, module] if module else base)
                names = [module, *(f"{module}.{a.name}" for a in node.names)]
                if any(name in backend_modules for name in names):
                    offenders.append(f"{where}:{node.lineno} imports {module}")
    assert offenders == []


def test_the_simulator_loads_the_clock_and_nothing_else_of_oddsmon() -> None:
    code = ("import sys, oddsmon.sim, oddsmon.sim.__main__;"
            "print(sorted(m for m in sys.modules if m.startswith('oddsmon') and not m.startswith('oddsmon.sim')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['oddsmon', 'oddsmon.clock']"
