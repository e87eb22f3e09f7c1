"""``make bench``: every benchmark of issue 7, a table of medians beside their baselines measured
in the same run (with ratios), written to ``docs/performance.md`` with the date and the machine.

    .venv/bin/python -m tests.perf [--quick | --tiny | --long] [--only a,c] [--date 2026-12-06] [--out docs/performance.md]

Every benchmark runs on the run's clock (``common.bench_clock``): real time from 09:00 UTC on
``--date`` (default ``common.START_DAY``), never the wall's date, so a run does the same work,
and completes, whatever the day it is made.

Never a gate: a figure that misses its target is reported as it is (exit status 0); only a
benchmark that cannot run at all makes the exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import sys
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path

from .common import ROOT, START_DAY, Context, Row, machine, start_clock

BENCHMARKS = {
    "a": ("bench_cache_hit", "service-level cache hit vs sqlite3 + json.loads and hishel 2.x"),
    "b": ("bench_check", 'oddsmon --check wall time vs python -c "import sqlite3, json"; no Textual imported'),
    "c": ("bench_tui", "TUI first paint vs a bare Textual app"),
    "d": ("bench_odds_screen", "the Odds screen with 2,000 fixtures x 8 bookmakers: open time, peak memory"),
    "e": ("bench_warm_calls", "counted calls of a warm of the example config vs a naive client"),
    "f": ("bench_network_cut", "after a network cut: connect attempts, page load offline vs online"),
    "g": ("bench_export_odds", "oddsmon --export-odds on the 2,000-fixture store: rows a second, peak memory"),
    "h": ("bench_real_size", "real-size odds (8 bookmakers x 35 bets) at the example config, 500 and 2,000 "
                             "fixtures: warm, store size, Bookmakers, Dashboard, Odds, Value, --check, beside floors; "
                             "the Odds screen's fixture switch and the Value screen's first open in a real terminal"),
    "i": ("bench_postgres", "a team's PostgreSQL store beside SQLite at 2,000 real-size fixtures: screens, the "
                            "warm's parse + store per MB, --check"),
    "j": ("bench_screen_switches", "the TUI's memory before and after 1,000 screen switches (a week in tmux)"),
    "k": ("bench_keep_page", "one real-size league odds page kept as a fetch keeps it (every bet in the "
                             "history): first keep and refetches, beside json.loads + one write"),
}


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "us":
        return f"{value:,.1f} µs" if value < 1000 else f"{value / 1000:,.2f} ms"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 1000 else f"{value / 1000:,.2f} s"
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.0f} {unit}" if unit not in ("calls", "attempts", "modules") else f"{value:,.0f}"


def ratio(row: Row) -> str:
    r = row.ratio
    return "—" if r is None else (f"{r:.2f}x" if r >= 0.1 else f"{r:.3f}x")


def verdict(row: Row) -> str:
    return "" if row.met is None else ("met" if row.met else "NOT met")


COLUMNS = ("", "measure", "oddsmon", "baseline", "baseline value", "ratio", "target", "", "runs")


def table_rows(rows: list[Row]) -> list[tuple[str, ...]]:
    return [(r.group, r.name, fmt(r.value, r.unit), r.baseline_name or "—", fmt(r.baseline, r.unit),
             ratio(r), r.target or "—", verdict(r), str(r.runs)) for r in rows]


def print_table(rows: list[Row]) -> str:
    cells = [COLUMNS, *table_rows(rows)]
    widths = [min(max(len(c[i]) for c in cells), 58) for i in range(len(COLUMNS))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("  ".join(v[:widths[i]].ljust(widths[i]) if i in (1, 3) else v.rjust(widths[i])
                               if i in (2, 4, 5, 8) else v.ljust(widths[i]) for i, v in enumerate(c)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Kept:
    """What a run of some groups keeps of the file it updates: the other groups' lines (table
    rows, notes, targets) and the day each group was measured. A group is measured whole or
    not at all, so its lines stay together and say when they were taken."""

    def __init__(self, text: str, chosen: list[str]) -> None:
        self.measured: dict[str, str] = {}
        self.rows: list[str] = []
        self.notes: list[str] = []
        self.targets: list[str] = []
        day = re.search(r"on (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", text)
        cpu = re.search(r"^- CPU: (.+)$", text, re.M)
        # A file from before groups were dated: every group of it was measured at its top's date.
        default = day and f"{day[1]} on {cpu[1] if cpu else 'an unrecorded machine'}"
        section = ""
        for line in text.splitlines():
            if line.startswith("## "):
                section = line[3:]
                continue
            m = re.match(r"(?:\| |- \(|- (?:met|NOT met): \()(\w)", line)
            if m is None or m[1] in chosen:
                continue
            if section == "When each group was measured":
                self.measured[m[1]] = line.split(" measured on ", 1)[1]
            elif section == "Figures":
                self.rows.append(line)
            elif section == "Notes":
                self.notes.append(line)
            elif section == "Targets":
                self.targets.append(line)
        for line in self.rows:
            group = line[2]
            if group not in self.measured and default:
                self.measured[group] = default


def markdown(rows: list[Row], info: dict[str, str], failures: dict[str, str], took: float,
             kept: Kept | None = None) -> str:
    # Each group's date and machine: kept groups may come from another machine than this one.
    measured = {r.group: f"{info['date']} on {info['cpu']}, {info['cores']} cores" for r in rows}
    if kept is not None:
        measured = {**kept.measured, **measured}
    order = {g: i for i, g in enumerate(BENCHMARKS)}
    runs = "" if kept is None or not kept.rows else (
        f" (groups {', '.join(sorted({r.group for r in rows}, key=order.__getitem__))} only; "
        "the others are kept from earlier runs, each with its date below)")
    out = ["# oddsmon performance", "",
           f"Generated by `make bench` (`python -m tests.perf`) on {info['date']}, in {took:.0f} s{runs}; "
           f"the benchmarks' clock started at {info['clock']}.", "",
           "## When each group was measured", "",
           *[f"- ({g}) measured on {measured[g]}" for g in sorted(measured, key=lambda g: order.get(g, 99))], "",
           "## Machine of this run", "",
           f"- CPU: {info['cpu']}, {info['cores']} cores",
           f"- Python: {info['python']}; SQLite {info['sqlite']}",
           f"- OS: {info['os']}", "",
           "## Figures", "",
           "Each figure is the median over the runs shown, beside a baseline measured in the same "
           "run; ratio = oddsmon / baseline (below 1: oddsmon is faster or smaller). Targets are "
           "reported, never enforced.", "",
           "| " + " | ".join(c or ("#" if i == 0 else "met?") for i, c in enumerate(COLUMNS)) + " |",
           "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in table_rows(rows)]
    out += _by_group(lines + (kept.rows if kept else []), order)
    notes = [f"- ({r.group}) {r.name}: {r.note}" for r in rows if r.note] + (kept.notes if kept else [])
    if notes:
        out += ["", "## Notes", ""]
        out += _by_group(notes, order)
    out += ["", "## What each benchmark measures"]
    for key, (module, title) in BENCHMARKS.items():
        doc = (importlib.import_module(f"tests.perf.{module}").__doc__ or "").strip()
        out += ["", f"### ({key}) {title}", "", doc.replace("``", "`"),
                "", f"Source: `tests/perf/{module}.py`."]
    out += ["", "## Targets", ""]
    targets = [f"- {'met' if r.met else 'NOT met'}: ({r.group}) {r.name}: {fmt(r.value, r.unit)}, target {r.target}"
               for r in rows if r.met is not None] + (kept.targets if kept else [])
    out += sorted(targets, key=lambda t: order.get(t[t.index("(") + 1], 99))
    if not any(t.startswith("- NOT met") for t in targets):
        out.append("- every target met")
    if failures:
        out += ["", "## Benchmarks that could not run", ""]
        out += [f"- ({k}) {v}" for k, v in failures.items()]
    return "\n".join(out) + "\n"


def _by_group(lines: list[str], order: dict[str, int]) -> list[str]:
    """Lines of several groups in the groups' order, each group's own order kept."""
    def group(line: str) -> int:
        m = re.match(r"(?:\| |- \()(\w)", line)
        return order.get(m[1], 99) if m else 99
    return sorted(lines, key=group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer runs (a smoke test of the benchmarks)")
    size.add_argument("--tiny", action="store_true",
                      help="each benchmark's code once at a tiny size (what make test runs); its figures "
                           "mean nothing, so --out must be given")
    size.add_argument("--long", action="store_true",
                      help="run whole what is otherwise bounded in time: (j) a thousand of every cycle, "
                           "not a time budget for each after the screen switches (hours on 2 cores)")
    parser.add_argument("--only", default="", help="comma-separated letters, e.g. a,d")
    parser.add_argument("--date", type=date.fromisoformat, default=START_DAY,
                        help=f"the day the run's clock starts on, at 09:00 UTC (default {START_DAY})")
    parser.add_argument("--out", type=Path, help="where the table goes (default docs/performance.md)")
    args = parser.parse_args(argv)
    if args.tiny and args.out is None:
        parser.error("--tiny needs --out: its figures must not replace docs/performance.md")
    out: Path = args.out or ROOT / "docs" / "performance.md"
    chosen = [k.strip() for k in args.only.split(",") if k.strip()] or list(BENCHMARKS)
    clock = start_clock(args.date)
    info = machine()
    info["clock"] = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    print(f"oddsmon benchmarks, {info['date']} (on the bench clock: {info['clock']}): {info['cpu']}, "
          f"{info['cores']} cores, {info['python']}, SQLite {info['sqlite']}", flush=True)
    rows: list[Row] = []
    failures: dict[str, str] = {}
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="oddsmon-bench-"))
    try:
        ctx = Context(tmp, quick=args.quick, tiny=args.tiny, long=args.long)
        for key in chosen:
            module, title = BENCHMARKS[key]
            print(f"({key}) {title} ...", flush=True)
            t0 = time.perf_counter()
            try:
                got = importlib.import_module(f"tests.perf.{module}").run(ctx)
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the rest
                failures[key] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
                continue
            rows += got
            print(f"    done in {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    took = time.perf_counter() - started
    print()
    print(print_table(rows))
    for key, failure in failures.items():
        print(f"({key}) could not run: {failure}")
    out.parent.mkdir(parents=True, exist_ok=True)
    # Some groups only, into a file that has the others: theirs are kept, with their dates.
    kept = Kept(out.read_text(encoding="utf-8"), chosen) if args.only and out.exists() and not args.tiny else None
    out.write_text(markdown(rows, info, failures, took, kept), encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
