"""A process killed in the middle of an import leaves the database as it was.

Once at a chosen point (400 values written, not committed), and several times at a random
moment (seeded) of a large multi-city import, after which the store's fingerprint (a hash of
every row) is unchanged and ``db check`` finds nothing.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.io import write_sample
from citykpi.store import CityProfile, Store, add_city
from citykpi.store.check import check_store
from citykpi.store.importer import import_raw, import_tables
from citykpi.store.schema import Base

#: Imports 600 values as 'eva' and, once 400 are written (flushed, not committed), says so and
#: waits to be killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from citykpi.settings import Settings
    from citykpi.store import open_store
    from citykpi.store.importer import import_tables
    from citykpi.store.users import actor_by_name
    sys.path.insert(0, sys.argv[2])
    from storekit import kpi_table, raw_table

    url = sys.argv[1]
    store = open_store(url, settings=Settings(database_url=url))

    def progress(done: int) -> None:
        if done >= 400:
            print("mid-import", flush=True)
            time.sleep(120)

    with store.transaction() as s:
        eva = actor_by_name(s, "eva")
        import_tables(
            s, eva, "Oslo", 2024,
            raw_table("Oslo", 2024, {f"input_{i}": float(i) for i in range(600)}, file="big.csv"),
            kpi_table("Oslo", 2024, {}),
            file_name="big.csv",
            progress=progress,
        )
    print("committed", flush=True)
    """
)

TABLES = ("kpi_values", "value_revisions", "audit_events", "imports", "submissions")


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


@ENGINES
def test_killing_the_process_mid_import_leaves_the_database_as_it_was(
    store: Store, team: Team, fresh_url: str
) -> None:
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 700_000.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="first.csv",
        )
    before = _counts(store)
    store.dispose()
    here = os.path.dirname(__file__)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, fresh_url, here],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=30)
    assert line == "mid-import", err
    assert child.returncode == -signal.SIGKILL
    assert _counts(store) == before
    if fresh_url.startswith("sqlite"):
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # The database is usable: the next import goes through.
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 710_000.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="second.csv",
        )
    after = _counts(store)
    assert after["value_revisions"] == before["value_revisions"] + 1
    assert after["imports"] == before["imports"] + 1


#: Imports a multi-city file (28 city-years) as 'ada' in one transaction. Says "start" before
#: it validates and computes, "writing" when it writes the first city-year; it pauses 50 ms per
#: city-year written, so that the writing lasts long enough to be killed in.
BIG_CHILD = textwrap.dedent(
    """
    import sys, time
    from citykpi.settings import Settings
    from citykpi.store import open_store
    from citykpi.store.bulk import import_many
    from citykpi.store.users import actor_by_name

    url, path = sys.argv[1], sys.argv[2]
    store = open_store(url, settings=Settings(database_url=url))
    with store.transaction() as s:
        ada = actor_by_name(s, "ada")
    written = []

    def progress(part: str) -> None:
        if not written:
            print("writing", flush=True)
        written.append(part)
        time.sleep(0.05)

    print("start", flush=True)
    import_many(store, ada, path, progress=progress)
    print("committed", flush=True)
    """
)

#: How many times the large import is killed, per engine, and the seed of the moments.
KILLS = 4
SEED = 9


def _fingerprint(store: Store) -> str:
    """Return a hash of every row of every table."""
    digest = hashlib.sha256()
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(table.select()))
            digest.update(f"{table.name}:{len(rows)}:{''.join(rows)}".encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Return a clean multi-city raw file (3 sample cities, 10 years each) and its cities."""
    out = tmp_path_factory.mktemp("big")
    write_sample(out, seed=SEED, n_cities=9)
    raw = pd.read_csv(out / "raw_inputs.csv", keep_default_na=False, dtype=str)
    errors = pd.read_csv(out / "known_errors.csv", dtype=str)
    bad = set(errors["city"])
    cities = sorted(set(raw["city"]) - bad)[:1] + sorted(bad)[:2]
    bad_years = set(zip(errors["city"], errors["year"], strict=True))
    keep = [
        c in cities and (c, y) not in bad_years
        for c, y in zip(raw["city"], raw["year"], strict=True)
    ]
    path = out / "big.csv"
    raw[keep].to_csv(path, index=False)
    return path, cities


@ENGINES
def test_a_large_import_killed_at_random_moments_leaves_the_store_unchanged(
    store: Store, team: Team, fresh_url: str, big_file: tuple[Path, list[str]]
) -> None:
    path, cities = big_file
    with store.transaction() as s:
        for city in cities:
            add_city(s, team.admin, CityProfile(city))
    import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, {"households": 320_000.0, "households_with_internet": 3e5}),
        city="Oslo",
        year=2024,
        file_name="oslo.csv",
    )
    before = _fingerprint(store)
    rng = random.Random(SEED)
    # Half the kills land while the file is validated and computed, half while it is written.
    moments = [("start" if i % 2 == 0 else "writing", rng.uniform(0.0, 1.0)) for i in range(KILLS)]
    for phase, delay in moments:
        with subprocess.Popen(
            [sys.executable, "-c", BIG_CHILD, fresh_url, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdout is not None
            lines = [child.stdout.readline().strip()]
            if phase == "writing":
                lines.append(child.stdout.readline().strip())
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            out, err = child.communicate(timeout=30)
        assert lines == ["start", "writing"][: len(lines)], err
        assert "committed" not in out, f"the import finished {delay:.2f} s after {phase!r}"
        assert child.returncode == -signal.SIGKILL
        assert _fingerprint(store) == before, f"killed {delay:.2f} s after {phase!r}"
        report = check_store(store)
        assert (report.violations, report.submissions) == ((), 1)
