"""The trend table: every series (city x data point) with its trend statuses and projection.

Each series is assessed against the target that applies to its city (see
:func:`citykpi.assess.scoring.resolve_target`); ``top_five_mean`` targets are computed once
from the whole table. The required rates use the target's own ``target_year`` when it has one,
else ``TrendOptions.target_year`` (2030). Series without a usable target still get the
progress measure's method 1 and a projection.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.projection import project, year_target_reached
from citykpi.assess.scoring import resolve_target, top_five_means, usable_rows
from citykpi.assess.targets import TargetSet, default_targets
from citykpi.assess.trends import progress_measure, sdsn_trend

TREND_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "code",
    "data_point",
    "direction",
    "n_years",
    "first_year",
    "latest_year",
    "latest_value",
    "target",
    "target_year",
    "target_set",
    "sdsn_trend",
    "sdsn_arrow",
    "sdsn_ratio",
    "progress_status",
    "progress_score",
    "progress_method",
    "projection_year",
    "projection_2030",
    "projection_low",
    "projection_high",
    "year_target_reached",
    "note",
)


@dataclass(frozen=True, slots=True)
class TrendOptions:
    """Years and interval level of the trend table."""

    base_year: int = 2015
    target_year: int = 2030
    projection_year: int = 2030
    level: float = 0.95


def assess_trends(
    kpis: pd.DataFrame,
    *,
    targets: TargetSet | None = None,
    meta: MetaMap | None = None,
    options: TrendOptions | None = None,
    cities: Collection[str] | None = None,
) -> pd.DataFrame:
    """Return the trend statuses and projection of every series of a KPI table.

    Parameters
    ----------
    kpis
        KPI long table (columns ``city``, ``year``, ``code``, ``data_point``, ``value`` and
        optionally ``status``); rows without a computed or reported value are ignored.
    targets
        The target set; defaults to the bundled default set.
    meta
        Data point metadata; defaults to the bundled catalogue.
    options
        Base, target and projection years and the prediction-interval level.
    cities
        Only assess these cities' series; ``top_five_mean`` targets still come from every city.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TREND_COLUMNS`, one row per city and data point, sorted. The projection
        column is called ``projection_2030`` whatever ``projection_year`` is;
        ``projection_year`` says which year it is for.
    """
    info = catalogue_meta(meta)
    tset = targets if targets is not None else default_targets(meta=info)
    opts = options or TrendOptions()
    computed = top_five_means(kpis, meta=info, targets=tset)
    ok = usable_rows(kpis)
    if cities is not None:
        ok = ok[ok["city"].isin(set(cities))]
    rows: list[dict[str, object]] = []
    grouped: dict[tuple[str, str], dict[int, float]] = {}
    codes: dict[str, str] = {}
    for city, dp, code, year, value in zip(
        ok["city"].astype(str),
        ok["data_point"].astype(str),
        ok["code"].astype(str),
        ok["year"],
        ok["value"],
        strict=True,
    ):
        grouped.setdefault((city, dp), {})[int(year)] = float(value)
        codes[dp] = code
    for (city, dp), series in sorted(grouped.items()):
        res = resolve_target(dp, city, targets=tset, meta=info, computed=computed)
        t = res.target
        goal_year = t.target_year if t is not None and t.target_year else opts.target_year
        sdsn = sdsn_trend(
            series,
            target=res.value,
            direction=res.direction,
            base_year=opts.base_year,
            target_year=goal_year,
        )
        prog = progress_measure(
            series,
            direction=res.direction,
            target=res.value,
            base_year=opts.base_year,
            target_year=goal_year,
            limit=None if t is None else t.limit,
        )
        proj = project(series, year=opts.projection_year, level=opts.level)
        reached = year_target_reached(series, target=res.value, direction=res.direction)
        years = sorted(series)
        notes = [n for n in (res.note, sdsn.note, prog.note) if n]
        rows.append(
            {
                "city": city,
                "code": codes[dp],
                "data_point": dp,
                "direction": res.direction.value,
                "n_years": len(years),
                "first_year": years[0],
                "latest_year": years[-1],
                "latest_value": series[years[-1]],
                "target": math.nan if res.value is None else res.value,
                "target_year": goal_year if res.value is not None else None,
                "target_set": "" if t is None else t.set_name,
                "sdsn_trend": sdsn.status.value,
                "sdsn_arrow": sdsn.status.arrow,
                "sdsn_ratio": math.nan if sdsn.ratio is None else sdsn.ratio,
                "progress_status": prog.status.value,
                "progress_score": math.nan if prog.score is None else prog.score,
                "progress_method": prog.method,
                "projection_year": opts.projection_year,
                "projection_2030": proj.value,
                "projection_low": proj.low,
                "projection_high": proj.high,
                "year_target_reached": str(reached),
                "note": "; ".join(notes),
            }
        )
    out = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    out["target_year"] = out["target_year"].astype("Int64")
    out["progress_method"] = out["progress_method"].astype("Int64")
    return out


__all__ = ["TREND_COLUMNS", "TrendOptions", "assess_trends"]
