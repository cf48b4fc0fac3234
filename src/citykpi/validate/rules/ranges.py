"""Range rules on one value: negative counts, catalogue bounds, shares outside 0-100.

Modelling assumptions (VM p32 and the KPI definitions):

* a count input cannot be below zero;
* an input lies within the bounds the catalogue declares for it (``bounds: {min, max}``);
* a value in a percentage unit is a share and lies in 0-100, except the data points the
  catalogue marks ``may_exceed_100`` (School Enrollment, Fixed Broadband Subscriptions);
* no value is larger in magnitude than :data:`MAX_MAGNITUDE` (1e18) in its catalogue unit:
  the largest real figures (a city's GDP in a currency of many digits) stay far below, and
  so sums and products of accepted values never overflow a float.

Codes the catalogue does not know (a stored value of an older catalogue) get the share rule
only, by their unit.
"""

from __future__ import annotations

import math
from typing import Final

from citykpi.catalogue import CatalogueIndex
from citykpi.catalogue.units import is_percent
from citykpi.model import Issue
from citykpi.reasons import Reason
from citykpi.validate.rules.values import Observed, format_value

#: Largest magnitude of any value, in its catalogue unit.
MAX_MAGNITUDE: Final = 1e18


def _issue(reason: Reason, message: str, obs: Observed) -> Issue:
    return Issue(reason, reason.default_severity, message, obs.location, format_value(obs.value))


def _span(low: float, high: float) -> str:
    if math.isinf(high):
        return f"at least {format_value(low)}"
    if math.isinf(low):
        return f"at most {format_value(high)}"
    return f"between {format_value(low)} and {format_value(high)}"


def check_range(obs: Observed, index: CatalogueIndex) -> list[Issue]:
    """Return the range issue of one value (at most one: the first rule that fires).

    Parameters
    ----------
    obs
        The value, already in the catalogue unit.
    index
        The catalogue's facts (input kinds and bounds, which shares may exceed 100).

    Returns
    -------
    list[Issue]
        A ``negative_count``, ``out_of_bounds`` or ``share_out_of_range`` issue, or nothing.
    """
    definition = index.inputs.get(obs.code) if obs.kind == "input" else None
    unit = obs.unit
    if abs(obs.value) > MAX_MAGNITUDE:
        msg = (
            f"The value {format_value(obs.value)} of {obs.code!r} is larger than any city's "
            f"figure (at most {MAX_MAGNITUDE:g} in magnitude); correct the value or its unit."
        )
        return [_issue(Reason.OUT_OF_BOUNDS, msg, obs)]
    if definition is not None:
        unit = unit or definition.unit
        if definition.kind == "count" and obs.value < 0:
            msg = (
                f"The count {obs.code!r} is negative ({format_value(obs.value)}); a number of "
                "things cannot be below zero: correct the value."
            )
            return [_issue(Reason.NEGATIVE_COUNT, msg, obs)]
        bounds = definition.bounds
        if bounds is not None and definition.kind != "boolean":
            low = -math.inf if bounds.min is None else bounds.min
            high = math.inf if bounds.max is None else bounds.max
            if not low <= obs.value <= high:
                msg = (
                    f"The value {format_value(obs.value)} of {obs.code!r} is outside the range "
                    f"the catalogue allows: it must be {_span(low, high)} {unit}; correct the "
                    "value or its unit."
                )
                return [_issue(Reason.OUT_OF_BOUNDS, msg, obs)]
    point = index.data_points.get(obs.code) if obs.kind == "kpi" else None
    if point is not None:
        unit = unit or point.unit
    if not is_percent(unit):
        return []
    upper = math.inf if point is not None and point.may_exceed_100 else 100.0
    if 0.0 <= obs.value <= upper:
        return []
    if obs.value < 0:
        msg = (
            f"The share {obs.code!r} is {format_value(obs.value)} %, but a percentage cannot be "
            "negative; correct the value."
        )
    else:
        msg = (
            f"The share {obs.code!r} is {format_value(obs.value)} %, but a percentage must be "
            "between 0 and 100; correct the value (check that numerator and denominator were "
            "not swapped)."
        )
    return [_issue(Reason.SHARE_OUT_OF_RANGE, msg, obs)]


__all__ = ["MAX_MAGNITUDE", "check_range"]
