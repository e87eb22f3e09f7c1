"""The docs name the keys and flags the app has, for what they do.

Keys come from the app's and its screens' ``BINDINGS`` (every screen and dialog class of
``oddsmon.tui``, with what they inherit, Textual's included); flags from the parsers
(``oddsmon.cli.build_parser``, declared in ``commands/registry.py``, and the simulator's).

- Every key the docs name must be bound in the scope they give (the Odds screen, the
  early-resume dialog, ...; the whole app otherwise), and what the docs say it does must share
  a word with what its binding says (its label, tooltip or action): "`l` lists every message"
  fails while ``l`` is the Live screen's key. The French runbook's key table names the English
  one's keys, row for row, and its prose is read through a small glossary.
- Every flag in a command the docs show (``oddsmon ...``, the runbook's scripts, the
  simulator's ``python -m oddsmon.sim``) and every ``--flag`` they name alone must be one its
  parser declares, and so must every flag a ``--help`` text names; the simulator's help states
  its defaults as the simulator has them.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

import oddsmon.tui
from oddsmon.cli import build_parser
from oddsmon.sim.__main__ import build_parser as sim_parser
from oddsmon.sim.data import SimConfig

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# The docs that name the app's keys (elsewhere a lone letter is a value: `U`, `Z`, `-X`).
KEY_DOCS = ("README.md", "runbook.en.md", "runbook.fr.md", "collector.md", "markets.md",
            "performance.md", "supervision.md")
# Lone letters in those docs that are not keys: a marker on screen, the journal's record kinds,
# the plugin format's unknown value.
NOT_KEYS = {("collector.md", "L"), ("supervision.md", "i"), ("supervision.md", "a"),
            ("supervision.md", "p"), ("supervision.md", "c"), ("supervision.md", "U"),
            ("supervision.md", "Z"), ("runbook.en.md", "U"), ("runbook.fr.md", "U"),
            ("markets.md", "X")}
NAMED = {"?": "question_mark", "/": "slash", "*": "asterisk", "[": "left_square_bracket",
         "]": "right_square_bracket", ".": "full_stop", ",": "comma", "F1": "f1", "Escape": "escape",
         "Échap": "escape", "PageUp": "pageup", "PageDown": "pagedown", "Ctrl+P": "ctrl+p", "Tab": "tab",
         "Enter": "enter"}
KEY = re.compile(r"[A-Za-z?/*\[\].,]|F1|Escape|Échap|PageUp|PageDown|Ctrl\+P|Tab|Enter")
CODE = re.compile(r"`([^`\n]+)`")  # inline code, read left to right: `-wal`/`-shm` holds no `/`


def _keys_named(text: str) -> list[re.Match[str]]:
    return [m for m in CODE.finditer(text) if KEY.fullmatch(m.group(1))]
STOP = {"the", "and", "then", "with", "this", "that", "them", "from", "every", "each", "all",
        "screen", "screens", "key", "keys", "app", "its", "for", "into", "when", "what", "which",
        "shown", "oddsmon", "les", "des", "une", "dans", "sur", "touche", "écran", "l'écran"}
# French words of the runbook's key prose, as the bindings say them in English.
GLOSSARY = {"messages": "message", "hors": "offline", "quitter": "quit", "aide": "help",
            "exporter": "export", "exporte": "export", "rafraîchir": "refresh", "réseau": "network",
            "coupe": "network", "épuise": "quota", "recharge": "refill", "fonctionnels": "selftest",
            "lance": "selftest", "match": "fixture", "marché": "market", "méthode": "method",
            "défiler": "page", "ligne": "online", "manuel": "offline", "sonde": "warm",
            "ferme": "close", "palette": "palette", "pages": "pages"}


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-zà-ÿ]+", text.lower().replace("’", "'"))
    words = [GLOSSARY.get(w, w) for w in words]
    return {w[:4] for w in words if len(w) >= 4 and w not in STOP}


@dataclass(frozen=True)
class Bound:
    owner: str  # the class that has it
    key: str
    action: str
    words: frozenset[str]


def _bindings_of(cls: type) -> list[Bound]:
    found: list[Bound] = []
    for klass in reversed(cls.__mro__):
        for item in klass.__dict__.get("BINDINGS", ()):
            binding = item if isinstance(item, Binding) else Binding(*item)
            words = _stems(f"{binding.description} {binding.tooltip} {binding.action.replace('_', ' ')}")
            found += [Bound(cls.__name__, key.strip(), binding.action, frozenset(words))
                      for key in binding.key.split(",")]
    if issubclass(cls, App):  # the palette's key is a class attribute of its own
        found.append(Bound(cls.__name__, cls.COMMAND_PALETTE_BINDING, "command_palette",
                           frozenset(_stems("command palette"))))
    return found


def _screen_classes() -> list[type]:
    classes: dict[str, type] = {}
    for info in pkgutil.iter_modules(oddsmon.tui.__path__):
        module = importlib.import_module(f"oddsmon.tui.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Screen | App):
                classes[cls.__name__] = cls
    return list(classes.values())


CLASSES = _screen_classes()
BOUND = [b for cls in CLASSES for b in _bindings_of(cls)]


def _in_scope(scope: str) -> list[Bound]:
    """The bindings a doc's qualifier points at: "(Odds screen)", "(early-resume dialog)"."""
    if "dialog" in scope or "dialogue" in scope:
        owners = {c.__name__ for c in CLASSES if issubclass(c, ModalScreen)}
    else:
        named = {c.__name__ for c in CLASSES if any(
            c.__name__.lower().startswith(w.lower()) for w in re.findall(r"[A-Za-z]{4,}", scope))}
        owners = named or {c.__name__ for c in CLASSES}
    return [b for b in BOUND if b.owner in owners]


