"""Cross-row rules: duplicates, denominators, fractions, shares and nesting, coverage.

These rules compare rows of one submission (one city and year, across every sheet and file):

* the same input or data point given twice: identical copies are a warning (the first is
  used), different values an error on every copy;
* a denominator input (population, households, ...) given twice with values that differ by no
  more than ``settings.denominator_tolerance`` (5 %, VM p31) is a warning and the first value
  is used; beyond it, an error;
* a percentage that is a part of a whole with its numerator above its denominator;
* Transportation Mode Share and Solid Waste Treatment shares not summing to 100 within
  ``settings.share_sum_tolerance`` percentage points (checked when every share is known, or
  when the known ones already exceed 100);
* Wastewater Treatment levels not nesting (secondary <= primary, tertiary <= secondary);
* more than 20 % of the KPIs not reported (a warning: the verification manual asks the
  verifier to follow up with the city).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from citykpi.catalogue import CatalogueIndex, DataPoint, evaluate
from citykpi.errors import FormulaError
from citykpi.model import Location
from citykpi.reasons import Reason
from citykpi.settings import Settings
from citykpi.validate.collector import Collector
from citykpi.validate.rows import Row, add_row_issue, format_value

#: Share of KPIs not reported above which the verifier follows up with the city (VM p32).
NOT_REPORTED_LIMIT: Final = 0.20

Submission = tuple[str, int]


def _where(row: Row) -> str:
    place = f"cell {row.cell}" if row.cell else f"row {row.row}" if row.row is not None else ""
    return f"{row.file} {place}".strip()


@dataclass(slots=True)
class Values:
    """The usable values of one submission: inputs and directly reported data points."""

    inputs: dict[str, Row] = field(default_factory=dict)
    reports: dict[str, Row] = field(default_factory=dict)


def _report_copy(out: Collector, reason: Reason, message: str, row: Row, unused: set[int]) -> None:
    """Report a repeated row whose first copy is used, and set the repeat aside."""
    add_row_issue(out, reason, message, row, "value", value=format_value(row.value))
    unused.add(row.pos)


def check_duplicates(
    rows: Sequence[Row], view: CatalogueIndex, out: Collector, settings: Settings
) -> set[int]:
    """Report repeated rows; return the positions of copies that must not be used twice."""
    groups: dict[tuple[str, int, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        usable = row.known and row.city and row.has_value and row.pos not in out.row_problems
        if usable and row.year is not None:
            groups[(row.city, row.year, row.kind, row.code)].append(row)
    unused: set[int] = set()
    for (city, year, kind, code), group in groups.items():
        if len(group) < 2:
            continue
        first, rest = group[0], group[1:]
        values = [r.value for r in group]
        if all(math.isclose(v, first.value, rel_tol=1e-9, abs_tol=0.0) for v in values):
            for r in rest:
                msg = (
                    f"{code!r} for {city!r} {year} is given again with the same value "
                    f"{format_value(r.value)} (first at {_where(first)}); the first is used: "
                    "delete the repeated row."
                )
                _report_copy(out, Reason.DUPLICATE_IDENTICAL, msg, r, unused)
            continue
        listing = ", ".join(f"{format_value(r.value)} ({_where(r)})" for r in group)
        low, high = min(values), max(values)
        if kind == "input" and code in view.denominators:
            spread = (high - low) / abs(low) if low != 0 else math.inf
            tolerance = settings.denominator_tolerance
            if spread <= tolerance:
                msg = (
                    f"The denominator {code!r} for {city!r} {year} differs between rows: "
                    f"{listing}, by {spread:.1%} (within the {tolerance:.0%} allowed); the "
                    "first value is used: use one figure for the whole submission."
                )
                for r in rest:
                    _report_copy(out, Reason.DENOMINATOR_VARIES, msg, r, unused)
                continue
            reason = Reason.DENOMINATOR_INCONSISTENT
            msg = (
                f"The denominator {code!r} for {city!r} {year} differs between rows: "
                f"{listing}, by {spread:.1%}, more than the {tolerance:.0%} the U4SSC "
                "verification manual allows; use one figure (same source and year) for the "
                "whole submission."
            )
        else:
            reason = Reason.DUPLICATE_CONFLICT
            msg = (
                f"{code!r} for {city!r} {year} is given more than once with different values: "
                f"{listing}; keep one row with the correct value."
            )
        # Conflicting values make every copy unusable: none of them can be trusted.
        for r in rest:
            out.add(
                reason,
                msg,
                location=r.location("value"),
                value=format_value(r.value),
                rows=[x.pos for x in group],
            )
    return unused


def usable_values(
    rows: Iterable[Row], out: Collector, unused: set[int]
) -> dict[Submission, Values]:
    """Return, per submission, the first usable row of each input and reported data point."""
    found: dict[Submission, Values] = defaultdict(Values)
    for row in rows:
        if not (row.known and row.city and row.year is not None and row.has_value):
            continue
        if row.pos in out.row_problems or row.pos in unused:
            continue
        sub = found[(row.city, row.year)]
        target = sub.inputs if row.kind == "input" else sub.reports
        target.setdefault(row.code, row)
    return found


def data_point_value(dp: DataPoint, values: Values) -> tuple[float, list[Row]] | None:
    """Return a data point's value (reported directly, else computed) and the rows used."""
    report = values.reports.get(dp.id)
    if report is not None:
        return report.value, [report]
    used = [values.inputs.get(i) for i in dp.inputs]
    present = [r for r in used if r is not None]
    if len(present) != len(used):
        return None
    try:
        value = evaluate(dp, {r.code: r.value for r in present})
    except FormulaError:
        return None
    return (value, present) if math.isfinite(value) else None


