"""Compute every KPI data point for every city and year of a validated raw table.

Each (city, year, data point) gets exactly one row of the KPI table with a status:

``reported``
    The city reported the data point directly (the template's override of column O) and the
    value passed validation. **A valid direct report wins over a computation**: it is what the
    city submitted and what a verifier checks, as in the U4SSC template. When the inputs were
    also present, the value they give is kept in the provenance (``computed_value``) so that a
    reviewer can compare the two.
``computed``
    Every input of the catalogue formula is present and valid; the value is the formula's.
``not_reported``
    Inputs are missing (and nothing was reported directly); ``reason`` names them.
``invalid``
    Something is present but unusable: an input or the direct report carries a validation error,
    the data point is blocked by a rule over several values (shares not summing to 100,
    wastewater levels not nesting, numerator above denominator), or the formula cannot be
    evaluated (division by zero). ``reason`` says which. An invalid direct report is not
    replaced by a computation: the city's answer needs correcting, not silently overriding.

Values are never infinite: a non-finite result is ``invalid``. The value of a row that is not
``computed`` or ``reported`` is NaN.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from citykpi.catalogue import Catalogue, DataPoint, Kpi, evaluate, load_catalogue
from citykpi.compute.provenance import JsonValue, provenance_json, row_record, worst_quality
from citykpi.errors import FormulaError, InputError
from citykpi.model import KPI_COLUMNS, KpiStatus
from citykpi.tables import KPI, coerce
from citykpi.validate import CHECKED_COLUMNS, ValidationResult

Record = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class _Value:
    """One usable row: its value, data quality and provenance fields."""

    value: float
    quality: str
    record: dict[str, JsonValue]


@dataclass(slots=True)
class _Submission:
    """The rows of one city and year, split into usable and erroneous, by code."""

    inputs: dict[str, _Value] = field(default_factory=dict)
    reports: dict[str, _Value] = field(default_factory=dict)
    bad_inputs: dict[str, str] = field(default_factory=dict)
    bad_reports: dict[str, str] = field(default_factory=dict)


def _finite(value: object) -> bool:
    return isinstance(value, float | int) and math.isfinite(float(value))


def _submissions(frame: pd.DataFrame) -> dict[tuple[str, int], _Submission]:
    subs: dict[tuple[str, int], _Submission] = defaultdict(_Submission)
    # Column lists zipped by hand: DataFrame.to_dict("records") is several times slower.
    names = list(CHECKED_COLUMNS)
    columns = [frame[c].tolist() for c in names]
    for values in zip(*columns, strict=True):
        rec: Record = dict(zip(names, values, strict=True))
        # Typed as citykpi.tables.RAW; a row without city or year (only in a table built by
        # hand) carries a validation error and belongs to no submission.
        city, year, kind, code = str(rec["city"]), rec["year"], rec["kind"], str(rec["code"])
        if not city or not isinstance(year, int | float) or year != year:
            continue
        sub = subs[(city, int(year))]
        if kind not in ("input", "kpi"):
            continue
        good, bad = (
            (sub.inputs, sub.bad_inputs) if kind == "input" else (sub.reports, sub.bad_reports)
        )
        if bool(rec["error"]):
            bad.setdefault(code, str(rec["problems"]))
        elif not bool(rec["duplicate"]) and _finite(rec["value"]) and code not in good:
            record = row_record(rec)
            quality = record["quality"]
            good[code] = _Value(
                value=float(rec["value"]),  # type: ignore[arg-type]
                quality=quality if isinstance(quality, str) else "",
                record=record,
            )
    return subs


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: KpiStatus
    value: float
    reason: str
    used: Sequence[_Value] = ()


def _from_inputs(dp: DataPoint, sub: _Submission) -> _Outcome:
    bad = [i for i in dp.inputs if i not in sub.inputs and i in sub.bad_inputs]
    if bad:
        detail = " ".join(f"{i!r}: {sub.bad_inputs[i]}" for i in bad)
        return _Outcome(KpiStatus.INVALID, math.nan, f"Input with a validation error: {detail}")
    missing = [i for i in dp.inputs if i not in sub.inputs]
    if missing or not dp.inputs:
        names = ", ".join(missing) if missing else "(none: report it directly)"
        return _Outcome(KpiStatus.NOT_REPORTED, math.nan, f"Missing inputs: {names}.")
    used = [sub.inputs[i] for i in dp.inputs]
    values = {i: sub.inputs[i].value for i in dp.inputs}
    try:
        value = evaluate(dp, values)
    except FormulaError as e:
        return _Outcome(KpiStatus.INVALID, math.nan, str(e), used)
    except ZeroDivisionError:
        value = math.inf
    if not math.isfinite(value):
        msg = f"The formula {dp.formula!r} gives no finite value (a denominator is zero)."
        return _Outcome(KpiStatus.INVALID, math.nan, msg, used)
    return _Outcome(KpiStatus.COMPUTED, value, "", used)


def _data_point_row(
    kpi: Kpi,
    dp: DataPoint,
    sub: _Submission,
    key: tuple[str, int],
    blocked: Mapping[tuple[str, int, str], str],
    version: str,
) -> dict[str, object]:
    computed = _from_inputs(dp, sub)
    report = sub.reports.get(dp.id)
    block = blocked.get((key[0], key[1], dp.id))
    if block is not None:
        status, value, reason = KpiStatus.INVALID, math.nan, block
    elif report is not None:
        status, value, reason = KpiStatus.REPORTED, report.value, ""
    elif dp.id in sub.bad_reports:
        status, value = KpiStatus.INVALID, math.nan
        reason = f"The value reported directly has a validation error: {sub.bad_reports[dp.id]}"
    else:
        status, value, reason = computed.status, computed.value, computed.reason
    if status is KpiStatus.REPORTED and report is not None:
        quality = report.quality
    elif status is KpiStatus.COMPUTED:
        quality = worst_quality(r.quality for r in computed.used)
    else:
        quality = ""
    overridden = computed.status is KpiStatus.COMPUTED and status is not KpiStatus.COMPUTED
    provenance = provenance_json(
        method=status.value if status in (KpiStatus.COMPUTED, KpiStatus.REPORTED) else "none",
        formula=dp.formula,
        catalogue_version=version,
        inputs=[sub.inputs[i].record for i in dp.inputs if i in sub.inputs],
        reported=report.record if report is not None else None,
        computed_value=computed.value if overridden else None,
    )
    return {
        "city": key[0],
        "year": key[1],
        "code": kpi.code,
        "data_point": dp.id,
        "value": value if status in (KpiStatus.COMPUTED, KpiStatus.REPORTED) else math.nan,
        "unit": dp.unit,
        "status": status.value,
        "reason": reason,
        "provenance": provenance,
        "quality": quality,
    }


def compute(
    checked: ValidationResult,
    *,
    catalogue: Catalogue | None = None,
    engine: Literal["columns", "rows"] = "rows",
) -> pd.DataFrame:
    """Compute every KPI data point for every city and year in a validated table.

    Parameters
    ----------
    checked
        The result of :func:`citykpi.validate.validate`.
    catalogue
        The catalogue whose formulas to apply; the bundled one by default (use the one the
        table was validated against).
    engine
        ``"rows"`` (default): the reference engine of this module, one data point of one
        city-year at a time, the readable statement of the rules. ``"columns"``: each formula
        runs once over every city-year (:mod:`citykpi.compute.columns`); it gives the identical
        table (a test compares them) but is not yet faster at the sizes measured.

    Returns
    -------
    pandas.DataFrame
        One row per city, year and catalogue data point, columns
        :data:`citykpi.model.KPI_COLUMNS` typed as :data:`citykpi.tables.KPI`, sorted by city,
        year and catalogue order. See the module docstring for the meaning of each status.

    Raises
    ------
    InputError
        If ``checked.frame`` lacks the columns validation adds (it was not validated).
    """
    missing = [c for c in CHECKED_COLUMNS if c not in checked.frame.columns]
    if missing:
        msg = (
            f"The table to compute lacks the columns {missing}; pass the result of "
            "citykpi.validate.validate, not the raw table."
        )
        raise InputError(msg)
    cat = load_catalogue() if catalogue is None else catalogue
    if engine == "columns":
        from citykpi.compute.columns import compute_columns

        return coerce(compute_columns(checked, cat), KPI)
    if engine != "rows":
        msg = f"Unknown compute engine {engine!r}; choose 'columns' or 'rows'."
        raise InputError(msg)
    subs = _submissions(checked.frame)
    points = list(cat.iter_data_points())
    rows = [
        _data_point_row(kpi, dp, subs[key], key, checked.blocked, cat.version)
        for key in sorted(subs)
        for kpi, dp in points
    ]
    return coerce(pd.DataFrame(rows, columns=list(KPI_COLUMNS)), KPI)


__all__ = ["compute"]
