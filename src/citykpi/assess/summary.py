"""A one-city summary for the demo: dimension scores, weakest data points, one suggestion.

The weakest data points are the scored ones with the lowest achievement in the city's latest
year (ties by points, then code); each carries its SDSN trend arrow. The suggestion is the
feasible 2030 target (:func:`citykpi.assess.plan.suggest_target`) of the weakest data point for
which peers give one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.plan import PlanResult, plan_target, suggest_target
from citykpi.assess.scoring import aggregate_scores, score_kpis
from citykpi.assess.series import assess_trends
from citykpi.assess.targets import TargetSet, default_targets
from citykpi.errors import InputError


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One dimension's U4SSC score."""

    name: str
    score: float
    band: str
    scored: int


@dataclass(frozen=True, slots=True)
class WeakPoint:
    """A data point the city scores low on, with its trend."""

    code: str
    data_point: str
    name: str
    value: float
    target: float
    achievement: float
    points: int
    sdsn_trend: str
    arrow: str


@dataclass(frozen=True, slots=True)
class CitySummary:
    """What the demo prints for one city."""

    city: str
    year: int
    target_set: str
    dimensions: tuple[DimensionScore, ...]
    weakest: tuple[WeakPoint, ...]
    suggestion: PlanResult | None

    def lines(self) -> list[str]:
        """Return the summary as short lines of text, ready to print."""
        out = [f"{self.city}, {self.year} (targets: {self.target_set})"]
        out += [
            f"  {d.name}: {d.score:.1f} % (band {d.band}, {d.scored} data points)"
            for d in self.dimensions
        ]
        out.append("  Weakest KPIs (each by its weakest data point):")
        out += [
            f"    {w.arrow} {w.name}: {w.value:.4g} vs target {w.target:.4g} "
            f"({w.achievement:.0f} % of target, {w.points} point(s), trend {w.sdsn_trend})"
            for w in self.weakest
        ]
        if self.suggestion is not None:
            s = self.suggestion
            out.append(
                f"  Suggested target: {s.suggested_target:.4g} by {s.target_year} "
                f"for {s.data_point}. {s.message}"
            )
        return out


def summarise_city(
    kpis: pd.DataFrame,
    city: str,
    *,
    targets: TargetSet | None = None,
    meta: MetaMap | None = None,
    peers: list[str] | None = None,
    horizon: int = 2030,
    weakest: int = 5,
) -> CitySummary:
    """Summarise one city's assessment in its latest year.

    Parameters
    ----------
    kpis
        KPI long table with every city (peers and top-five targets come from it).
    city
        The city to summarise.
    targets
        The target set; defaults to the bundled default set.
    meta
        Data point metadata; defaults to the bundled catalogue.
    peers
        Cities to compare with for the suggestion; default every city in ``kpis``.
    horizon
        Year of the suggested target.
    weakest
        How many weak KPIs to list, each by its weakest data point.

    Returns
    -------
    CitySummary
        Dimension scores, the weakest data points with trend arrows, and one suggestion.
    """
    info = catalogue_meta(meta)
    tset = targets if targets is not None else default_targets(meta=info)
    if city not in set(kpis["city"]):
        known = ", ".join(sorted(map(str, set(kpis["city"])))[:10])
        msg = f"City {city!r} is not in the KPI table; cities found: {known}."
        raise InputError(msg)
    scored = score_kpis(kpis, targets=tset, meta=info)
    mine = scored[(scored["city"] == city) & scored["points"].notna()]
    year = int(mine["year"].max()) if not mine.empty else int(kpis["year"].max())
    mine = mine[mine["year"] == year]
    scores = aggregate_scores(mine, meta=info)
    dims = scores[scores["level"] == "dimension"]
    trends = assess_trends(kpis, targets=tset, meta=info, cities=[city])
    arrows = dict(
        zip(
            trends["data_point"],
            zip(trends["sdsn_trend"], trends["sdsn_arrow"], strict=True),
            strict=True,
        )
    )
    # the weakest KPIs, each shown by its weakest data point (five aspects of one KPI would
    # otherwise crowd out every other KPI)
    weak = (
        mine.sort_values(["achievement", "points", "code", "data_point"])
        .drop_duplicates("code")
        .head(weakest)
    )
    weak_points = tuple(
        WeakPoint(
            code=str(r["code"]),
            data_point=str(r["data_point"]),
            name=info[str(r["data_point"])].name,
            value=float(r["value"]),
            target=float(r["target"]),
            achievement=float(r["achievement"]),
            points=int(r["points"]),
            sdsn_trend=arrows.get(str(r["data_point"]), ("insufficient_data", "·"))[0],
            arrow=arrows.get(str(r["data_point"]), ("insufficient_data", "·"))[1],
        )
        for r in weak.to_dict(orient="records")
    )
    suggestion: PlanResult | None = None
    for w in weak_points:
        value = suggest_target(
            kpis, city=city, data_point=w.data_point, year=horizon, peers=peers, meta=info
        )
        if value is not None and not math.isnan(value) and value != w.value:
            suggestion = plan_target(
                kpis,
                city=city,
                data_point=w.data_point,
                target=value,
                year=horizon,
                peers=peers,
                meta=info,
            )
            break
    return CitySummary(
        city=city,
        year=year,
        target_set=tset.name,
        dimensions=tuple(
            DimensionScore(str(r["name"]), float(r["score"]), str(r["band"]), int(r["scored"]))
            for r in dims.to_dict(orient="records")
        ),
        weakest=weak_points,
        suggestion=suggestion,
    )


__all__ = ["CitySummary", "DimensionScore", "WeakPoint", "summarise_city"]
