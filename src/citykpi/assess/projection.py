"""Projections of a series by ordinary least squares, and the year a target is reached.

The model is the straight line ``value = a + b * year`` fitted to every year with a value. The
projection to ``year`` comes with a prediction interval for a *new observation* in that year,
``y0 +/- t(1 - alpha/2, n - 2) * s * sqrt(1 + 1/n + (x0 - mean(x))**2 / Sxx)``, so it needs at
least three points (one degree of freedom for ``s``); fewer give ``insufficient_data``.

The year the target is reached on the current trend is where the fitted line meets the target,
rounded up, and never before the year after the latest observation; ``"achieved"`` if the
latest value already meets it, ``"never"`` if the line does not move towards it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from scipy import stats

from citykpi.assess.trends import Series, clean_series
from citykpi.model import Direction

MIN_POINTS: Final = 3
ACHIEVED: Final = "achieved"
NEVER: Final = "never"
INSUFFICIENT: Final = "insufficient_data"


@dataclass(frozen=True, slots=True)
class Projection:
    """A linear projection with its prediction interval."""

    status: str  # "ok" or "insufficient_data"
    year: int
    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    slope: float = math.nan
    intercept: float = math.nan
    n: int = 0


@cache
def _t_quantile(q: float, dof: int) -> float:
    return float(stats.t.ppf(q, dof))


def fit_line(series: Series) -> tuple[float, float, int]:
    """Return ``(intercept, slope, n)`` of the OLS line through the series (NaN if n < 2)."""
    data = clean_series(series)
    n = len(data)
    if n < 2:
        return math.nan, math.nan, n
    xm = sum(data) / n
    ym = sum(data.values()) / n
    sxx = sum((x - xm) ** 2 for x in data)
    slope = sum((x - xm) * (y - ym) for x, y in data.items()) / sxx
    return ym - slope * xm, slope, n


def project(series: Series, *, year: int = 2030, level: float = 0.95) -> Projection:
    """Project a series to ``year`` with a ``level`` prediction interval.

    Parameters
    ----------
    series
        Values by year; missing values (NaN) are ignored.
    year
        The year to project to.
    level
        Coverage of the prediction interval, e.g. 0.95.

    Returns
    -------
    Projection
        ``status`` is ``"insufficient_data"`` with fewer than :data:`MIN_POINTS` years.
    """
    data = clean_series(series)
    n = len(data)
    if n < MIN_POINTS:
        return Projection(INSUFFICIENT, year, n=n)
    x = np.array(list(data), dtype=float)
    y = np.array(list(data.values()), dtype=float)
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - (intercept + slope * x)
    s = math.sqrt(float((resid**2).sum()) / (n - 2))
    y0 = intercept + slope * year
    t = _t_quantile(0.5 + level / 2, n - 2)
    half = t * s * math.sqrt(1 + 1 / n + (year - xm) ** 2 / sxx)
    return Projection("ok", year, y0, y0 - half, y0 + half, slope, intercept, n)


def year_target_reached(series: Series, *, target: float | None, direction: Direction) -> int | str:
    """Return the year the fitted line reaches ``target``, or a status.

    Parameters
    ----------
    series
        Values by year; missing values (NaN) are ignored.
    target
        The target value; ``None`` gives ``"no_target"``.
    direction
        Which way is better; target-range series move towards the target from the latest value.

    Returns
    -------
    int or str
        A year, ``"achieved"``, ``"never"``, ``"insufficient_data"`` or ``"no_target"``.
    """
    data = clean_series(series)
    if target is None or direction is Direction.NONE:
        return "no_target"
    if not data:
        return INSUFFICIENT
    latest_year = max(data)
    latest = data[latest_year]
    if direction is Direction.TARGET_RANGE:
        s = 1 if latest <= target else -1
    else:
        s = 1 if direction is Direction.HIGHER else -1
    if s * latest >= s * target:
        return ACHIEVED
    if len(data) < MIN_POINTS:
        return INSUFFICIENT
    intercept, slope, _ = fit_line(data)
    if s * slope <= 0:
        return NEVER
    crossing = (target - intercept) / slope
    return max(math.ceil(crossing - 1e-9), latest_year + 1)


__all__ = [
    "ACHIEVED",
    "INSUFFICIENT",
    "MIN_POINTS",
    "NEVER",
    "Projection",
    "fit_line",
    "project",
    "year_target_reached",
]
