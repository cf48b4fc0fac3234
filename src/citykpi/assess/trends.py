"""Trend statuses of one series (a city's values of one data point over the years).

Two published methods, both on the raw values in the catalogue unit:

**SDSN trend arrows** (methods.md §3). With ``s`` = +1 when higher is better and -1 when lower
is better, values and target are multiplied by ``s`` so that higher is always better. The base
year is ``base_year`` (default 2015) or, when it has no value, the nearest year within one year
(``base_year + 1`` first, then ``base_year - 1``; project choice). Required rate
``r_req = (T - x_base) / (target_year - year_base)``, observed rate
``r_obs = (x_latest - x_base) / (year_latest - year_base)``, ``q = r_obs / r_req``:
``q < 0`` decreasing, ``0 <= q < 0.5`` stagnating, ``0.5 <= q < 1`` moderately improving,
``q >= 1`` on track. A series whose latest value meets the target is on track (or
*maintaining* when the base already met it). When the base met the target and a later value fell
below it (project choice), both rates are measured from the first year below the target, the
*fall-back point*; a series whose latest value is that point is decreasing. The target plays the
role of the SDSN green threshold. Target-range series are scored on their distance to the
target (``x = -|value - target|``, goal 0), so overshooting counts as moving away.

**Statistics Canada / Open SDG progress measure** (methods.md §4, sdg-build ProgressMeasure):
compound annual growth from the base year (default 2015, else the next year with data) to the
latest year; method 1 without a target, method 2 with one; a target or base of 0 becomes 0.001;
base and latest must have the same sign. A series with fewer than two years gets
``insufficient_data`` (sdg-build would still report ``target_achieved`` for one year; citykpi
does not judge progress from one observation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from citykpi.model import Direction

Series = Mapping[int, float]


class SdsnTrend(StrEnum):
    """SDSN trend arrow of a series."""

    DECREASING = "decreasing"
    STAGNATING = "stagnating"
    MODERATELY_IMPROVING = "moderately_improving"
    ON_TRACK = "on_track"
    MAINTAINING = "maintaining"
    INSUFFICIENT_DATA = "insufficient_data"
    NO_TARGET = "no_target"

    @property
    def arrow(self) -> str:
        """Return the SDSN arrow symbol."""
        return _ARROWS[self]

    @property
    def rank(self) -> int | None:
        """Return 0 (decreasing) to 3 (on track or maintaining); ``None`` without a status."""
        return _TREND_RANK.get(self)


_ARROWS: Final = {
    SdsnTrend.DECREASING: "↓",
    SdsnTrend.STAGNATING: "→",
    SdsnTrend.MODERATELY_IMPROVING: "➚",
    SdsnTrend.ON_TRACK: "↑",
    SdsnTrend.MAINTAINING: "↑",
    SdsnTrend.INSUFFICIENT_DATA: "·",
    SdsnTrend.NO_TARGET: "·",
}
_TREND_RANK: Final = {
    SdsnTrend.DECREASING: 0,
    SdsnTrend.STAGNATING: 1,
    SdsnTrend.MODERATELY_IMPROVING: 2,
    SdsnTrend.ON_TRACK: 3,
    SdsnTrend.MAINTAINING: 3,
}


class ProgressStatus(StrEnum):
    """Statistics Canada / Open SDG progress status of a series."""

    TARGET_ACHIEVED = "target_achieved"
    SUBSTANTIAL = "substantial_progress"
    MODERATE = "moderate_progress"
    LIMITED = "limited_progress"
    DETERIORATION = "deterioration"
    INSUFFICIENT_DATA = "insufficient_data"
    NOT_APPLICABLE = "not_applicable"

    @property
    def rank(self) -> int | None:
        """Return 0 (deterioration) to 4 (target achieved); ``None`` without a status."""
        return _PROGRESS_RANK.get(self)


_PROGRESS_RANK: Final = {
    ProgressStatus.DETERIORATION: 0,
    ProgressStatus.LIMITED: 1,
    ProgressStatus.MODERATE: 2,
    ProgressStatus.SUBSTANTIAL: 3,
    ProgressStatus.TARGET_ACHIEVED: 4,
}


@dataclass(frozen=True, slots=True)
class SdsnResult:
    """SDSN trend of a series, with the numbers behind it."""

    status: SdsnTrend
    ratio: float | None = None  # q = r_obs / r_req
    required_rate: float | None = None  # in data units a year, direction as stored
    observed_rate: float | None = None
    base_year: int | None = None
    latest_year: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProgressResult:
    """Progress measure of a series, with its calculation components (as sdg-build writes)."""

    status: ProgressStatus
    score: float | None = None
    method: int | None = None
    progress_value: float | None = None
    base_year: int | None = None
    base_value: float | None = None
    current_year: int | None = None
    current_value: float | None = None
    note: str = ""


def clean_series(series: Series) -> dict[int, float]:
    """Return the series sorted by year, without missing values."""
    return {
        int(y): float(v) for y, v in sorted(series.items()) if v is not None and not math.isnan(v)
    }


def _orientation(direction: Direction, base: float, target: float | None) -> int | None:
    if direction is Direction.HIGHER:
        return 1
    if direction is Direction.LOWER:
        return -1
    if direction is Direction.TARGET_RANGE and target is not None:
        return 1 if base <= target else -1
    return None


def _sdsn_base(years: list[int], base_year: int) -> int | None:
    for candidate in (base_year, base_year + 1, base_year - 1):
        if candidate in years:
            return candidate
    return None


def _classify(q: float) -> SdsnTrend:
    if q < 0:
        return SdsnTrend.DECREASING
    if q < 0.5:
        return SdsnTrend.STAGNATING
    if q < 1:
        return SdsnTrend.MODERATELY_IMPROVING
    return SdsnTrend.ON_TRACK


def sdsn_trend(
    series: Series,
    *,
    target: float | None,
    direction: Direction,
    base_year: int = 2015,
    target_year: int = 2030,
) -> SdsnResult:
    """Return the SDSN trend arrow of a series.

    Parameters
    ----------
    series
        Values by year; missing values (NaN) are ignored.
    target
        The value that counts as achieved (the SDSN green threshold); ``None`` gives
        :attr:`SdsnTrend.NO_TARGET`.
    direction
        Which way is better; ``NONE`` gives :attr:`SdsnTrend.NO_TARGET`.
    base_year
        Start of the observed period; the nearest year within one year is used if missing.
    target_year
        The year the target should be reached.

    Returns
    -------
    SdsnResult
        The status with the required and observed rates and their ratio.
    """
    data = clean_series(series)
    years = list(data)
    if target is None or direction is Direction.NONE:
        return SdsnResult(SdsnTrend.NO_TARGET, note="no target or no direction")
    yb = _sdsn_base(years, base_year)
    if yb is None:
        return SdsnResult(
            SdsnTrend.INSUFFICIENT_DATA, note=f"no value within one year of {base_year}"
        )
    yl = years[-1]
    if yl <= yb:
        return SdsnResult(
            SdsnTrend.INSUFFICIENT_DATA, base_year=yb, note=f"no value after base year {yb}"
        )
    if direction is Direction.TARGET_RANGE:
        # closer is better on either side: score the distance to the target, goal 0
        s = 1
        x = {y: -abs(v - target) for y, v in data.items()}
        goal = 0.0
    else:
        s = 1 if direction is Direction.HIGHER else -1
        x = {y: s * v for y, v in data.items()}
        goal = s * target
    if x[yl] >= goal:
        status = SdsnTrend.MAINTAINING if x[yb] >= goal else SdsnTrend.ON_TRACK
        return SdsnResult(status, base_year=yb, latest_year=yl)
    start = yb
    if x[yb] >= goal:
        # fell below the target after the base: measure from the fall-back point
        start = next(y for y in years if y > yb and x[y] < goal)
        if start == yl:
            r_obs = (data[yl] - data[yb]) / (yl - yb)
            return SdsnResult(
                SdsnTrend.DECREASING,
                observed_rate=r_obs,
                base_year=yb,
                latest_year=yl,
                note=f"fell below the target in {yl}",
            )
    # a horizon already passed leaves one year to close the gap
    r_req = (goal - x[start]) / max(target_year - start, 1)
    r_obs = (x[yl] - x[start]) / (yl - start)
    q = r_obs / r_req
    return SdsnResult(
        _classify(q),
        ratio=q,
        required_rate=s * r_req,
        observed_rate=s * r_obs,
        base_year=start,
        latest_year=yl,
        note="" if start == yb else f"measured from the fall-back point {start}",
    )


@dataclass(frozen=True, slots=True)
class ProgressThresholds:
    """Thresholds of the progress measure (sdg-build defaults)."""

    high: float
    med: float
    low: float = 0.0


METHOD1_THRESHOLDS: Final = ProgressThresholds(high=0.015, med=0.005)
METHOD2_THRESHOLDS: Final = ProgressThresholds(high=0.95, med=0.6)
_LIMIT_EXPONENT: Final = 4.44
_ZERO_REPLACEMENT: Final = 0.001


def cagr(v1: float, v0: float, t1: float, t0: float) -> float:
    """Return the compound annual growth rate ``(v1 / v0) ** (1 / (t1 - t0)) - 1``."""
    return float((v1 / v0) ** (1.0 / (t1 - t0)) - 1.0)


def limit_coefficient(base: float, limit: float) -> float:
    """Return the factor that shrinks method-1 thresholds near a limit (sdg-build rule)."""
    b, lim = abs(base), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return float(1.0 - (b / lim) ** _LIMIT_EXPONENT)
    return float(1.0 - ((2 * lim - b) / lim) ** _LIMIT_EXPONENT)


def progress_status(value: float, thresholds: ProgressThresholds) -> ProgressStatus:
    """Return the status of a progress value against (possibly reduced) thresholds."""
    if value >= thresholds.high:
        return ProgressStatus.SUBSTANTIAL
    if value >= thresholds.med:
        return ProgressStatus.MODERATE
    if value >= thresholds.low:
        return ProgressStatus.LIMITED
    return ProgressStatus.DETERIORATION


def progress_score(p: float, *, method: int, coefficient: float = 1.0) -> float:
    """Return the progress score in [-5, 5] of progress value ``p`` (sdg-build formulas)."""
    if method == 2:
        if p >= METHOD2_THRESHOLDS.med:
            return min(7.1429 * p - 4.2857, 5.0)
        return max(4.1667 * p - 2.5, -5.0)
    c = coefficient
    if p < METHOD1_THRESHOLDS.low * c:
        return max(125.0 * p - 2.5, -5.0)
    if c == 0:
        return 5.0
    if p >= METHOD1_THRESHOLDS.high * c:
        return min(500.0 * p / c - 5.0, 5.0)
    if p >= METHOD1_THRESHOLDS.med * c:
        return 250.0 * p / c - 1.25
    return 500.0 * p / c - 2.5


def status_from_score(score: float, *, target_achieved: bool = False) -> ProgressStatus:
    """Return the status of a (mean) progress score, as for an indicator of several series."""
    if target_achieved:
        return ProgressStatus.TARGET_ACHIEVED
    if score >= 2.5:
        return ProgressStatus.SUBSTANTIAL
    if score >= 0:
        return ProgressStatus.MODERATE
    if score >= -2.5:
        return ProgressStatus.LIMITED
    return ProgressStatus.DETERIORATION


def progress_measure(
    series: Series,
    *,
    direction: Direction,
    target: float | None = None,
    base_year: int = 2015,
    target_year: int = 2030,
    limit: float | None = None,
) -> ProgressResult:
    """Return the Statistics Canada / Open SDG progress status and score of a series.

    Parameters
    ----------
    series
        Values by year; missing values (NaN) are ignored.
    direction
        Which way is better; ``NONE`` without a target gives ``not_applicable``.
    target
        Target value (method 2); ``None`` for method 1.
    base_year
        Base year; when it has no value the next year with one is used.
    target_year
        Year the target should be reached (method 2).
    limit
        Floor or ceiling that shrinks method-1 thresholds near it (e.g. 100 for a percentage).

    Returns
    -------
    ProgressResult
        Status, score in [-5, 5] and the calculation components.
    """
    data = clean_series(series)
    if len(data) < 2:
        return ProgressResult(ProgressStatus.INSUFFICIENT_DATA, note="needs at least two years")
    years = list(data)
    later = [y for y in years if y >= base_year]
    if not later:
        return ProgressResult(
            ProgressStatus.INSUFFICIENT_DATA, note=f"no value in or after base year {base_year}"
        )
    yb, yc = later[0], years[-1]
    base, current = data[yb], data[yc]
    parts = ProgressResult(
        ProgressStatus.INSUFFICIENT_DATA,
        base_year=yb,
        base_value=base,
        current_year=yc,
        current_value=current,
    )
    if yc - yb < 1:
        return replace(
            parts, status=ProgressStatus.INSUFFICIENT_DATA, note="no value after the base year"
        )
    goal = None if target is None else (_ZERO_REPLACEMENT if target == 0 else target)
    d = _orientation(direction, base, goal)
    if d is None:
        return replace(
            parts, status=ProgressStatus.NOT_APPLICABLE, note="no direction and no target"
        )
    method = 1 if goal is None else 2
    if goal is not None and ((d == -1 and current <= goal) or (d == 1 and current >= goal)):
        return replace(parts, status=ProgressStatus.TARGET_ACHIEVED, score=5.0, method=method)
    b = _ZERO_REPLACEMENT if base == 0 else base
    sign = -1 if b < 0 else 1
    if (b > 0 and current < 0) or (b < 0 and current > 0):
        return replace(
            parts,
            status=ProgressStatus.INSUFFICIENT_DATA,
            method=method,
            note="base and latest values have different signs",
        )
    observed = cagr(current, b, yc, yb)
    if goal is None:
        # sdg-build reduces the thresholds with the base before its 0 -> 0.001 replacement
        coeff = 1.0 if limit is None else limit_coefficient(base, limit)
        p = sign * d * observed
        reduced = ProgressThresholds(
            METHOD1_THRESHOLDS.high * coeff, METHOD1_THRESHOLDS.med * coeff, 0.0
        )
        status = progress_status(p, reduced)
        score = progress_score(p, method=1, coefficient=coeff)
        return replace(parts, status=status, score=score, method=1, progress_value=p)
    if (goal > 0) != (b > 0) or target_year <= yb:
        return replace(
            parts,
            status=ProgressStatus.INSUFFICIENT_DATA,
            method=2,
            note="target and base have different signs, or the target year is not after the base",
        )
    required = cagr(goal, b, target_year, yb)
    if required == 0:
        p = math.copysign(math.inf, sign * d * observed) if observed else 0.0
    else:
        p = sign * d * observed / abs(required)
    status = progress_status(p, METHOD2_THRESHOLDS)
    return replace(
        parts, status=status, score=progress_score(p, method=2), method=2, progress_value=p
    )


__all__ = [
    "METHOD1_THRESHOLDS",
    "METHOD2_THRESHOLDS",
    "ProgressResult",
    "ProgressStatus",
    "ProgressThresholds",
    "SdsnResult",
    "SdsnTrend",
    "Series",
    "cagr",
    "clean_series",
    "limit_coefficient",
    "progress_measure",
    "progress_score",
    "progress_status",
    "sdsn_trend",
    "status_from_score",
]
