"""The plausibility rules, written once: over values plus an optional context, returning issues.

:func:`citykpi.validate.validate` applies them to the rows of a file, the store's verifier
findings (:func:`citykpi.store.findings.findings`) to the stored current values; each adapts
its data to :class:`SubmissionValues` (and :class:`RuleContext`), so both report the same
:class:`~citykpi.model.Issue` (same :class:`~citykpi.reasons.Reason`, code and message) for the
same values. One module per family:

* :mod:`~citykpi.validate.rules.ranges`: negative counts, catalogue bounds, shares in 0-100;
* :mod:`~citykpi.validate.rules.parts`: fractions, shares that sum to 100, nested levels;
* :mod:`~citykpi.validate.rules.denominators`: repeated values and denominators consistent
  within a submission, with the city profile and with the previous year;
* :mod:`~citykpi.validate.rules.coverage`: too many KPIs not reported.
"""

from __future__ import annotations

from citykpi.catalogue import CatalogueIndex
from citykpi.model import Issue
from citykpi.settings import Settings
from citykpi.validate.rules.coverage import NOT_REPORTED_LIMIT, check_coverage, reported_kpis
from citykpi.validate.rules.denominators import check_against_context, check_copies
from citykpi.validate.rules.parts import check_fractions, check_nesting, check_share_sums
from citykpi.validate.rules.ranges import check_range
from citykpi.validate.rules.values import (
    Observed,
    RuleContext,
    SubmissionValues,
    data_point_value,
    format_value,
)


def check_parts(
    values: SubmissionValues, index: CatalogueIndex, *, settings: Settings
) -> list[Issue]:
    """Return the fraction, share-sum and nesting issues of one submission, in that order."""
    return [
        *check_fractions(values, index),
        *check_share_sums(values, index, tolerance=settings.share_sum_tolerance),
        *check_nesting(values, index),
    ]


__all__ = [
    "NOT_REPORTED_LIMIT",
    "Observed",
    "RuleContext",
    "SubmissionValues",
    "check_against_context",
    "check_copies",
    "check_coverage",
    "check_fractions",
    "check_nesting",
    "check_parts",
    "check_range",
    "check_share_sums",
    "data_point_value",
    "format_value",
    "reported_kpis",
]
