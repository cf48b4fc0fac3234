"""Who may read an evidence file's bytes: ``evidence_content`` and its permission check.

Reading evidence is reading a city's data (``read_data``): the city's own editor, verifiers,
analysts and admins may; the public and another city's editor may not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from storekit import Team, kpi_table, raw_table

from citykpi.errors import NotFound, PermissionDenied
from citykpi.store import Store
from citykpi.store.evidence import attach_evidence, evidence_content
from citykpi.store.importer import import_tables

MAY_READ = {
    "admin": True,
    "editor": True,  # Oslo's editor, and the file is Oslo's
    "other_editor": False,  # Bergen's editor
    "verifier": True,
    "analyst": True,
    "public": False,
}


@pytest.fixture
def proof(store: Store, team: Team, tmp_path: Path) -> int:
    """Attach one evidence file to Oslo's 2024 submission and return its id."""
    path = tmp_path / "register <2024>.csv"
    path.write_bytes(b"city,year\nOslo,2024\n")
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 7.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="oslo.csv",
        )
        return attach_evidence(s, team.editor, "Oslo", 2024, path, max_bytes=1000).id


@pytest.mark.parametrize(("who", "allowed"), MAY_READ.items())
def test_evidence_bytes_are_read_only_with_read_data_on_the_city(
    store: Store, team: Team, proof: int, who: str, allowed: bool
) -> None:
    actor = getattr(team, who)
    with store.transaction() as s:
        if allowed:
            got = evidence_content(s, actor, proof)
        else:
            with pytest.raises(PermissionDenied, match=rf"User {actor.name!r} .* may not "):
                evidence_content(s, actor, proof)
            got = None
    assert got == (("register <2024>.csv", b"city,year\nOslo,2024\n") if allowed else None)


def test_an_unknown_evidence_id_is_not_found(store: Store, team: Team, proof: int) -> None:
    with (
        store.transaction() as s,
        pytest.raises(NotFound, match=rf"No evidence file with id {proof + 1}\."),
    ):
        evidence_content(s, team.admin, proof + 1)
