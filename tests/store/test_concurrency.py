"""Concurrent writers: neither of two editors' edits is lost; writers of one submission serialise.

The eight-process test of imports and edits is ``test_multiprocess``.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.errors import ConflictError
from citykpi.store import Store, edit_value, history
from citykpi.store.cities import find_city
from citykpi.store.importer import import_raw, import_tables
from citykpi.store.locks import lock_submission
from citykpi.store.schema import Value, ValueRevision, on_current_revision
from citykpi.store.users import Actor

EDITS = 8


def _editor(store: Store, actor: Actor, values: list[float], conflicts: list[int]) -> None:
    for value in values:
        while True:  # read the version, save against it, and on a conflict read again
            with store.transaction() as s:
                version = history(s, actor, "Oslo", 2024, code="population")[-1]["version"]
            assert isinstance(version, int)
            try:
                with store.transaction() as s:
                    edit_value(
                        s,
                        actor,
                        "Oslo",
                        2024,
                        "population",
                        value=value,
                        reason=f"edit by {actor.name}",
                        expected_version=version,
                    )
                break
            except ConflictError:
                conflicts.append(1)


@ENGINES
def test_concurrent_editors_lose_no_edit(store: Store, team: Team) -> None:
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 0.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="oslo.csv",
        )
    conflicts: list[int] = []
    first = [1000.0 + i for i in range(EDITS)]
    second = [2000.0 + i for i in range(EDITS)]
    threads = [
        threading.Thread(target=_editor, args=(store, team.editor, first, conflicts)),
        threading.Thread(target=_editor, args=(store, team.admin, second, conflicts)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with store.transaction() as s:
        rows = history(s, team.analyst, "Oslo", 2024, code="population")
    values = [r["value"] for r in rows]
    assert values[0] == 0.0
    assert sorted(v for v in values[1:] if isinstance(v, float)) == first + second
    assert [r["revision"] for r in rows] == list(range(1, 2 * EDITS + 2))
    # Each editor's own edits keep their order.
    assert [v for v in values if v in first] == first
    assert [v for v in values if v in second] == second


def _households(session: Session) -> float | None:
    stmt = (
        select(ValueRevision.value)
        .join(Value, on_current_revision())
        .where(Value.code == "households", Value.kind == "input")
    )
    return session.scalars(stmt).one()


@ENGINES
def test_a_second_writer_of_a_submission_waits_and_then_reads_the_first_ones_commit(
    store: Store, team: Team
) -> None:
    import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, {"households": 320_000.0, "households_with_internet": 3e5}),
        city="Oslo",
        year=2024,
        file_name="oslo.csv",
    )
    events: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with store.transaction() as s:
            edit_value(s, team.editor, "Oslo", 2024, "households", value=330_000.0, reason="a")
            holding.set()
            time.sleep(0.5)
            events.append("first commits")

    writer = threading.Thread(target=first)
    writer.start()
    assert holding.wait(30)
    with store.reading() as s:  # a reader does not wait: it sees the last commit
        assert _households(s) == 320_000.0
        events.append("read")
    with store.transaction() as s:
        lock_submission(s, find_city(s, "Oslo"), 2024)
        events.append("second holds the lock")
        seen = _households(s)
    writer.join(timeout=30)
    assert events == ["read", "first commits", "second holds the lock"]
    assert seen == 330_000.0
