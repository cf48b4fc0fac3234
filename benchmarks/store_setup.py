"""Shared set-up of the store benchmarks: sample files, fresh stores, identities, timed commands.

Every store benchmark runs ``python -m citykpi ...`` in a fresh interpreter (the same
interpreter as the benchmark), as a user does, against an SQLite store in a temporary folder.
Who acts is given by an API token (``CITYKPI_TOKEN``) created in-process with the library: it
works whatever the command line asks of people who log in, and costs one SHA-256 per command,
not a password hash. The configuration and cache folders point into the temporary folder too,
so a benchmark neither reads nor writes the user's own.

The inputs come from the sample generator (:func:`citykpi.sample.build_sample`), scaled; the
city-years that carry a deliberate error are left out, so every file imports.
"""

from __future__ import annotations

import csv
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from citykpi.sample import RAW_FILE_COLUMNS, SampleTables, build_sample

#: Issue 9, item 7 ("Slow"), measured before the issue on a small store: every store command
#: took 1.5-3.5 s (bare start-up 0.1 s).
BEFORE_COMMAND_S: Final = (1.5, 3.5)
#: Issue 9, item 7: adding 40 cities (one ``city add`` per city) took 65 s.
BEFORE_40_CITIES_S: Final = 65.0
#: Issue 9, item 7: importing 400 city-years one per process took 11 minutes.
BEFORE_400_IMPORTS_S: Final = 11 * 60.0
#: Issue 9, item 7: a 200,000-row CSV took more than 3 minutes to validate and import.
BEFORE_200K_ROWS_S: Final = 180.0

#: The targets of issue 9, item 7.
TARGET_COMMAND_S: Final = 0.5
TARGET_BULK_S: Final = 20.0
TARGET_200K_ROWS_S: Final = 30.0

Row = dict[str, str]


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall time of one command and the CPU time its process used (user + system)."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: Sequence[str], env: Mapping[str, str], *, python: bool = False) -> Timing:
    """Run ``python -m citykpi ARGS`` (``python ARGS`` if ``python``); fail loudly if it fails.

    The CPU time shows what the command costs when the machine is shared: on a loaded
    machine the wall time grows, the CPU time does not.
    """
    cmd = [sys.executable, *args] if python else [sys.executable, "-m", "citykpi", *args]
    c0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, env=dict(env), capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-2000:]
        msg = f"{' '.join(cmd[1:])} exited with {done.returncode}:\n{tail}"
        raise RuntimeError(msg)
    return Timing(wall, cpu)


def median(timings: Iterable[Timing]) -> Timing:
    """Return the median wall time and the median CPU time of ``timings``."""
    found = list(timings)
    return Timing(statistics.median(t.wall for t in found), statistics.median(t.cpu for t in found))


def base_env(folder: Path, url: str) -> dict[str, str]:
    """Return the environment of a command on the store at ``url``, isolated in ``folder``."""
    return {
        **os.environ,
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "CITYKPI_DATABASE_URL": url,
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_CACHE_HOME": str(folder / "cache"),
    }


def token_for(url: str, user: str, *, admin: str) -> str:
    """Return a new API token of ``user``, created in-process by ``admin``."""
    from citykpi.settings import Settings
    from citykpi.store import actor_by_name, create_token, open_store

    store = open_store(url, settings=Settings(database_url=url))
    try:
        with store.transaction() as session:
            return create_token(session, actor_by_name(session, admin), user=user, label="bench")
    finally:
        store.dispose()


def new_store(folder: Path, *, admin: str = "bench-admin") -> dict[str, str]:
    """Create an empty store with one admin in ``folder``; return the environment acting as her."""
    from citykpi.settings import Settings
    from citykpi.store import add_user, open_store, upgrade

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'store.db'}"
    upgrade(url)
    store = open_store(url, settings=Settings(database_url=url))
    try:
        with store.transaction() as session:
            add_user(session, None, admin, role="admin")
    finally:
        store.dispose()
    return {**base_env(folder, url), "CITYKPI_TOKEN": token_for(url, admin, admin=admin)}


def sample(n_cities: int, *, years: Iterable[int] = range(2015, 2025)) -> SampleTables:
    """Return the generated sample of ``n_cities`` cities (default seed)."""
    return build_sample(n_cities=n_cities, years=years)


def clean_blocks(tables: SampleTables) -> dict[tuple[str, int], list[Row]]:
    """Return the raw rows of each city-year that carries no deliberate error, in file order."""
    spoiled = {(e.city, int(e.year)) for e in tables.errors}
    blocks: dict[tuple[str, int], list[Row]] = {}
    for row in tables.raw_inputs:
        key = (row["city"], int(row["year"]))
        if key not in spoiled:
            blocks.setdefault(key, []).append(row)
    return blocks


def write_raw(path: Path, rows: Iterable[Row]) -> int:
    """Write raw rows as a CSV with the sample's columns; return how many rows."""
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(RAW_FILE_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def write_cities(path: Path, tables: SampleTables) -> int:
    """Write the sample's city profiles (``cities.csv``); return how many cities."""
    path.write_text(tables.files()["cities.csv"], encoding="utf-8")
    return len(tables.cities)


def verdict(t: Timing, target: float) -> str:
    """Say whether the wall time, and the CPU time, meet the target of ``target`` seconds.

    On a shared machine the wall time grows with the load and the CPU time does not: a wall
    time that misses while the CPU time meets says the machine was busy, not the code slow.
    """
    wall = "meets" if t.wall < target else "MISSES"
    cpu = "meets" if t.cpu < target else "MISSES"
    return wall if wall == cpu else f"wall {wall}, cpu {cpu}"
