"""The verification states of a value and the transitions between them.

``draft -> submitted -> in_review -> verified | queried``; a queried value is ``corrected`` (a
new revision) or ``answered`` (a comment) by the city and resubmitted; ``verified -> published``
when the whole submission is published. A verifier may instead ``exclude`` a value with a
reason (U4SSC "KPIs not verified"); exclusion also satisfies the publishing rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ValueState(StrEnum):
    """Verification state of one value."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    VERIFIED = "verified"
    QUERIED = "queried"
    CORRECTED = "corrected"
    ANSWERED = "answered"
    EXCLUDED = "excluded"
    PUBLISHED = "published"


S = ValueState

#: Transition name -> states it may start from.
TRANSITIONS: Final[dict[str, frozenset[ValueState]]] = {
    "submit": frozenset({S.DRAFT, S.CORRECTED, S.ANSWERED}),
    "start_review": frozenset({S.SUBMITTED}),
    "verify": frozenset({S.SUBMITTED, S.IN_REVIEW}),
    "query": frozenset({S.SUBMITTED, S.IN_REVIEW, S.VERIFIED}),
    "answer": frozenset({S.QUERIED}),
    "exclude": frozenset({S.SUBMITTED, S.IN_REVIEW, S.QUERIED, S.VERIFIED}),
    "publish": frozenset({S.VERIFIED}),
}

#: Where each transition leads.
TARGETS: Final[dict[str, ValueState]] = {
    "submit": S.SUBMITTED,
    "start_review": S.IN_REVIEW,
    "verify": S.VERIFIED,
    "query": S.QUERIED,
    "answer": S.ANSWERED,
    "exclude": S.EXCLUDED,
    "publish": S.PUBLISHED,
}

_AFTER_EDIT: Final[dict[ValueState, ValueState]] = {
    S.DRAFT: S.DRAFT,
    S.SUBMITTED: S.SUBMITTED,
    S.IN_REVIEW: S.SUBMITTED,
    S.VERIFIED: S.SUBMITTED,
    S.EXCLUDED: S.SUBMITTED,
    S.QUERIED: S.CORRECTED,
    S.CORRECTED: S.CORRECTED,
    S.ANSWERED: S.CORRECTED,
}


def state_after_edit(state: ValueState) -> ValueState:
    """Return the state of a value after its content changes (a new revision).

    A verified, in-review or excluded value that is edited goes back to ``submitted``; a
    queried one is ``corrected``.

    Raises
    ------
    ValueError
        ``state`` is ``published``: published values are final (callers refuse the edit
        before, with a message for the user; reaching this is a bug).
    """
    if state not in _AFTER_EDIT:
        msg = f"A {state.value!r} value cannot be edited; published values are final."
        raise ValueError(msg)
    return _AFTER_EDIT[state]


__all__ = ["TARGETS", "TRANSITIONS", "ValueState", "state_after_edit"]