def check_fractions(found: dict[Submission, Values], view: CatalogueIndex, out: Collector) -> None:
    """Report percentages whose numerator exceeds their denominator."""
    for (city, year), values in found.items():
        for frac in view.fractions:
            num = values.inputs.get(frac.numerator)
            den = values.inputs.get(frac.denominator)
            if num is None or den is None or num.value <= den.value:
                continue
            msg = (
                f"{frac.numerator!r} ({format_value(num.value)}) is larger than "
                f"{frac.denominator!r} ({format_value(den.value)}, {_where(den)}) for {city!r} "
                f"{year}, so {frac.data_point!r} would exceed 100 %; correct one of the two "
                "values (a part cannot exceed the whole)."
            )
            out.add(
                Reason.NUMERATOR_ABOVE_DENOMINATOR,
                msg,
                location=num.location("value"),
                value=format_value(num.value),
                block=[(city, year, frac.data_point)],
            )


def _group_location(city: str, year: int, code: str, rows: Sequence[Row]) -> Location:
    first = rows[0] if rows else None
    return Location(
        file=first.file if first else "",
        row=first.row if first else None,
        cell=first.cell if first else "",
        field="value",
        city=city,
        year=year,
        code=code,
    )


def check_share_sums(
    found: dict[Submission, Values], view: CatalogueIndex, out: Collector, settings: Settings
) -> None:
    """Report mode shares and waste-treatment shares that do not sum to 100."""
    tol = settings.share_sum_tolerance
    for kpi_code in view.sum_to_100:
        group = view.group(kpi_code)
        if not group:
            continue
        name = view.kpi_of[group[0].id].name
        for (city, year), values in found.items():
            known = {dp.id: data_point_value(dp, values) for dp in group}
            present = {k: v for k, v in known.items() if v is not None}
            if len(present) < 2 and len(present) < len(group):
                continue
            total = sum(v[0] for v in present.values())
            complete = len(present) == len(group)
            if (complete and abs(total - 100.0) <= tol) or (not complete and total <= 100.0 + tol):
                continue
            parts = ", ".join(f"{k} {format_value(v[0])}" for k, v in present.items())
            scope = "" if complete else " already, with some shares not reported,"
            msg = (
                f"The {name} shares of {city!r} {year} sum to {format_value(total)} %{scope} "
                f"({parts}); they must add up to 100 ± {format_value(tol)}: correct the shares."
            )
            rows = [r for v in present.values() for r in v[1]]
            out.add(
                Reason.SHARES_DO_NOT_SUM,
                msg,
                location=_group_location(city, year, kpi_code, rows),
                value=format_value(total),
                block=[(city, year, k) for k in present],
            )


