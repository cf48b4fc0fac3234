"""Ranks with ties, vectorised over any leading batch axes.

:func:`rank_scores` gives the ranks of a composite index as COINr's ``rank_df`` does
(``rank(-score, ties.method = "min")``, NA kept): rank 1 is the best score and tied units share
the smallest rank. Because floating-point sums in a different order may differ in the last bit,
scores closer than ``rtol`` (relative) are treated as ties; the default ``1e-12`` makes ranks
independent of the summation order while never merging genuinely different scores of an index.
"""

from __future__ import annotations

import numpy as np

from citykpi.index.records import FloatArray

#: Default relative tolerance under which two scores count as tied.
TIE_RTOL = 1e-12


def min_rank(values: FloatArray, *, axis: int = -2, rtol: float = 0.0) -> FloatArray:
    """Return ascending ranks with ties at the minimum (R's ``ties.method = "min"``).

    Parameters
    ----------
    values
        Array of any shape; ``NaN`` values get ``NaN`` ranks and are not counted.
    axis
        The axis along which units are ranked (default: the units axis of ``[..., units, cols]``).
    rtol
        Values whose difference is within ``rtol`` times the larger magnitude are ties.

    Returns
    -------
    numpy.ndarray
        Float ranks, 1 for the smallest value.
    """
    v = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    order = np.argsort(v, axis=-1, kind="stable")  # NaN sort last
    s = np.take_along_axis(v, order, axis=-1)
    n = s.shape[-1]
    if n == 0:
        return np.moveaxis(v.copy(), -1, axis)
    new = np.ones(s.shape, dtype=bool)
    if n > 1:
        prev, cur = s[..., :-1], s[..., 1:]
        with np.errstate(invalid="ignore"):
            tied = cur == prev
            if rtol > 0:
                tied |= np.abs(cur - prev) <= rtol * np.maximum(np.abs(cur), np.abs(prev))
        new[..., 1:] = ~tied
    pos = np.broadcast_to(np.arange(n), s.shape)
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    ranks_sorted = (start + 1).astype(np.float64)
    ranks_sorted[np.isnan(s)] = np.nan
    out = np.empty_like(ranks_sorted)
    np.put_along_axis(out, order, ranks_sorted, axis=-1)
    return np.moveaxis(out, -1, axis)


def rank_scores(scores: FloatArray, *, axis: int = -2, rtol: float = TIE_RTOL) -> FloatArray:
    """Return ranks of scores with 1 = best (highest), ties ``"min"``, ``NaN`` kept.

    Parameters
    ----------
    scores
        ``[..., units, columns]`` scores (any leading batch axes).
    axis
        The units axis.
    rtol
        Relative tolerance for ties (see the module docstring).
    """
    return min_rank(-np.asarray(scores, dtype=np.float64), axis=axis, rtol=rtol)


__all__ = ["TIE_RTOL", "min_rank", "rank_scores"]
