"""The U4SSC Global Smart Sustainable City Index, built from the KPI table of ``citykpi compute``.

Structure (from the catalogue): KPI data points -> categories -> sub-dimensions -> dimensions ->
the index. Codes follow the U4SSC KPI codes: a data point keeps its catalogue id, a category is
coded by the first three parts of its KPIs' codes (``"EC: ICT: ICT"``), a sub-dimension by the
first two (``"EC: ICT"``), a dimension by the first (``"EC"``); the index is ``"GSSCI"``. All
weights are equal (SDSN convention).

Default method (:data:`DEFAULT_SPEC`), following the SDSN city indices (methods.md section 1):

1. **Year**: the given ``year``, else the latest year in the table; only values with status
   ``computed`` or ``reported`` count.
2. **Directions** from the catalogue: ``higher`` -> +1, ``lower`` -> -1. Data points with
   direction ``none`` are reported but not scored (left out). ``target_range`` data points are
   scored by their distance to the target value (:data:`TARGET_RANGE_TARGETS`, e.g. gender
   income equity: ``|x - 1|``, lower is better); one without a known target is left out.
3. **Coverage**: a data point reported by fewer than ``min_coverage`` (default 80 %, as the SDSN
   US Cities index) of the cities, or with the same value for every city, is left out.
4. **Screening**: a city missing more than ``max_missing`` (20 %) of the scored data points gets
   no score and no rank (SDR 2023-2024 rule); :attr:`U4sscIndex.excluded_cities` lists them.
5. **Imputation**: the remaining gaps get the mean of the city's peer group (population class
   from the cities profile table); gaps left (a whole peer group without the value), or every
   gap when no profile is given, get the mean of all cities.
6. **Normalisation**: SDSN bounds: lower bound = 2.5th percentile (direction-adjusted), upper
   bound = the data point's numeric target from citykpi's default target set (assess) when there
   is one and it is better than the lower bound, else the mean of the five best cities; scores
   censored to 0-100.
7. **Aggregation**: arithmetic means with equal weights at every level.

A spec given by the caller replaces steps 4-7 (its screening, imputation, normalisation and
aggregation run on the data of steps 1-3; the unit data carry the profile columns, including
``population_class``, so ``impute: {method: mean_group, group: region}`` works).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from citykpi.assess.peers import population_class
from citykpi.assess.scoring import usable_rows
from citykpi.assess.targets import TargetKind, TargetSet, default_targets
from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.errors import InputError
from citykpi.index.hierarchy import Hierarchy, Node, make_hierarchy
from citykpi.index.pipeline import IndexResult, build_index
from citykpi.index.spec import IndexSpec, parse_spec
from citykpi.index.uncertainty import UncertaintyAnalysis
from citykpi.index.uncertainty_spec import parse_uncertainty_spec
from citykpi.model import Direction

#: Code of the top node.
INDEX_CODE: Final = "GSSCI"
#: Names of the levels, from the data points up.
LEVEL_NAMES: Final[tuple[str, ...]] = (
    "Data point",
    "Category",
    "Sub-dimension",
    "Dimension",
    "Index",
)
#: Targets of ``target_range`` data points: scored as ``|x - target|``, lower is better.
TARGET_RANGE_TARGETS: Final[dict[str, float]] = {"gender_income_equity": 1.0}


def default_spec(*, peer_groups: bool) -> dict[str, Any]:
    """Return the default U4SSC spec (see the module docstring), with or without peer groups."""
    impute: list[dict[str, Any]] = [{"step": "impute", "method": "mean"}]
    if peer_groups:  # peer-group mean first; the column mean fills groups with no data
        impute.insert(0, {"step": "impute", "method": "mean_group", "group": "population_class"})
    return {
        "name": "U4SSC Global Smart Sustainable City Index",
        "level_names": list(LEVEL_NAMES),
        "steps": [
            {"step": "screen", "unit_screen": "byNA", "dat_thresh": 0.8},
            *impute,
            {"step": "normalise", "method": "sdsn", "percentile": 2.5},
            {"step": "aggregate", "method": "amean", "weights": "equal"},
        ],
    }


#: The default spec without a cities profile table.
DEFAULT_SPEC: Final[dict[str, Any]] = default_spec(peer_groups=False)


@dataclass(frozen=True)
class U4sscIndex:
    """The city index and what was left out, and why.

    Attributes
    ----------
    result
        The full build (data sets, ranks, log) over the scored cities.
    year
        The year scored.
    data
        The iData the build ran on (``uCode`` = city, profile columns, one column per scored
        data point), for an uncertainty analysis of the same build.
    excluded_cities
        Cities without a score, with their share of missing data points.
    dropped_data_points
        Data points left out of the index, with the reason.
    names
        Display name of every code of the hierarchy.
    """

    result: IndexResult
    year: int
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded_cities: dict[str, float] = field(default_factory=dict)
    dropped_data_points: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def uncertainty(self, *, seed: int = 1) -> UncertaintyAnalysis:
        """Return the default uncertainty analysis of this index (:data:`DEFAULT_UNCERTAINTY`).

        Run it with ``.run(n, seed=seed)`` for rank intervals.
        """
        return UncertaintyAnalysis(
            self.data,
            self.result.hierarchy,
            self.result.spec,
            parse_uncertainty_spec(DEFAULT_UNCERTAINTY),
            seed=seed,
        )

    def scores_long(self) -> pd.DataFrame:
        """Return one row per city and node: level, code, name, score and rank."""
        h = self.result.hierarchy
        scores = self.result.scores
        rows: list[dict[str, object]] = []
        for code in h.codes:
            level = h.node(code).level
            for city in scores.index:
                rows.append(
                    {
                        "city": city,
                        "year": self.year,
                        "level": LEVEL_NAMES[level - 1] if level <= len(LEVEL_NAMES) else level,
                        "code": code,
                        "name": self.names.get(code, code),
                        "score": float(scores.loc[city, code]),
                        "rank": float(self.result.ranks.loc[city, code]),
                    }
                )
        return pd.DataFrame(rows)


#: Uncertain inputs of the default U4SSC uncertainty analysis (``UA.yaml`` format of
#: :mod:`citykpi.index.uncertainty_spec`): equal weights perturbed by +-25 % at every aggregation
#: level (100 sets), and SDSN bounds against plain min-max normalisation.
DEFAULT_UNCERTAINTY: Final[dict[str, Any]] = {
    "inputs": [
        {
            "name": "weights",
            "type": "noisy_weights",
            "noise": {2: 0.25, 3: 0.25, 4: 0.25},
            "sets": 100,
        },
        {
            "name": "normalisation",
            "type": "discrete",
            "address": "normalise",
            "values": [
                {"method": "sdsn", "percentile": 2.5},
                {"method": "minmax", "lower": 0, "upper": 100},
            ],
        },
    ]
}


def u4ssc_hierarchy(
    catalogue: Catalogue,
    data_points: list[str],
    *,
    targets: Mapping[str, float] | None = None,
) -> tuple[Hierarchy, dict[str, str]]:
    """Return the U4SSC hierarchy over ``data_points`` and the display names of its codes."""
    nodes: list[Node] = []
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
        names[dp.id] = dp.name
        direction = -1 if dp.direction is Direction.LOWER else 1
        if dp.direction is Direction.TARGET_RANGE:
            direction = -1
        params = {}
        if targets is not None and dp.id in targets:
            params["Target"] = float(targets[dp.id])
        nodes.append(Node(dp.id, dp.name, 1, cat, 1.0, direction, None, params))
    for code, (level, parent) in aggregates.items():
        nodes.append(Node(code, names.get(code, code), level, parent, 1.0))
    return make_hierarchy(nodes, level_names=LEVEL_NAMES), names


def _value_targets(targets: TargetSet) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in targets:
        if t.city == "" and t.kind is TargetKind.VALUE and t.value is not None:
            out[t.data_point] = float(t.value)
    return out


def _profiles(cities: pd.DataFrame) -> pd.DataFrame:
    frame = cities.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "city" not in frame.columns and "name" in frame.columns:
        frame = frame.rename(columns={"name": "city"})
    if "city" not in frame.columns:
        msg = "The cities profile table needs a 'city' (or 'name') column; add one."
        raise InputError(msg)
    if "population_class" not in frame.columns and "population" in frame.columns:
        pops = pd.to_numeric(frame["population"], errors="coerce")
        frame["population_class"] = [
            population_class(float(p)) if not math.isnan(float(p)) else "unknown" for p in pops
        ]
    return frame.drop_duplicates("city").set_index("city")


def build_u4ssc_index(
    kpis: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    spec: Mapping[str, Any] | IndexSpec | None = None,
    year: int | None = None,
    cities: pd.DataFrame | None = None,
    targets: TargetSet | None = None,
    min_coverage: float = 0.8,
    max_missing: float = 0.2,
) -> U4sscIndex:
    """Build the U4SSC city index from a KPI long table (columns of ``model.KPI_COLUMNS``).

    Parameters
    ----------
    kpis
        The table written by ``citykpi compute`` (``city, year, code, data_point, value,
        status``, ...).
    catalogue
        The KPI catalogue (default: the bundled one).
    spec
        A spec replacing the default method (screening, imputation, normalisation,
        aggregation).
    year
        Year to score (default: the latest year in the table).
    cities
        City profiles (``city`` or ``name``, ``population``, ...): peer groups for imputation.
    targets
        Target set whose numeric targets are the SDSN upper bounds (default: citykpi's).
    min_coverage
        Minimum share of cities reporting a data point for it to be scored.
    max_missing
        Maximum share of missing scored data points for a city to get a score.

    Returns
    -------
    U4sscIndex
        The build plus the cities and data points left out, with reasons.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
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
    years = pd.to_numeric(rows["year"], errors="coerce")
    the_year = int(years.max()) if year is None else int(year)
    rows = rows[years == the_year]
    if rows.empty:
        msg = (
            f"The KPI table has no value for year {the_year}; years present: "
            f"{sorted({int(y) for y in years.dropna()})}."
        )
        raise InputError(msg)
    wide = rows.pivot_table(
        index="city", columns="data_point", values="value", aggfunc="last"
    ).astype(float)
    directions = {dp.id: dp.direction for _, dp in cat.iter_data_points()}
    dropped: dict[str, str] = {}
    for dp_id in list(wide.columns):
        direction = directions.get(str(dp_id))
        if direction is None:
            dropped[str(dp_id)] = "not in the catalogue"
        elif direction is Direction.NONE:
            dropped[str(dp_id)] = "direction 'none': reported, not scored"
        elif direction is Direction.TARGET_RANGE:
            target = TARGET_RANGE_TARGETS.get(str(dp_id))
            if target is None:
                dropped[str(dp_id)] = "direction 'target_range' without a known target value"
            else:
                wide[dp_id] = (wide[dp_id] - target).abs()
    n_cities = len(wide.index)
    for dp_id in wide.columns:
        if str(dp_id) in dropped:
            continue
        col = wide[dp_id].dropna()
        if len(col) < min_coverage * n_cities:
            dropped[str(dp_id)] = (
                f"reported by {len(col)} of {n_cities} cities, below the {min_coverage:.0%} "
                "coverage needed"
            )
        elif col.nunique() < 2:
            dropped[str(dp_id)] = "the same value for every city (no spread to score)"
    keep = [str(c) for c in wide.columns if str(c) not in dropped]
    if not keep:
        msg = (
            f"No data point of year {the_year} can be scored (every one was left out: e.g. "
            f"{next(iter(dropped.items()), ('', ''))!r}); lower min_coverage or add data."
        )
        raise InputError(msg)
    value_targets = _value_targets(targets if targets is not None else default_targets())
    value_targets = _usable_targets(wide[keep], value_targets, directions)
    hierarchy, names = u4ssc_hierarchy(cat, keep, targets=value_targets)
    data = wide[list(hierarchy.indicators)].copy()
    share_missing = data.isna().mean(axis=1)
    n_scorable = int((share_missing <= max_missing).sum())
    data.insert(0, "uCode", [str(c) for c in data.index])
    data.insert(1, "uName", [str(c) for c in data.index])
    if cities is not None:
        prof = _profiles(cities).astype(str)
        joined = prof.reindex([str(c) for c in data.index]).fillna("unknown")
        for field_name in prof.columns:
            data[str(field_name)] = joined[field_name].to_numpy()
    if spec is None:
        the_spec = parse_spec(default_spec(peer_groups=cities is not None))
        the_spec = _with_threshold(the_spec, 1.0 - max_missing)
    else:
        the_spec = parse_spec(spec)
    if n_scorable < 2:
        msg = (
            f"Only {n_scorable} city has enough data in {the_year} (at most {max_missing:.0%} "
            "missing); an index needs at least 2 cities."
        )
        raise InputError(msg)
    result = build_index(data.reset_index(drop=True), hierarchy, the_spec)
    return U4sscIndex(
        result=result,
        year=the_year,
        data=data.reset_index(drop=True),
        excluded_cities={
            str(c): float(s) for c, s in share_missing.items() if str(c) not in result.units
        },
        dropped_data_points=dropped,
        names=names,
    )


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


def _with_threshold(spec: IndexSpec, dat_thresh: float) -> IndexSpec:
    steps = [
        s.model_copy(update={"dat_thresh": dat_thresh}) if s.step == "screen" else s
        for s in spec.steps
    ]
    return spec.model_copy(update={"steps": steps})


__all__ = [
    "DEFAULT_SPEC",
    "DEFAULT_UNCERTAINTY",
    "INDEX_CODE",
    "LEVEL_NAMES",
    "TARGET_RANGE_TARGETS",
    "U4sscIndex",
    "build_u4ssc_index",
    "default_spec",
    "u4ssc_hierarchy",
]
