"""Import a city's file into the store: read, validate, compute, and write revisions at once.

Modelling assumptions:

* An import is **one transaction**: a file with any error imports nothing, and the error
  lists every problem (file, row, field, value and fix). A crash or a killed process leaves
  the database as it was.
* An import **adds to** what the submission already holds: raw inputs absent from the file
  keep their current revision. KPI values are recomputed from the submission's current raw
  inputs overlaid with the file's, so a second file for the same year completes the first.
* The submission is locked (:func:`citykpi.store.locks.lock_submission`, created first if
  new) before its stored inputs are read, so imports and edits of one submission run one
  after the other and the KPIs are computed from the inputs current at commit.
* Raw inputs are stored in catalogue units (as validation converted them), the text the city
  wrote kept in ``raw_value`` and the file and row in ``provenance``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from citykpi.catalogue import load_catalogue
from citykpi.compute import compute
from citykpi.errors import InputError, NotFound, ValidationFailed
from citykpi.ingest import read_files
from citykpi.model import KPI_COLUMNS, RAW_COLUMNS, Issue, Location, Severity
from citykpi.reasons import Reason
from citykpi.store.audit import record
from citykpi.store.cities import find_city
from citykpi.store.engine import Store
from citykpi.store.locks import lock_submission
from citykpi.store.schema import ImportRun, Submission, Value, ValueRevision, on_current_revision
from citykpi.store.users import Action, Actor
from citykpi.store.values import (
    ValueInput,
    WriteSummary,
    ensure_not_published,
    framework_version,
    write_new_values,
    write_values,
)
from citykpi.tables import RAW, coerce
from citykpi.validate import validate
from citykpi.validate.rules import RuleContext


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did.

    ``inputs`` counts the values the file holds (what the user entered), ``kpis`` the KPI
    values recomputed from the submission's inputs (or reported directly); ``created``,
    ``revised`` and ``unchanged`` are the totals of both.
    """

    city: str
    year: int
    file: str
    rows: int  # raw rows read from the file
    inputs: WriteSummary  # raw inputs of the file: new, revised, unchanged
    kpis: WriteSummary  # KPI values recomputed (or reported directly): new, revised, unchanged
    catalogue_version: str
    warnings: tuple[Issue, ...] = ()

    @property
    def created(self) -> int:
        """Return how many value slots the import created (inputs and KPIs)."""
        return self.inputs.created + self.kpis.created

    @property
    def revised(self) -> int:
        """Return how many existing values got a new revision (inputs and KPIs)."""
        return self.inputs.revised + self.kpis.revised

    @property
    def unchanged(self) -> int:
        """Return how many values kept their content (inputs and KPIs)."""
        return self.inputs.unchanged + self.kpis.unchanged

    @property
    def entered(self) -> int:
        """Return how many raw inputs of the file were stored (new, revised or unchanged)."""
        return self.inputs.created + self.inputs.revised + self.inputs.unchanged

    @property
    def recomputed(self) -> int:
        """Return how many KPI values were recomputed (new, revised or unchanged)."""
        return self.kpis.created + self.kpis.revised + self.kpis.unchanged


def _stored_number(value: float) -> float | None:
    """Return a table value as the store keeps it: ``None`` for NaN."""
    return None if math.isnan(value) else value


# The tables below arrive typed (citykpi.tables.RAW and KPI: the readers and compute coerce
# them), so the rows are read as they are; to_dict gives Python scalars.
def _row_issue(rec: Mapping[Hashable, Any], field: str, message: str, value: object) -> Issue:
    ref = rec.get("row")
    return Issue(
        reason=Reason.WRONG_SUBMISSION,
        severity=Severity.ERROR,
        message=message,
        location=Location(
            file=str(rec.get("file", "")),
            row=ref if isinstance(ref, int) else None,
            field=field,
            city=str(rec["city"]),
            code=str(rec["code"]),
        ),
        value=str(value),
    )


def submission_issues(frame: pd.DataFrame, city: str, year: int) -> list[Issue]:
    """Return an error for every row of ``frame`` that is not for ``city`` in ``year``.

    ``frame`` is a raw or KPI table typed as :data:`citykpi.tables.RAW` or
    :data:`citykpi.tables.KPI`.
    """
    issues: list[Issue] = []
    if bool((frame["city"] == city).all()) and bool((frame["year"] == year).all()):
        return issues  # the common case, checked without text operations
    want = city.strip().casefold()
    # Only rows for another city or year are turned into records (an import has hundreds).
    cities = frame["city"].astype(str)
    wrong = ((cities != "") & (cities.str.casefold() != want)) | (frame["year"] != year)
    if not wrong.any():
        return issues
    for rec in frame[wrong].to_dict(orient="records"):
        got_city = str(rec["city"])
        if got_city and got_city.casefold() != want:
            msg = (
                f"This row is for city {got_city!r}, but the import is for {city!r}; import "
                "each city's file with its own --city, or fix the city column."
            )
            issues.append(_row_issue(rec, "city", msg, got_city))
        got_year = int(rec["year"])
        if got_year != year:
            msg = (
                f"This row is for year {got_year}, but the import is for {year}; import "
                "each year with its own --year, or fix the year column."
            )
            issues.append(_row_issue(rec, "year", msg, got_year))
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


