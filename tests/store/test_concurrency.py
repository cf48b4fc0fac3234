"""Two editors saving the same value at the same time: neither edit is lost."""

from __future__ import annotations

import threading

from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.errors import ConflictError
from citykpi.store import Store, edit_value, history
from citykpi.store.importer import import_tables
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
