"""The verification workflow: submit, review, verify, query, answer, exclude, publish.

Rules (issue 3): a city editor only touches her own cities; publishing needs every reported
value (a current revision with a value) verified or excluded with a reason. Each state change
is one audit event per value. The four-eyes rule (issue 9) lives in :mod:`.authorship`: nobody
in a value's authorship chain may verify it, exclude it or publish it unverified by someone
else; ``verify``, ``exclude`` and ``publish`` all call :func:`~.authorship.check_four_eyes`,
and ``submit`` and ``answer`` (which grow a chain) reopen reviews that stop being independent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.errors import InputError, StoreError
from citykpi.store.audit import record
from citykpi.store.authorship import (
    AUTHORING_ACTIONS,
    check_four_eyes,
    reopen_dependent_reviews,
)
from citykpi.store.cities import find_city
from citykpi.store.locks import lock_submission
from citykpi.store.schema import (
    Comment,
    Submission,
    Value,
    ValueRevision,
    on_current_revision,
    utcnow,
)
from citykpi.store.states import TARGETS, TRANSITIONS, ValueState
from citykpi.store.users import Action, Actor
from citykpi.store.values import ensure_not_published, find_slot


def _open(session: Session, actor: Actor, action: Action, city: str, year: int) -> Submission:
    found = find_city(session, city)
    actor.require(action, city_id=found.id, city=city)
    sub = lock_submission(session, found, year)  # writers of one submission serialise
    ensure_not_published(sub)
    return sub


def _move(
    session: Session,
    actor: Actor,
    sub: Submission,
    slot: Value,
    transition: str,
    *,
    reason: str = "",
) -> None:
    before = slot.state
    target = TARGETS[transition]
    slot.state = target.value
    slot.updated_at = utcnow()
    if transition == "exclude":
        slot.excluded_reason = reason
    session.flush()
    record(
        session,
        actor.ref,
        f"value.{transition}",
        slot.audit_key(),
        before={"state": before},
        after={"state": target.value, "revision": slot.current_revision},
        reason=reason,
        city_id=sub.city_id,
        year=sub.year,
    )


def _check_from(slot: Value, transition: str, sub: Submission) -> None:
    allowed = TRANSITIONS[transition]
    if ValueState(slot.state) not in allowed:
        verb = transition.replace("_", " ")
        msg = (
            f"Cannot {verb} {slot.code!r} of {sub.city.name!r} {sub.year}: it is "
            f"{slot.state!r}, and only values that are "
            f"{' or '.join(sorted(s.value for s in allowed))} can be."
        )
        raise InputError(msg)


def _comment(session: Session, actor: Actor, slot: Value, kind: str, body: str) -> None:
    session.add(Comment(value_id=slot.id, author_id=actor.id, kind=kind, body=body))


#: The comment kind a reviewer's or editor's reason is kept as (an exclusion keeps its reason on
#: the value instead).
_COMMENT_KINDS = {"verify": "note", "query": "query", "answer": "answer"}


def _apply(
    session: Session,
    actor: Actor,
    sub: Submission,
    slot: Value,
    transition: str,
    *,
    reason: str = "",
) -> None:
    """Check that ``slot`` may take ``transition``, keep ``reason`` as a comment, then move it."""
    _check_from(slot, transition, sub)
    kind = _COMMENT_KINDS.get(transition)
    if reason and kind is not None:
        _comment(session, actor, slot, kind, reason)
    _move(session, actor, sub, slot, transition, reason=reason)


def submit(session: Session, actor: Actor, city: str, year: int) -> int:
    """Submit every reported draft, corrected or answered value of ``city`` in ``year``.

    KPI data points without a value (not reported) stay drafts: there is nothing to verify.

    Returns
    -------
    int
        How many values moved to ``submitted``.
    """
    sub = _open(session, actor, Action.SUBMIT, city, year)
    # Values without content (KPIs not reported) have nothing to verify: they stay drafts.
    slots = list(
        session.scalars(
            select(Value)
            .join(ValueRevision, on_current_revision())
            .where(
                Value.submission_id == sub.id,
                Value.state.in_([s.value for s in TRANSITIONS["submit"]]),
                ValueRevision.value.is_not(None) | ValueRevision.retracted.is_(True),
            )
            .order_by(Value.id)
        )
    )
    if not slots:
        msg = (
            f"Nothing to submit for {city!r} {year}: no reported value is draft, corrected "
            "or answered."
        )
        raise InputError(msg)
    for slot in slots:
        _move(session, actor, sub, slot, "submit")
    reopen_dependent_reviews(session, actor, sub)
    return len(slots)


def _slots(session: Session, sub: Submission, codes: Sequence[str], transition: str) -> list[Value]:
    if codes:
        return [find_slot(session, sub, c) for c in codes]
    pending = [s.value for s in TRANSITIONS[transition]]
    return list(
        session.scalars(
            select(Value)
            .where(Value.submission_id == sub.id, Value.state.in_(pending))
            .order_by(Value.id)
        )
    )


def start_review(
    session: Session, actor: Actor, city: str, year: int, codes: Sequence[str] = ()
) -> int:
    """Move submitted values (all, or ``codes``) to ``in_review``; return how many."""
    sub = _open(session, actor, Action.REVIEW, city, year)
    slots = _slots(session, sub, codes, "start_review")
    for slot in slots:
        _apply(session, actor, sub, slot, "start_review")
    return len(slots)


def _named_slots(
    session: Session, sub: Submission, codes: Sequence[str], transition: str
) -> list[Value]:
    """Return the values ``codes`` names; a transition that never applies to all needs names."""
    if not codes:
        msg = f"Name the values to {transition} (codes after CITY YEAR)."
        raise InputError(msg)
    return _slots(session, sub, codes, transition)


def verify(
    session: Session,
    actor: Actor,
    city: str,
    year: int,
    codes: Sequence[str],
    *,
    comment: str = "",
) -> int:
    """Verify values ``codes`` (or, if empty, every submitted or in-review value).

    Raises
    ------
    PermissionDenied
        The actor may not review, or she is in the authorship chain of one of the values
        (four-eyes rule, :mod:`.authorship`); nothing is verified then.
    InputError
        A value is not submitted or in review.
    """
    sub = _open(session, actor, Action.REVIEW, city, year)
    slots = _slots(session, sub, codes, "verify")
    if not slots:
        msg = f"Nothing to verify for {city!r} {year}: no value is submitted or in review."
        raise InputError(msg)
    check_four_eyes(session, actor, sub, slots, doing="verify")
    for slot in slots:
        _apply(session, actor, sub, slot, "verify", reason=comment)
    return len(slots)


def query(
    session: Session, actor: Actor, city: str, year: int, codes: Sequence[str], *, comment: str
) -> int:
    """Query values ``codes``: send them back to the city with ``comment`` (required)."""
    sub = _open(session, actor, Action.REVIEW, city, year)
    if not comment.strip():
        msg = "A query needs a comment telling the city what to check; add --comment TEXT."
        raise InputError(msg)
    slots = _named_slots(session, sub, codes, "query")
    for slot in slots:
        _apply(session, actor, sub, slot, "query", reason=comment)
    return len(slots)


def answer(
    session: Session, actor: Actor, city: str, year: int, code: str, *, comment: str
) -> None:
    """Answer a query on ``code`` without changing the value (edit it to correct it instead)."""
    sub = _open(session, actor, Action.EDIT_DATA, city, year)
    if not comment.strip():
        msg = "An answer needs a comment for the verifier; add --comment TEXT."
        raise InputError(msg)
    _apply(session, actor, sub, find_slot(session, sub, code), "answer", reason=comment)
    reopen_dependent_reviews(session, actor, sub)


def exclude(
    session: Session, actor: Actor, city: str, year: int, codes: Sequence[str], *, reason: str
) -> int:
    """Exclude values from publication with a reason (U4SSC "KPIs not verified").

    Raises
    ------
    PermissionDenied
        The actor may not review, or she is in the authorship chain of one of the values
        (four-eyes rule); nothing is excluded then.
    InputError
        No reason, no codes, or a value that cannot be excluded from its state.
    """
    sub = _open(session, actor, Action.REVIEW, city, year)
    if not reason.strip():
        msg = "Excluding a value needs a reason; add --reason TEXT."
        raise InputError(msg)
    slots = _named_slots(session, sub, codes, "exclude")
    check_four_eyes(session, actor, sub, slots, doing="exclude")
    for slot in slots:
        _apply(session, actor, sub, slot, "exclude", reason=reason)
    return len(slots)


def add_comment(
    session: Session, actor: Actor, city: str, year: int, code: str, *, text: str
) -> None:
    """Add a note to value ``code`` without changing its state."""
    found = find_city(session, city)
    actor.require(Action.COMMENT, city_id=found.id, city=city)
    sub = lock_submission(session, found, year)  # a note lands before or after a publish
    if not text.strip():
        msg = "A comment cannot be empty."
        raise InputError(msg)
    slot = find_slot(session, sub, code)
    _comment(session, actor, slot, "note", text)
    session.flush()
    record(
        session,
        actor.ref,
        "value.comment",
        slot.audit_key(),
        after={"comment": text},
        city_id=sub.city_id,
        year=sub.year,
    )


@dataclass(frozen=True, slots=True)
class Blocker:
    """A reported value that keeps a submission from being published."""

    code: str
    state: str


def publish_blockers(session: Session, sub: Submission) -> list[Blocker]:
    """Return the reported values of ``sub`` that are neither verified nor excluded."""
    stmt = (
        select(Value.code, Value.state)
        .join(ValueRevision, on_current_revision())
        .where(
            Value.submission_id == sub.id,
            ValueRevision.value.is_not(None),
            ValueRevision.retracted.is_(False),
            Value.state.not_in([ValueState.VERIFIED.value, ValueState.EXCLUDED.value]),
        )
        .order_by(Value.code)
    )
    return [Blocker(code, state) for code, state in session.execute(stmt)]


def publish(session: Session, actor: Actor, city: str, year: int, *, reason: str = "") -> int:
    """Publish the submission of ``city`` in ``year``: verified values become ``published``.

    Raises
    ------
    StoreError
        Some reported value is not verified or excluded; the message lists them.
    PermissionDenied
        Some value was verified or excluded by someone in its authorship chain (four-eyes
        rule); nothing is published then.

    Returns
    -------
    int
        How many values were published.
    """
    sub = _open(session, actor, Action.PUBLISH, city, year)
    blockers = publish_blockers(session, sub)
    if blockers:
        shown = ", ".join(f"{b.code!r} ({b.state})" for b in blockers[:10])
        more = f" and {len(blockers) - 10} more" if len(blockers) > 10 else ""
        msg = (
            f"Cannot publish {city!r} {year}: {len(blockers)} reported value(s) are neither "
            f"verified nor excluded: {shown}{more}. Verify them or exclude them with a reason."
        )
        raise StoreError(msg)
    slots = list(
        session.scalars(
            select(Value)
            .where(Value.submission_id == sub.id, Value.state == ValueState.VERIFIED.value)
            .order_by(Value.id)
        )
    )
    if not slots:
        msg = f"Cannot publish {city!r} {year}: no value is verified yet."
        raise StoreError(msg)
    excluded = session.scalars(
        select(Value).where(Value.submission_id == sub.id, Value.state == ValueState.EXCLUDED.value)
    )
    check_four_eyes(session, actor, sub, [*slots, *excluded], doing="publish")
    for slot in slots:
        _move(session, actor, sub, slot, "publish", reason=reason)
    sub.status = "published"
    sub.published_at = utcnow()
    session.flush()
    record(
        session,
        actor.ref,
        "submission.publish",
        sub.audit_key(),
        before={"status": "open"},
        after={"status": "published", "values": len(slots)},
        reason=reason,
        city_id=sub.city_id,
        year=sub.year,
    )
    return len(slots)


__all__ = [
    "AUTHORING_ACTIONS",
    "Blocker",
    "add_comment",
    "answer",
    "exclude",
    "publish",
    "publish_blockers",
    "query",
    "start_review",
    "submit",
    "verify",
]
