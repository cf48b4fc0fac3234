"""The U4SSC Global Smart Sustainable City Index, built from the KPI table of ``citykpi compute``.

:func:`citykpi.assess.index_input.u4ssc_input` prepares the engine inputs (the year, the data
points scored and why others were left out, target-range distances, the U4SSC structure and the
SDSN upper bounds; see its module docstring); this module runs the engine on them with the
default method (:data:`DEFAULT_SPEC`), following the SDSN city indices (methods.md section 1):

1. **Screening**: a city missing more than ``max_missing`` (20 %) of the scored data points gets
   no score and no rank (SDR 2023-2024 rule); :attr:`U4sscIndex.excluded_cities` lists them.
2. **Imputation**: the remaining gaps get the mean of the city's peer group (population class
   from the cities profile table); gaps left (a whole peer group without the value), or every
   gap when no profile is given, get the mean of all cities.
3. **Normalisation**: SDSN bounds: lower bound = 2.5th percentile (direction-adjusted), upper
   bound = the data point's numeric target from citykpi's default target set (assess) when there
   is one and it is better than the lower bound, else the mean of the five best cities; scores
   censored to 0-100.
4. **Aggregation**: arithmetic means with equal weights at every level.

A spec given by the caller replaces steps 1-4 (its screening, imputation, normalisation and
aggregation run on the prepared data; the unit data carry the profile columns, including
``population_class``, so ``impute: {method: mean_group, group: region}`` works).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from citykpi.assess.index_input import INDEX_CODE, u4ssc_input, u4ssc_meta
from citykpi.assess.targets import TargetSet
from citykpi.catalogue import Catalogue
from citykpi.errors import InputError
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.imeta import hierarchy_from_meta
from citykpi.index.pipeline import IndexResult, build_index
from citykpi.index.spec import IndexSpec, parse_spec
from citykpi.index.uncertainty import UncertaintyAnalysis
from citykpi.index.uncertainty_spec import parse_uncertainty_spec

#: Names of the levels, from the data points up.
LEVEL_NAMES: Final[tuple[str, ...]] = (
    "Data point",
    "Category",
    "Sub-dimension",
    "Dimension",
    "Index",
)


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


def u4ssc_hierarchy(
    catalogue: Catalogue,
    data_points: list[str],
    *,
    targets: Mapping[str, float] | None = None,
) -> tuple[Hierarchy, dict[str, str]]:
    """Return the U4SSC hierarchy over ``data_points`` and the display names of its codes.

    Parameters
    ----------
    catalogue
        The KPI catalogue whose codes give the structure.
    data_points
        The data points to place.
    targets
        Numeric targets by data point (the indicators' ``Target`` parameter).

    Returns
    -------
    tuple of Hierarchy and dict
        The checked structure (:data:`LEVEL_NAMES`) and the name of every code.
    """
    meta = u4ssc_meta(catalogue, data_points, targets=targets)
    names = {str(c): str(n) for c, n in zip(meta["iCode"], meta["iName"], strict=True)}
    return hierarchy_from_meta(meta, level_names=LEVEL_NAMES), names


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
        Target set whose numeric targets are the SDSN upper bounds and the centres that
        ``target_range`` data points are scored against (default: citykpi's).
    min_coverage
        Minimum share of cities reporting a data point for it to be scored.
    max_missing
        Maximum share of missing scored data points for a city to get a score.

    Returns
    -------
    U4sscIndex
        The build plus the cities and data points left out, with reasons.

    Raises
    ------
    InputError
        The KPI table cannot give an index (see :func:`~citykpi.assess.index_input.u4ssc_input`),
        or fewer than 2 cities have enough data.
    """
    inputs = u4ssc_input(
        kpis,
        catalogue=catalogue,
        year=year,
        cities=cities,
        targets=targets,
        min_coverage=min_coverage,
    )
    hierarchy = hierarchy_from_meta(inputs.meta, level_names=LEVEL_NAMES)
    if spec is None:
        the_spec = parse_spec(default_spec(peer_groups=cities is not None))
        the_spec = _with_threshold(the_spec, 1.0 - max_missing)
    else:
        the_spec = parse_spec(spec)
    n_scorable = sum(share <= max_missing for share in inputs.share_missing.values())
    if n_scorable < 2:
        msg = (
            f"Only {n_scorable} city has enough data in {inputs.year} (at most {max_missing:.0%} "
            "missing); an index needs at least 2 cities."
        )
        raise InputError(msg)
    result = build_index(inputs.data.copy(), hierarchy, the_spec)
    return U4sscIndex(
        result=result,
        year=inputs.year,
        data=inputs.data,
        excluded_cities={
            city: share for city, share in inputs.share_missing.items() if city not in result.units
        },
        dropped_data_points=inputs.dropped_data_points,
        names=inputs.names,
    )


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
    "U4sscIndex",
    "build_u4ssc_index",
    "default_spec",
    "u4ssc_hierarchy",
]
