"""The four-eyes rule on every path: verify, exclude, publish and recomputation chains.

A value's authorship chain is everyone who imported, set, retracted, submitted, answered or
corrected it, plus, for a KPI, the chain of every input its formula uses. Each test below
breaks one part of the rule and would pass if that part were missing.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from storekit import ENGINES, Team, raw_table

from citykpi.errors import PermissionDenied
from citykpi.store import (
    Store,
    answer,
    edit_value,
    exclude,
    publish,
    query,
    retract_value,
    submit,
    verify,
)
from citykpi.store.authorship import authorship_chains
from citykpi.store.importer import import_raw
from citykpi.store.schema import AuditEvent, Submission, Value
from citykpi.store.users import Actor

INPUTS = {
    "households": 320_000.0,
    "households_with_internet": 300_000.0,
    "fixed_broadband_subscriptions": 250_000.0,
}
#: household_internet_access = households_with_internet / households * 100;
#: fixed_broadband_subscriptions (KPI) = fixed_broadband_subscriptions / households * 100.
HIA = "kpi:household_internet_access"
FBS = "kpi:fixed_broadband_subscriptions"
HWI = "households_with_internet"


def _import(store: Store, actor: Actor, values: dict[str, float] = INPUTS) -> None:
    import_raw(
        store, actor, raw_table("Oslo", 2024, values), city="Oslo", year=2024, file_name="o.csv"
    )


def _submitted(store: Store, team: Team) -> None:
    _import(store, team.editor)
    with store.transaction() as s:
        assert submit(s, team.editor, "Oslo", 2024) == 5  # 3 inputs and the 2 KPIs they give


def _state(store: Store, code: str) -> str:
    kind, _, bare = code.rpartition(":")
    with store.transaction() as s:
        stmt = select(Value.state).where(Value.code == bare, Value.kind == (kind or "input"))
        return s.scalars(stmt).one()


def _actions(store: Store) -> list[str]:
    with store.transaction() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@ENGINES
def test_the_bypass_is_refused_at_the_exclude_and_at_every_later_step(
    store: Store, team: Team
) -> None:
    """Vera sets an input (recomputing the KPI), then tries to exclude it, verify, publish."""
    _submitted(store, team)
    with store.transaction() as s:
        edit_value(s, team.verifier, "Oslo", 2024, HWI, value=310_000.0, reason="register")
    before = _actions(store)
    with (
        pytest.raises(
            PermissionDenied,
            match=r"User 'vera' cannot exclude 'households_with_internet' of 'Oslo' 2024: "
            r"they authored it .*four-eyes rule.* Someone outside the chain must do it: ada, vic\.",
        ),
        store.transaction() as s,
    ):
        exclude(s, team.verifier, "Oslo", 2024, [HWI], reason="cannot be traced")
    with (
        pytest.raises(PermissionDenied, match=r"'vera' cannot verify 'household_internet_access'"),
        store.transaction() as s,
    ):
        verify(s, team.verifier, "Oslo", 2024, [HIA])
    with pytest.raises(PermissionDenied, match="four-eyes"), store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [])  # --all
    assert _actions(store) == before  # nothing changed
    assert (_state(store, HWI), _state(store, HIA)) == ("submitted", "submitted")
    # What vera did not touch she may verify: the entity filter of the rule.
    with store.transaction() as s:
        assert verify(s, team.verifier, "Oslo", 2024, ["households", FBS]) == 2
    # Someone outside the chain verifies her work; then she may publish it.
    with store.transaction() as s:
        assert verify(
            s, team.verifier2, "Oslo", 2024, [HWI, HIA, "input:fixed_broadband_subscriptions"]
        )
    with store.transaction() as s:
        assert publish(s, team.verifier, "Oslo", 2024) == 5


@ENGINES
def test_an_outsider_may_exclude_what_an_author_may_not(store: Store, team: Team) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        retract_value(s, team.admin, "Oslo", 2024, "households", reason="wrong register")
    with pytest.raises(PermissionDenied, match="'ada' cannot exclude"), store.transaction() as s:
        exclude(s, team.admin, "Oslo", 2024, ["households"], reason="gone")
    with pytest.raises(PermissionDenied, match="'ada' cannot verify"), store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, ["households"])  # the retraction is hers
    with store.transaction() as s:
        assert exclude(s, team.verifier, "Oslo", 2024, [HWI], reason="not traceable") == 1
    assert _state(store, HWI) == "excluded"


@ENGINES
def test_an_importer_cannot_verify_what_she_imported(store: Store, team: Team) -> None:
    _import(store, team.admin)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with pytest.raises(PermissionDenied, match="'ada' cannot verify"), store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, ["households"])
    with pytest.raises(PermissionDenied, match="'ada' cannot verify"), store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, [HIA])  # computed at her import


@ENGINES
def test_a_submitter_cannot_verify_what_she_submitted(store: Store, team: Team) -> None:
    _import(store, team.editor)
    with store.transaction() as s:
        submit(s, team.admin, "Oslo", 2024)
    with pytest.raises(PermissionDenied, match="'ada' cannot verify"), store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, ["households"])
    with store.transaction() as s:
        assert verify(s, team.verifier, "Oslo", 2024, ["households"]) == 1


@ENGINES
def test_whoever_answers_a_query_cannot_verify_the_answered_value(store: Store, team: Team) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        query(s, team.verifier, "Oslo", 2024, ["households"], comment="Which register?")
    with store.transaction() as s:
        answer(s, team.admin, "Oslo", 2024, "households", comment="The 1 January register.")
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with pytest.raises(PermissionDenied, match="'ada' cannot verify"), store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, ["households"])
    with store.transaction() as s:
        assert verify(s, team.verifier, "Oslo", 2024, ["households"]) == 1


@ENGINES
def test_whoever_corrects_an_input_is_in_the_chain_of_every_kpi_computed_from_it(
    store: Store, team: Team
) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        query(s, team.verifier2, "Oslo", 2024, ["households"], comment="Too low?")
    with store.transaction() as s:
        edit_value(s, team.verifier, "Oslo", 2024, "households", value=330_000.0, reason="fix")
        sub = s.scalars(select(Submission)).one()
        chains = authorship_chains(s, sub)
        ids = {(v.kind, v.code): v.id for v in s.scalars(select(Value))}
        names = {team.editor.id: "eva", team.verifier.id: "vera"}
        got = {
            key: sorted(names[u] for u in chains.of(ids[key]))
            for key in [
                ("input", "households"),
                ("input", HWI),
                ("kpi", "household_internet_access"),
                ("kpi", "fixed_broadband_subscriptions"),
            ]
        }
    assert got == {
        ("input", "households"): ["eva", "vera"],
        ("input", HWI): ["eva"],
        ("kpi", "household_internet_access"): ["eva", "vera"],
        ("kpi", "fixed_broadband_subscriptions"): ["eva", "vera"],
    }
    assert _state(store, "households") == "corrected"


@ENGINES
def test_an_input_change_that_leaves_a_kpi_unchanged_still_reopens_its_review(
    store: Store, team: Team
) -> None:
    """Vera verifies the KPI, then changes an input's source: the figure stays, her review
    of it is no longer independent, so it needs review again (by someone else)."""
    _submitted(store, team)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [HIA, FBS])
    with store.transaction() as s:
        edit_value(
            s, team.verifier, "Oslo", 2024, HWI, value=300_000.0, reason="cite", source="SSB"
        )
    assert (_state(store, HIA), _state(store, FBS)) == ("submitted", "verified")
    with store.transaction() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.action, event.actor_name) == ("value.reopen", "vera")
        assert json.loads(event.before) == {"state": "verified"}
        assert json.loads(event.after)["state"] == "submitted"
        assert "four-eyes" in event.reason
    with pytest.raises(PermissionDenied, match="'vera' cannot verify"), store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [HIA])
    with store.transaction() as s:
        assert verify(s, team.verifier2, "Oslo", 2024, [HIA]) == 1


@ENGINES
def test_an_exclusion_by_someone_who_then_joins_the_chain_is_reopened(
    store: Store, team: Team
) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        exclude(s, team.verifier, "Oslo", 2024, [HIA], reason="survey too small")
    with store.transaction() as s:
        edit_value(s, team.verifier, "Oslo", 2024, HWI, value=300_000.0, reason="c", source="x")
    assert _state(store, HIA) == "submitted"
    with store.transaction() as s:
        slot = s.scalars(select(Value).where(Value.code == "household_internet_access")).one()
        assert slot.excluded_reason == ""


@ENGINES
def test_a_review_by_an_outsider_survives_a_change_by_someone_else(
    store: Store, team: Team
) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        verify(s, team.verifier2, "Oslo", 2024, [HIA])
    with store.transaction() as s:
        edit_value(s, team.verifier, "Oslo", 2024, HWI, value=300_000.0, reason="c", source="x")
    assert _state(store, HIA) == "verified"  # vic is still outside its chain


@ENGINES
def test_publish_refuses_a_value_reviewed_from_inside_its_chain(
    store: Store, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a path forgot to reopen a review (here: switched off), publish still refuses."""
    import citykpi.store.values as values

    monkeypatch.setattr(values, "reopen_dependent_reviews", lambda *a, **k: 0)
    _submitted(store, team)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [HIA])
        exclude(s, team.verifier, "Oslo", 2024, [FBS], reason="survey too small")
        verify(s, team.verifier2, "Oslo", 2024, ["households", HWI, "input:" + FBS[4:]])
    with store.transaction() as s:
        edit_value(
            s, team.verifier, "Oslo", 2024, "households", value=320_000.0, reason="c", source="x"
        )
    with store.transaction() as s:
        verify(s, team.verifier2, "Oslo", 2024, ["households"])
    before = _actions(store)
    with (
        pytest.raises(
            PermissionDenied,
            match=r"User 'vic' cannot publish 'Oslo' 2024: "
            r"'household_internet_access' \(verified by 'vera'\), "
            r"'fixed_broadband_subscriptions' \(excluded by 'vera'\) were reviewed by someone in "
            r"their authorship chain \(four-eyes rule.*Someone outside the chain must do it: "
            r"ada, vic\.",
        ),
        store.transaction() as s,
    ):
        publish(s, team.verifier2, "Oslo", 2024)
    assert _actions(store) == before
    assert _state(store, HIA) == "verified"


