"""Import a city's file into the store: read, validate, compute, and write revisions at once.

Modelling assumptions:

* An import is **one transaction**: a file with any error imports nothing, and the error
  lists every problem (file, row, field, value and fix). A crash or a killed process leaves
  the database as it was.
* An import **adds to** what the submission already holds: raw inputs absent from the file
  keep their current revision. KPI values are recomputed from the submission's current raw
  inputs overlaid with the file's, so a second file for the same year completes the first.
* Raw inputs are stored in catalogue units (as validation converted them), the text the city
  wrote kept in ``raw_value`` and the file and row in ``provenance``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.catalogue import load_catalogue
from citykpi.compute import compute
from citykpi.errors import InputError, ValidationFailed
from citykpi.ingest import read_files
from citykpi.model import KPI_COLUMNS, RAW_COLUMNS, Issue, Location, Severity
from citykpi.reasons import Reason
from citykpi.store.audit import record
from citykpi.store.cities import find_city, get_or_create_submission
from citykpi.store.engine import Store
from citykpi.store.schema import ImportRun, Submission, Value, ValueRevision, on_current_revision
from citykpi.store.users import Action, Actor
from citykpi.store.values import ValueInput, ensure_not_published, framework_version, write_values
from citykpi.validate import validate


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did."""

    city: str
    year: int
    file: str
    rows: int  # raw rows read from the file
    created: int  # new value slots
    revised: int  # new revisions of existing values
    unchanged: int  # values whose content did not change
    catalogue_version: str
    warnings: tuple[Issue, ...] = ()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _float(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _row_issue(row: pd.Series, field: str, message: str, value: object) -> Issue:
    raw_row = _float(row.get("row"))
    return Issue(
        reason=Reason.WRONG_SUBMISSION,
        severity=Severity.ERROR,
        message=message,
        location=Location(
            file=_text(row.get("file")),
            row=int(raw_row) if raw_row is not None else None,
            field=field,
            city=_text(row.get("city")),
            code=_text(row.get("code")),
        ),
        value=_text(value),
    )


def submission_issues(frame: pd.DataFrame, city: str, year: int) -> list[Issue]:
    """Return an error for every row of ``frame`` that is not for ``city`` in ``year``."""
    issues: list[Issue] = []
    want = city.strip().casefold()
    for _, row in frame.iterrows():
        got_city = _text(row.get("city")).strip()
        if got_city and got_city.casefold() != want:
            msg = (
                f"This row is for city {got_city!r}, but the import is for {city!r}; import "
                "each city's file with its own --city, or fix the city column."
            )
            issues.append(_row_issue(row, "city", msg, got_city))
        got_year = _float(row.get("year"))
        if got_year is not None and int(got_year) != year:
            msg = (
                f"This row is for year {int(got_year)}, but the import is for {year}; import "
                "each year with its own --year, or fix the year column."
            )
            issues.append(_row_issue(row, "year", msg, int(got_year)))
    return issues


def issues_message(
    issues: Sequence[Issue],
    *,
    file: str,
    outcome: str = "nothing was imported. Fix every one and import the file again",
) -> str:
    """Return one message listing every error of ``issues`` (for :class:`ValidationFailed`)."""
    errors = [i for i in issues if i.severity is Severity.ERROR]
    lines = [f"{file!r} has {len(errors)} error(s); {outcome}:"]
    lines += [f"  - {i.location.describe()}: {i.message}" for i in errors]
    return "\n".join(lines)


def _missing_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"The {what} table lacks the columns {missing}; build it with the citykpi readers."
        raise InputError(msg)


def _input_items(frame: pd.DataFrame) -> list[ValueInput]:
    items: dict[str, ValueInput] = {}
    for _, row in frame.iterrows():
        if _text(row.get("kind")) != "input" or bool(row.get("duplicate", False)):
            continue
        code = _text(row.get("code"))
        provenance = {"file": _text(row.get("file")), "row": _text(row.get("row"))}
        items[code] = ValueInput(
            kind="input",
            code=code,
            value=_float(row.get("value")),
            unit=_text(row.get("unit")),
            raw_value=_text(row.get("raw_value")),
            status="reported",
            source=_text(row.get("source")),
            quality=_text(row.get("quality")),
            provenance=json.dumps(provenance, sort_keys=True),
        )
    return list(items.values())


def kpi_items(frame: pd.DataFrame) -> list[ValueInput]:
    """Return one value per row of a KPI table (:data:`citykpi.model.KPI_COLUMNS`)."""
    return [
        ValueInput(
            kind="kpi",
            code=_text(row["data_point"]),
            kpi_code=_text(row["code"]),
            value=_float(row["value"]),
            unit=_text(row["unit"]),
            status=_text(row["status"]),
            reason=_text(row["reason"]),
            quality=_text(row["quality"]),
            provenance=_text(row["provenance"]),
        )
        for _, row in frame.iterrows()
    ]


def import_tables(
    session: Session,
    actor: Actor,
    city: str,
    year: int,
    inputs: pd.DataFrame,
    kpis: pd.DataFrame,
    *,
    file_name: str,
    file_sha256: str = "",
    catalogue_version: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Write a validated raw table and its KPI table as revisions of ``city``'s ``year``.

    Parameters
    ----------
    session, actor
        Transaction and the city editor (or admin) importing.
    city, year
        The submission; every row must be for it, otherwise nothing is written.
    inputs
        Raw table (:data:`citykpi.model.RAW_COLUMNS`, validated); rows of kind ``"input"``
        are stored (KPI results reported directly arrive through ``kpis``).
    kpis
        KPI table (:data:`citykpi.model.KPI_COLUMNS`) computed from the inputs.
    file_name, file_sha256
        The imported file, recorded with the revisions.
    catalogue_version
        Framework version the KPIs were computed with.
    progress
        Called with the number of values written so far.

    Returns
    -------
    ImportSummary
        Counts of created, revised and unchanged values.

    Raises
    ------
    ValidationFailed
        Some row is for another city or year; the message lists every such row.
    """
    _missing_columns(inputs, RAW_COLUMNS, "raw")
    _missing_columns(kpis, KPI_COLUMNS, "KPI")
    found = find_city(session, city)
    actor.require(Action.EDIT_DATA, city_id=found.id, city=city)
    issues = submission_issues(inputs, found.name, year) + submission_issues(kpis, found.name, year)
    if issues:
        raise ValidationFailed(issues_message(issues, file=file_name))
    sub = get_or_create_submission(session, actor, found, year)
    ensure_not_published(sub)
    fw_id = framework_version(session, actor, catalogue_version).id if catalogue_version else None
    run = ImportRun(
        submission_id=sub.id,
        file_name=file_name,
        file_sha256=file_sha256,
        rows=len(inputs),
        actor_id=actor.id,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor.ref,
        "import.run",
        run.audit_key(),
        after={"file": file_name, "sha256": file_sha256, "rows": len(inputs)},
        city_id=found.id,
        year=year,
    )
    note = f"import {file_name}"
    summary = write_values(
        session,
        actor,
        sub,
        [*_input_items(inputs), *kpi_items(kpis)],
        action="value.import",
        note=note,
        import_id=run.id,
        framework_version_id=fw_id,
        progress=progress,
    )
    return ImportSummary(
        city=found.name,
        year=year,
        file=file_name,
        rows=len(inputs),
        created=summary.created,
        revised=summary.revised,
        unchanged=summary.unchanged,
        catalogue_version=catalogue_version,
    )


def stored_raw_frame(session: Session, sub: Submission) -> pd.DataFrame:
    """Return the submission's current raw inputs and directly reported KPIs as a raw table."""
    stmt = (
        select(Value, ValueRevision)
        .join(ValueRevision, on_current_revision())
        .where(Value.submission_id == sub.id, ValueRevision.retracted.is_(False))
        .order_by(Value.kind, Value.code)
    )
    rows: list[dict[str, object]] = []
    for slot, rev in session.execute(stmt):
        if slot.kind == "kpi" and rev.status != "reported":
            continue
        rows.append(
            {
                "city": sub.city.name,
                "year": sub.year,
                "kind": slot.kind,
                "code": slot.code,
                "value": rev.value if rev.value is not None else math.nan,
                "raw_value": rev.raw_value or ("" if rev.value is None else repr(rev.value)),
                "unit": rev.unit,
                "source": rev.source,
                "quality": rev.quality,
                "file": "(stored)",
                "row": None,
            }
        )
    return pd.DataFrame(rows, columns=list(RAW_COLUMNS))


def import_raw(
    store: Store,
    actor: Actor,
    frame: pd.DataFrame,
    *,
    city: str,
    year: int,
    file_name: str,
    file_sha256: str = "",
    reader_issues: Sequence[Issue] = (),
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate and compute a raw table read from one file and store it, atomically.

    Parameters
    ----------
    store, actor
        The open store and the city editor (or admin) importing.
    frame
        The raw table (:data:`citykpi.model.RAW_COLUMNS`) as read by
        :func:`citykpi.ingest.read_files`.
    city, year
        The submission the rows are for.
    file_name, file_sha256
        The file the rows came from.
    reader_issues
        Issues the readers found; errors among them reject the import.
    progress
        Called with the number of values written so far.

    Returns
    -------
    ImportSummary
        What changed, and the validation warnings.

    Raises
    ------
    ValidationFailed
        The rows have errors (including rows for another city or year); nothing was imported
        and the message lists every error.
    """
    wrong = submission_issues(frame, city, year)
    checked = validate(frame, extra_issues=(*reader_issues, *wrong))
    if not checked.report.ok:
        raise ValidationFailed(issues_message(checked.report.issues, file=file_name))
    catalogue = load_catalogue()
    with store.transaction() as session:
        found = find_city(session, city)
        actor.require(Action.EDIT_DATA, city_id=found.id, city=city)
        existing = session.scalar(
            select(Submission).where(Submission.city_id == found.id, Submission.year == year)
        )
        new = checked.frame[~checked.frame["duplicate"].astype(bool)].copy()
        new["city"] = found.name
        full = checked  # a first import: the file is the whole submission
        if existing is not None:
            stored = stored_raw_frame(session, existing)
            keys = set(zip(new["kind"], new["code"], strict=True))
            keep = [(k, c) not in keys for k, c in zip(stored["kind"], stored["code"], strict=True)]
            if any(keep):
                merged = pd.concat([stored[keep], new[list(RAW_COLUMNS)]], ignore_index=True)
                full = validate(merged, catalogue=catalogue)
                if not full.report.ok:
                    raise ValidationFailed(issues_message(full.report.issues, file=file_name))
        kpis = compute(full, catalogue=catalogue)
        summary = import_tables(
            session,
            actor,
            found.name,
            year,
            new[list(RAW_COLUMNS)],
            kpis,
            file_name=file_name,
            file_sha256=file_sha256,
            catalogue_version=catalogue.version,
            progress=progress,
        )
    warnings = tuple(i for i in checked.report.issues if i.severity is Severity.WARNING)
    return replace(summary, warnings=warnings)


def import_file(
    store: Store,
    actor: Actor,
    path: str | Path,
    *,
    city: str,
    year: int,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Read ``path`` (CSV, XLSX or JSON) and store it for ``city`` in ``year``, atomically.

    A file with any error imports nothing; see :func:`import_raw`.
    """
    file = Path(path)
    result = read_files([file])
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    return import_raw(
        store,
        actor,
        result.frame,
        city=city,
        year=year,
        file_name=file.name,
        file_sha256=digest,
        reader_issues=result.issues,
        progress=progress,
    )


__all__ = [
    "ImportSummary",
    "import_file",
    "import_raw",
    "import_tables",
    "issues_message",
    "kpi_items",
    "stored_raw_frame",
    "submission_issues",
]
