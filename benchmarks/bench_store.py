"""Benchmark (d): how long a store command takes on the demo store, one process per command.

Run: ``.venv/bin/python benchmarks/bench_store.py [--runs 5]``.

The demo store (:func:`citykpi.store.load_demo`: 40 cities, the latest year imported, three
city-years published) is built in a temporary folder; each command then runs ``--runs`` times
in a fresh interpreter (``python -m citykpi ...``), interleaved so that a busy moment hits
them all alike, acting through an API token of the demo user whose role the command needs.
The report gives the median wall and CPU time of each against the target (0.5 s), the figure
measured before issue 9 (1.5-3.5 s per command) and two baselines measured in the same run:
an empty interpreter (``python -c pass``) and bare start-up (``citykpi --version``).
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from store_setup import (
    BEFORE_COMMAND_S,
    TARGET_COMMAND_S,
    Timing,
    base_env,
    median,
    run,
    token_for,
    verdict,
)


def demo_store(folder: Path) -> tuple[str, list[tuple[str, int]]]:
    """Build the demo store in ``folder``; return its URL and the city-years imported."""
    from citykpi.io import write_sample
    from citykpi.store import load_demo

    write_sample(folder / "sample")
    url = f"sqlite:///{folder / 'store.db'}"
    summary = load_demo(url, folder / "sample")
    return url, list(summary.imported)


def cases(imported: list[tuple[str, int]]) -> dict[str, tuple[str, list[str]]]:
    """Return ``label: (demo user, arguments)`` of every command timed."""
    published, (open_city, open_year) = imported[0], imported[-1]
    city, year = published[0], str(published[1])
    edit_year = str(open_year)
    return {
        "city list": ("demo-admin", ["city", "list"]),
        "city show": ("demo-analyst", ["city", "show", city]),
        "user list": ("demo-admin", ["user", "list"]),
        "history (247 values)": ("demo-analyst", ["history", city, year]),
        "export --year (csv)": ("demo-analyst", ["export", "--year", year]),
        "audit --city": ("demo-analyst", ["audit", "--city", city]),
        "review list": ("demo-verifier", ["review", "list", open_city, edit_year]),
        "value comment": (
            "demo-editor",
            ["value", "comment", open_city, edit_year, "population", "--comment", "Checked."],
        ),
    }


def stored_population(folder: Path, city: str, year: int) -> float:
    """Return the current stored population of ``city`` in ``year`` (read with sqlite3)."""
    with closing(sqlite3.connect(folder / "store.db")) as db:
        row = db.execute(
            "SELECT r.value FROM kpi_values v JOIN submissions s ON s.id = v.submission_id "
            "JOIN cities c ON c.id = s.city_id JOIN value_revisions r ON r.value_id = v.id "
            "AND r.number = v.current_revision WHERE c.name = ? AND s.year = ? "
            "AND v.kind = 'input' AND v.code = 'population'",
            (city, year),
        ).fetchone()
    return float(row[0])


def value_set(city: str, year: int, population: float, run_number: int) -> list[str]:
    """Return a ``value set`` that changes an input (and recomputes its KPIs) each run."""
    new = population + 1 + run_number  # a little more each run: every constraint still holds
    reason = "Benchmark edit."
    return ["value", "set", city, str(year), "population", f"{new:.0f}", "--reason", reason]


def main(argv: list[str] | None = None) -> int:
    """Time every command, interleaved; print one line per command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citykpi-bench-") as tmp:
        folder = Path(tmp)
        url, imported = demo_store(folder)
        env = base_env(folder, url)
        todo = cases(imported)
        users = {user for user, _ in todo.values()} | {"demo-editor"}
        envs = {u: {**env, "CITYKPI_TOKEN": token_for(url, u, admin="demo-admin")} for u in users}
        edit_city, edit_year = imported[-1]
        population = stored_population(folder, edit_city, edit_year)
        baselines = {
            "python -c pass (no citykpi)": (["-c", "pass"], True),
            "citykpi --version (bare start-up)": (["--version"], False),
        }
        times: dict[str, list[Timing]] = {label: [] for label in [*baselines, *todo]}
        times["value set (recomputes 27 KPIs)"] = []
        counter = itertools.count()
        for warm in (True, *([False] * args.runs)):  # one warm-up round (.pyc, caches)
            for label, (argv_, python) in baselines.items():
                t = run(argv_, env, python=python)
                if not warm:
                    times[label].append(t)
            for label, (user, argv_) in todo.items():
                t = run(argv_, envs[user])
                if not warm:
                    times[label].append(t)
            edit = value_set(edit_city, edit_year, population, next(counter))
            t = run(edit, envs["demo-editor"])
            if not warm:
                times["value set (recomputes 27 KPIs)"].append(t)
    medians = {label: median(ts) for label, ts in times.items()}
    bare = medians["citykpi --version (bare start-up)"].wall
    low, high = BEFORE_COMMAND_S
    print(f"Store commands on the demo store (SQLite), median of {args.runs} runs")
    print(f"({sys.executable}; before issue 9: {low}-{high} s per command)")
    print(f"{'command':<36}{'wall s':>8}{'cpu s':>8}{'x bare':>8}{'speed-up':>10}{'target':>8}")
    for label, t in medians.items():
        line = f"{label:<36}{t.wall:>8.3f}{t.cpu:>8.3f}{t.wall / bare:>8.1f}"
        if label in baselines:
            print(line)
            continue
        print(
            f"{line}{low / t.wall:>9.1f}x{TARGET_COMMAND_S:>8.1f}  {verdict(t, TARGET_COMMAND_S)}"
        )
    print(f"speed-up: the fastest figure before the issue ({low} s) over the median wall time.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
