"""Realistic ranges of the KPI data points, from which the sample cities' values are drawn.

Each range runs from a poorly performing to a well performing city. The figures are facts about
the KPIs and live in the catalogue, as each data point's ``typical_range`` (in the data point's
unit); they make the sample look like real submissions, and are **not** targets or benchmarks of
the assessment.

A data point without a ``typical_range`` (e.g. one added to the catalogue later) falls back to a
range chosen from its unit (a sample-design choice, :func:`fallback_range`): 10-90 % for
percentages, yes or no for yes/no answers, and the magnitude of its inputs otherwise, so the
generator stays in step with the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from citykpi.catalogue import DataPoint

#: The range a percentage data point without a ``typical_range`` is drawn from.
FALLBACK_PERCENT: Final = (10.0, 90.0)


@dataclass(frozen=True, slots=True)
class Range:
    """A realistic range: ``low`` and ``high`` in ``unit``; per inhabitant scaling if ``per_pop``.

    ``per_pop`` marks absolute counts that grow with the city: the range is then per 100,000
    inhabitants and is multiplied by the population / 100,000.
    """

    low: float
    high: float
    unit: str
    per_pop: bool = False


def typical_range(dp: DataPoint) -> Range | None:
    """Return the catalogue's ``typical_range`` of ``dp`` in its unit, or None if it has none.

    Parameters
    ----------
    dp
        A data point of the catalogue.

    Returns
    -------
    Range or None
        The range, in ``dp.unit``.
    """
    found = dp.typical_range
    if found is None:
        return None
    return Range(found.low, found.high, dp.unit, found.per_100k_inhabitants)


__all__ = ["FALLBACK_PERCENT", "Range", "typical_range"]
