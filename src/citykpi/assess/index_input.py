"""The inputs of the U4SSC city index, prepared from the KPI table, the catalogue and targets.

This module turns the KPI long table of ``citykpi compute`` into the composite-index engine's
input tables, without importing the engine (it sits in ``assess``, before ``index``): a COINr-style
``iData`` frame (one row per city), an ``iMeta`` frame (the U4SSC structure) and the numeric
targets that serve as SDSN upper bounds. :mod:`citykpi.frameworks.u4ssc` hands them to the engine.

Structure (from the catalogue): KPI data points -> categories -> sub-dimensions -> dimensions ->
the index. Codes follow the U4SSC KPI codes: a data point keeps its catalogue id, a category is
coded by the first three parts of its KPIs' codes (``"EC: ICT: ICT"``), a sub-dimension by the
first two (``"EC: ICT"``), a dimension by the first (``"EC"``); the index is ``"GSSCI"``. All
weights are equal (SDSN convention).

Preparation, following the SDSN city indices (methods.md section 1):

1. **Year**: the given ``year``, else the latest year in the table; only values with status
   ``computed`` or ``reported`` count.
2. **Directions** from the catalogue: ``higher`` -> +1, ``lower`` -> -1. Data points with
   direction ``none`` are reported but not scored (left out). ``target_range`` data points are
   scored by their distance to their numeric target in the target set (e.g. gender income
   equity: ``|x - 1|``, lower is better); one without a numeric target is left out.
3. **Coverage**: a data point reported by fewer than ``min_coverage`` (default 80 %, as the SDSN
   US Cities index) of the cities, or with the same value for every city, is left out.
4. **Upper bounds**: a data point's numeric target from the target set (default: citykpi's) is
   kept as its ``Target`` when it is better than the 2.5th percentile (direction-adjusted);
   otherwise the engine's SDSN normalisation uses the mean of the five best cities.
5. **Profiles**: the ``iData`` frame carries the columns of the cities profile table, including
   ``population_class`` (from ``population`` when the table has no such column), so a spec can
   impute by peer group.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from citykpi.assess.scoring import usable_rows
from citykpi.assess.targets import TargetKind, TargetSet, default_targets
from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.errors import InputError
from citykpi.model import Direction
from citykpi.tables import profile_frame

#: Code of the top node.
INDEX_CODE: Final = "GSSCI"
#: Columns of the iMeta frame :func:`u4ssc_meta` returns.
META_COLUMNS: Final[tuple[str, ...]] = (
    "Level",
    "iCode",
    "iName",
    "Parent",
    "Weight",
    "Direction",
    "Type",
    "Target",
)


@dataclass(frozen=True)
class IndexInput:
    """What the engine needs to build the U4SSC index, and what was left out, and why.

    Attributes
    ----------
    year
        The year scored.
    data
        The iData frame: ``uCode``, ``uName``, one column per scored data point (in the order of
        :attr:`meta`'s indicators), then the profile columns when a profile table was given.
    meta
        The iMeta frame (:data:`META_COLUMNS`) of the U4SSC structure over the scored data points.
    dropped_data_points
        Data points left out of the index, with the reason.
    share_missing
        Share of the scored data points each city lacks (before imputation).
    """

    year: int
    data: pd.DataFrame
    meta: pd.DataFrame
    dropped_data_points: dict[str, str] = field(default_factory=dict)
    share_missing: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        """Return the display name of every code of :attr:`meta`."""
        return {str(c): str(n) for c, n in zip(self.meta["iCode"], self.meta["iName"], strict=True)}


def u4ssc_meta(
    catalogue: Catalogue,
    data_points: list[str],
    *,
    targets: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return the iMeta frame of the U4SSC structure over ``data_points``.

    Parameters
    ----------
    catalogue
        The KPI catalogue whose codes give the categories, sub-dimensions and dimensions.
    data_points
        The data points to place (others of the catalogue are left out).
    targets
        Numeric targets by data point, written to the ``Target`` column (SDSN upper bounds).

    Returns
    -------
    pandas.DataFrame
        One row per data point (in catalogue order), then one per aggregate (categories,
        sub-dimensions, dimensions in order of first appearance, the index first), with the
        columns :data:`META_COLUMNS`; every weight is 1.
    """
    indicators: list[dict[str, object]] = []
    names: dict[str, str] = {INDEX_CODE: "Global Smart Sustainable City Index"}
    aggregates: dict[str, tuple[int, str | None]] = {INDEX_CODE: (5, None)}
    wanted = set(data_points)
    for kpi, dp in catalogue.iter_data_points():
        if dp.id not in wanted:
            continue
        parts = [p.strip() for p in kpi.code.split(":")]
        dim, sub, cat = parts[0], ": ".join(parts[:2]), ": ".join(parts[:3])
        aggregates.setdefault(dim, (4, INDEX_CODE))
        aggregates.setdefault(sub, (3, dim))
        aggregates.setdefault(cat, (2, sub))
        names.setdefault(dim, kpi.dimension)
        names.setdefault(sub, kpi.sub_dimension)
        names.setdefault(cat, kpi.category)
        # target_range data points are scored as a distance to the target: lower is better
        direction = -1 if dp.direction in (Direction.LOWER, Direction.TARGET_RANGE) else 1
        target = float(targets[dp.id]) if targets is not None and dp.id in targets else math.nan
        indicators.append(
            {
                "Level": 1,
                "iCode": dp.id,
                "iName": dp.name,
                "Parent": cat,
                "Weight": 1.0,
                "Direction": direction,
                "Type": "Indicator",
                "Target": target,
            }
        )
    groups = [
        {
            "Level": level,
            "iCode": code,
            "iName": names.get(code, code),
            "Parent": parent,
            "Weight": 1.0,
            "Direction": math.nan,
            "Type": "Aggregate",
            "Target": math.nan,
        }
        for code, (level, parent) in aggregates.items()
    ]
    return pd.DataFrame([*indicators, *groups], columns=list(META_COLUMNS))


def u4ssc_input(
    kpis: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    year: int | None = None,
    cities: pd.DataFrame | None = None,
    targets: TargetSet | None = None,
    min_coverage: float = 0.8,
) -> IndexInput:
    """Prepare the U4SSC index inputs from a KPI long table (columns of ``model.KPI_COLUMNS``).

    Parameters
    ----------
    kpis
        The table written by ``citykpi compute`` (``city, year, code, data_point, value,
        status``, ...).
    catalogue
        The KPI catalogue (default: the bundled one).
    year
        Year to score (default: the latest year in the table).
    cities
        City profiles (``city`` or ``name``, ``population``, ...): peer groups for imputation.
    targets
        Target set whose numeric targets are the SDSN upper bounds and the centres that
        ``target_range`` data points are scored against (default: citykpi's).
    min_coverage
        Minimum share of cities reporting a data point for it to be scored.

    Returns
    -------
    IndexInput
        The iData and iMeta frames, and the data points left out with the reason.

    Raises
    ------
    InputError
        The table lacks a column, has no usable value, none for ``year``, or no data point
        that can be scored.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    wide, the_year = _wide_values(kpis, year=year)
    directions = {dp.id: dp.direction for _, dp in cat.iter_data_points()}
    value_targets = _value_targets(targets if targets is not None else default_targets())
    dropped = _scored_directions(wide, directions, value_targets)
    dropped.update(_poorly_covered(wide, skip=dropped, min_coverage=min_coverage))
    keep = [str(c) for c in wide.columns if str(c) not in dropped]
    if not keep:
        msg = (
            f"No data point of year {the_year} can be scored (every one was left out: e.g. "
            f"{next(iter(dropped.items()), ('', ''))!r}); lower min_coverage or add data."
        )
        raise InputError(msg)
    value_targets = _usable_targets(wide[keep], value_targets, directions)
    meta = u4ssc_meta(cat, keep, targets=value_targets)
    indicators = [str(c) for c in meta.loc[meta["Type"] == "Indicator", "iCode"]]
    data = wide[indicators].copy()
    share_missing = data.isna().mean(axis=1)
    data.insert(0, "uCode", [str(c) for c in data.index])
    data.insert(1, "uName", [str(c) for c in data.index])
    if cities is not None:
        prof = _profiles(cities).astype(str)
        joined = prof.reindex([str(c) for c in data.index]).fillna("unknown")
        for field_name in prof.columns:
            data[str(field_name)] = joined[field_name].to_numpy()
    return IndexInput(
        year=the_year,
        data=data.reset_index(drop=True),
        meta=meta,
        dropped_data_points=dropped,
        share_missing={str(c): float(s) for c, s in share_missing.items()},
    )


def _wide_values(kpis: pd.DataFrame, *, year: int | None) -> tuple[pd.DataFrame, int]:
    """Return the usable values of one year, one row per city and one column per data point."""
    missing_cols = [c for c in ("city", "year", "data_point", "value") if c not in kpis.columns]
    if missing_cols:
        msg = (
            f"The KPI table lacks the column(s) {missing_cols!r}; give the table written by "
            "'citykpi compute'."
        )
        raise InputError(msg)
    rows = usable_rows(kpis)
    if rows.empty:
        msg = "The KPI table has no computed or reported value to build an index from."
        raise InputError(msg)
    years = rows["year"]  # the KPI table is typed once (citykpi.tables.KPI): year is an integer
    the_year = int(years.max()) if year is None else int(year)
    rows = rows[years == the_year]
    if rows.empty:
        msg = (
            f"The KPI table has no value for year {the_year}; years present: "
            f"{sorted({int(y) for y in years})}."
        )
        raise InputError(msg)
    wide = rows.pivot_table(
        index="city", columns="data_point", values="value", aggfunc="last"
    ).astype(float)
    return wide, the_year


def _scored_directions(
    wide: pd.DataFrame, directions: Mapping[str, Direction], targets: Mapping[str, float]
) -> dict[str, str]:
    """Drop data points without a scoring direction; turn target ranges into distances in place.

    The centre of a target range is the data point's numeric target in ``targets`` (one source
    of truth: the target set, e.g. gender income equity 1 in the default set).
    """
    dropped: dict[str, str] = {}
    for dp_id in list(wide.columns):
        direction = directions.get(str(dp_id))
        if direction is None:
            dropped[str(dp_id)] = "not in the catalogue"
        elif direction is Direction.NONE:
            dropped[str(dp_id)] = "direction 'none': reported, not scored"
        elif direction is Direction.TARGET_RANGE:
            target = targets.get(str(dp_id))
            if target is None:
                dropped[str(dp_id)] = "direction 'target_range' without a known target value"
            else:
                wide[dp_id] = (wide[dp_id] - target).abs()
    return dropped


def _poorly_covered(
    wide: pd.DataFrame, *, skip: Mapping[str, str], min_coverage: float
) -> dict[str, str]:
    """Return the data points too few cities report, or that do not vary, with the reason."""
    dropped: dict[str, str] = {}
    n_cities = len(wide.index)
    for dp_id in wide.columns:
        if str(dp_id) in skip:
            continue
        col = wide[dp_id].dropna()
        if len(col) < min_coverage * n_cities:
            dropped[str(dp_id)] = (
                f"reported by {len(col)} of {n_cities} cities, below the {min_coverage:.0%} "
                "coverage needed"
            )
        elif col.nunique() < 2:
            dropped[str(dp_id)] = "the same value for every city (no spread to score)"
    return dropped


def _value_targets(targets: TargetSet) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in targets:
        if t.city == "" and t.kind is TargetKind.VALUE and t.value is not None:
            out[t.data_point] = float(t.value)
    return out


def _usable_targets(
    data: pd.DataFrame,
    targets: dict[str, float],
    directions: Mapping[str, Direction],
) -> dict[str, float]:
    """Keep targets better than the 2.5th-percentile lower bound (else the top-5 mean is used)."""
    out: dict[str, float] = {}
    for dp_id, target in targets.items():
        if dp_id not in data.columns or directions.get(dp_id) not in (
            Direction.HIGHER,
            Direction.LOWER,
        ):
            continue
        d = -1.0 if directions[dp_id] is Direction.LOWER else 1.0
        v = data[dp_id].dropna().to_numpy(dtype=float) * d
        lower = float(np.percentile(v, 2.5))
        if target * d > lower:
            out[dp_id] = target
    return out


def _profiles(cities: pd.DataFrame) -> pd.DataFrame:
    """Return the profile table (typed once, by :func:`citykpi.tables.profile_frame`) by city."""
    frame = profile_frame(cities)
    frame["population_class"] = frame["population_class"].replace("", "unknown")
    return frame.drop_duplicates("city").set_index("city")


__all__ = [
    "INDEX_CODE",
    "META_COLUMNS",
    "IndexInput",
    "u4ssc_input",
    "u4ssc_meta",
]
