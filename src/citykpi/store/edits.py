"""Edit or retract one value, and keep the KPIs computed from it in step.

Editing or retracting a raw input recomputes the submission's KPIs from its current inputs in
the same transaction (KPI values whose result changes get a new revision, action
``value.recompute``, and return to ``submitted`` if they were verified), so a corrected input
can never leave a stale KPI to be published. When no current input is left (every one was
retracted), the KPIs that still hold a value get a revision without one (``not_reported``), so
none keeps a figure its inputs no longer give. An edit that makes the inputs invalid (e.g. a
numerator above its denominator) is refused with every problem listed, like an import.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.catalogue import load_catalogue
from citykpi.compute import compute
from citykpi.errors import InputError, ValidationFailed
from citykpi.model import KpiStatus
from citykpi.store.cities import find_city
from citykpi.store.importer import issues_message, kpi_items, stored_raw_frame
from citykpi.store.locks import lock_submission
from citykpi.store.schema import Submission, Value, ValueRevision, on_current_revision
from citykpi.store.users import Action, Actor
from citykpi.store.values import (
    ValueInput,
    current_revision,
    find_slot,
    framework_version,
    write_values,
)
from citykpi.validate import validate


def recompute_kpis(session: Session, actor: Actor, sub: Submission, *, because: str) -> int:
    """Recompute the KPIs of ``sub`` from its current raw inputs; return how many changed.

    Raises
    ------
    ValidationFailed
        The current inputs have errors; the message lists every one.
    """
    frame = stored_raw_frame(session, sub)
    catalogue = load_catalogue()
    checked = validate(frame, catalogue=catalogue)
    if not checked.report.ok:
        where = f"{sub.city.name} {sub.year} after {because}"
        outcome = "nothing was saved. Correct the value so that every check passes"
        raise ValidationFailed(
            issues_message(checked.report.issues, file=where, outcome=outcome),
            issues=tuple(checked.report.issues),
        )
    kpis = compute(checked, catalogue=catalogue)
    fw = framework_version(session, actor, catalogue.version)
    items = kpi_items(kpis)
    summary = write_values(
        session,
        actor,
        sub,
        [*items, *_without_inputs(session, sub, {i.code for i in items})],
        action="value.recompute",
        note=f"recomputed after {because}",
        framework_version_id=fw.id,
    )
    return summary.created + summary.revised


#: Why a KPI lost its value when no input it could be computed from is left.
NO_INPUT: Final = "no current input: every input of the submission was retracted"


def _without_inputs(session: Session, sub: Submission, computed: set[str]) -> list[ValueInput]:
    """Return a revision without a value for each KPI of ``sub`` left out of the recomputation
    that still holds one (compute gives no row for a submission without a current input)."""
    stmt = (
        select(Value, ValueRevision)
        .join(ValueRevision, on_current_revision())
        .where(
            Value.submission_id == sub.id,
            Value.kind == "kpi",
            ValueRevision.value.is_not(None),
            ValueRevision.retracted.is_(False),
        )
        .order_by(Value.code)
    )
    return [
        ValueInput(
            kind="kpi",
            code=slot.code,
            kpi_code=slot.kpi_code,
            value=None,
            unit=rev.unit,
            status=KpiStatus.NOT_REPORTED.value,
            reason=NO_INPUT,
        )
        for slot, rev in session.execute(stmt)
        if slot.code not in computed
    ]


def _after_change(session: Session, actor: Actor, sub: Submission, slot: Value) -> None:
    if slot.kind == "input":
        recompute_kpis(session, actor, sub, because=f"{slot.code!r} changed")


def _submission(session: Session, actor: Actor, city: str, year: int) -> Submission:
    found = find_city(session, city)
    actor.require(Action.EDIT_VALUE, city_id=found.id, city=city)
    return lock_submission(session, found, year)  # before anything is read for the edit


def edit_value(
    session: Session,
    actor: Actor,
    city: str,
    year: int,
    code: str,
    *,
    value: float,
    reason: str,
    kind: str = "",
    unit: str | None = None,
    source: str | None = None,
    expected_version: int | None = None,
) -> int:
    """Set a new value for ``code`` as a new revision and return the slot's new version.

    Parameters
    ----------
    session, actor
        Transaction and the city editor, verifier or admin making the edit.
    city, year, code
        Which value (input id or data point id).
    value
        The new value, in ``unit``.
    reason
        Why the value changes (required: it goes to the audit trail).
    kind
        ``"input"`` or ``"kpi"`` when ``code`` is ambiguous.
    unit, source
        New unit or source; default: keep the current ones.
    expected_version
        The slot version the editor read; if someone saved in between, the edit is refused
        with :class:`~citykpi.errors.ConflictError` rather than silently overwriting theirs.

    Returns
    -------
    int
        The slot's version after the edit.
    """
    if not reason.strip():
        msg = f"Say why {code!r} changes: give a reason (--reason)."
        raise InputError(msg)
    sub = _submission(session, actor, city, year)
    slot = find_slot(session, sub, code, kind=kind)
    current = current_revision(session, slot)
    item = ValueInput(
        kind=slot.kind,
        code=slot.code,
        kpi_code=slot.kpi_code,
        value=value,
        raw_value=repr(value),
        unit=unit if unit is not None else (current.unit if current else ""),
        status="reported",
        source=source if source is not None else (current.source if current else ""),
        quality=current.quality if current else "",
    )
    versions = None if expected_version is None else {(slot.kind, slot.code): expected_version}
    write_values(
        session, actor, sub, [item], action="value.edit", note=reason, expected_versions=versions
    )
    _after_change(session, actor, sub, slot)
    return slot.version


def retract_value(
    session: Session,
    actor: Actor,
    city: str,
    year: int,
    code: str,
    *,
    reason: str,
    kind: str = "",
    expected_version: int | None = None,
) -> int:
    """Retract ``code``: record a revision without a value; earlier revisions stay readable."""
    if not reason.strip():
        msg = f"Say why {code!r} is retracted: give a reason (--reason)."
        raise InputError(msg)
    sub = _submission(session, actor, city, year)
    slot = find_slot(session, sub, code, kind=kind)
    current = current_revision(session, slot)
    if current is not None and current.retracted:
        msg = f"Value {code!r} of {city!r} {year} is already retracted."
        raise InputError(msg)
    item = ValueInput(
        kind=slot.kind,
        code=slot.code,
        kpi_code=slot.kpi_code,
        value=None,
        unit=current.unit if current else "",
        status="retracted",
        source=current.source if current else "",
        quality=current.quality if current else "",
        retracted=True,
    )
    versions = None if expected_version is None else {(slot.kind, slot.code): expected_version}
    write_values(
        session, actor, sub, [item], action="value.retract", note=reason, expected_versions=versions
    )
    _after_change(session, actor, sub, slot)
    return slot.version


__all__ = ["edit_value", "recompute_kpis", "retract_value"]
