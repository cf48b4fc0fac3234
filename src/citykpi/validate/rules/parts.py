"""Rules over the parts of a whole: fractions, shares that sum to 100, levels that nest.

Modelling assumptions (VM p32 and the KPI definitions), the catalogue facts from
:class:`~citykpi.catalogue.CatalogueIndex`:

* a percentage of the form ``numerator / denominator * 100`` over two inputs in one unit is a
  part of a whole: its numerator may not exceed its denominator;
* the data points of a KPI marked ``parts: sum_to_100`` (Transportation Mode Share, Solid Waste
  Treatment) sum to 100 within ``settings.share_sum_tolerance`` percentage points; checked when
  every share is known, or when the known ones already exceed 100;
* the levels of a KPI marked ``parts: nested`` (Wastewater Treatment) lie within one another as
  each data point's ``nests_in`` states (tertiary <= secondary <= primary).
"""

from __future__ import annotations

from collections.abc import Sequence

from citykpi.catalogue import CatalogueIndex, DataPoint
from citykpi.model import Issue, Location
from citykpi.reasons import Reason
from citykpi.validate.rules.values import (
    Observed,
    SubmissionValues,
    data_point_value,
    format_value,
    where,
)


def check_fractions(values: SubmissionValues, index: CatalogueIndex) -> list[Issue]:
    """Return an issue for every percentage whose numerator exceeds its denominator."""
    found: list[Issue] = []
    city, year = values.city, values.year
    for frac in index.fractions:
        num = values.inputs.get(frac.numerator)
        den = values.inputs.get(frac.denominator)
        if num is None or den is None or num.value <= den.value:
            continue
        at = where(den.location)
        msg = (
            f"{frac.numerator!r} ({format_value(num.value)}) is larger than "
            f"{frac.denominator!r} ({format_value(den.value)}{f', {at}' if at else ''}) for "
            f"{city!r} {year}, so {frac.data_point!r} would exceed 100 %; correct one of the two "
            "values (a part cannot exceed the whole)."
        )
        reason = Reason.NUMERATOR_ABOVE_DENOMINATOR
        found.append(
            Issue(
                reason,
                reason.default_severity,
                msg,
                num.location,
                format_value(num.value),
                data_points=(frac.data_point,),
            )
        )
    return found


def _group_location(values: SubmissionValues, code: str, used: Sequence[Observed]) -> Location:
    first = used[0].location if used else Location(file=values.file)
    return Location(
        file=first.file,
        row=first.row,
        cell=first.cell,
        field="value",
        city=values.city,
        year=values.year,
        code=code,
    )


def check_share_sums(
    values: SubmissionValues, index: CatalogueIndex, *, tolerance: float
) -> list[Issue]:
    """Return an issue for every group of shares of one whole that does not sum to 100.

    Parameters
    ----------
    values
        The submission.
    index
        The catalogue's facts (the KPIs marked ``parts: sum_to_100``).
    tolerance
        Percentage points the sum may deviate from 100 (``settings.share_sum_tolerance``).

    Returns
    -------
    list[Issue]
        One ``shares_do_not_sum`` issue per KPI, located at the KPI code.
    """
    found: list[Issue] = []
    city, year = values.city, values.year
    for kpi_code in index.sum_to_100:
        group = index.group(kpi_code)
        if not group:
            continue
        name = index.kpi_of[group[0].id].name
        known = {dp.id: data_point_value(dp, values) for dp in group}
        present = {k: v for k, v in known.items() if v is not None}
        if len(present) < 2 and len(present) < len(group):
            continue
        total = sum(v[0] for v in present.values())
        complete = len(present) == len(group)
        if (complete and abs(total - 100.0) <= tolerance) or (
            not complete and total <= 100.0 + tolerance
        ):
            continue
        parts = ", ".join(f"{k} {format_value(v[0])}" for k, v in present.items())
        scope = "" if complete else " already, with some shares not reported,"
        msg = (
            f"The {name} shares of {city!r} {year} sum to {format_value(total)} %{scope} "
            f"({parts}); they must add up to 100 ± {format_value(tolerance)}: correct the shares."
        )
        used = [o for v in present.values() for o in v[1]]
        reason = Reason.SHARES_DO_NOT_SUM
        found.append(
            Issue(
                reason,
                reason.default_severity,
                msg,
                _group_location(values, kpi_code, used),
                format_value(total),
                data_points=tuple(present),
            )
        )
    return found


def _level(dp: DataPoint) -> str:
    """Return the level word of a nested data point for messages ("Secondary treatment" -> ...)."""
    return dp.name.split()[0].lower()


def check_nesting(values: SubmissionValues, index: CatalogueIndex) -> list[Issue]:
    """Return an issue for every level of a nested KPI that exceeds the level it nests in."""
    found: list[Issue] = []
    city, year = values.city, values.year
    for kpi_code in index.nested:
        points = {dp.id: dp for dp in index.group(kpi_code)}
        for inner_id, outer_id in index.nesting(kpi_code):
            inner_dp, outer_dp = points[inner_id], points[outer_id]
            a, b = data_point_value(inner_dp, values), data_point_value(outer_dp, values)
            if a is None or b is None or a[0] <= b[0]:
                continue
            inner, outer = _level(inner_dp), _level(outer_dp)
            msg = (
                f"Wastewater treated to the {inner} level ({format_value(a[0])} %) exceeds the "
                f"{outer} level ({format_value(b[0])} %) for {city!r} {year}; {inner} treatment "
                f"is part of {outer} treatment, so correct the levels so that {inner} <= {outer}."
            )
            reason = Reason.WASTEWATER_NOT_NESTED
            found.append(
                Issue(
                    reason,
                    reason.default_severity,
                    msg,
                    _group_location(values, inner_id, a[1]),
                    format_value(a[0]),
                    data_points=(inner_id, outer_id),
                )
            )
    return found


__all__ = ["check_fractions", "check_nesting", "check_share_sums"]