def check_wastewater(found: dict[Submission, Values], view: CatalogueIndex, out: Collector) -> None:
    """Report levels of a nested KPI (wastewater treatment) that do not nest as the YAML says."""
    for kpi_code in view.nested:
        points = {dp.id: dp for dp in view.group(kpi_code)}
        pairs = [(points[i], points[o]) for i, o in view.nesting(kpi_code)]
        _check_nested(found, pairs, out)


def _level(dp: DataPoint) -> str:
    """Return the level word of a nested data point for messages ("Secondary treatment" -> ...)."""
    return dp.name.split()[0].lower()


def _check_nested(
    found: dict[Submission, Values], pairs: list[tuple[DataPoint, DataPoint]], out: Collector
) -> None:
    for (city, year), values in found.items():
        for inner_dp, outer_dp in pairs:
            a, b = data_point_value(inner_dp, values), data_point_value(outer_dp, values)
            if a is None or b is None or a[0] <= b[0]:
                continue
            inner, outer = _level(inner_dp), _level(outer_dp)
            msg = (
                f"Wastewater treated to the {inner} level ({format_value(a[0])} %) exceeds the "
                f"{outer} level ({format_value(b[0])} %) for {city!r} {year}; {inner} treatment "
                f"is part of {outer} treatment, so correct the levels so that {inner} <= {outer}."
            )
            out.add(
                Reason.WASTEWATER_NOT_NESTED,
                msg,
                location=_group_location(city, year, inner_dp.id, a[1]),
                value=format_value(a[0]),
                block=[(city, year, inner_dp.id), (city, year, outer_dp.id)],
            )


def check_coverage(rows: Sequence[Row], view: CatalogueIndex, out: Collector) -> None:
    """Warn per submission when more than 20 % of the KPIs are not reported."""
    present: dict[Submission, Values] = defaultdict(Values)
    files: dict[Submission, str] = {}
    for row in rows:
        if not (row.city and row.year is not None):
            continue
        files.setdefault((row.city, row.year), row.file)
        if row.known and row.has_value:
            target = (
                present[(row.city, row.year)].inputs
                if row.kind == "input"
                else present[(row.city, row.year)].reports
            )
            target.setdefault(row.code, row)
    kpis = view.catalogue.kpis
    total = len(kpis)
    if total == 0:
        return
    for sub, file in files.items():
        values = present.get(sub, Values())
        reported = 0
        for kpi in kpis:
            if any(
                dp.id in values.reports
                or (dp.inputs and all(i in values.inputs for i in dp.inputs))
                for dp in kpi.data_points
            ):
                reported += 1
        missing = total - reported
        if missing / total <= NOT_REPORTED_LIMIT:
            continue
        city, year = sub
        msg = (
            f"{city!r} {year} reports {reported} of {total} KPIs: {missing} "
            f"({missing / total:.0%}) are not reported, more than the "
            f"{NOT_REPORTED_LIMIT:.0%} after which the U4SSC "
            "verification manual asks to follow up; collect the missing inputs "
            "('citykpi template' lists them)."
        )
        out.add(
            Reason.TOO_MANY_NOT_REPORTED,
            msg,
            location=Location(file=file, city=city, year=year),
            value=f"{missing / total:.0%}",
        )


__all__ = [
    "NOT_REPORTED_LIMIT",
    "Values",
    "check_coverage",
    "check_duplicates",
    "check_fractions",
    "check_share_sums",
    "check_wastewater",
    "data_point_value",
    "usable_values",
]
