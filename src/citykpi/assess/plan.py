"""Feasible targets: is a target value by a target year realistic, and what would be?

For a city, a data point, a target value and a target year:

* **required rate** = (target - latest value) / (target year - latest year), in data units a
  year; its *improvement* form is multiplied by +1 (higher is better) or -1 (lower is better);
  target-range data points improve towards the target.
* **observed rate**: the slope of the city's own OLS line (two years or more).
* **peer rates**: for each peer with data, its best improvement rate over any 3-year window
  (``(v[y + 3] - v[y]) / 3`` for every ``y`` with both values).

Classification (project choice, configurable with :class:`PlanThresholds`): ``achieved`` if the
latest value already meets the target; ``feasible`` if the city's own trend is fast enough or
at least 25 % of peers achieved the pace; ``stretch`` if at least 5 % did; ``unrealistic``
otherwise; ``insufficient_data`` when neither the city's trend nor any peer window is known.

The suggested target applies the 75th percentile of the peers' best 3-year improvement rates
to the latest value (so at least a quarter of peers achieved that pace: feasible by
construction), clipped to [0, 100] for percentages and at 0 for other lower-is-better values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.projection import fit_line
from citykpi.assess.scoring import usable_rows
from citykpi.catalogue.units import is_percent, unit_label
from citykpi.errors import InputError
from citykpi.model import Direction

WINDOW: Final = 3


@dataclass(frozen=True, slots=True)
class PlanThresholds:
    """Shares of peers that make a pace feasible or a stretch, and the suggestion percentile."""

    feasible_share: float = 0.25
    stretch_share: float = 0.05
    suggestion_percentile: float = 75.0


@dataclass(frozen=True, slots=True)
class PlanResult:
    """The assessment of one target for one city and data point."""

    city: str
    code: str
    data_point: str
    unit: str
    latest_year: int
    latest_value: float
    target: float
    target_year: int
    required_rate: float
    observed_rate: float | None
    peers_with_data: int
    peers_achieving: int
    classification: str
    suggested_target: float | None
    message: str


def _orientation(direction: Direction, latest: float, target: float) -> int:
    if direction is Direction.LOWER:
        return -1
    if direction is Direction.TARGET_RANGE:
        return 1 if latest <= target else -1
    return 1


def peer_window_rates(
    kpis: pd.DataFrame, data_point: str, *, cities: Sequence[str], orientation: int
) -> dict[str, float]:
    """Return each city's best improvement rate (units a year) over any 3-year window."""
    ok = usable_rows(kpis)
    ok = ok[(ok["data_point"] == data_point) & ok["city"].isin(set(cities))]
    out: dict[str, float] = {}
    for city, g in ok.groupby("city", sort=True):
        series = {int(y): float(v) for y, v in zip(g["year"], g["value"], strict=True)}
        rates = [
            orientation * (series[y + WINDOW] - series[y]) / WINDOW
            for y in series
            if y + WINDOW in series
        ]
        if rates:
            out[str(city)] = max(rates)
    return out


def _clip(value: float, *, unit: str, orientation: int) -> float:
    if is_percent(unit):
        return min(max(value, 0.0), 100.0)
    if unit.strip().lower() == "yes_no":  # a yes/no aspect is 0 or 1, never 2
        return min(max(value, 0.0), 1.0)
    if orientation < 0:
        return max(value, 0.0)
    return value


