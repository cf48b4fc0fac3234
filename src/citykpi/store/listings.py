"""Read stored values back: the revision history of a submission and the export of values.

Both are lists of plain rows (columns :data:`HISTORY_COLUMNS` and :data:`EXPORT_COLUMNS`) that
the CLI prints as a table, CSV or JSON. Reading needs the reader's permission: a city's
unpublished values need read access to that city; published values only the public role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.catalogue import normalise_code
from citykpi.errors import InputError, NotFound
from citykpi.store.audit import as_utc
from citykpi.store.cities import find_city, find_submission
from citykpi.store.schema import (
    City,
    FrameworkVersion,
    Submission,
    User,
    Value,
    ValueRevision,
    on_current_revision,
)
from citykpi.store.states import ValueState
from citykpi.store.users import Action, Actor
from citykpi.store.values import KINDS, Cell

HISTORY_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "kind",
    "code",
    "kpi_code",
    "revision",
    "current",
    "value",
    "unit",
    "status",
    "retracted",
    "source",
    "quality",
    "author",
    "time",
    "note",
    "state",
    "version",
)


def history(
    session: Session, actor: Actor, city: str, year: int, *, code: str = ""
) -> list[dict[str, Cell]]:
    """Return every revision of the values of ``city`` in ``year``, oldest first per value.

    ``code`` filters to one input id, data point id or official KPI code (all its data points).
    Columns: :data:`HISTORY_COLUMNS`; ``state`` and ``version`` are the slot's current ones.
    """
    found = find_city(session, city)
    actor.require(Action.READ_DATA, city_id=found.id, city=city)
    sub = find_submission(session, found, year)
    stmt = (
        select(Value, ValueRevision, User.name)
        .join(ValueRevision, ValueRevision.value_id == Value.id)
        .outerjoin(User, User.id == ValueRevision.author_id)
        .where(Value.submission_id == sub.id)
        .order_by(Value.kind, Value.code, ValueRevision.number)
    )
    if code:
        code = normalise_code(code)
        stmt = stmt.where((Value.code == code) | (Value.kpi_code == code))
    rows: list[dict[str, Cell]] = []
    for slot, rev, author in session.execute(stmt):
        rows.append(
            {
                "city": city,
                "year": year,
                "kind": slot.kind,
                "code": slot.code,
                "kpi_code": slot.kpi_code,
                "revision": rev.number,
                "current": rev.number == slot.current_revision,
                "value": rev.value,
                "unit": rev.unit,
                "status": rev.status,
                "retracted": rev.retracted,
                "source": rev.source,
                "quality": rev.quality,
                "author": author or "",
                "time": as_utc(rev.created_at).isoformat(),
                "note": rev.note,
                "state": slot.state,
                "version": slot.version,
            }
        )
    if code and not rows:
        msg = (
            f"City {city!r} has no value {code!r} for {year}; see 'citykpi history "
            f"{city!r} {year}' for the codes it has."
        )
        raise NotFound(msg)
    return rows


EXPORT_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "kind",
    "code",
    "kpi_code",
    "value",
    "unit",
    "status",
    "state",
    "revision",
    "source",
    "quality",
    "framework_version",
    "version",
)


def export_values(
    session: Session,
    actor: Actor,
    *,
    state: str = "",
    city: str = "",
    year: int | None = None,
    kinds: Sequence[str] = KINDS,
) -> list[dict[str, Cell]]:
    """Return the current revision of every value, optionally filtered.

    Parameters
    ----------
    session, actor
        Transaction and reader. Reading ``state="published"`` needs only the public role;
        any other state needs read access to the city's unpublished data.
    state
        Only values in this verification state (e.g. ``"published"``); ``""`` for all.
    city, year
        Only this city / year.
    kinds
        Value kinds to include, ``{"input", "kpi"}``.

    Returns
    -------
    list[dict]
        Rows with the columns :data:`EXPORT_COLUMNS`, by city, year, kind and code.
    """
    if state:
        try:
            ValueState(state)
        except ValueError as e:
            msg = f"Unknown state {state!r}; use one of {', '.join(s.value for s in ValueState)}."
            raise InputError(msg) from e
    public_only = state == ValueState.PUBLISHED.value
    actor.require(Action.READ_PUBLISHED if public_only else Action.READ_DATA)
    # Columns, not entities: an export reads thousands of values and builds no ORM object.
    stmt = (
        select(
            City.name,
            Submission.year,
            Value.kind,
            Value.code,
            Value.kpi_code,
            ValueRevision.value,
            ValueRevision.unit,
            ValueRevision.status,
            Value.state,
            ValueRevision.number,
            ValueRevision.source,
            ValueRevision.quality,
            FrameworkVersion.version,
            Value.version,
            City.id,
        )
        .join(Submission, Submission.city_id == City.id)
        .join(Value, Value.submission_id == Submission.id)
        .join(ValueRevision, on_current_revision())
        .outerjoin(FrameworkVersion, FrameworkVersion.id == ValueRevision.framework_version_id)
        .where(Value.kind.in_(list(kinds)))
        .order_by(City.name, Submission.year, Value.kind, Value.code)
    )
    if state:
        stmt = stmt.where(Value.state == state)
    if city:
        stmt = stmt.where(City.name == city)
    if year is not None:
        stmt = stmt.where(Submission.year == year)
    rows: list[dict[str, Cell]] = []
    may: dict[int, bool] = {}  # city id -> whether the actor may read its unpublished data
    for *cells, city_id in session.execute(stmt):
        if not public_only:
            allowed = may.get(city_id)
            if allowed is None:
                allowed = may[city_id] = actor.may(Action.READ_DATA, city_id=city_id)
            if not allowed:
                continue
        row = dict(zip(EXPORT_COLUMNS, cells, strict=True))
        row["framework_version"] = row["framework_version"] or ""
        rows.append(row)
    return rows


__all__ = ["EXPORT_COLUMNS", "HISTORY_COLUMNS", "export_values", "history"]
