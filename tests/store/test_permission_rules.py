"""The permission matrix and the state machine, stated as tables.

Each row is the rule itself, written out by hand, so a change to ``PERMISSIONS``,
``CITY_SCOPED``, ``TRANSITIONS``, ``TARGETS`` or the after-edit table fails here with the
role, action or state that moved. (Mutation testing: scripts/mutation.py, docs/mutation.md.)
"""

from __future__ import annotations

import pytest

from citykpi.store.states import TARGETS, TRANSITIONS, ValueState, state_after_edit
from citykpi.store.users import CITY_SCOPED, PERMISSIONS, Action, Role

A = Action
S = ValueState

#: role -> the actions it may take, written out in full.
EXPECTED_PERMISSIONS: dict[Role, set[Action]] = {
    Role.ADMIN: set(Action),
    Role.CITY_EDITOR: {
        A.READ_CITIES, A.EDIT_DATA, A.EDIT_VALUE, A.SUBMIT,
        A.READ_DATA, A.READ_PUBLISHED, A.READ_AUDIT, A.COMMENT,
    },
    Role.VERIFIER: {
        A.READ_CITIES, A.EDIT_VALUE, A.REVIEW, A.PUBLISH,
        A.READ_DATA, A.READ_PUBLISHED, A.READ_AUDIT, A.COMMENT,
    },
    Role.ANALYST: {A.READ_CITIES, A.READ_DATA, A.READ_PUBLISHED, A.READ_AUDIT},
    Role.PUBLIC: {A.READ_CITIES, A.READ_PUBLISHED},
}  # fmt: skip

CASES = [(role, action) for role in Role for action in Action]


@pytest.mark.parametrize(("role", "action"), CASES, ids=[f"{r}-{a}" for r, a in CASES])
def test_each_role_may_take_exactly_its_actions(role: Role, action: Action) -> None:
    assert (action in PERMISSIONS[role]) is (action in EXPECTED_PERMISSIONS[role])


def test_every_role_has_a_row() -> None:
    assert set(PERMISSIONS) == set(Role)


def test_city_editor_is_scoped_to_her_cities_for_exactly_these_actions() -> None:
    assert set(CITY_SCOPED) == {
        A.EDIT_DATA, A.EDIT_VALUE, A.SUBMIT, A.READ_DATA, A.READ_AUDIT, A.COMMENT,
    }  # fmt: skip


EXPECTED_TRANSITIONS: dict[str, tuple[set[ValueState], ValueState]] = {
    "submit": ({S.DRAFT, S.CORRECTED, S.ANSWERED}, S.SUBMITTED),
    "start_review": ({S.SUBMITTED}, S.IN_REVIEW),
    "verify": ({S.SUBMITTED, S.IN_REVIEW}, S.VERIFIED),
    "query": ({S.SUBMITTED, S.IN_REVIEW, S.VERIFIED}, S.QUERIED),
    "answer": ({S.QUERIED}, S.ANSWERED),
    "exclude": ({S.SUBMITTED, S.IN_REVIEW, S.QUERIED, S.VERIFIED}, S.EXCLUDED),
    "publish": ({S.VERIFIED}, S.PUBLISHED),
}

STEPS = [(name, state) for name in EXPECTED_TRANSITIONS for state in ValueState]


@pytest.mark.parametrize(("name", "state"), STEPS, ids=[f"{n}-{s}" for n, s in STEPS])
def test_each_transition_starts_from_exactly_its_states(name: str, state: ValueState) -> None:
    allowed, target = EXPECTED_TRANSITIONS[name]
    assert (state in TRANSITIONS[name]) is (state in allowed)
    assert TARGETS[name] is target


def test_no_transition_is_missing_or_extra() -> None:
    assert set(TRANSITIONS) == set(EXPECTED_TRANSITIONS)
    assert set(TARGETS) == set(EXPECTED_TRANSITIONS)


AFTER_EDIT = [
    (S.DRAFT, S.DRAFT),
    (S.SUBMITTED, S.SUBMITTED),
    (S.IN_REVIEW, S.SUBMITTED),
    (S.VERIFIED, S.SUBMITTED),
    (S.EXCLUDED, S.SUBMITTED),
    (S.QUERIED, S.CORRECTED),
    (S.CORRECTED, S.CORRECTED),
    (S.ANSWERED, S.CORRECTED),
]


@pytest.mark.parametrize(("before", "after"), AFTER_EDIT)
def test_an_edit_moves_a_value_back_to_review(before: ValueState, after: ValueState) -> None:
    assert state_after_edit(before) is after


def test_a_published_value_cannot_be_edited() -> None:
    with pytest.raises(ValueError, match=r"A 'published' value cannot be edited; published"):
        state_after_edit(S.PUBLISHED)


def test_the_edit_table_covers_every_state() -> None:
    assert {b for b, _ in AFTER_EDIT} | {S.PUBLISHED} == set(ValueState)
