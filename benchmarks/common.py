"""Shared set-up of the benchmarks: the ASEM example, a synthetic city index, measurements.

Every benchmark measures in one process: the batched engine, then the plain per-replication
rebuild loop (one :func:`citykpi.index.build_index` call per replication, the way COINr's
``get_sensitivity`` rebuilds the coin) on a subsample of the same replications, extrapolated
linearly to all of them and stated as such.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from citykpi.catalogue import load_catalogue
from citykpi.index import Hierarchy, Node, build_index, hierarchy_from_meta, make_hierarchy
from citykpi.index.uncertainty import UncertaintyAnalysis
from citykpi.index.uncertainty_apply import apply_values
from citykpi.index.uncertainty_spec import UncertaintySpec, Value, parse_uncertainty_spec
from citykpi.model import Direction

REF = Path(__file__).resolve().parents[1] / "tests" / "index" / "data" / "coinr"

#: COINr's build_example_coin() pipeline (reference case F01).
F01_SPEC: dict[str, Any] = {
    "steps": [
        {"step": "denominate"},
        {"step": "impute", "method": "mean_group", "group": "EurAsia_group"},
        {"step": "screen", "dat_thresh": 0.9, "unit_screen": "byNA"},
        {"step": "treat", "winmax": 5},
        {"step": "normalise", "method": "minmax", "lower": 0, "upper": 100},
        {"step": "aggregate", "method": "amean"},
    ]
}


def guide_inputs(levels: tuple[int, ...] = (2, 3)) -> UncertaintySpec:
    """Return the four uncertain choices of COINr's sensitivity-analysis guide."""
    return parse_uncertainty_spec(
        {
            "inputs": [
                {"name": "winmax", "address": "treat.winmax", "values": [1, 2, 3, 4, 5]},
                {
                    "name": "normalisation",
                    "address": "normalise",
                    "values": [
                        {"method": "minmax", "lower": 1, "upper": 100},
                        {"method": "zscore", "mean": 10, "sd": 2},
                    ],
                },
                {
                    "name": "weights",
                    "type": "noisy_weights",
                    "noise": dict.fromkeys(levels, 0.25),
                    "sets": 100,
                },
                {
                    "name": "aggregation",
                    "address": "aggregate.method",
                    "values": ["amean", "gmean"],
                },
            ]
        }
    )


def asem() -> tuple[pd.DataFrame, Hierarchy]:
    """Return the ASEM iData and structure shipped with COINr."""
    meta = pd.read_csv(REF / "asem_imeta.csv")
    return pd.read_csv(REF / "asem_idata.csv"), hierarchy_from_meta(meta)


def synthetic_cities(n_cities: int, *, seed: int = 0) -> tuple[pd.DataFrame, Hierarchy]:
    """Return fictional cities scored on the 112 U4SSC KPI data points of the catalogue.

    The structure is the catalogue's: data points -> categories -> sub-dimensions ->
    dimensions -> index (145 nodes, 5 levels). Values are normal (mean 50, sd 10), 5 % missing,
    with one extreme outlier (30 sd, on the better side) in every tenth column, so that the
    outlier treatment has work to do and every alternative of the four guide choices is valid
    (z-scores stay well above -5, so the geometric mean never sees a value <= 0). A peer-group
    column ``region`` (5 groups) serves group imputation.
    """
    cat = load_catalogue()
    nodes: list[Node] = []
    seen: set[str] = set()
    codes: list[str] = []
    directions: list[int] = []
    for kpi, dp in cat.iter_data_points():
        dim = f"D:{kpi.dimension}"
        sub = f"S:{kpi.dimension}/{kpi.sub_dimension}"
        catg = f"C:{kpi.dimension}/{kpi.sub_dimension}/{kpi.category}"
        direction = -1 if dp.direction == Direction.LOWER else 1
        nodes.append(Node(dp.id, dp.name, 1, catg, 1.0, direction=direction))
        codes.append(dp.id)
        directions.append(direction)
        for code, level, parent in ((catg, 2, sub), (sub, 3, dim), (dim, 4, "Index")):
            if code not in seen:
                seen.add(code)
                nodes.append(Node(code, code, level, parent, 1.0))
    nodes.append(Node("Index", "Global Smart Sustainable City Index", 5, None, 1.0))
    rng = np.random.default_rng(seed)
    x = rng.normal(50.0, 10.0, size=(n_cities, len(codes)))
    for j in range(0, len(codes), 10):
        x[rng.integers(n_cities), j] = 50.0 + 300.0 * directions[j]
    x[rng.random(x.shape) < 0.05] = np.nan
    data = pd.DataFrame(x, columns=codes)
    data.insert(0, "uCode", [f"C{i:04d}" for i in range(n_cities)])
    data.insert(1, "region", [f"R{i % 5}" for i in range(n_cities)])
    return data, make_hierarchy(nodes)


#: The synthetic city pipeline: impute by peer group, treat, normalise, aggregate.
CITY_SPEC: dict[str, Any] = {
    "steps": [
        {"step": "impute", "method": "mean_group", "group": "region"},
        {"step": "treat", "winmax": 5},
        {"step": "normalise", "method": "minmax", "lower": 0, "upper": 100},
        {"step": "aggregate", "method": "amean"},
    ]
}


def peak_rss_mib() -> float:
    """Return the peak resident memory of this process (and of finished children), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def timed(func: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Return the best wall time of ``repeat`` calls and the last result."""
    best, _, out = timed_cpu(func, repeat)
    return best, out


def timed_cpu(func: Callable[[], Any], repeat: int = 1) -> tuple[float, float, Any]:
    """Return the best wall time, the CPU time of that call (this process) and the result.

    The CPU time shows what the code costs when the machine is shared: on a loaded machine the
    wall time grows, the CPU time does not.
    """
    best, cpu = float("inf"), float("inf")
    out: Any = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = func()
        wall, used = time.perf_counter() - t0, time.process_time() - c0
        if wall < best:
            best, cpu = wall, used
    return best, cpu, out


def rebuild_loop(analysis: UncertaintyAnalysis, draws: list[dict[str, Value]]) -> list[np.ndarray]:
    """Rebuild each replication with one plain ``build_index`` call (the COINr way).

    The drawn values are written into the spec, the noisy weights (iMeta weights times the
    drawn multipliers) passed as a custom weight mapping; no cache, no batching.
    """
    out = []
    codes = analysis.hierarchy.codes
    base = analysis.hierarchy.weights()
    multipliers = analysis.noise_draws()
    for draw in draws:
        up, agg = analysis._split(draw)
        w = base.copy()
        for name, m in multipliers.items():
            w = w * m[int(str(draw[name]))]
        spec = apply_values(
            analysis.spec,
            [*up, *agg, ("aggregate.weights", dict(zip(codes, w.tolist(), strict=True)))],
        )
        res = build_index(analysis.data, analysis.hierarchy, spec)
        out.append(res.scores[analysis.target].to_numpy())
    return out
