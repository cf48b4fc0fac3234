"""Check the store's invariants (``citykpi db check``): what must hold after every commit.

The invariants:

1. **No stale KPI.** Every current KPI value equals the recomputation of the submission's
   current raw inputs (and directly reported KPIs): the same status and, within a relative
   1e-9, the same value. A KPI retracted by hand is withdrawn on purpose and not compared; a
   KPI computed with another catalogue version than the installed one is not compared either
   (recomputing it is a decision, not a repair). The current inputs must pass validation.
2. **Every change has its audit event.** Every revision has one revision-writing event
   (:data:`REVISION_ACTIONS`); a value's state is the state of its
   latest event that records one; every submission has its ``submission.create`` event, every
   import its ``import.run`` event and every published submission its ``submission.publish``.
3. **Revision chains are complete.** A value's revisions are numbered 1..n without a gap and
   its current revision is the newest, n.
4. **Four eyes.** Every published value was verified (at its current revision) by someone
   outside its authorship chain (:func:`citykpi.store.authorship.authorship_chains`), and a
   published submission holds no reported value that is neither published nor excluded.

On SQLite the check also runs ``PRAGMA quick_check``. It reads one snapshot of the database
(a deferred SQLite transaction; REPEATABLE READ on PostgreSQL), so it may run while others
write.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.compute import compute
from citykpi.model import RAW_COLUMNS, Severity
from citykpi.store.authorship import authorship_chains
from citykpi.store.engine import Store
from citykpi.store.importer import stored_raw_row
from citykpi.store.schema import (
    AuditEvent,
    City,
    FrameworkVersion,
    ImportRun,
    Submission,
    Value,
    ValueRevision,
    on_current_revision,
)
from citykpi.store.states import ValueState
from citykpi.tables import RAW, coerce
from citykpi.validate import validate

#: Relative tolerance within which a stored KPI equals its recomputation.
REL_TOL: Final = 1e-9

#: The audit actions that record a new revision (the actions
#: :func:`citykpi.store.values.write_values` is called with): one event per revision.
REVISION_ACTIONS: Final = ("value.import", "value.edit", "value.retract", "value.recompute")


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken invariant: where, what is wrong, and what to do."""

    city: str
    year: int | None
    code: str
    problem: str
    fix: str

    def as_dict(self) -> dict[str, str | int | None]:
        """Return the violation as a row (``city, year, code, problem, fix``)."""
        return {
            "city": self.city,
            "year": self.year,
            "code": self.code,
            "problem": self.problem,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What :func:`check_store` found."""

    submissions: int
    values: int
    violations: tuple[Violation, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Return whether every invariant holds."""
        return not self.violations


_RECOMPUTE = (
    "Recompute the submission's KPIs: set the input again with 'citykpi value set' (or import "
    "the file again); if it recurs, report it as a bug."
)
_AUDIT = (
    "The change bypassed citykpi (a direct database edit?): find out who made it, restore "
    "the database from a backup if it was not meant to happen."
)


@dataclass
class _Sub:
    id: int
    city: str
    year: int
    status: str


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def _subs(session: Session) -> dict[int, _Sub]:
    stmt = select(Submission.id, City.name, Submission.year, Submission.status).join(
        City, City.id == Submission.city_id
    )
    return {sid: _Sub(sid, name, year, status) for sid, name, year, status in session.execute(stmt)}


def _stored_raw(session: Session, subs: dict[int, _Sub]) -> pd.DataFrame:
    """Return every submission's current inputs and direct reports as one raw table."""
    stmt = (
        select(Value.submission_id, Value.kind, Value.code, ValueRevision)
        .join(ValueRevision, on_current_revision())
        .where(ValueRevision.retracted.is_(False))
    )
    rows = [
        stored_raw_row(subs[sid].city, subs[sid].year, kind, code, rev)
        for sid, kind, code, rev in session.execute(stmt)
        if kind == "input" or rev.status == "reported"
    ]
    return coerce(pd.DataFrame(rows, columns=list(RAW_COLUMNS)), RAW)


def _expected(
    raw: pd.DataFrame,
    catalogue: Catalogue,
    out: list[Violation],
    broken: set[tuple[str, int]],
) -> dict[tuple[str, int, str], tuple[str, float | None]]:
    """Return the recomputed status and value of every KPI; add validation failures to
    ``out`` and their city-years to ``broken``."""
    checked = validate(raw, catalogue=catalogue)
    for issue in checked.report.issues:
        if issue.severity is not Severity.ERROR:
            continue
        loc = issue.location
        broken.add((loc.city, loc.year or 0))
        out.append(
            Violation(
                loc.city,
                loc.year,
                loc.code,
                f"the current inputs fail validation: {issue.message}",
                "Correct the value with 'citykpi value set'; imports and edits refuse invalid "
                "inputs, so this one was stored by other means.",
            )
        )
    return {
        (rec["city"], int(rec["year"]), rec["data_point"]): (rec["status"], rec["value"])
        for rec in compute(checked, catalogue=catalogue).to_dict(orient="records")
    }


def _kpi_violations(session: Session, subs: dict[int, _Sub]) -> list[Violation]:
    catalogue = load_catalogue()
    raw = _stored_raw(session, subs)
    out: list[Violation] = []
    broken: set[tuple[str, int]] = set()
    # A store without any current input still has KPIs to check: each holding a value is
    # stale (nothing computes it any more).
    expected: dict[tuple[str, int, str], tuple[str, float | None]] = {}
    if not raw.empty:
        expected = _expected(raw, catalogue, out, broken)
    versions = dict(session.execute(select(FrameworkVersion.id, FrameworkVersion.version)).all())
    stmt = (
        select(Value.submission_id, Value.code, ValueRevision)
        .join(ValueRevision, on_current_revision())
        .where(Value.kind == "kpi")
    )
    with_inputs = {(c, int(y)) for c, y in zip(raw["city"], raw["year"], strict=True)}
    for sid, code, rev in session.execute(stmt):
        sub = subs[sid]
        if rev.retracted or (sub.city, sub.year) in broken:
            continue
        version = versions.get(rev.framework_version_id) if rev.framework_version_id else None
        if version is not None and version != catalogue.version:
            continue
        want = expected.get((sub.city, sub.year, code))
        if want is None:
            if (sub.city, sub.year) in with_inputs:
                out.append(
                    Violation(
                        sub.city,
                        sub.year,
                        code,
                        f"KPI data point {code!r} is not in catalogue {catalogue.version}",
                        _RECOMPUTE,
                    )
                )
            elif rev.value is not None:
                out.append(
                    Violation(
                        sub.city,
                        sub.year,
                        code,
                        f"KPI holds {rev.value!r} ({rev.status}) but the submission has no "
                        "current input",
                        _RECOMPUTE,
                    )
                )
            continue
        status, value = want
        number = None if value is None or math.isnan(value) else float(value)
        if rev.status != status or not _same(rev.value, number):
            out.append(
                Violation(
                    sub.city,
                    sub.year,
                    code,
                    f"stale KPI: stored {rev.value!r} ({rev.status}, revision {rev.number}), "
                    f"but the current inputs give {number!r} ({status})",
                    _RECOMPUTE,
                )
            )
    return out


def _chain_violations(session: Session, subs: dict[int, _Sub]) -> list[Violation]:
    stmt = (
        select(
            Value.submission_id,
            Value.code,
            Value.current_revision,
            func.count(ValueRevision.id),
            func.min(ValueRevision.number),
            func.max(ValueRevision.number),
            func.count(func.distinct(ValueRevision.number)),
        )
        .outerjoin(ValueRevision, ValueRevision.value_id == Value.id)
        .group_by(Value.id, Value.submission_id, Value.code, Value.current_revision)
    )
    out: list[Violation] = []
    for sid, code, current, count, low, high, distinct in session.execute(stmt):
        if count == 0 or low != 1 or high != count or distinct != count or current != high:
            sub = subs[sid]
            out.append(
                Violation(
                    sub.city,
                    sub.year,
                    code,
                    f"revision chain broken: {count} revision(s) numbered {low}..{high}, "
                    f"current revision {current}",
                    _AUDIT,
                )
            )
    return out


def _events(session: Session, entity_type: str, actions: Iterable[str]) -> dict[str, int]:
    stmt = (
        select(AuditEvent.entity_id, func.count(AuditEvent.id))
        .where(AuditEvent.entity_type == entity_type, AuditEvent.action.in_(list(actions)))
        .group_by(AuditEvent.entity_id)
    )
    return {entity: int(n) for entity, n in session.execute(stmt)}


def _audit_violations(session: Session, subs: dict[int, _Sub]) -> list[Violation]:
    out: list[Violation] = []
    written = _events(session, "value", REVISION_ACTIONS)
    stmt = (
        select(Value.id, Value.submission_id, Value.code, Value.state, func.count(ValueRevision.id))
        .outerjoin(ValueRevision, ValueRevision.value_id == Value.id)
        .group_by(Value.id, Value.submission_id, Value.code, Value.state)
    )
    slots = list(session.execute(stmt))
    for vid, sid, code, _, revisions in slots:
        events = written.get(str(vid), 0)
        if events != revisions:
            sub = subs[sid]
            problem = f"{revisions} revision(s) but {events} audit event(s) that write one"
            out.append(Violation(sub.city, sub.year, code, problem, _AUDIT))
    latest: dict[str, str] = {}
    states = (
        select(AuditEvent.entity_id, AuditEvent.after)
        .where(AuditEvent.entity_type == "value", AuditEvent.after.like('%"state"%'))
        .order_by(AuditEvent.id)
    )
    for entity, after in session.execute(states):
        try:
            state = json.loads(after).get("state")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(state, str):
            latest[entity] = state
    for vid, sid, code, state, _ in slots:
        recorded = latest.get(str(vid))
        if recorded != state:
            sub = subs[sid]
            problem = f"state {state!r} but the audit trail's latest state is {recorded!r}"
            out.append(Violation(sub.city, sub.year, code, problem, _AUDIT))
    created = _events(session, "submission", ["submission.create"])
    published = _events(session, "submission", ["submission.publish"])
    for sub in subs.values():
        if str(sub.id) not in created:
            problem = "submission has no 'submission.create' audit event"
            out.append(Violation(sub.city, sub.year, "", problem, _AUDIT))
        if sub.status == "published" and str(sub.id) not in published:
            problem = "published submission has no 'submission.publish' audit event"
            out.append(Violation(sub.city, sub.year, "", problem, _AUDIT))
    runs = _events(session, "import", ["import.run"])
    for run_id, sid, name in session.execute(
        select(ImportRun.id, ImportRun.submission_id, ImportRun.file_name)
    ):
        if str(run_id) not in runs:
            sub = subs[sid]
            problem = f"import of {name!r} has no 'import.run' audit event"
            out.append(Violation(sub.city, sub.year, "", problem, _AUDIT))
    return out


def _verifiers(session: Session, ids: list[int]) -> dict[int, tuple[int | None, int | None]]:
    """Return value id -> (actor, revision) of its latest ``value.verify`` event."""
    stmt = (
        select(AuditEvent.entity_id, AuditEvent.actor_id, AuditEvent.after)
        .where(
            AuditEvent.entity_type == "value",
            AuditEvent.action == "value.verify",
            AuditEvent.entity_id.in_([str(i) for i in ids]),
        )
        .order_by(AuditEvent.id)
    )
    found: dict[int, tuple[int | None, int | None]] = {}
    for entity, actor, after in session.execute(stmt):
        try:
            revision = json.loads(after).get("revision")
        except (json.JSONDecodeError, AttributeError):
            revision = None
        found[int(entity)] = (actor, revision if isinstance(revision, int) else None)
    return found


_FOUR_EYES = (
    "Reopen the submission (an admin) and have a verifier outside the value's authorship chain "
    "verify it before publishing again."
)


def _four_eyes_violations(session: Session, subs: dict[int, _Sub]) -> list[Violation]:
    out: list[Violation] = []
    for sub in subs.values():
        if sub.status != "published":
            continue
        row = session.get(Submission, sub.id)
        assert row is not None
        slots = list(session.scalars(select(Value).where(Value.submission_id == sub.id)))
        published = [s for s in slots if s.state == ValueState.PUBLISHED.value]
        chains = authorship_chains(session, row)
        verifiers = _verifiers(session, [s.id for s in published])
        for slot in published:
            actor, revision = verifiers.get(slot.id, (None, None))
            if actor is None:
                problem = "published value was never verified"
            elif revision != slot.current_revision:
                problem = (
                    f"published value was verified at revision {revision}, "
                    f"not at its current revision {slot.current_revision}"
                )
            elif actor in chains.of(slot.id):
                problem = "published value was verified by someone in its authorship chain"
            else:
                continue
            out.append(Violation(sub.city, sub.year, slot.code, problem, _FOUR_EYES))
        open_states = {ValueState.PUBLISHED.value, ValueState.EXCLUDED.value}
        stmt = (
            select(Value.code, Value.state)
            .join(ValueRevision, on_current_revision())
            .where(
                Value.submission_id == sub.id,
                ValueRevision.value.is_not(None),
                ValueRevision.retracted.is_(False),
                Value.state.not_in(list(open_states)),
            )
        )
        for code, state in session.execute(stmt):
            problem = f"published submission holds a reported value in state {state!r}"
            out.append(Violation(sub.city, sub.year, code, problem, _FOUR_EYES))
    return out


def _integrity(session: Session) -> list[Violation]:
    if session.get_bind().dialect.name != "sqlite":
        return []
    rows = [str(r[0]) for r in session.connection().exec_driver_sql("PRAGMA quick_check")]
    if rows == ["ok"]:
        return []
    fix = (
        "The database file is damaged: restore it from a backup, or salvage it with "
        "'sqlite3 FILE .recover | sqlite3 recovered.db'."
    )
    return [Violation("", None, "", f"SQLite integrity check: {r}", fix) for r in rows[:20]]


def check_session(session: Session) -> CheckReport:
    """Check every invariant of the module docstring in ``session``'s view of the store."""
    subs = _subs(session)
    violations = [
        *_integrity(session),
        *_chain_violations(session, subs),
        *_audit_violations(session, subs),
        *_kpi_violations(session, subs),
        *_four_eyes_violations(session, subs),
    ]
    values = int(session.scalar(select(func.count(Value.id))) or 0)
    ordered = sorted(violations, key=lambda v: (v.city, v.year or 0, v.code, v.problem))
    return CheckReport(len(subs), values, tuple(ordered))


def check_store(store: Store) -> CheckReport:
    """Check every invariant of the module docstring on one snapshot of ``store``.

    Returns
    -------
    CheckReport
        The number of submissions and values checked and every violation, by city, year
        and code.
    """
    with store.reading() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return check_session(session)


__all__ = [
    "REL_TOL",
    "REVISION_ACTIONS",
    "CheckReport",
    "Violation",
    "check_session",
    "check_store",
]
