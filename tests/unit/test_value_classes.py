"""One rule for value classes (README, "Layout"), checked over the package's source:

- ``@record`` / ``@mutable_record`` (oddsmon/records.py) in the modules of the start path, the
  ones ``oddsmon --check`` and ``oddsmon --export`` import, and nowhere else; those modules
  never import ``dataclasses`` (what ``@record`` spares them);
- ``@dataclass`` everywhere else;
- ``msgspec.Struct`` only for the shape of a body msgspec decodes: private (``_Name``) to the
  module that decodes it with ``msgspec.json``.

The start path is measured, not listed: the modules a real ``--check``, ``--check --json`` and
``--export -`` load, so a module that joins it must follow its rule.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import oddsmon
from oddsmon.store import Store

PACKAGE = Path(oddsmon.__file__).parent
ROOT = PACKAGE.parent

_RECORD = frozenset({"record", "mutable_record"})


def _name(node: ast.expr) -> str:
    """``dataclass``, ``dataclasses.dataclass``, ``dataclass(frozen=True)`` -> the last name."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _is_struct(base: ast.expr) -> bool:
    return (isinstance(base, ast.Attribute) and base.attr == "Struct"
            and isinstance(base.value, ast.Name) and base.value.id == "msgspec")


def _decodes(tree: ast.Module) -> bool:
    """Whether the module decodes with msgspec.json (``msgspec.json.Decoder`` or ``.decode``)."""
    return any(isinstance(node, ast.Attribute) and node.attr in ("Decoder", "decode")
               and isinstance(node.value, ast.Attribute) and node.value.attr == "json"
               and isinstance(node.value.value, ast.Name) and node.value.value.id == "msgspec"
               for node in ast.walk(tree))


def offences(source: str, where: str, *, start_path: bool) -> list[str]:
    """What in ``source`` breaks the rule, one line each naming the file, line and class."""
    tree = ast.parse(source)
    found = []
    for statement in tree.body:  # module level: a lazy import inside a function costs nothing at start
        if start_path and (
                (isinstance(statement, ast.Import) and any(a.name == "dataclasses" for a in statement.names))
                or (isinstance(statement, ast.ImportFrom) and statement.module == "dataclasses")):
            found.append(f"{where}:{statement.lineno}: imports dataclasses on the start path")
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        decorators = {_name(d) for d in node.decorator_list}
        at = f"{where}:{node.lineno}: class {node.name}"
        if start_path and "dataclass" in decorators:
            found.append(f"{at} is a @dataclass on the start path: make it a @record")
        if not start_path and decorators & _RECORD:
            found.append(f"{at} is a @record off the start path: make it a @dataclass")
        if any(_is_struct(b) for b in node.bases) and not (node.name.startswith("_") and _decodes(tree)):
            found.append(f"{at} is a msgspec.Struct: only a private shape of the body its module "
                         f"decodes with msgspec.json")
    return found


_PROBE = """
import contextlib, io, sys
from oddsmon.cli import main
config = sys.argv[1]
for args in (["--check"], ["--check", "--json"], ["--export", "-"]):
    with contextlib.redirect_stdout(io.StringIO()):
        main(["--config", config, *args])
print(" ".join(sorted(m for m in sys.modules if m == "oddsmon" or m.startswith("oddsmon."))))
"""


def start_path(tmp_path: Path) -> set[str]:
    """The modules of oddsmon that --check, --check --json and --export - load, on a real store."""
    Store.open(tmp_path / "oddsmon.db").close()
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[paths]\ndb = "{tmp_path / "oddsmon.db"}"\nmetrics = "{tmp_path / "m.json"}"\n'
                      f'incidents = "{tmp_path / "incidents.md"}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "APISPORTS_KEY": "value-classes-key"}
    out = subprocess.run([sys.executable, "-c", _PROBE, str(config)], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=60, check=True).stdout
    return set(out.split())


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_value_class_follows_the_rule(tmp_path: Path) -> None:
    loaded = start_path(tmp_path)
    assert {"oddsmon.config", "oddsmon.commands.check", "oddsmon.supervision.metrics"} <= loaded
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)),
                          start_path=_module(path) in loaded)
    assert found == []


@pytest.mark.parametrize(("source", "start", "expected"), [
    ("from dataclasses import dataclass\n@dataclass\nclass Row:\n    x: int\n", True,
     ["m.py:1: imports dataclasses on the start path",
      "m.py:3: class Row is a @dataclass on the start path: make it a @record"]),
    ("import dataclasses\n@dataclasses.dataclass(frozen=True)\nclass Row:\n    x: int\n", False, []),
    ("from .records import record\n@record\nclass Row:\n    x: int\n", False,
     ["m.py:3: class Row is a @record off the start path: make it a @dataclass"]),
    ("from .records import mutable_record\n@mutable_record\nclass Row:\n    x: int\n", True, []),
    ("def later():\n    from dataclasses import replace\n", True, []),
    ("import msgspec\nclass Item(msgspec.Struct):\n    x: int\n", False,
     ["m.py:2: class Item is a msgspec.Struct: only a private shape of the body its module "
      "decodes with msgspec.json"]),
    ("import msgspec\nclass _Item(msgspec.Struct):\n    x: int\nD = msgspec.json.Decoder(_Item)\n",
     False, []),
])
def test_the_rule_names_each_offending_class_and_file(source: str, start: bool, expected: list[str]) -> None:
    assert offences(source, "m.py", start_path=start) == expected