def _problem(token: str, said: list[str], scope: str = "") -> str | None:
    key = NAMED.get(token, token)
    bound = [b for b in _in_scope(scope) if b.key == key]
    if not bound:
        return f"`{token}` is bound to nothing{f' in {scope}' if scope else ''}"
    for text in said:  # the clause, then its whole sentence
        if any(b.words & _stems(text) for b in bound):
            return None
    does = "; ".join(sorted({f"{b.owner}.{b.action}" for b in bound}))
    return f"`{token}` is {does}, which is not what the docs say: {said[-1].strip()!r}"


def _tables(text: str) -> list[tuple[int, str, str]]:
    """(line, keys cell, description) of the rows of every key table (header 'keys'/'touches')."""
    rows, in_keys = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            in_keys = False
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if re.search(r"\b(keys|touches)\b", cells[0], re.I):
            in_keys = True
        elif in_keys and not set(cells[0]) <= {"-", " "}:
            rows.append((n, cells[0], cells[1] if len(cells) > 1 else ""))
    return rows


def _sentences(text: str) -> list[tuple[int, str]]:
    """(first line, sentence) of the prose, tables and code blocks left out."""
    out: list[tuple[int, str]] = []
    para: list[tuple[int, str]] = []
    fenced = False

    def flush() -> None:
        if para:
            joined = " ".join(t for _, t in para)
            out.extend((para[0][0], s) for s in re.split(r"(?<=[.!?])\s+", joined))
            para.clear()

    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            flush()
        elif fenced or line.startswith("|") or not line.strip():
            flush()
        else:
            para.append((n, line.strip()))
    flush()
    return out


@pytest.mark.parametrize("name", KEY_DOCS)
def test_every_key_the_docs_name_does_what_they_say(name: str) -> None:
    path = next(p for p in DOCS if p.name == name)
    text = path.read_text(encoding="utf-8")
    problems = []
    for n, keys, said in _tables(text):
        scope = " ".join(re.findall(r"\(([^)]*)\)", keys))
        for token in (m.group(1) for m in _keys_named(keys)):
            why = _problem(token, [said], scope)
            if why:
                problems.append(f"{name}:{n}: {why}")
    for n, sentence in _sentences(text):
        for match in _keys_named(sentence):
            token = match.group(1)
            if (name, token) in NOT_KEYS:
                continue
            clauses = re.split(r"[,;]| / ", sentence)
            at = len(re.split(r"[,;]| / ", sentence[:match.start()])) - 1
            scope = "dialog" if re.search(r"dialog|dialogue", sentence) and token in "ymn" else (
                "Supervision" if "Supervision" in sentence and token in "etnxz" else (
                    "Odds" if "Odds screen" in sentence or "écran Odds" in sentence else ""))
            why = _problem(token, [clauses[at], sentence], scope)
            if why:
                problems.append(f"{name}:{n}: {why}")
    assert not problems, "\n".join(problems)


