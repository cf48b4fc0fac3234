"""Batched aggregation of many uncertainty replications.

:class:`Batch` aggregates replications that share the index structure, the units and the
aggregation method in one call, whatever their upstream data and weights. It holds everything it
needs (the upstream data, the draws, the weight noise, the target and the units), so a worker
process runs it without the analysis that made it. See :mod:`citykpi.index.uncertainty` for how
replications are grouped; :mod:`citykpi.index.workers` runs batches in a process pool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from citykpi.errors import IndexComputationError
from citykpi.index.aggregate import aggregate
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.records import FloatArray
from citykpi.index.spec import AggregateStep
from citykpi.index.uncertainty_apply import value_text
from citykpi.index.uncertainty_spec import Value


@dataclass(frozen=True)
class Upstream:
    """The data entering aggregation for one set of upstream choices, and its weights."""

    x: FloatArray  # data entering the aggregate step [units, indicators]
    hierarchy: Hierarchy
    units: tuple[str, ...]
    weights: FloatArray  # resolved weights aligned with hierarchy.codes


@dataclass(frozen=True)
class WeightNoise:
    """The noisy-weights inputs of an analysis: the multipliers ``1 + e f`` of each weight set.

    Attributes
    ----------
    codes
        Codes of the nominal hierarchy; the columns of every multiplier array.
    multipliers
        Input name -> array ``(sets, nodes)`` aligned with :attr:`codes`, in input order.
    """

    codes: tuple[str, ...]
    multipliers: Mapping[str, FloatArray]

    def factor(self, draws: Sequence[Mapping[str, Value]], codes: Sequence[str]) -> FloatArray:
        """Return the ``(len(draws), len(codes))`` multipliers of the weights of ``codes``."""
        where = {c: i for i, c in enumerate(self.codes)}
        pos = np.array([where[c] for c in codes], dtype=np.int64)
        factor = np.ones((len(draws), len(codes)))
        for name, multipliers in self.multipliers.items():
            sets = np.array([int(str(d[name])) for d in draws], dtype=np.int64)
            factor *= multipliers[np.ix_(sets, pos)]
        return factor


@dataclass(frozen=True)
class Batch:
    """What batches of replications need: the upstream data, the draws and the weight noise.

    Attributes
    ----------
    bases
        The distinct upstream builds.
    base_of
        Index into :attr:`bases` of each replication.
    draws
        The values of each replication.
    noise
        The noisy-weights multipliers.
    target
        The node whose score is returned.
    units
        All units of the analysis, the columns of the returned scores.
    """

    bases: Sequence[Upstream]
    base_of: np.ndarray
    draws: Sequence[Mapping[str, Value]]
    noise: WeightNoise
    target: str
    units: tuple[str, ...]

    def run(self, task: tuple[Sequence[int], AggregateStep]) -> FloatArray:
        """Aggregate the replications ``rows`` of ``task = (rows, step)`` at once.

        The replications must share the structure, the units and the aggregation ``step``.
        Returns their target scores, ``(len(rows), len(units))``, NaN for units a replication
        does not score.
        """
        rows, step = task
        first = self.draws[rows[0]]
        b0 = self.bases[self.base_of[rows[0]]]
        h = b0.hierarchy
        codes = h.codes
        if self.target not in codes:
            msg = f"Target {self.target!r} was removed from the index in a replication."
            raise IndexComputationError(msg)
        idx = self.base_of[list(rows)]
        uniq, inv = np.unique(idx, return_inverse=True)
        ws = np.stack([self.bases[k].weights for k in uniq])[inv]
        w = ws * self.noise.factor([self.draws[i] for i in rows], codes)
        kind = closed_form_kind(step, [self.bases[k] for k in uniq], self.target)
        cols = [self.units.index(u) for u in b0.units]
        full = np.full((len(rows), len(self.units)), np.nan)
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
            ).data[..., codes.index(self.target)]
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


__all__ = ["Batch", "Upstream", "WeightNoise", "closed_form_kind", "effective_weights"]