def plan_target(
    kpis: pd.DataFrame,
    *,
    city: str,
    data_point: str,
    target: float,
    year: int,
    peers: Sequence[str] | None = None,
    meta: MetaMap | None = None,
    thresholds: PlanThresholds | None = None,
) -> PlanResult:
    """Assess whether ``city`` can bring ``data_point`` to ``target`` by ``year``.

    Parameters
    ----------
    kpis
        KPI long table.
    city
        The planning city.
    data_point
        Catalogue id of the data point.
    target
        Target value, in the catalogue unit.
    year
        Target year; must be after the city's latest year with a value.
    peers
        Cities to compare with (the city itself is left out); default every other city.
    meta
        Data point metadata; defaults to the bundled catalogue.
    thresholds
        Classification thresholds and the suggestion percentile.

    Returns
    -------
    PlanResult
        The rates, the peer comparison, the classification, a suggested feasible target for
        ``year`` and a one-sentence message.

    Raises
    ------
    InputError
        If the city has no value for the data point, or ``year`` is not after its latest year.
    """
    info = catalogue_meta(meta)
    th = thresholds or PlanThresholds()
    if data_point not in info:
        msg = f"Unknown data point {data_point!r}; list them with 'citykpi catalogue'."
        raise InputError(msg)
    m = info[data_point]
    ok = usable_rows(kpis)
    mine = ok[(ok["city"] == city) & (ok["data_point"] == data_point)]
    if mine.empty:
        msg = (
            f"City {city!r} has no value for {data_point!r}; check the city name and the data "
            "point, or compute the KPI first."
        )
        raise InputError(msg)
    series = {int(y): float(v) for y, v in zip(mine["year"], mine["value"], strict=True)}
    latest_year = max(series)
    latest = series[latest_year]
    if year <= latest_year:
        msg = f"Target year {year} must be after the latest year with data ({latest_year})."
        raise InputError(msg)
    s = _orientation(m.direction, latest, target)
    required = (target - latest) / (year - latest_year)
    need = s * required
    _, slope, n = fit_line(series)
    observed = None if n < 2 else slope
    others = [c for c in (peers if peers is not None else set(ok["city"])) if c != city]
    rates = peer_window_rates(kpis, data_point, cities=others, orientation=s)
    with_data = len(rates)
    achieving = sum(r >= need for r in rates.values())
    share = achieving / with_data if with_data else 0.0
    suggested: float | None = None
    if rates:
        pace = max(float(np.percentile(list(rates.values()), th.suggestion_percentile)), 0.0)
        suggested = _clip(latest + s * pace * (year - latest_year), unit=m.unit, orientation=s)
    own_ok = observed is not None and s * observed >= need
    if need <= 0:
        klass = "achieved"
    elif own_ok or (with_data and share >= th.feasible_share):
        klass = "feasible"
    elif with_data and share >= th.stretch_share and achieving:
        klass = "stretch"
    elif with_data or observed is not None:
        klass = "unrealistic"
    else:
        klass = "insufficient_data"
    label = unit_label(m.unit) if m.unit else ""
    # a change of a percentage is in percentage points, not per cent of itself
    unit = "" if not label else " percentage points" if label == "%" else f" {label}"
    change = "a fall" if required < 0 else "a rise"
    parts = [f"requires {change} of {abs(required):.3g}{unit} a year"]
    if with_data:
        parts.append(f"{achieving} of {with_data} peers achieved that pace in any 3-year window")
    if observed is not None:
        parts.append(f"the city's own trend is {observed:+.3g}{unit} a year")
    message = f"{m.name}: {'; '.join(parts)}: {klass}."
    if klass == "achieved":
        message = f"{m.name}: the latest value {latest:.4g} already meets the target {target:.4g}."
    return PlanResult(
        city=city,
        code=m.code,
        data_point=data_point,
        unit=m.unit,
        latest_year=latest_year,
        latest_value=latest,
        target=target,
        target_year=year,
        required_rate=required,
        observed_rate=observed,
        peers_with_data=with_data,
        peers_achieving=achieving,
        classification=klass,
        suggested_target=suggested,
        message=message,
    )


def suggest_target(
    kpis: pd.DataFrame,
    *,
    city: str,
    data_point: str,
    year: int,
    peers: Sequence[str] | None = None,
    meta: MetaMap | None = None,
    thresholds: PlanThresholds | None = None,
) -> float | None:
    """Return a feasible target for ``year``, or ``None`` when no peer has a 3-year window.

    The 75th percentile (``thresholds.suggestion_percentile``) of the peers' best 3-year
    improvement rates is applied to the city's latest value; see the module notes.
    """
    info = catalogue_meta(meta)
    ok = usable_rows(kpis)
    mine = ok[(ok["city"] == city) & (ok["data_point"] == data_point)]
    if mine.empty:
        return None
    latest = float(mine.sort_values("year")["value"].iloc[-1])
    direction = info[data_point].direction if data_point in info else Direction.NONE
    if direction not in (Direction.HIGHER, Direction.LOWER):
        return None
    result = plan_target(
        kpis,
        city=city,
        data_point=data_point,
        target=latest,
        year=year,
        peers=peers,
        meta=info,
        thresholds=thresholds,
    )
    suggested = result.suggested_target
    return None if suggested is None or math.isnan(suggested) else suggested


__all__ = [
    "WINDOW",
    "PlanResult",
    "PlanThresholds",
    "peer_window_rates",
    "plan_target",
    "suggest_target",
]
