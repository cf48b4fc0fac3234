"""Values as revisions: write them, find a value slot and its current revision.

The listings that read values back (revision history, export) are in :mod:`.listings`.

Modelling assumptions:

* A change is a new revision; a revision whose value, unit, status, source and quality equal
  the current one's is not written again (re-importing the same file changes nothing).
* Changing a value moves its verification state as the workflow prescribes: a verified,
  in-review or excluded value returns to ``submitted``, a queried one becomes ``corrected``,
  a draft stays a draft. Values of a published submission are final and cannot be changed.
* A retraction is a revision with no value and ``retracted = True``; nothing is deleted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.catalogue import normalise_code
from citykpi.errors import ConflictError, InputError, NotFound, StoreError
from citykpi.store.audit import record
from citykpi.store.authorship import reopen_dependent_reviews
from citykpi.store.inserts import insert_new_values
from citykpi.store.schema import (
    FrameworkVersion,
    Submission,
    Value,
    ValueRevision,
    on_current_revision,
    utcnow,
)
from citykpi.store.states import ValueState, state_after_edit
from citykpi.store.users import Actor

#: Flush (and report progress) after this many values.
BATCH: Final = 200

KINDS: Final = ("input", "kpi")

Cell = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class ValueInput:
    """The content of one new revision of a value slot."""

    kind: str  # "input" (raw input) or "kpi" (KPI data point)
    code: str  # input id or data point id
    value: float | None
    unit: str = ""
    kpi_code: str = ""  # official KPI code for kind "kpi"
    raw_value: str = ""
    status: str = ""  # KpiStatus for KPI values, "reported" for raw inputs
    reason: str = ""
    source: str = ""
    quality: str = ""
    provenance: str = ""
    retracted: bool = False

    def same_content(self, rev: ValueRevision) -> bool:
        """Return whether ``rev`` already holds this content."""
        return (
            _same_float(self.value, rev.value)
            and self.unit == rev.unit
            and self.status == rev.status
            and self.source == rev.source
            and self.quality == rev.quality
            and self.retracted == rev.retracted
        )


def _same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b


def _clean(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """What a batch of writes did."""

    created: int  # new slots
    revised: int  # new revisions of existing slots
    unchanged: int  # content equal to the current revision, nothing written


def ensure_not_published(sub: Submission) -> None:
    """Refuse changes to a published submission."""
    if sub.status == "published":
        msg = (
            f"The {sub.year} submission of city {sub.city.name!r} is published and final; "
            "corrections go into a new reporting year or need an admin to reopen it."
        )
        raise StoreError(msg)


def framework_version(session: Session, actor: Actor, version: str) -> FrameworkVersion:
    """Return the stored catalogue version ``version``, recording it on first use."""
    row = session.scalar(select(FrameworkVersion).where(FrameworkVersion.version == version))
    if row is None:
        row = FrameworkVersion(version=version)
        session.add(row)
        session.flush()
        record(session, actor.ref, "framework.add", row.audit_key(), after={"version": version})
    return row


def current_revision(session: Session, slot: Value) -> ValueRevision | None:
    """Return the current revision of ``slot`` (``None`` before the first)."""
    if slot.current_revision == 0:
        return None
    return session.scalar(
        select(ValueRevision).where(
            ValueRevision.value_id == slot.id, ValueRevision.number == slot.current_revision
        )
    )


def _rev_dict(rev: ValueRevision | None, slot: Value) -> dict[str, Cell]:
    if rev is None:
        return {"state": slot.state}
    return {
        "revision": rev.number,
        "value": rev.value,
        "unit": rev.unit,
        "status": rev.status,
        "source": rev.source,
        "quality": rev.quality,
        "retracted": rev.retracted,
        "state": slot.state,
    }


def write_values(
    session: Session,
    actor: Actor,
    sub: Submission,
    items: Iterable[ValueInput],
    *,
    action: str,
    note: str = "",
    import_id: int | None = None,
    framework_version_id: int | None = None,
    expected_versions: dict[tuple[str, str], int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> WriteSummary:
    """Write one new revision per item whose content differs from the current one.

    Parameters
    ----------
    session
        The transaction's session; the caller checks permissions.
    actor
        Who writes (the revisions' author).
    sub
        The submission the values belong to (must not be published).
    items
        The new contents.
    action
        Audit action, e.g. ``"value.import"`` or ``"value.edit"``.
    note
        Why (stored on the revision and as the audit reason).
    import_id, framework_version_id
        Provenance of the revisions.
    expected_versions
        ``(kind, code) -> version`` the writer read; a different current version raises
        :class:`~citykpi.errors.ConflictError` at flush (optimistic locking).
    progress
        Called with the number of items handled after every batch.

    Returns
    -------
    WriteSummary
        How many slots were created, revised or left unchanged.
    """
    ensure_not_published(sub)
    items = list(items)
    kinds = sorted({item.kind for item in items})
    slots = {
        (v.kind, v.code): v
        for v in session.scalars(
            select(Value).where(Value.submission_id == sub.id, Value.kind.in_(kinds))
        )
    }
    # Every current revision in one query (not one per slot), and new slots written in bulk
    # (one INSERT per table, citykpi.store.inserts): an import writes hundreds of values.
    currents = {
        rev.value_id: rev
        for rev in session.scalars(
            select(ValueRevision)
            .join(Value, on_current_revision())
            .where(Value.submission_id == sub.id, Value.kind.in_(kinds))
        )
    }
    fresh: dict[tuple[str, str], ValueInput] = {}
    pending: list[tuple[ValueInput, Value, ValueRevision | None]] = []
    unchanged = 0
    for item in items:
        if item.kind not in KINDS:
            msg = f"Value kind {item.kind!r} of {item.code!r} is unknown; use 'input' or 'kpi'."
            raise InputError(msg)
        slot = slots.get((item.kind, item.code))
        current = currents.get(slot.id) if slot is not None else None
        if slot is not None and current is not None and item.same_content(current):
            unchanged += 1
            continue
        if slot is None:
            fresh[(item.kind, item.code)] = item  # born at revision 1, version 1
            continue
        pending.append((item, slot, current))
    created = insert_new_values(
        session,
        actor,
        sub,
        list(fresh.values()),
        action=action,
        note=note,
        import_id=import_id,
        framework_version_id=framework_version_id,
    )
    session.flush()
    done = created
    for item, slot, current in pending:
        _check_version(item, slot, expected_versions)
        is_new = current is None and slot.current_revision == 1 and slot.version == 1
        before = _rev_dict(current, slot) if not is_new else None
        number = 1 if is_new else slot.current_revision + 1
        rev = ValueRevision(
            value_id=slot.id,
            number=number,
            value=_clean(item.value),
            raw_value=item.raw_value,
            unit=item.unit,
            status=item.status,
            reason=item.reason,
            source=item.source,
            quality=item.quality,
            provenance=item.provenance,
            retracted=item.retracted,
            framework_version_id=framework_version_id,
            import_id=import_id,
            author_id=actor.id,
            note=note,
        )
        session.add(rev)
        if not is_new:
            new_state = state_after_edit(ValueState(slot.state))
            slot.current_revision = number
            slot.state = new_state.value
            slot.excluded_reason = ""
            slot.updated_at = utcnow()
        record(
            session,
            actor.ref,
            action,
            slot.audit_key(),
            before=before,
            after=_rev_dict(rev, slot),
            reason=note,
            city_id=sub.city_id,
            year=sub.year,
        )
        done += 1
        if done % BATCH == 0:
            session.flush()
            if progress is not None:
                progress(done)
    session.flush()
    if pending or fresh:
        # A new revision makes its author part of the value's chain and of every KPI computed
        # from it: a review that stops being independent goes back to ``submitted``.
        reopen_dependent_reviews(session, actor, sub)
    if progress is not None:
        progress(done)
    return WriteSummary(created, len(pending), unchanged)


def write_new_values(
    session: Session,
    actor: Actor,
    sub: Submission,
    items: Iterable[ValueInput],
    *,
    action: str,
    note: str = "",
    import_id: int | None = None,
    framework_version_id: int | None = None,
) -> dict[str, WriteSummary]:
    """Write ``items`` into a submission that holds no value yet, as :func:`write_values` would.

    The bulk import's path for a first import (:func:`citykpi.store.bulk.import_many`): every
    item gets a new slot, written in bulk, inputs and KPIs together; the slots and current
    revisions :func:`write_values` reads first would come back empty. No review is reopened,
    since a submission without values has no reviewed value. The caller has locked ``sub`` in
    this transaction and found it empty; an item given twice is written once, the last one
    wins. The store's own write path, not exported.

    Returns
    -------
    dict of str to WriteSummary
        How many slots were created, by kind (every kind of :data:`KINDS`).
    """
    ensure_not_published(sub)
    fresh: dict[tuple[str, str], ValueInput] = {}
    for item in items:
        if item.kind not in KINDS:
            msg = f"Value kind {item.kind!r} of {item.code!r} is unknown; use 'input' or 'kpi'."
            raise InputError(msg)
        fresh[(item.kind, item.code)] = item
    insert_new_values(
        session,
        actor,
        sub,
        list(fresh.values()),
        action=action,
        note=note,
        import_id=import_id,
        framework_version_id=framework_version_id,
    )
    created = dict.fromkeys(KINDS, 0)
    for kind, _ in fresh:
        created[kind] += 1
    return {kind: WriteSummary(n, 0, 0) for kind, n in created.items()}


def _check_version(
    item: ValueInput, slot: Value, expected_versions: dict[tuple[str, str], int] | None
) -> None:
    if expected_versions is None:
        return
    expected = expected_versions.get((item.kind, item.code))
    if expected is not None and expected != slot.version:
        msg = (
            f"Value {item.code!r} changed since you read it (version {expected}, now "
            f"{slot.version}); nothing was saved. Read it again with 'citykpi history' "
            "and repeat your edit."
        )
        raise ConflictError(msg)


def find_slot(session: Session, sub: Submission, code: str, *, kind: str = "") -> Value:
    """Return the value slot ``code`` (input id or data point id) of ``sub``.

    ``code`` may carry its kind as a prefix, ``"input:CODE"`` or ``"kpi:CODE"``, for the ids
    that name both a raw input and a KPI data point (e.g. ``fixed_broadband_subscriptions``).

    Raises
    ------
    NotFound
        No such value in the submission.
    InputError
        ``code`` names both an input and a KPI data point and no kind is given.
    """
    prefix, sep, rest = code.partition(":")
    if sep and prefix in KINDS and rest.strip():
        kind, code = prefix, rest.strip()
    code = normalise_code(code)
    stmt = select(Value).where(Value.submission_id == sub.id, Value.code == code)
    if kind:
        stmt = stmt.where(Value.kind == kind)
    found = list(session.scalars(stmt))
    if not found:
        msg = (
            f"City {sub.city.name!r} has no value {code!r} for {sub.year}; see "
            f"'citykpi history {sub.city.name!r} {sub.year}' for the codes it has."
        )
        raise NotFound(msg)
    if len(found) > 1:
        msg = (
            f"Code {code!r} names both a raw input and a KPI data point; write "
            f"'input:{code}' or 'kpi:{code}'."
        )
        raise InputError(msg)
    return found[0]


__all__ = [
    "KINDS",
    "ValueInput",
    "WriteSummary",
    "current_revision",
    "ensure_not_published",
    "find_slot",
    "framework_version",
    "write_values",
]