def _provenance(file: object, row: str) -> str:
    """Return ``json.dumps({"file": file, "row": row}, sort_keys=True)``, written directly.

    An import writes it for every input; a test holds the two equal.
    """
    if not isinstance(file, str):
        return json.dumps({"file": file, "row": row}, sort_keys=True)
    return f'{{"file": {encode_basestring_ascii(file)}, "row": {encode_basestring_ascii(row)}}}'


def _columns(frame: pd.DataFrame, names: Sequence[str]) -> list[list[Any]]:
    """Return the columns ``names`` of ``frame`` as lists (4x faster than to_dict records).

    The validated table's ``duplicate`` column reads as ``False`` where the table has none.
    """
    return [
        frame[c].tolist() if c != "duplicate" or c in frame.columns else [False] * len(frame)
        for c in names
    ]


#: The raw-table columns an input's revision is made of, in the order _input_items reads them.
_INPUT_COLUMNS = ("kind", "duplicate", "code", "value", "unit", "raw_value", "source")
_INPUT_COLUMNS_2 = ("quality", "file", "row")


def _input_items(frame: pd.DataFrame) -> list[ValueInput]:
    # Columns zipped by hand, no dictionary per row: an import reads hundreds of thousands.
    items: dict[str, ValueInput] = {}
    columns = _columns(frame, (*_INPUT_COLUMNS, *_INPUT_COLUMNS_2))
    for kind, duplicate, code, value, unit, raw_value, source, quality, file, ref in zip(
        *columns, strict=True
    ):
        if kind != "input" or duplicate:
            continue
        items[code] = ValueInput(
            kind="input",
            code=code,
            value=_stored_number(value),
            unit=unit,
            raw_value=raw_value,
            status="reported",
            source=source,
            quality=quality,
            provenance=_provenance(file, "" if ref is None else str(ref)),
        )
    return list(items.values())


#: The KPI-table columns a KPI's revision is made of, in the order kpi_items reads them.
_KPI_COLUMNS = ("data_point", "code", "value", "unit", "status", "reason", "quality", "provenance")


