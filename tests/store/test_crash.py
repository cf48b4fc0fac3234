"""A process killed in the middle of an import leaves the database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from sqlalchemy import text
from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.store import Store
from citykpi.store.importer import import_tables

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
