"""Tests read what the user sees (a screen's widgets, what a command prints) or what the service
answers, never an object's private attributes: a test tied to an internal breaks when the
internal is renamed although the behaviour held, and passes on state no user ever sees.

Flagged in tests/: ``x._name`` and ``getattr(x, "_name")`` (``setattr``, ``hasattr``, ``delattr``)
on anything but ``self``, ``cls`` or a module (a module's own helpers are not an app's, a
screen's or the service's state).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# (file under tests/, attribute) -> why no public reading exists. Keep it short.
ALLOWED = {
    ("perf/bench_cache_hit.py", "_memo"):
        "the bench times a cache hit with the reader's in-process memo emptied; the reader "
        "has no public way to empty it",
    ("unit/test_docs_match.py", "_option_string_actions"):
        "argparse has no public list of a parser's flags, and the docs-match test needs every one",
    ("unit/test_docs_match.py", "_actions"):
        "argparse has no public list of a parser's options (their help texts and defaults)",
}
CALLS = ("getattr", "setattr", "hasattr", "delattr")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _modules(imports: list[ast.Import | ast.ImportFrom], package: str) -> dict[str, str]:
    """Local name -> module, for every name these imports bind to a module."""
    out: dict[str, str] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    out[alias.name.split(".")[0]] = alias.name.split(".")[0]
            continue
        base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
            if node.level else node.module or ""
        for alias in node.names:
            if _is_module(f"{base}.{alias.name}"):
                out[alias.asname or alias.name] = f"{base}.{alias.name}"
    return out


def _on_module(node: ast.expr, modules: dict[str, str]) -> bool:
    dotted = _dotted(node)
    if dotted is None:
        return False
    root, _, rest = dotted.partition(".")
    if root not in modules:
        return False
    return not rest or _is_module(f"{modules[root]}.{rest}")


def _is_module(name: str) -> bool:
    """Whether a dotted name is a module, importing nothing: one of this repository's files,
    or a submodule of a package already imported."""
    head, _, _ = name.partition(".")
    if head in ("oddsmon", "tests"):
        path = TESTS.parent.joinpath(*name.split("."))
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()
    parent = sys.modules.get(name.rpartition(".")[0])
    if parent is None or not hasattr(parent, "__path__"):
        return "." not in name
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def private_reads(source: str, package: str) -> list[tuple[int, str]]:
    """(line, attribute) of each private attribute a test module (its ``source``, in
    ``package``) reads on an object."""
    imports: list[ast.Import | ast.ImportFrom] = []
    reads: list[tuple[int, ast.expr, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            reads.append((node.lineno, node.value, node.attr))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str) and _is_private(node.args[1].value):
            reads.append((node.lineno, node.args[0], node.args[1].value))
    modules = _modules(imports, package)
    return sorted((line, name) for line, target, name in reads
                  if not (isinstance(target, ast.Name) and target.id in ("self", "cls"))
                  and not _on_module(target, modules))


def test_tests_read_no_private_attribute_of_an_object() -> None:
    seen, flagged = set(), []
    for path in sorted(TESTS.rglob("*.py")):
        where = path.relative_to(TESTS).as_posix()
        package = ".".join(path.relative_to(TESTS.parent).parts[:-1])
        for line, name in private_reads(path.read_text(encoding="utf-8"), package):
            if (where, name) in ALLOWED:
                seen.add((where, name))
            else:
                flagged.append(f"tests/{where}:{line}: .{name}")
    assert flagged == [], "read what the screen shows or what the service answers instead"
    assert seen == set(ALLOWED), f"allowed but no longer read (drop them): {set(ALLOWED) - seen}"


def test_the_guard_sees_a_private_read_and_lets_modules_and_self_be() -> None:
    sample = (
        "from oddsmon.supervision import journal\n"
        "from . import conftest\n"
        "import oddsmon.tui.app\n"
        "class T:\n"
        "    def f(self, app, screen):\n"
        "        self._mine = journal._last_sync\n"
        "        oddsmon.tui.app._helper\n"
        "        getattr(screen, '_view')\n"
        "        conftest._SVG_RUN\n"
        "        return app.screen._view\n")
    assert private_reads(sample, "tests.tui") == [(8, "_view"), (10, "_view")]
