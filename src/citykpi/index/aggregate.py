"""Aggregation: indicators -> groups -> ... -> index, level by level, vectorised over batches.

:func:`aggregate` takes normalised indicators ``x[..., units, indicators]`` and weights
``w[..., nodes]`` (aligned with :attr:`Hierarchy.codes`; leading batch axes broadcast against
those of ``x``), and returns ``[..., units, nodes]``: the indicators followed by every aggregate.
Thousands of weight sets or data sets are therefore aggregated in one call, which the
uncertainty analysis relies on.

Rules, as in COINr (``Aggregate``) and methods.md section 5:

* each level is aggregated from the level directly below (pillars from indicators, the index
  from the level under it);
* weights are relative within each group; a missing child is dropped together with its weight
  (the mean is over the available children); a unit gets ``NaN`` only when no child is
  available, or when the share of available children is below ``dat_thresh`` for that level;
* methods: ``amean`` (weighted arithmetic), ``gmean`` (weighted geometric; every value must be
  > 0), ``hmean`` (weighted harmonic; every value must be > 0), ``genmean`` (power mean with
  exponent ``p``; ``p = 0`` is the geometric mean; ``p < 0`` needs values > 0) and ``copeland``
  (non-compensatory: outranking matrix ``O_jk = sum_i w_i ([x_ji > x_ki] + [x_ji = x_ki]/2)``
  with weights summing to 1, score ``sum_k sgn(O_jk - 1/2)``). COINr 1.1.14's ``a_copeland``
  returns the plain row sums of the outranking matrix instead; use ``copeland_variant:
  "rowsum"`` for that.

Geometric and harmonic means on a value <= 0 raise :class:`~citykpi.errors.IndexComputationError`
naming the indicator and unit and suggesting a normalisation that avoids zero (min-max 1-100).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final, Literal, NamedTuple

import numpy as np

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.records import Detail, FloatArray, StepRecord, as_float_array

#: Aggregation methods.
AGGREGATION_METHODS: Final[tuple[str, ...]] = ("amean", "gmean", "hmean", "genmean", "copeland")


class AggregateOutput(NamedTuple):
    """Scores ``[..., units, nodes]`` (order of ``hierarchy.codes``) and the record."""

    data: FloatArray
    record: StepRecord


def _per_level(value: object, n_agg_levels: int, what: str) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value] * n_agg_levels
    if len(value) != n_agg_levels:
        msg = (
            f"{what} has {len(value)} entries but the index has {n_agg_levels} aggregation "
            "levels; give one value for all levels or one per level (level 2 first)."
        )
        raise SpecError(msg)
    return list(value)


def weight_vector(
    hierarchy: Hierarchy, weights: Mapping[str, float] | FloatArray | None = None
) -> FloatArray:
    """Return weights aligned with ``hierarchy.codes`` from a mapping, an array or the defaults."""
    if weights is None:
        return hierarchy.weights()
    if isinstance(weights, Mapping):
        return hierarchy.with_weights(weights).weights()
    arr = np.asarray(weights, dtype=np.float64)
    if arr.shape[-1] != len(hierarchy.codes):
        msg = (
            f"The weight array has {arr.shape[-1]} entries on its last axis but the index has "
            f"{len(hierarchy.codes)} nodes; align weights with Hierarchy.codes."
        )
        raise SpecError(msg)
    return arr


def aggregate(
    x: FloatArray,
    hierarchy: Hierarchy,
    *,
    weights: Mapping[str, float] | FloatArray | None = None,
    method: str | Sequence[str] = "amean",
    p: float | Sequence[float] = 1.0,
    dat_thresh: float | Sequence[float | None] | None = None,
    copeland_variant: Literal["sign", "rowsum"] = "sign",
    units: Sequence[str] | None = None,
) -> AggregateOutput:
    """Aggregate normalised indicators up the hierarchy.

    Parameters
    ----------
    x
        ``[..., units, indicators]`` normalised indicators, columns in
        ``hierarchy.indicators`` order.
    hierarchy
        The index structure.
    weights
        Node weights: a mapping by code (overrides the hierarchy's weights), or an array
        ``[..., nodes]`` aligned with ``hierarchy.codes`` (batch axes allowed). Default: the
        hierarchy's weights.
    method
        One of {"amean", "gmean", "hmean", "genmean", "copeland"}, or one per aggregation
        level (level 2 first).
    p
        Exponent of the generalised mean (one, or one per level).
    dat_thresh
        Minimum share of available children for a score (one, or one per level); ``None``
        means no threshold.
    copeland_variant
        {"sign", "rowsum"}: the Copeland score, or COINr's row sum of the outranking matrix.
    units
        Unit codes, for error messages.

    Returns
    -------
    AggregateOutput
        ``(data, record)`` with ``data[..., units, nodes]``.
    """
    arr = as_float_array(x)
    n_ind = len(hierarchy.indicators)
    if arr.ndim < 2 or arr.shape[-1] != n_ind:
        msg = (
            f"aggregate() needs [..., units, {n_ind}] indicator data; got shape {arr.shape}. "
            "Order the columns as hierarchy.indicators."
        )
        raise IndexComputationError(msg)
    w = weight_vector(hierarchy, weights)
    n_levels = hierarchy.n_levels
    methods = _per_level(method, n_levels - 1, "method")
    powers = _per_level(p, n_levels - 1, "p")
    thresholds = _per_level(dat_thresh, n_levels - 1, "dat_thresh")
    for m in methods:
        if m not in AGGREGATION_METHODS:
            msg = f"Unknown aggregation method {m!r}; allowed: {', '.join(AGGREGATION_METHODS)}."
            raise SpecError(msg)
    lead = np.broadcast_shapes(arr.shape[:-2], w.shape[:-1])
    n_units = arr.shape[-2]
    codes = hierarchy.codes
    missing_counts: dict[str, Detail] = {}
    # Nodes are ordered level by level, so the children of level L are exactly the nodes of
    # level L - 1 in order: each level is aggregated from the previous level's block, and the
    # indicator block is never copied into a batch (weights alone may carry the batch axis).
    blocks: list[FloatArray] = [arr]
    c = arr
    for level in range(2, n_levels + 1):
        child_pos, _, g = hierarchy.membership(level)
        k = level - 2
        wc = w[..., child_pos[0] : child_pos[-1] + 1]
        m = str(methods[k])
        power = float(powers[k])  # type: ignore[arg-type]
        thr = thresholds[k]
        child_codes = [codes[i] for i in child_pos]
        if m == "copeland":
            y = _copeland(c, wc, g, copeland_variant)
        else:
            y = _mean(c, wc, g, m, power, child_codes, units)
        if thr is not None:
            mask = (~np.isnan(c)).astype(np.float64)
            avail = (mask @ g) / np.sum(g, axis=0)
            y = np.where(avail < float(thr), np.nan, y)  # type: ignore[arg-type]
        blocks.append(y)
        missing_counts[f"level_{level}"] = int(np.sum(np.isnan(y)))
        c = y
    out = np.concatenate(
        [np.broadcast_to(b, (*lead, n_units, b.shape[-1])) for b in blocks], axis=-1
    )
    record = StepRecord(
        "aggregate",
        ",".join(str(m) for m in methods),
        {
            "method": [str(m) for m in methods],
            "p": [float(v) for v in powers],  # type: ignore[arg-type]
            "dat_thresh": [None if t is None else float(t) for t in thresholds],  # type: ignore[arg-type]
        },
        {"missing_scores": missing_counts},
    )
    return AggregateOutput(out, record)


def _mean(
    c: FloatArray,
    w: FloatArray,
    g: FloatArray,
    method: str,
    p: float,
    child_codes: list[str],
    units: Sequence[str] | None,
) -> FloatArray:
    mask = ~np.isnan(c)
    # weights folded into the membership matrix: [..., children, parents]; multiplying the data
    # by it avoids [batch, units, children] temporaries when only the weights are batched
    wg = w[..., :, None] * g
    den = mask.astype(np.float64) @ wg
    if method == "genmean" and p == 0.0:
        method = "gmean"
    if method in {"gmean", "hmean"} or (method == "genmean" and p < 0):
        _check_positive(c, method, child_codes, units)
    if method == "genmean" and p > 0 and not float(p).is_integer():
        _check_nonnegative(c, child_codes, units)
    cz = np.where(mask, c, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "amean":
            y = (cz @ wg) / den
        elif method == "gmean":
            logs = np.where(mask, np.log(np.where(mask, c, 1.0)), 0.0)
            y = np.exp((logs @ wg) / den)
        elif method == "hmean":
            inv = np.where(mask, 1.0 / np.where(mask, c, 1.0), 0.0)
            y = den / (inv @ wg)
        else:  # genmean
            pw = np.where(mask, np.power(np.where(mask, c, 1.0), p), 0.0)
            y = np.power((pw @ wg) / den, 1.0 / p)
    result: FloatArray = np.where(den == 0, np.nan, y)
    return result


def _locate(bad: np.ndarray, child_codes: list[str], units: Sequence[str] | None) -> str:
    where = np.argwhere(bad)[0]
    unit_i, col = int(where[-2]), int(where[-1])
    unit = units[unit_i] if units is not None else f"row {unit_i + 1}"
    return f"{child_codes[col]!r} is {{value}} for unit {unit!r}"


def _check_positive(
    c: FloatArray, method: str, child_codes: list[str], units: Sequence[str] | None
) -> None:
    with np.errstate(invalid="ignore"):
        bad = c <= 0
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        value = float(c[idx])
        where = _locate(bad, child_codes, units).format(value=f"{value:g}")
        name = {"gmean": "geometric", "hmean": "harmonic"}.get(method, "generalised (p < 0)")
        msg = (
            f"The {name} mean needs strictly positive values, but {where}; normalise to a range "
            "that avoids zero (e.g. minmax with lower 1 and upper 100) or aggregate with amean."
        )
        raise IndexComputationError(msg)


def _check_nonnegative(c: FloatArray, child_codes: list[str], units: Sequence[str] | None) -> None:
    with np.errstate(invalid="ignore"):
        bad = c < 0
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        where = _locate(bad, child_codes, units).format(value=f"{float(c[idx]):g}")
        msg = (
            f"The generalised mean with a fractional exponent needs values >= 0, but {where}; "
            "normalise to a non-negative range such as minmax 0-100."
        )
        raise IndexComputationError(msg)


def _copeland(c: FloatArray, w: FloatArray, g: FloatArray, variant: str) -> FloatArray:
    n_parents = g.shape[1]
    out = np.full((*c.shape[:-1], n_parents), np.nan)
    for k in range(n_parents):
        cols = np.nonzero(g[:, k])[0]
        xk = c[..., cols]  # [..., U, nk]
        wk = w[..., cols]
        wk = wk / np.sum(wk, axis=-1, keepdims=True)
        a = xk[..., :, None, :]
        b = xk[..., None, :, :]
        wb = wk[..., None, None, :]
        with np.errstate(invalid="ignore"):
            o = np.sum(wb * (a > b), axis=-1) + 0.5 * np.sum(wb * (a == b), axis=-1)
        n_units = xk.shape[-2]
        # as COINr's outrankMatrix: only the upper triangle is computed, the lower one is 1 - it
        # (which differs from a direct count only where values are missing)
        lower = np.tril(np.ones((n_units, n_units), dtype=bool), k=-1)
        o = np.where(lower, 1.0 - np.swapaxes(o, -1, -2), o)
        eye = np.eye(n_units, dtype=bool)
        if variant == "rowsum":
            o = np.where(eye, 0.0, o)
            score = np.sum(o, axis=-1)
        else:
            s = np.sign(o - 0.5)
            score = np.sum(np.where(eye, 0.0, s), axis=-1)
        empty = np.all(np.isnan(xk), axis=-1)
        out[..., k] = np.where(empty, math.nan, score)
    return out


__all__ = ["AGGREGATION_METHODS", "AggregateOutput", "aggregate", "weight_vector"]