def kpi_items(frame: pd.DataFrame) -> list[ValueInput]:
    """Return one value per row of a KPI table typed as :data:`citykpi.tables.KPI`."""
    return [
        ValueInput(
            kind="kpi",
            code=data_point,
            kpi_code=code,
            value=_stored_number(value),
            unit=unit,
            status=status,
            reason=reason,
            quality=quality,
            provenance=provenance,
        )
        for data_point, code, value, unit, status, reason, quality, provenance in zip(
            *_columns(frame, _KPI_COLUMNS), strict=True
        )
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
        raise ValidationFailed(issues_message(issues, file=file_name), issues=tuple(issues))
    sub = lock_submission(session, found, year, create_as=actor.ref)
    ensure_not_published(sub)
    fw_id = framework_version(session, actor, catalogue_version).id if catalogue_version else None
    return write_import(
        session,
        actor,
        sub,
        inputs,
        kpis,
        file_name=file_name,
        file_sha256=file_sha256,
        catalogue_version=catalogue_version,
        framework_version_id=fw_id,
        progress=progress,
    )


def write_import(
    session: Session,
    actor: Actor,
    sub: Submission,
    inputs: pd.DataFrame,
    kpis: pd.DataFrame,
    *,
    file_name: str,
    file_sha256: str,
    catalogue_version: str,
    framework_version_id: int | None,
    empty: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Record the import run of ``sub`` and write its raw inputs and KPIs (see import_tables).

    The caller has checked the tables and the actor's permission and locked ``sub`` in this
    transaction. ``empty`` says that ``sub`` holds no value yet (the caller read it under the
    lock): every value is then written as new, in bulk (:func:`~citykpi.store.values.
    write_new_values`), without first reading the slots it would revise. The store's own
    write path (:func:`import_tables`, :func:`citykpi.store.bulk.import_many`), not exported.
    """
    # One statement, not a unit of work per file: a bulk import records a run per city-year.
    run_id = session.connection().scalar(
        insert(ImportRun)
        .values(
            submission_id=sub.id,
            file_name=file_name,
            file_sha256=file_sha256,
            rows=len(inputs),
            actor_id=actor.id,
        )
        .returning(ImportRun.id)
    )
    record(
        session,
        actor.ref,
        "import.run",
        ImportRun(id=run_id).audit_key(),  # the row's key, from a copy outside the session
        after={"file": file_name, "sha256": file_sha256, "rows": len(inputs)},
        city_id=sub.city_id,
        year=sub.year,
    )
    note = f"import {file_name}"
    items = _input_items(inputs)
    options: dict[str, Any] = {
        "action": "value.import",
        "note": note,
        "import_id": run_id,
        "framework_version_id": framework_version_id,
    }
    # Inputs first, then KPIs, as one batch did: the counts are kept apart so that the user
    # hears how many of their values were stored, not a total swollen by the recomputation.
    if empty:
        created = write_new_values(session, actor, sub, [*items, *kpi_items(kpis)], **options)
        entered, recomputed = created["input"], created["kpi"]
        if progress is not None:
            progress(entered.created + recomputed.created)
    else:
        entered = write_values(session, actor, sub, items, **options, progress=progress)
        recomputed = write_values(
            session,
            actor,
            sub,
            kpi_items(kpis),
            **options,
            progress=(lambda n: progress(len(items) + n)) if progress is not None else None,
        )
    return ImportSummary(
        city=sub.city.name,
        year=sub.year,
        file=file_name,
        rows=len(inputs),
        inputs=entered,
        kpis=recomputed,
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
    rows = [
        stored_raw_row(sub.city.name, sub.year, slot.kind, slot.code, rev)
        for slot, rev in session.execute(stmt)
        if slot.kind == "input" or rev.status == "reported"
    ]
    return coerce(pd.DataFrame(rows, columns=list(RAW_COLUMNS)), RAW)


def stored_raw_row(
    city: str, year: int, kind: str, code: str, rev: ValueRevision
) -> dict[str, object]:
    """Return a stored input (or directly reported KPI) as one row of the raw table."""
    return {
        "city": city,
        "year": year,
        "kind": kind,
        "code": code,
        "value": rev.value if rev.value is not None else math.nan,
        "raw_value": rev.raw_value or ("" if rev.value is None else repr(rev.value)),
        "unit": rev.unit,
        "source": rev.source,
        "quality": rev.quality,
        "file": "(stored)",
        "row": None,
    }


def _import_context(store: Store, city: str, year: int) -> RuleContext | None:
    """Return the city profile and previous year the rows are compared with (the same context
    as the verifier's findings); ``None`` for an unknown city, which the import then reports."""
    from citykpi.store.findings import rule_context

    with store.reading() as session:
        try:
            found = find_city(session, city)
        except NotFound:
            return None
        return rule_context(session, found, year)


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
    context = _import_context(store, city, year)
    contexts = None
    if context is not None:  # the rows' spellings of the city (and the stored name, below)
        contexts = {(str(c), year): context for c in dict.fromkeys(frame["city"].tolist())}
    checked = validate(frame, extra_issues=(*reader_issues, *wrong), contexts=contexts)
    if not checked.report.ok:
        raise ValidationFailed(
            issues_message(checked.report.issues, file=file_name),
            issues=tuple(checked.report.issues),
        )
    catalogue = load_catalogue()
    with store.transaction() as session:
        found = find_city(session, city)
        actor.require(Action.EDIT_DATA, city_id=found.id, city=city)
        # Lock before reading what is stored: the KPIs are computed from the inputs that are
        # current when this transaction commits (issue 9).
        existing = lock_submission(session, found, year, create_as=actor.ref)
        ensure_not_published(existing)
        new = checked.frame[~checked.frame["duplicate"]].copy()
        new["city"] = found.name
        full = checked  # a first import: the file is the whole submission
        stored = stored_raw_frame(session, existing)
        if len(stored):
            keys = set(zip(new["kind"], new["code"], strict=True))
            keep = [(k, c) not in keys for k, c in zip(stored["kind"], stored["code"], strict=True)]
            if any(keep):
                merged = pd.concat([stored[keep], new[list(RAW_COLUMNS)]], ignore_index=True)
                merged_contexts = None if context is None else {(found.name, year): context}
                full = validate(merged, catalogue=catalogue, contexts=merged_contexts)
                if not full.report.ok:
                    raise ValidationFailed(
                        issues_message(full.report.issues, file=file_name),
                        issues=tuple(full.report.issues),
                    )
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
