"""The four-eyes rule, stated once: who authored a value, and who may therefore not review it.

The **authorship chain** of a value is every person who authored a revision of it (import,
``value set`` or edit, retraction, recomputation), submitted it, answered a query on it or
corrected it, plus, for a KPI value, the authorship chain of every raw input its formula is
computed from (the catalogue's inputs of the data point). A recomputation is authored by the
person whose input change caused it, so changing an input makes you an author of every KPI
computed from it, whether or not the KPI's figure changed.

The rule: **a person in a value's authorship chain can neither verify it, exclude it, nor
publish a submission that contains it unless someone outside its chain verified it.**
:func:`check_four_eyes` is the one check every path calls (``verify``, ``exclude`` and
``publish`` in :mod:`.workflow`, the CLI and the web layer through them), and
:func:`reopen_dependent_reviews` keeps the rule true when a chain grows after a review: a value
verified or excluded by someone who has since joined its chain (e.g. a verifier who edits an
input after verifying the KPI computed from it) goes back to ``submitted``.

The chain is read from the audit trail (every revision, submission and answer has its event,
which the audit guard enforces), in the same transaction and never from a cache, so every path
sees the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.errors import PermissionDenied
from citykpi.store.audit import record
from citykpi.store.schema import AuditEvent, Submission, User, Value, utcnow
from citykpi.store.states import ValueState
from citykpi.store.users import PERMISSIONS, Action, Actor

#: Audit actions by which a person authors a value: import, edit (a correction of a queried
#: value is an edit), retraction, recomputation, submission and the answer to a query.
AUTHORING_ACTIONS: Final = (
    "value.import",
    "value.edit",
    "value.retract",
    "value.recompute",
    "value.submit",
    "value.answer",
)

#: The audit action that decides each reviewed state, whose actor must be outside the chain.
REVIEW_ACTIONS: Final[Mapping[ValueState, str]] = {
    ValueState.VERIFIED: "value.verify",
    ValueState.EXCLUDED: "value.exclude",
}

#: The action a reopened value's audit event carries.
REOPEN_ACTION: Final = "value.reopen"

Doing = Literal["verify", "exclude", "publish"]

RULE: Final = (
    "four-eyes rule: whoever imported, set, retracted, submitted, answered or corrected a "
    "value, or changed an input a KPI is computed from, can neither verify nor exclude it, "
    "nor publish it unless someone else verified it"
)


@lru_cache(maxsize=4)
def _formula_inputs(version: str) -> Mapping[str, tuple[str, ...]]:
    from citykpi.catalogue import load_catalogue  # on first use: reading commands skip it

    catalogue = load_catalogue()
    return {dp.id: dp.inputs for kpi in catalogue.kpis for dp in kpi.data_points}


def formula_inputs() -> Mapping[str, tuple[str, ...]]:
    """Return data point id -> the raw input ids its formula is computed from."""
    from citykpi.catalogue import load_catalogue

    return _formula_inputs(load_catalogue().version)


@dataclass(frozen=True, slots=True)
class Chains:
    """The authorship chains of the values of one submission."""

    own: Mapping[int, frozenset[int]]  # value id -> ids of the users who authored it
    inputs: Mapping[int, tuple[int, ...]]  # KPI value id -> value ids of its formula's inputs

    def of(self, value_id: int) -> frozenset[int]:
        """Return the ids of everyone in the authorship chain of value ``value_id``."""
        chain = set(self.own.get(value_id, frozenset()))
        for input_id in self.inputs.get(value_id, ()):
            chain |= self.own.get(input_id, frozenset())
        return frozenset(chain)


def authorship_chains(session: Session, sub: Submission) -> Chains:
    """Return the authorship chain of every value of ``sub`` (see the module docstring)."""
    slots = list(
        session.execute(
            select(Value.id, Value.kind, Value.code).where(Value.submission_id == sub.id)
        )
    )
    ids = {str(vid): vid for vid, _, _ in slots}
    own: dict[int, set[int]] = defaultdict(set)
    events = (
        select(AuditEvent.entity_id, AuditEvent.actor_id)
        .where(
            AuditEvent.entity_type == "value",
            AuditEvent.entity_id.in_(list(ids)),
            AuditEvent.action.in_(AUTHORING_ACTIONS),
        )
        .distinct()
    )
    for entity_id, actor_id in session.execute(events):
        if actor_id is not None:  # the system bootstrap authors nothing a person reviews
            own[ids[entity_id]].add(actor_id)
    by_input = {code: vid for vid, kind, code in slots if kind == "input"}
    uses = formula_inputs()
    inputs = {
        vid: tuple(by_input[c] for c in uses.get(code, ()) if c in by_input)
        for vid, kind, code in slots
        if kind == "kpi"
    }
    return Chains({k: frozenset(v) for k, v in own.items()}, inputs)


def _reviewers(session: Session, slots: Sequence[Value]) -> dict[int, int | None]:
    """Return value id -> the user whose verify or exclude gave each slot its current state."""
    wanted = {str(s.id): s for s in slots if ValueState(s.state) in REVIEW_ACTIONS}
    if not wanted:  # nothing reviewed (a first import): no query
        return {}
    stmt = (
        select(AuditEvent.entity_id, AuditEvent.actor_id)
        .where(
            AuditEvent.entity_type == "value",
            AuditEvent.entity_id.in_(list(wanted)),
            AuditEvent.action.in_(list(REVIEW_ACTIONS.values())),
        )
        .order_by(AuditEvent.id)
    )
    # A reviewed state is only reached by its review action and left by any change, so the
    # latest review event of a value is the one that gave it its current state.
    found = {wanted[entity_id].id: actor_id for entity_id, actor_id in session.execute(stmt)}
    return {s.id: found.get(s.id) for s in wanted.values()}


@dataclass(frozen=True, slots=True)
class DependentReview:
    """A verified or excluded value whose reviewer is in its authorship chain."""

    value_id: int
    code: str
    state: str
    reviewer_id: int | None


def dependent_reviews(
    session: Session, sub: Submission, slots: Sequence[Value] | None = None
) -> list[DependentReview]:
    """Return the verified or excluded values of ``sub`` not reviewed by an outsider.

    A value whose verification or exclusion has no audit event counts too (its reviewer is
    unknown, so nobody outside its chain is known to have reviewed it).

    Parameters
    ----------
    session
        The transaction.
    sub
        The submission.
    slots
        The values to look at; default: every verified or excluded value of ``sub``.
    """
    if slots is None:
        reviewed = [s.value for s in REVIEW_ACTIONS]
        slots = list(
            session.scalars(
                select(Value)
                .where(Value.submission_id == sub.id, Value.state.in_(reviewed))
                .order_by(Value.id)
            )
        )
    reviewers = _reviewers(session, slots)
    if not reviewers:
        return []
    chains = authorship_chains(session, sub)
    return [
        DependentReview(s.id, s.code, s.state, reviewers[s.id])
        for s in slots
        if s.id in reviewers and (reviewers[s.id] is None or reviewers[s.id] in chains.of(s.id))
    ]


def _others(session: Session, chains: Chains, slots: Iterable[Value]) -> list[str]:
    """Return the active users who may review and are outside every chain of ``slots``."""
    barred: set[int] = set()
    for slot in slots:
        barred |= chains.of(slot.id)
    roles = [r.value for r, acts in PERMISSIONS.items() if Action.REVIEW in acts]
    names = session.scalars(
        select(User.name)
        .where(User.active.is_(True), User.role.in_(roles), User.id.not_in(barred or {-1}))
        .order_by(User.name)
    )
    return list(names)


def _who_else(session: Session, chains: Chains, slots: Iterable[Value]) -> str:
    names = _others(session, chains, slots)
    if not names:
        return (
            "Nobody else may review them yet: an admin must add a verifier who has not "
            "touched them."
        )
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"Someone outside the chain must do it: {', '.join(names[:5])}{more}."


def _codes(slots: Sequence[Value]) -> str:
    shown = ", ".join(repr(s.code) for s in slots[:5])
    return shown + (f" and {len(slots) - 5} more" if len(slots) > 5 else "")


def _user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def check_four_eyes(
    session: Session, actor: Actor, sub: Submission, slots: Sequence[Value], *, doing: Doing
) -> None:
    """Refuse ``doing`` on ``slots`` if it would let anyone's own work through unreviewed.

    ``verify`` and ``exclude``: ``actor`` must be outside the authorship chain of every slot.
    ``publish``: every slot (the values to publish, and the excluded ones) must have been
    verified or excluded by someone outside its chain, whoever publishes.

    Raises
    ------
    PermissionDenied
        The rule is broken for some slot; the message names the rule, the values and who may
        do it instead. Nothing has been changed.
    """
    where = f"{sub.city.name!r} {sub.year}"
    if doing == "publish":
        bad = dependent_reviews(session, sub, slots)
        if not bad:
            return
        chains = authorship_chains(session, sub)
        names = _user_names(session, (b.reviewer_id for b in bad))
        listed = ", ".join(
            f"{b.code!r} ({b.state} by {names.get(b.reviewer_id or -1, 'nobody recorded')!r})"
            for b in bad[:5]
        )
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        offending = [s for s in slots if s.id in {b.value_id for b in bad}]
        was, its = ("was", "its") if len(bad) == 1 else ("were", "their")
        msg = (
            f"User {actor.name!r} cannot publish {where}: {listed}{more} {was} reviewed by "
            f"someone in {its} authorship chain ({RULE}). "
            f"{_who_else(session, chains, offending)} Send it back for review ('review query') "
            "so that they can verify it."
        )
        raise PermissionDenied(msg)
    chains = authorship_chains(session, sub)
    own = [s for s in slots if actor.id in chains.of(s.id)]
    if own:
        them = "it or an input it is" if len(own) == 1 else "them or inputs they are"
        msg = (
            f"User {actor.name!r} cannot {doing} {_codes(own)} of {where}: they authored "
            f"{them} computed from ({RULE}). {_who_else(session, chains, own)}"
        )
        raise PermissionDenied(msg)


def reopen_dependent_reviews(session: Session, actor: Actor, sub: Submission) -> int:
    """Send back to ``submitted`` every reviewed value whose reviewer has joined its chain.

    Called after every change that can grow a chain (a new revision, a recomputation, a
    submission, an answer). Each reopened value gets an audit event (``value.reopen``,
    attributed to ``actor``, whose change caused it). Returns how many were reopened.
    """
    bad = dependent_reviews(session, sub)
    if not bad:
        return 0
    by_id = {b.value_id: b for b in bad}
    slots = list(session.scalars(select(Value).where(Value.id.in_(list(by_id))).order_by(Value.id)))
    for slot in slots:
        before = slot.state
        slot.state = ValueState.SUBMITTED.value
        slot.excluded_reason = ""
        slot.updated_at = utcnow()
        session.flush()
        record(
            session,
            actor.ref,
            REOPEN_ACTION,
            slot.audit_key(),
            before={"state": before},
            after={"state": slot.state, "revision": slot.current_revision},
            reason=(
                f"its reviewer has since authored it or an input it is computed from ({RULE}); "
                "it needs review by someone else"
            ),
            city_id=sub.city_id,
            year=sub.year,
        )
    return len(slots)


__all__ = [
    "AUTHORING_ACTIONS",
    "REOPEN_ACTION",
    "REVIEW_ACTIONS",
    "RULE",
    "Chains",
    "DependentReview",
    "authorship_chains",
    "check_four_eyes",
    "dependent_reviews",
    "formula_inputs",
    "reopen_dependent_reviews",
]
