"""Run every validation rule over a raw long table and return one report.

The rules never stop at the first problem: each one adds its issues to a collector, and the
report lists them all. See :mod:`citykpi.validate.rows` (one row at a time),
:mod:`citykpi.validate.consistency` (rows compared within a submission) and
:mod:`citykpi.validate.rules` (the plausibility rules, shared with the store's findings) for the
rules and their modelling assumptions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final

import pandas as pd

from citykpi.catalogue import Catalogue, catalogue_index, load_catalogue
from citykpi.errors import InputError
from citykpi.model import RAW_COLUMNS, Issue
from citykpi.settings import Settings, load_settings
from citykpi.validate.collector import Collector
from citykpi.validate.consistency import (
    check_duplicates,
    check_rows_coverage,
    check_submissions,
    usable_values,
)
from citykpi.validate.report import CHECKED_COLUMNS, ValidationReport, ValidationResult
from citykpi.validate.rows import Row, check_row
from citykpi.validate.rules import RuleContext


def _year(value: object) -> tuple[int | None, str]:
    """Return the year and, when it is not one, its text for the missing-year rule."""
    if isinstance(value, int):
        return value, ""
    # The raw table's year is an int (citykpi.tables.RAW); only a frame built by hand, with
    # gaps, holds floats here.
    if isinstance(value, float) and value.is_integer():
        return int(value), ""
    return None, "" if value is None or value != value else str(value)


#: The raw table's columns in the order :func:`_to_rows` unpacks them.
_ROW_COLUMNS: Final = (
    "city",
    "year",
    "kind",
    "code",
    "value",
    "raw_value",
    "unit",
    "source",
    "quality",
    "file",
    "row",
)


def _to_rows(frame: pd.DataFrame) -> list[Row]:
    """Return one :class:`Row` per row of a raw table typed as :data:`citykpi.tables.RAW`."""
    rows: list[Row] = []
    # Column lists zipped by hand: DataFrame.to_dict("records") is several times slower, and
    # a dictionary per row costs as much again.
    columns = [frame[c].tolist() for c in _ROW_COLUMNS]
    for pos, (
        city,
        raw_year_value,
        kind,
        code,
        number,
        raw_value,
        raw_unit,
        source,
        quality,
        file,
        ref,
    ) in enumerate(zip(*columns, strict=True)):
        value = float(number)
        if not math.isfinite(value):
            value = math.nan
        year, raw_year = _year(raw_year_value)
        unit = str(raw_unit)
        rows.append(
            Row(
                pos=pos,
                city=str(city),
                year=year,
                kind=str(kind),
                code=str(code),
                value=value,
                raw_value=str(raw_value).strip(),
                unit=unit,
                source=str(source),
                quality=str(quality),
                file=str(file),
                row=ref if isinstance(ref, int) else None,
                cell=ref if isinstance(ref, str) else "",
                original_value=value,
                original_unit=unit,
                raw_year=raw_year,
            )
        )
    return rows


def _flag_external(issues: Iterable[Issue], rows: list[Row], out: Collector) -> None:
    issues = list(issues)
    by_place: dict[tuple[str, int | None, str], list[int]] = {}
    if any(i.location.file for i in issues):
        for r in rows:
            by_place.setdefault((r.file, r.row, r.cell), []).append(r.pos)
    for issue in issues:
        loc = issue.location
        matched = by_place.get((loc.file, loc.row, loc.cell), []) if loc.file else []
        out.add_external(issue, rows=matched)


def _checked_frame(
    frame: pd.DataFrame, rows: list[Row], out: Collector, unused: set[int]
) -> pd.DataFrame:
    checked = frame.reset_index(drop=True).copy()
    checked["value"] = pd.Series([r.value for r in rows], dtype="float64")
    checked["unit"] = [r.unit for r in rows]
    checked["original_value"] = pd.Series([r.original_value for r in rows], dtype="float64")
    checked["original_unit"] = [r.original_unit for r in rows]
    checked["error"] = pd.Series([r.pos in out.row_problems for r in rows], dtype="bool")
    checked["duplicate"] = pd.Series([r.pos in unused for r in rows], dtype="bool")
    checked["problems"] = ["; ".join(out.row_problems.get(r.pos, ())) for r in rows]
    extras = [c for c in checked.columns if c not in CHECKED_COLUMNS]
    return checked[[*CHECKED_COLUMNS, *extras]]


def validate(
    frame: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    settings: Settings | None = None,
    extra_issues: Iterable[Issue] = (),
    contexts: Mapping[tuple[str, int], RuleContext] | None = None,
    strict: bool = False,
) -> ValidationResult:
    """Check a raw long table against the catalogue and collect every problem.

    Parameters
    ----------
    frame
        The raw table (columns :data:`citykpi.model.RAW_COLUMNS`), typed as
        :data:`citykpi.tables.RAW`: as read by :func:`citykpi.ingest.read_files`, or a table of
        your own passed through :func:`citykpi.tables.coerce` first.
    catalogue
        The catalogue to check against; the bundled one by default.
    settings
        Tolerances (``denominator_tolerance``, ``share_sum_tolerance``); from the environment by
        default.
    extra_issues
        Issues found by an earlier stage (the readers); they lead the report, and the rows they
        point at are flagged when they are errors.
    contexts
        What is known besides the file, per ``(city, year)`` as the rows spell them: the city
        profile and the previous year's inputs; the denominators are compared with them (the
        store's findings apply the same rule to stored values).
    strict
        Turn every warning into an error.

    Returns
    -------
    ValidationResult
        Every input row (values converted to catalogue units, originals kept, rows with errors
        flagged) and the report of every issue.

    Raises
    ------
    InputError
        If ``frame`` lacks columns of the raw table (a programming error, not bad data).
    """
    missing = [c for c in RAW_COLUMNS if c not in frame.columns]
    if missing:
        msg = (
            f"The table to validate lacks the columns {missing}; build it with "
            "citykpi.ingest.read_files, which returns the raw long table."
        )
        raise InputError(msg)
    cat = load_catalogue() if catalogue is None else catalogue
    conf = load_settings() if settings is None else settings
    view = catalogue_index(cat)
    out = Collector(strict=strict)
    rows = _to_rows(frame)
    _flag_external(extra_issues, rows, out)
    for row in rows:
        check_row(row, view, out)
    unused = check_duplicates(rows, view, out, conf)
    every_row_usable = not out.row_problems and not unused
    found = usable_values(rows, out, unused)
    check_submissions(found, view, out, conf, contexts=contexts)
    check_rows_coverage(rows, view, out, present=found if every_row_usable else None)
    report = ValidationReport(tuple(out.issues))
    return ValidationResult(
        frame=_checked_frame(frame, rows, out, unused), report=report, blocked=dict(out.blocked)
    )


__all__ = ["validate"]
