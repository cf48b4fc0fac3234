"""Weights: equal, custom, PCA-based, and optimised (balance / infomax).

* **equal**: every node weighs 1 (relative within its group).
* **custom**: a mapping ``{code: weight}`` overriding the iMeta weights.
* **PCA** (:func:`pca_weights`), as COINr ``get_PCA(..., by_groups = TRUE)``: within each group
  of ``level`` (indicators for level 1, aggregates above), a principal component analysis on the
  complete rows, centred and scaled; the weights are the first component's loadings. Loadings
  have an arbitrary sign: citykpi flips each group's loadings so that they sum to a positive
  number and warns (in the record) when some are still negative.
* **optimised** (:func:`optimise_weights`), the linear version of Becker et al. (2017) as in COINr
  ``get_opt_weights``: the weights of the nodes at ``level`` are chosen so that their Pearson
  correlations ``rho`` with the index are either balanced with target importances ``itarg``
  (``"balance"``: minimise ``log(mean((itarg/sum(itarg) - rho/sum(rho))^2))``) or as large as
  possible (``"infomax"``: minimise ``-sum(rho)``). The optimiser is SciPy's Nelder-Mead started
  from the current weights, on the absolute values of the parameters (weights stay >= 0), with
  at most ``maxiter`` iterations and stopping when the spread of the objective over the simplex
  falls below ``reltol`` times its magnitude (R ``optim``'s ``reltol``; COINr uses 0.1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.aggregate import aggregate, weight_vector
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.records import Detail, FloatArray, StepRecord


class WeightsOutput(NamedTuple):
    """Weights by code (all nodes) and the record of how they were obtained."""

    weights: dict[str, float]
    record: StepRecord


def equal_weights(hierarchy: Hierarchy) -> dict[str, float]:
    """Return weight 1 for every node."""
    return dict.fromkeys(hierarchy.codes, 1.0)


def _level_scores(
    x: FloatArray, hierarchy: Hierarchy, w: FloatArray, level: int, agg: Mapping[str, object]
) -> FloatArray:
    return aggregate(x, hierarchy, weights=w, **agg).data  # type: ignore[arg-type]


def pca_weights(
    x: FloatArray,
    hierarchy: Hierarchy,
    *,
    level: int = 1,
    weights: Mapping[str, float] | None = None,
    aggregation: Mapping[str, object] | None = None,
) -> WeightsOutput:
    """Return weights whose ``level`` entries are first-component PCA loadings per group.

    Parameters
    ----------
    x
        ``[units, indicators]`` normalised data.
    hierarchy
        The index structure.
    level
        The level whose weights are set (1 = indicators), below the top level.
    weights
        Starting weights for the other levels (default: the hierarchy's).
    aggregation
        Keyword arguments for :func:`~citykpi.index.aggregate.aggregate` (to score level > 1).
    """
    if not 1 <= level < hierarchy.n_levels:
        msg = f"PCA weights need a level between 1 and {hierarchy.n_levels - 1}; got {level}."
        raise SpecError(msg)
    w = weight_vector(hierarchy, weights)
    scores = _level_scores(x, hierarchy, w, level, aggregation or {})
    codes = hierarchy.codes
    out = {c: float(w[i]) for i, c in enumerate(codes)}
    explained: dict[str, Detail] = {}
    warn: list[str] = []
    for parent in hierarchy.level_codes(level + 1):
        kids = hierarchy.children(parent)
        cols = [codes.index(k) for k in kids]
        block = scores[:, cols]
        block = block[~np.isnan(block).any(axis=1)]
        if len(kids) == 1:
            out[kids[0]] = 1.0
            continue
        if block.shape[0] < 2:
            msg = f"Group {parent!r} has fewer than 2 complete units; PCA weights are impossible."
            raise IndexComputationError(msg)
        sd = block.std(axis=0, ddof=1)
        if np.any(sd == 0):
            msg = f"Group {parent!r} has a constant member, so its PCA is undefined."
            raise IndexComputationError(msg)
        z = (block - block.mean(axis=0)) / sd
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        load = vt[0]
        if load.sum() < 0:
            load = -load
        if np.any(load < 0):
            warn.append(f"Some PCA weights of group {parent!r} are negative.")
        var = s**2
        explained[parent] = float(var[0] / var.sum())
        for k, value in zip(kids, load, strict=True):
            out[k] = float(value)
    record = StepRecord(
        "weights", "pca", {"level": level}, {"explained_variance_pc1": explained}, tuple(warn)
    )
    return WeightsOutput(out, record)


def _corr(a: FloatArray, b: FloatArray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return math.nan
    aa, bb = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = math.sqrt(float(np.sum(aa**2) * np.sum(bb**2)))
    return float(np.sum(aa * bb) / den) if den > 0 else math.nan


def optimise_weights(
    x: FloatArray,
    hierarchy: Hierarchy,
    *,
    level: int = 2,
    target: Literal["balance", "infomax"] = "balance",
    itarg: Sequence[float] | None = None,
    weights: Mapping[str, float] | None = None,
    maxiter: int = 500,
    reltol: float = 0.1,
    aggregation: Mapping[str, object] | None = None,
) -> WeightsOutput:
    """Return weights whose ``level`` entries are optimised (see the module docstring).

    Parameters
    ----------
    x
        ``[units, indicators]`` normalised data.
    hierarchy
        The index structure.
    level
        Level whose weights are optimised (below the top).
    target
        {"balance", "infomax"}.
    itarg
        Target importances of the nodes at ``level`` (default equal), for "balance".
    weights
        Starting weights (default: the hierarchy's).
    maxiter, reltol
        Nelder-Mead limits.
    aggregation
        Keyword arguments for :func:`~citykpi.index.aggregate.aggregate`.
    """
    if not 1 <= level < hierarchy.n_levels:
        msg = f"Optimised weights need a level between 1 and {hierarchy.n_levels - 1}; got {level}."
        raise SpecError(msg)
    codes = hierarchy.codes
    w0 = weight_vector(hierarchy, weights).copy()
    pos = [codes.index(c) for c in hierarchy.level_codes(level)]
    root = codes.index(hierarchy.root)
    targ = np.ones(len(pos)) if itarg is None else np.asarray(itarg, dtype=np.float64)
    if targ.shape != (len(pos),):
        msg = f"itarg has {targ.size} values for the {len(pos)} nodes of level {level}."
        raise SpecError(msg)
    agg = dict(aggregation or {})

    def objective(theta: FloatArray) -> float:
        w = w0.copy()
        w[pos] = np.abs(theta)
        if not np.any(w[pos] > 0):
            return 1e10
        s = aggregate(x, hierarchy, weights=w, **agg).data  # type: ignore[arg-type]
        rho = np.array([_corr(s[:, p], s[:, root]) for p in pos])
        if np.any(np.isnan(rho)):
            return 1e10
        if target == "infomax":
            return float(-np.sum(rho))
        err = float(np.mean((targ / targ.sum() - rho / rho.sum()) ** 2))
        return math.log(err) if err > 0 else -1e10

    # scipy.optimize costs 0.3 s to import: only a build that optimises weights pays it.
    from scipy.optimize import minimize

    start = w0[pos]
    first = objective(start)
    res = minimize(
        objective,
        start,
        method="Nelder-Mead",
        options={"maxiter": maxiter, "fatol": reltol * (abs(first) + reltol), "xatol": 1e-12},
    )
    w_opt = np.abs(np.asarray(res.x, dtype=np.float64))
    w_opt = w_opt / w_opt.sum() * len(pos)
    out = {c: float(w0[i]) for i, c in enumerate(codes)}
    for p, value in zip(pos, w_opt, strict=True):
        out[codes[p]] = float(value)
    record = StepRecord(
        "weights",
        f"optimise:{target}",
        {"level": level, "maxiter": maxiter, "reltol": reltol},
        {
            "objective_start": first,
            "objective_end": float(res.fun),
            "iterations": int(res.nit),
            "converged": bool(res.success),
        },
        () if res.success else (f"Nelder-Mead stopped before converging: {res.message}",),
    )
    return WeightsOutput(out, record)


__all__ = ["WeightsOutput", "equal_weights", "optimise_weights", "pca_weights"]