def test_the_french_key_table_is_the_english_one() -> None:
    def keys(name: str) -> list[list[str]]:
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        return [[NAMED.get(m.group(1), m.group(1)) for m in _keys_named(cell)] for _, cell, _ in _tables(text)]

    assert keys("runbook.fr.md") == keys("runbook.en.md")


def test_the_picks_command_names_the_pick_key() -> None:
    """``oddsmon --picks`` with nothing recorded says which key records one."""
    from oddsmon.commands.picks import NOTHING_RECORDED

    said = re.search(r"press (\S+) on the (\w+) screen", NOTHING_RECORDED)
    assert said is not None
    assert _problem(said.group(1), ["record a pick"], said.group(2)) is None


# --- flags --------------------------------------------------------------------------------

ODDSMON = build_parser()
SIM = sim_parser()
PROGRAMS = (  # how a command the docs show starts -> the parser of its flags
    (re.compile(r"^(?:\S*/)?python3? -m oddsmon\.sim\b|^(?:\S*/)?python3? scripts/simulator\.py\b"), SIM),
    (re.compile(r"^oddsmon(?:\s|$)|^(?:\S*/)?python3? -m oddsmon\s|^(?:\S*/)?python3? scripts/"
                r"(check_recovery|export_supervision_metrics)\.py\b"), ODDSMON),
)
FLAG = re.compile(r"(?<![\w/.=-])(--?[A-Za-z][\w-]*)")


def _flags_of(parser: argparse.ArgumentParser) -> set[str]:
    return set(parser._option_string_actions)


def _shown_commands(text: str) -> list[str]:
    """Every command in inline code, and every line of a code block that runs a program."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    lines = [line.strip() for b in blocks for line in b.splitlines()]
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    return CODE.findall(prose) + [line for line in lines if any(p.search(line) for p, _ in PROGRAMS)]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_flag_the_docs_name_is_declared(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = []
    for command in _shown_commands(text):
        command = command.strip().lstrip("$ ")
        parser = next((p for pattern, p in PROGRAMS if pattern.search(command)), None)
        if parser is None:
            if command.startswith("--"):  # a flag named alone: oddsmon's, or the simulator's
                flag = command.split()[0].split("=")[0]
                if flag not in _flags_of(ODDSMON) | _flags_of(SIM):
                    problems.append(f"{path.name}: `{command}`: {flag} is no flag of oddsmon")
            continue
        rest = re.sub(r"^\S*python3? (-m \S+|\S+)|^oddsmon", "", command)
        for flag in FLAG.findall(rest.split("#")[0]):
            if flag not in _flags_of(parser):
                problems.append(f"{path.name}: `{command}`: {flag} is no flag of {parser.prog}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("parser", [ODDSMON, SIM], ids=lambda p: p.prog)
def test_every_flag_a_help_text_names_is_declared(parser: argparse.ArgumentParser) -> None:
    texts = [a.help or "" for a in parser._actions] + [parser.description or "", parser.epilog or ""]
    named = {f for t in texts for f in FLAG.findall(t) if f.startswith("--")}
    assert named and named <= _flags_of(parser), named - _flags_of(parser)


def test_the_simulators_help_states_its_defaults() -> None:
    """``--move-period`` and the rest: "(default N" is what SimConfig starts from."""
    defaults = SimConfig()
    fields = {"--daily-limit": "daily_limit", "--per-minute": "per_minute", "--seed": "seed",
              "--bookmakers-per-fixture": "bookmakers_per_fixture",
              "--arbitrage-fixtures": "arbitrage_fixtures", "--move-period": "move_period_s"}
    for action in SIM._actions:
        flag = next((f for f in action.option_strings if f in fields), None)
        said = re.search(r"default (\d+)", action.help or "")
        if flag is not None:
            assert said is not None and int(said.group(1)) == getattr(defaults, fields[flag]), (
                flag, action.help, getattr(defaults, fields[flag]))
