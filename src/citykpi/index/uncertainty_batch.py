"""Batched aggregation of many uncertainty replications, and the worker-process plumbing.

:class:`Batch` aggregates replications that share the index structure, the units and the
aggregation method in one call, whatever their upstream data and weights. See
:mod:`citykpi.index.uncertainty` for how replications are grouped.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from citykpi.errors import IndexComputationError
from citykpi.index.aggregate import aggregate
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.records import FloatArray
from citykpi.index.spec import AggregateStep
from citykpi.index.uncertainty_apply import value_text
from citykpi.index.uncertainty_spec import Value

if TYPE_CHECKING:
    from citykpi.index.uncertainty import UncertaintyAnalysis


@dataclass(frozen=True)
class Upstream:
    """The data entering aggregation for one set of upstream choices, and its weights."""

    x: FloatArray  # data entering the aggregate step [units, indicators]
    hierarchy: Hierarchy
    units: tuple[str, ...]
    weights: FloatArray  # resolved weights aligned with hierarchy.codes


class Batch:
    """What a batch of replications needs: the analysis, the upstream data and the draws."""

    def __init__(
        self,
        analysis: UncertaintyAnalysis,
        bases: list[Upstream],
        base_of: np.ndarray,
        draws: Sequence[dict[str, Value]],
    ) -> None:
        self.analysis = analysis
        self.bases = bases
        self.base_of = base_of
        self.draws = draws

    def run(self, rows: Sequence[int]) -> FloatArray:
        """Aggregate the replications ``rows`` (same structure, units and method) at once."""
        a = self.analysis
        first = self.draws[rows[0]]
        b0 = self.bases[self.base_of[rows[0]]]
        h = b0.hierarchy
        codes = h.codes
        if a.target not in codes:
            msg = f"Target {a.target!r} was removed from the index in a replication."
            raise IndexComputationError(msg)
        _, agg = a._split(first)
        step = a._agg_step(agg)
        idx = self.base_of[list(rows)]
        uniq, inv = np.unique(idx, return_inverse=True)
        ws = np.stack([self.bases[k].weights for k in uniq])[inv]
        w = ws * a._noise_factor([self.draws[i] for i in rows], codes)
        kind = closed_form_kind(step, [self.bases[k] for k in uniq], a.target)
        cols = [a.units.index(u) for u in b0.units]
        full = np.full((len(rows), len(a.units)), np.nan)
        if kind is not None:
            eff = effective_weights(h, w)[:, : len(h.indicators)]
            for pos, k in enumerate(uniq):
                sel = inv == pos
                x = self.bases[k].x
                if kind == "amean":
                    full[np.ix_(sel, cols)] = eff[sel] @ x.T
                else:
                    full[np.ix_(sel, cols)] = np.exp(eff[sel] @ np.log(x).T)
            return full
        xs = np.stack([self.bases[k].x for k in uniq])[inv]
        try:
            out = aggregate(
                xs,
                h,
                weights=w,
                method=step.method,
                p=step.p,
                dat_thresh=step.dat_thresh,
                copeland_variant=step.copeland_variant,
                units=b0.units,
            ).data[..., codes.index(a.target)]
        except IndexComputationError as e:
            shown = {k: value_text(v) for k, v in first.items()}
            msg = f"Aggregating replications such as {shown} failed: {e}"
            raise IndexComputationError(msg) from e
        full[:, cols] = out
        return full


def closed_form_kind(step: AggregateStep, bases: Sequence[Upstream], target: str) -> str | None:
    """Return ``"amean"``/``"gmean"`` when the index is a closed form of the indicators, else None.

    With the same arithmetic (geometric) mean at every level, no data threshold and no missing
    value, the index is the weighted arithmetic (geometric) mean of the indicators with their
    *effective* weights (each weight's share within its group times its ancestors' shares), so
    all replications reduce to one matrix product. Anything else goes through
    :func:`citykpi.index.aggregate`.
    """
    methods = step.method if isinstance(step.method, list) else [step.method]
    thresholds = step.dat_thresh if isinstance(step.dat_thresh, list) else [step.dat_thresh]
    kind = methods[0]
    if kind not in ("amean", "gmean") or any(m != kind for m in methods):
        return None
    if any(t is not None for t in thresholds):
        return None
    for b in bases:
        if target != b.hierarchy.root or np.isnan(b.x).any():
            return None
        if kind == "gmean" and not np.all(b.x > 0):
            return None  # the engine raises the error that names the indicator and unit
        if np.any(b.weights <= 0):
            return None
    return kind


def effective_weights(h: Hierarchy, w: FloatArray) -> FloatArray:
    """Return the effective weight of every node for each row of weights ``w`` (``B x nodes``).

    A node's effective weight is its weight divided by the sum of its siblings' weights, times
    its parent's effective weight; the index has 1. Vectorised over the rows of ``w``.
    """
    eff = np.ones_like(w)
    share = np.ones_like(w)
    for level in range(2, h.n_levels + 1):
        children, _, g = h.membership(level)
        c = list(children)
        share[:, c] = w[:, c] / ((w[:, c] @ g) @ g.T)
    for level in range(h.n_levels, 1, -1):
        children, parents, g = h.membership(level)
        eff[:, list(children)] = share[:, list(children)] * (eff[:, list(parents)] @ g.T)
    return eff


# set just before a pool forks, so the workers inherit them instead of unpickling copies
BATCH_SLOT: list[Batch] = []
ANALYSIS_SLOT: list[UncertaintyAnalysis] = []


def worker_pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    # fork lets the workers inherit the data instead of receiving a pickled copy
    ctx = multiprocessing.get_context("fork") if "fork" in methods else None
    return ProcessPoolExecutor(workers, mp_context=ctx)


def upstream_in_worker(draw: dict[str, Value]) -> Upstream:
    return ANALYSIS_SLOT[0]._upstream_for(draw)


def batch_in_worker(rows: list[int]) -> FloatArray:
    return BATCH_SLOT[0].run(rows)


def default_workers(requested: int = 0) -> int:
    """Return the number of worker processes: ``requested``, or one per core when 0."""
    if requested > 0:
        return requested
    return max(1, os.cpu_count() or 1)


__all__ = ["Batch", "Upstream", "closed_form_kind", "default_workers", "effective_weights"]
