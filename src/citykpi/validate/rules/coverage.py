"""Coverage: a submission that leaves too many KPIs of the framework without a value.

Modelling assumption (VM p32): the verifier follows up with the city when more than
:data:`NOT_REPORTED_LIMIT` (20 %) of the KPIs of the catalogue have no reported data point. A
KPI counts as reported when one of its data points has a value, or has every input its formula
needs.
"""

from __future__ import annotations

from typing import Final

from citykpi.catalogue import CatalogueIndex
from citykpi.model import Issue, Location
from citykpi.reasons import Reason
from citykpi.validate.rules.values import SubmissionValues

#: Share of KPIs not reported above which the verifier follows up with the city (VM p32).
NOT_REPORTED_LIMIT: Final = 0.20


def reported_kpis(values: SubmissionValues, index: CatalogueIndex) -> int:
    """Return how many KPIs of the catalogue ``values`` reports."""
    return sum(
        1
        for kpi in index.catalogue.kpis
        if any(
            dp.id in values.reports or (dp.inputs and all(i in values.inputs for i in dp.inputs))
            for dp in kpi.data_points
        )
    )


def check_coverage(values: SubmissionValues, index: CatalogueIndex) -> list[Issue]:
    """Return a warning when more than 20 % of the catalogue's KPIs are not reported.

    Parameters
    ----------
    values
        Every value the submission gives (also those with errors: they were reported).
    index
        The catalogue whose KPIs count.

    Returns
    -------
    list[Issue]
        One ``too_many_not_reported`` issue located at the submission, or nothing.
    """
    total = len(index.catalogue.kpis)
    if total == 0:
        return []
    reported = reported_kpis(values, index)
    missing = total - reported
    if missing / total <= NOT_REPORTED_LIMIT:
        return []
    city, year = values.city, values.year
    msg = (
        f"{city!r} {year} reports {reported} of {total} KPIs: {missing} "
        f"({missing / total:.0%}) are not reported, more than the "
        f"{NOT_REPORTED_LIMIT:.0%} after which the U4SSC "
        "verification manual asks to follow up; collect the missing inputs "
        "('citykpi template' lists them)."
    )
    reason = Reason.TOO_MANY_NOT_REPORTED
    return [
        Issue(
            reason,
            reason.default_severity,
            msg,
            Location(file=values.file, city=city, year=year),
            f"{missing / total:.0%}",
        )
    ]


__all__ = ["NOT_REPORTED_LIMIT", "check_coverage", "reported_kpis"]
