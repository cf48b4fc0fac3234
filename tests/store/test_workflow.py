"""The verification workflow: states, four-eyes, publishing rule, revisions and conflicts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.errors import ConflictError, InputError, NotFound, PermissionDenied, StoreError
from citykpi.store import (
    Store,
    answer,
    edit_value,
    exclude,
    export_values,
    history,
    publish,
    query,
    retract_value,
    start_review,
    submit,
    verify,
)
from citykpi.store.importer import import_tables
from citykpi.store.schema import AuditEvent, Comment, Value

OSLO_INPUTS = {"population": 700_000.0, "households": 320_000.0}
OSLO_KPIS = {
    ("EC: ICT: ICT: 1C", "household_internet_access"): 97.0,
    ("EC: ICT: ICT: 2C", "fixed_broadband_subscriptions"): None,
}


def _import(
    store: Store, team: Team, inputs: dict[str, float] = OSLO_INPUTS, *, file: str = "oslo.csv"
) -> None:
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, inputs, file=file),
            kpi_table("Oslo", 2024, OSLO_KPIS),
            file_name=file,
            catalogue_version="test-1",
        )


def _states(store: Store) -> dict[str, str]:
    with store.transaction() as s:
        return {v.code: v.state for v in s.scalars(select(Value).order_by(Value.code))}


@ENGINES
def test_a_full_cycle_ends_with_published_values(store: Store, team: Team) -> None:
    _import(store, team)
    assert _states(store) == {
        "fixed_broadband_subscriptions": "draft",
        "household_internet_access": "draft",
        "households": "draft",
        "population": "draft",
    }
    with store.transaction() as s:
        assert submit(s, team.editor, "Oslo", 2024) == 3  # the KPI not reported stays a draft
    with store.transaction() as s:
        assert start_review(s, team.verifier, "Oslo", 2024) == 3
    with store.transaction() as s:
        assert (
            verify(
                s,
                team.verifier,
                "Oslo",
                2024,
                ["population", "households", "household_internet_access"],
            )
            == 3
        )
    with store.transaction() as s:
        assert publish(s, team.verifier, "Oslo", 2024) == 3
    assert _states(store) == {
        "fixed_broadband_subscriptions": "draft",  # not reported: nothing to verify
        "household_internet_access": "published",
        "households": "published",
        "population": "published",
    }
    with store.transaction() as s:
        rows = export_values(s, team.public, state="published")
    assert [(r["kind"], r["code"], r["value"], r["framework_version"]) for r in rows] == [
        ("input", "households", 320_000.0, "test-1"),
        ("input", "population", 700_000.0, "test-1"),
        ("kpi", "household_internet_access", 97.0, "test-1"),
    ]


@ENGINES
def test_a_verifier_cannot_verify_a_value_she_edited(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    # An admin edits the submitted value, then tries to verify it herself.
    with store.transaction() as s:
        edit_value(s, team.admin, "Oslo", 2024, "population", value=701_000.0, reason="typo")
    with (
        pytest.raises(PermissionDenied, match=r"'ada' cannot verify 'population'.*four-eyes"),
        store.transaction() as s,
    ):
        verify(s, team.admin, "Oslo", 2024, ["population"])
    with store.transaction() as s:
        assert verify(s, team.verifier, "Oslo", 2024, ["population"]) == 1
    assert _states(store)["population"] == "verified"


@ENGINES
def test_publishing_needs_every_reported_value_verified_or_excluded(
    store: Store, team: Team
) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, ["population", "household_internet_access"])
    with (
        pytest.raises(
            StoreError,
            match=r"neither verified nor excluded: 'households' \(submitted\)",
        ),
        store.transaction() as s,
    ):
        publish(s, team.verifier, "Oslo", 2024)
    with pytest.raises(InputError, match="needs a reason"), store.transaction() as s:
        exclude(s, team.verifier, "Oslo", 2024, ["households"], reason=" ")
    with store.transaction() as s:
        exclude(s, team.verifier, "Oslo", 2024, ["households"], reason="source not traceable")
    with store.transaction() as s:
        assert publish(s, team.verifier, "Oslo", 2024) == 2
    assert _states(store)["households"] == "excluded"
    with pytest.raises(StoreError, match="is published and final"), store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, "population", value=1.0, reason="late fix")


@ENGINES
def test_a_queried_value_is_corrected_or_answered_and_resubmitted(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with pytest.raises(InputError, match="needs a comment"), store.transaction() as s:
        query(s, team.verifier, "Oslo", 2024, ["population"], comment="")
    with store.transaction() as s:
        query(s, team.verifier, "Oslo", 2024, ["population", "households"], comment="Which year?")
    with store.transaction() as s:
        edit_value(
            s, team.editor, "Oslo", 2024, "population", value=702_000.0, reason="2024 figure"
        )
        answer(s, team.editor, "Oslo", 2024, "households", comment="Register of 1 Jan 2024.")
    assert _states(store)["population"] == "corrected"
    assert _states(store)["households"] == "answered"
    with store.transaction() as s:
        assert submit(s, team.editor, "Oslo", 2024) == 2
        bodies = [(c.kind, c.body) for c in s.scalars(select(Comment).order_by(Comment.id))]
    assert bodies == [
        ("query", "Which year?"),
        ("query", "Which year?"),
        ("answer", "Register of 1 Jan 2024."),
    ]
    assert _states(store)["population"] == "submitted"


@ENGINES
def test_an_edited_verified_value_returns_to_submitted(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, ["population"])
    with store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, "population", value=705_000.0, reason="revised")
    assert _states(store)["population"] == "submitted"


@ENGINES
def test_a_second_import_keeps_the_first_revision(store: Store, team: Team) -> None:
    _import(store, team, file="first.csv")
    _import(store, team, {"population": 710_000.0, "households": 320_000.0}, file="second.csv")
    with store.transaction() as s:
        rows = history(s, team.analyst, "Oslo", 2024, code="population")
    assert [(r["revision"], r["value"], r["current"], r["note"]) for r in rows] == [
        (1, 700_000.0, False, "import first.csv"),
        (2, 710_000.0, True, "import second.csv"),
    ]
    with store.transaction() as s:
        same = history(s, team.analyst, "Oslo", 2024, code="households")
    assert len(same) == 1  # unchanged content writes no new revision


@ENGINES
def test_a_retraction_is_a_revision_not_a_deletion(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        retract_value(s, team.editor, "Oslo", 2024, "households", reason="wrong register")
    with store.transaction() as s:
        rows = history(s, team.editor, "Oslo", 2024, code="households")
    assert [(r["revision"], r["value"], r["retracted"], r["status"]) for r in rows] == [
        (1, 320_000.0, False, "reported"),
        (2, None, True, "retracted"),
    ]
    with pytest.raises(InputError, match="already retracted"), store.transaction() as s:
        retract_value(s, team.editor, "Oslo", 2024, "households", reason="again")


@ENGINES
def test_two_editors_saving_the_same_value_the_loser_gets_a_conflict(
    store: Store, team: Team
) -> None:
    _import(store, team)
    with store.transaction() as s:
        version = history(s, team.editor, "Oslo", 2024, code="population")[-1]["version"]
    assert version == 1
    with store.transaction() as s:
        edit_value(
            s, team.editor, "Oslo", 2024, "population", value=1.0, reason="a", expected_version=1
        )
    with (
        pytest.raises(ConflictError, match=r"changed since you read it \(version 1, now 2\)"),
        store.transaction() as s,
    ):
        edit_value(
            s, team.admin, "Oslo", 2024, "population", value=2.0, reason="b", expected_version=1
        )
    with store.transaction() as s:
        rows = history(s, team.editor, "Oslo", 2024, code="population")
    assert [r["value"] for r in rows] == [700_000.0, 1.0]


def _race(store: Store, team: Team) -> None:
    with store.transaction() as first:
        slot = first.scalars(select(Value).where(Value.code == "population")).one()
        with store.transaction() as second:
            edit_value(second, team.editor, "Oslo", 2024, "population", value=3.0, reason="x")
        slot.state = "submitted"  # stale: the row's version is 2 in the database now


@pytest.mark.parametrize("fresh_url", ["postgresql"], indirect=True)
def test_concurrent_sessions_racing_on_one_row_raise_conflict(store: Store, team: Team) -> None:
    # PostgreSQL only: on SQLite a write transaction holds the write lock from its start
    # (issue 9), so the second one waits for the first instead of racing it.
    _import(store, team)
    with pytest.raises(ConflictError, match="Someone else changed this record"):
        _race(store, team)
    with store.transaction() as s:
        rows = history(s, team.editor, "Oslo", 2024, code="population")
    assert [(r["value"], r["state"], r["version"]) for r in rows] == [
        (700_000.0, "draft", 2),
        (3.0, "draft", 2),
    ]


@ENGINES
def test_transitions_from_the_wrong_state_are_refused(store: Store, team: Team) -> None:
    _import(store, team)
    with (
        pytest.raises(
            InputError, match=r"Cannot verify 'population' of 'Oslo' 2024: it is 'draft'"
        ),
        store.transaction() as s,
    ):
        verify(s, team.verifier, "Oslo", 2024, ["population"])
    with pytest.raises(InputError, match="Cannot answer 'population'"), store.transaction() as s:
        answer(s, team.editor, "Oslo", 2024, "population", comment="?")
    with pytest.raises(NotFound, match="has no value 'nope' for 2024"), store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, "nope", value=1.0, reason="x")


def test_editing_an_input_recomputes_its_kpi_which_must_be_verified_again(
    store: Store, team: Team
) -> None:
    inputs = {"households": 320_000.0, "households_with_internet": 300_000.0}
    kpis = {("EC: ICT: ICT: 1C", "household_internet_access"): 93.75}
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, inputs),
            kpi_table("Oslo", 2024, kpis),
            file_name="oslo.csv",
        )
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [])
    with store.transaction() as s:
        edit_value(
            s, team.editor, "Oslo", 2024, "households_with_internet", value=310_000.0, reason="r"
        )
    with store.transaction() as s:
        rows = history(s, team.analyst, "Oslo", 2024, code="household_internet_access")
    assert [(r["revision"], r["value"], r["note"]) for r in rows] == [
        (1, 93.75, "import oslo.csv"),
        (2, 96.875, "recomputed after 'households_with_internet' changed"),
    ]
    assert _states(store)["household_internet_access"] == "submitted"
    assert _states(store)["households"] == "verified"


def test_a_code_naming_both_an_input_and_a_kpi_takes_a_kind_prefix(
    store: Store, team: Team
) -> None:
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"fixed_broadband_subscriptions": 250_000.0}),
            kpi_table("Oslo", 2024, {("EC: ICT: ICT: 2C", "fixed_broadband_subscriptions"): 78.0}),
            file_name="oslo.csv",
        )
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with (
        pytest.raises(InputError, match="write 'input:fixed_broadband_subscriptions' or 'kpi:"),
        store.transaction() as s,
    ):
        verify(s, team.verifier, "Oslo", 2024, ["fixed_broadband_subscriptions"])
    with store.transaction() as s:
        assert verify(s, team.verifier, "Oslo", 2024, ["kpi:fixed_broadband_subscriptions"]) == 1
    with store.transaction() as s:
        rows = export_values(s, team.analyst, state="verified")
    assert [(r["kind"], r["code"]) for r in rows] == [("kpi", "fixed_broadband_subscriptions")]


# The rules below each kill a mutant that survived issue 16's mutation run: every test fails
# when the rule it names is broken.

#: state -> transitions that may start from it, written from docs/store.md (not the code).
ALLOWED_FROM = {
    "draft": {"submit"},
    "submitted": {"start_review", "verify", "query", "exclude"},
    "in_review": {"verify", "query", "exclude"},
    "verified": {"query", "exclude", "publish"},
    "queried": {"answer", "exclude"},
    "corrected": {"submit"},
    "answered": {"submit"},
    "excluded": set(),
    "published": set(),
}
#: state -> state after an edit of the value's content; a published value cannot be edited.
AFTER_EDIT = {
    "draft": "draft",
    "submitted": "submitted",
    "in_review": "submitted",
    "verified": "submitted",
    "excluded": "submitted",
    "queried": "corrected",
    "corrected": "corrected",
    "answered": "corrected",
}


@pytest.mark.parametrize("state", sorted(ALLOWED_FROM))
def test_each_state_allows_exactly_the_documented_transitions(state: str) -> None:
    from citykpi.store.states import TARGETS, TRANSITIONS, ValueState

    allowed = {t for t, sources in TRANSITIONS.items() if ValueState(state) in sources}
    assert allowed == ALLOWED_FROM[state]
    assert {t: s.value for t, s in TARGETS.items()} == {
        "submit": "submitted",
        "start_review": "in_review",
        "verify": "verified",
        "query": "queried",
        "answer": "answered",
        "exclude": "excluded",
        "publish": "published",
    }


@pytest.mark.parametrize(("state", "after"), sorted(AFTER_EDIT.items()))
def test_an_edit_moves_each_state_as_documented(state: str, after: str) -> None:
    from citykpi.store.states import ValueState, state_after_edit

    assert state_after_edit(ValueState(state)) is ValueState(after)


def test_a_published_value_has_no_state_after_an_edit() -> None:
    from citykpi.store.states import ValueState, state_after_edit

    with pytest.raises(ValueError, match="'published' value cannot be edited"):
        state_after_edit(ValueState.PUBLISHED)


@ENGINES
def test_a_queried_value_cannot_be_verified_until_corrected_or_answered(
    store: Store, team: Team
) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
        query(s, team.verifier, "Oslo", 2024, ["population"], comment="Which year?")
    with (
        pytest.raises(InputError, match=r"Cannot verify 'population' .* it is 'queried'"),
        store.transaction() as s,
    ):
        verify(s, team.verifier2, "Oslo", 2024, ["population"])
    assert _states(store)["population"] == "queried"


@ENGINES
def test_an_edited_in_review_or_excluded_value_returns_to_submitted(
    store: Store, team: Team
) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
        start_review(s, team.verifier, "Oslo", 2024, ["population"])
        exclude(s, team.verifier, "Oslo", 2024, ["households"], reason="not traceable")
    with store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, "population", value=701.0, reason="fix")
        edit_value(s, team.editor, "Oslo", 2024, "households", value=321.0, reason="fix")
    assert (_states(store)["population"], _states(store)["households"]) == (
        "submitted",
        "submitted",
    )
    with store.transaction() as s:
        slot = s.scalars(select(Value).where(Value.code == "households")).one()
        assert slot.excluded_reason == ""  # the old exclusion no longer applies


@ENGINES
def test_an_exclusion_keeps_its_reason_on_the_value_and_in_the_trail(
    store: Store, team: Team
) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
        exclude(s, team.verifier, "Oslo", 2024, ["households"], reason="register not traceable")
    with store.transaction() as s:
        slot = s.scalars(select(Value).where(Value.code == "households")).one()
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "value.exclude")).one()
    assert slot.excluded_reason == "register not traceable"
    assert event.reason == "register not traceable"


@ENGINES
def test_a_retracted_queried_value_is_resubmitted_for_review(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
        query(s, team.verifier, "Oslo", 2024, ["households"], comment="Really?")
    with store.transaction() as s:
        retract_value(s, team.editor, "Oslo", 2024, "households", reason="wrong register")
    assert _states(store)["households"] == "corrected"
    with store.transaction() as s:
        assert submit(s, team.editor, "Oslo", 2024) == 1  # the retraction goes to review
    assert _states(store)["households"] == "submitted"


@ENGINES
def test_each_state_change_records_the_state_before_and_after(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
        start_review(s, team.verifier, "Oslo", 2024, ["population"])
        verify(s, team.verifier, "Oslo", 2024, ["population"])
        query(s, team.verifier, "Oslo", 2024, ["population"], comment="Hm?")
        answer(s, team.editor, "Oslo", 2024, "population", comment="Census.")
    with store.transaction() as s:
        slot = s.scalars(select(Value).where(Value.code == "population")).one()
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "value", AuditEvent.entity_id == str(slot.id))
            .order_by(AuditEvent.id)
        ).all()
        got = [(e.action, json.loads(e.before or "{}").get("state"), e.after) for e in events]
    assert [(a, b, json.loads(after)["state"]) for a, b, after in got] == [
        ("value.import", None, "draft"),
        ("value.submit", "draft", "submitted"),
        ("value.start_review", "submitted", "in_review"),
        ("value.verify", "in_review", "verified"),
        ("value.query", "verified", "queried"),
        ("value.answer", "queried", "answered"),
    ]
    assert all(json.loads(after)["revision"] == 1 for _, _, after in got)


#: Every workflow and data operation, tried on a published submission.
ON_PUBLISHED = {
    "submit": lambda s, t: submit(s, t.editor, "Oslo", 2024),
    "review start": lambda s, t: start_review(s, t.verifier2, "Oslo", 2024),
    "verify": lambda s, t: verify(s, t.verifier2, "Oslo", 2024, ["population"]),
    "query": lambda s, t: query(s, t.verifier2, "Oslo", 2024, ["population"], comment="c"),
    "answer": lambda s, t: answer(s, t.editor, "Oslo", 2024, "population", comment="c"),
    "exclude": lambda s, t: exclude(s, t.verifier2, "Oslo", 2024, ["population"], reason="r"),
    "publish": lambda s, t: publish(s, t.verifier2, "Oslo", 2024),
    "edit": lambda s, t: edit_value(s, t.editor, "Oslo", 2024, "population", value=1, reason="r"),
    "retract": lambda s, t: retract_value(s, t.editor, "Oslo", 2024, "population", reason="r"),
    "import": lambda s, t: import_tables(
        s,
        t.editor,
        "Oslo",
        2024,
        raw_table("Oslo", 2024, {"population": 1.0}),
        kpi_table("Oslo", 2024, {}),
        file_name="late.csv",
    ),
}


def test_nothing_changes_a_published_submission(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
        verify(s, team.verifier, "Oslo", 2024, [])
        publish(s, team.verifier, "Oslo", 2024)
    before = (_states(store), _event_count(store))
    for op in ON_PUBLISHED.values():
        with pytest.raises(StoreError, match="is published and final"), store.transaction() as s:
            op(s, team)
    assert (_states(store), _event_count(store)) == before


def _event_count(store: Store) -> int:
    with store.transaction() as s:
        return len(s.scalars(select(AuditEvent.id)).all())