@ENGINES
def test_the_message_says_when_nobody_else_may_review(store: Store, team: Team) -> None:
    _submitted(store, team)
    for other in (team.admin, team.verifier2):
        with store.transaction() as s:
            edit_value(s, other, "Oslo", 2024, HWI, value=300_000.0, reason="c", source=other.name)
    with store.transaction() as s:
        edit_value(s, team.verifier, "Oslo", 2024, HWI, value=300_000.0, reason="c", source="v")
    with (
        pytest.raises(
            PermissionDenied,
            match=r"Nobody else may review them yet: an admin must add a verifier",
        ),
        store.transaction() as s,
    ):
        verify(s, team.verifier, "Oslo", 2024, [HWI])


@ENGINES
def test_a_recomputation_alone_makes_its_cause_an_author_of_the_kpi(
    store: Store, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even where the formula's inputs are unknown (a KPI of another framework version), the
    recomputed revision is authored by whoever changed the input."""
    import citykpi.store.authorship as authorship

    _submitted(store, team)
    monkeypatch.setattr(authorship, "formula_inputs", dict)
    with store.transaction() as s:
        edit_value(s, team.verifier, "Oslo", 2024, HWI, value=310_000.0, reason="register")
    with (
        pytest.raises(PermissionDenied, match="'vera' cannot verify 'household_internet_access'"),
        store.transaction() as s,
    ):
        verify(s, team.verifier, "Oslo", 2024, [HIA])
    with store.transaction() as s:
        assert verify(s, team.verifier, "Oslo", 2024, [FBS]) == 1  # not recomputed: not hers


@ENGINES
def test_submitting_an_input_reopens_the_submitter_s_review_of_its_kpi(
    store: Store, team: Team
) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, [HIA])
        query(s, team.verifier, "Oslo", 2024, [HWI], comment="Source?")
    with store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, HWI, value=300_000.0, reason="c", source="SSB")
    assert (_state(store, HWI), _state(store, HIA)) == ("corrected", "verified")
    with store.transaction() as s:
        assert submit(s, team.admin, "Oslo", 2024) == 1
    assert _state(store, HIA) == "submitted"


@ENGINES
def test_answering_a_query_on_an_input_reopens_the_answerer_s_review_of_its_kpi(
    store: Store, team: Team
) -> None:
    _submitted(store, team)
    with store.transaction() as s:
        verify(s, team.admin, "Oslo", 2024, [HIA])
        query(s, team.verifier, "Oslo", 2024, [HWI], comment="Source?")
    with store.transaction() as s:
        answer(s, team.admin, "Oslo", 2024, HWI, comment="The register.")
    assert (_state(store, HWI), _state(store, HIA)) == ("answered", "submitted")


@ENGINES
def test_a_value_verified_by_hand_without_a_trail_cannot_be_published(
    store: Store, team: Team
) -> None:
    """Nobody outside the chain is known to have verified it, so publish refuses it."""
    from sqlalchemy import update

    _submitted(store, team)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [])
    with store.transaction() as s:  # past the library, so no audit event
        s.execute(update(Value).where(Value.code == "e_government").values(state="verified"))
    with (
        pytest.raises(PermissionDenied, match=r"'e_government' \(verified by 'nobody recorded'\)"),
        store.transaction() as s,
    ):
        publish(s, team.verifier2, "Oslo", 2024)
