"""The authoring actions of the four-eyes rule, each one shown to bar its actor from verifying.

Four-eyes was tested for edits only, so dropping ``value.import`` or ``value.submit`` from
``AUTHORING_ACTIONS`` went unnoticed. Here the list is stated and each path is exercised.
"""

from __future__ import annotations

import pytest
from storekit import Team, raw_table

from citykpi.errors import PermissionDenied
from citykpi.store import Store, submit, verify
from citykpi.store.authorship import AUTHORING_ACTIONS, REVIEW_ACTIONS
from citykpi.store.importer import import_raw
from citykpi.store.states import ValueState


def test_the_authoring_actions_are_exactly_these() -> None:
    assert set(AUTHORING_ACTIONS) == {
        "value.import", "value.edit", "value.retract",
        "value.recompute", "value.submit", "value.answer",
    }  # fmt: skip
    assert dict(REVIEW_ACTIONS) == {
        ValueState.VERIFIED: "value.verify",
        ValueState.EXCLUDED: "value.exclude",
    }


@pytest.mark.parametrize(
    ("importer", "submitter"),
    [("admin", "editor"), ("editor", "admin")],
    ids=["who imported", "who submitted"],
)
def test_whoever_imported_or_submitted_a_value_cannot_verify_it(
    store: Store, team: Team, importer: str, submitter: str
) -> None:
    import_raw(
        store,
        getattr(team, importer),
        raw_table("Oslo", 2024, {"population": 700_000.0}),
        city="Oslo",
        year=2024,
        file_name="o.csv",
    )
    with store.transaction() as s:
        submit(s, getattr(team, submitter), "Oslo", 2024)
    with store.transaction() as s, pytest.raises(PermissionDenied, match="four-eyes"):
        verify(s, team.admin, "Oslo", 2024, ["population"])
    with store.transaction() as s:  # someone outside the chain may
        assert verify(s, team.verifier, "Oslo", 2024, ["population"]) == 1
