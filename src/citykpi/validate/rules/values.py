"""What the plausibility rules look at: the values of one submission and its context.

The rules are written once and used twice: by :func:`citykpi.validate.validate` over the rows
of a file, and by the store's verifier findings over the stored current values. Each caller
adapts its data to these types:

* :class:`Observed` is one value in the catalogue unit, with where it came from;
* :class:`SubmissionValues` holds the usable values of one city and year: raw inputs by input
  id, and KPI data points by data point id (reported directly, or in the store also computed);
* :class:`RuleContext` is what is known besides the submission: the city profile and the
  previous year's inputs.

A data point's value is the one given for it, else the one its formula computes from the
inputs (:func:`data_point_value`), so a rule sees the same number whether the store holds the
computed KPI or only its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from citykpi.catalogue import DataPoint, evaluate
from citykpi.errors import FormulaError
from citykpi.model import Location


@dataclass(frozen=True, slots=True)
class Observed:
    """One value of a submission, in the catalogue unit.

    Attributes
    ----------
    kind
        ``{"input", "kpi"}``: a raw input or a KPI data point.
    code
        Input id or data point id.
    value
        The (finite) value.
    unit
        Its unit; empty means the catalogue unit.
    location
        Where it came from (file, row or cell where known; city, year and code always).
    """

    kind: str
    code: str
    value: float
    unit: str = ""
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class SubmissionValues:
    """The usable values of one city and year.

    Attributes
    ----------
    city, year
        The submission.
    inputs
        Raw inputs, by input id.
    reports
        KPI data points with a value, by data point id.
    file
        The file the submission came from, for issues about it as a whole ("" if unknown).
    """

    city: str
    year: int
    inputs: Mapping[str, Observed] = field(default_factory=dict)
    reports: Mapping[str, Observed] = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What is known about a submission besides its values.

    Attributes
    ----------
    profile
        Figures of the city profile, by the input id they correspond to (the profile's
        population for ``"population"``).
    previous
        The previous submission's raw inputs, by input id.
    previous_year
        The year of that submission (None when there is none).
    """

    profile: Mapping[str, float] = field(default_factory=dict)
    previous: Mapping[str, float] = field(default_factory=dict)
    previous_year: int | None = None


def format_value(value: float) -> str:
    """Return ``value`` as messages and issues show it (up to ten significant digits)."""
    return f"{value:.10g}"


def where(location: Location) -> str:
    """Return ``"sub.csv row 3"`` (or ``"... cell Economy!F7"``) for messages; "" if unknown."""
    place = (
        f"cell {location.cell}"
        if location.cell
        else f"row {location.row}"
        if location.row is not None
        else ""
    )
    return f"{location.file} {place}".strip()


def data_point_value(
    dp: DataPoint, values: SubmissionValues
) -> tuple[float, list[Observed]] | None:
    """Return a data point's value (given, else computed from the inputs) and the values used.

    Returns None when the data point has no value and some input is missing, or the formula
    gives no finite number.
    """
    report = values.reports.get(dp.id)
    if report is not None:
        return report.value, [report]
    used = [values.inputs.get(i) for i in dp.inputs]
    present = [o for o in used if o is not None]
    if len(present) != len(used):
        return None
    try:
        value = evaluate(dp, {o.code: o.value for o in present})
    except FormulaError:
        return None
    return (value, present) if math.isfinite(value) else None


__all__ = [
    "Observed",
    "RuleContext",
    "SubmissionValues",
    "data_point_value",
    "format_value",
    "where",
]
