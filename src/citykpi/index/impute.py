"""Imputation of missing indicator values, the COINr methods plus EM.

Methods (``method=``):

* ``mean`` / ``median``: each missing value gets its column's mean / median (COINr ``i_mean``,
  ``i_median``);
* ``mean_group`` / ``median_group``: the mean / median of the observed values of the unit's own
  group (any unit grouping, e.g. a peer group: ``i_mean_grp``, ``i_median_grp``); a value stays
  missing when its whole group is missing, and units without a group label (``None``/NaN) are
  left as they are (COINr's ``skip_f_na``);
* ``row_mean`` / ``row_median``: COINr's row-wise imputation within a group (``impute_by =
  "row"``, ``normalise_first = TRUE``): indicators are split by their group (``blocks``), each is
  multiplied by its direction and min-max scaled to [0, 1] over its observed values, a unit's
  missing value is the mean (median) of that unit's observed scaled values in the same group,
  scaled back; with ``normalise_first=False`` the raw values are used;
* ``em``: multivariate-normal EM (what COINr's vignette does through ``Amelia``, without the
  random draw): columns are standardised (observed mean, n - 1 sd), the mean vector and
  covariance are estimated by expectation-maximisation, each missing value is replaced by its
  conditional mean ``mu_m + S_mo S_oo^-1 (x_o - mu_o)``, then the scaling is undone. With
  ``blocks`` (e.g. the parent group of each indicator) EM runs per block, as the vignette does
  per pillar.

Observed values are never changed; the record counts the imputed cells per indicator and warns
when values remain missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Final

import numpy as np

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.records import Detail, FloatArray, StepOutput, StepRecord, as_float_array

#: Imputation methods.
IMPUTATION_METHODS: Final[tuple[str, ...]] = (
    "mean",
    "median",
    "mean_group",
    "median_group",
    "row_mean",
    "row_median",
    "em",
)


def _col_stat(v: FloatArray, stat: str) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if stat == "mean":
            return np.asarray(np.nanmean(v, axis=0), dtype=np.float64)
        return np.asarray(np.nanmedian(v, axis=0), dtype=np.float64)


def impute(
    x: FloatArray,
    *,
    method: str = "mean",
    groups: Sequence[object] | None = None,
    blocks: Sequence[str] | None = None,
    directions: Sequence[float] | FloatArray | None = None,
    normalise_first: bool = True,
    max_iter: int = 1000,
    tol: float = 1e-10,
    codes: Sequence[str] | None = None,
) -> StepOutput:
    """Impute the missing values of ``x`` (``[units, indicators]``).

    Parameters
    ----------
    x
        Data with ``NaN`` for missing values.
    method
        One of {"mean", "median", "mean_group", "median_group", "row_mean", "em"}.
    groups
        For ``*_group``: the group label of each unit (length = units).
    blocks
        For ``row_*`` and ``em``: the group of each indicator, usually its parent code (default:
        one block of every indicator).
    directions
        For ``row_*``: +1/-1 per indicator (default all +1).
    normalise_first
        For ``row_*``: min-max scale each column first (COINr's default for row-wise).
    max_iter, tol
        EM iteration limit and convergence tolerance (largest change of mean or covariance).
    codes
        Indicator codes, for the record.

    Returns
    -------
    StepOutput
        Imputed data and a record with ``imputed`` (count per indicator).
    """
    arr = as_float_array(x)
    if arr.ndim != 2:
        msg = f"impute() needs [units, indicators] data; got shape {arr.shape}."
        raise IndexComputationError(msg)
    n_units, n_ind = arr.shape
    names = list(codes) if codes is not None else [str(j + 1) for j in range(n_ind)]
    miss = np.isnan(arr)
    params: dict[str, Detail] = {"method": method}
    if method in {"mean", "median"}:
        fill = _col_stat(arr, method)
        out = np.where(miss, fill, arr)
    elif method in {"mean_group", "median_group"}:
        if groups is None or len(groups) != n_units:
            msg = (
                f"Method {method!r} needs a group label for each of the {n_units} units; name "
                "the unit-group column with 'group' in the spec."
            )
            raise SpecError(msg)
        labels = np.array(["" if _no_label(g) else str(g) for g in groups])
        out = arr.copy()
        stat = method.removesuffix("_group")
        for label in np.unique(labels[labels != ""]):
            rows = labels == label
            fill = _col_stat(arr[rows], stat)
            out[rows] = np.where(miss[rows], fill, arr[rows])
        params["groups"] = sorted({str(g) for g in labels if g})
    elif method in {"row_mean", "row_median"}:
        block_labels = _blocks(blocks, n_ind)
        out = _row_wise(arr, block_labels, directions, method.removeprefix("row_"), normalise_first)
        params["normalise_first"] = normalise_first
    elif method == "em":
        block_labels = _blocks(blocks, n_ind)
        out = arr.copy()
        iterations: dict[str, Detail] = {}
        for label in dict.fromkeys(block_labels):
            cols = [j for j in range(n_ind) if block_labels[j] == label]
            out[:, cols], iterations[str(label)] = _em(arr[:, cols], max_iter=max_iter, tol=tol)
        params.update({"max_iter": max_iter, "tol": tol})
        params["iterations"] = iterations
    else:
        msg = f"Unknown imputation method {method!r}; allowed: {', '.join(IMPUTATION_METHODS)}."
        raise SpecError(msg)
    out = np.where(miss, out, arr)  # observed values are never changed
    imputed = {names[j]: int(np.sum(miss[:, j] & ~np.isnan(out[:, j]))) for j in range(n_ind)}
    left = int(np.sum(np.isnan(out)))
    warn: tuple[str, ...] = ()
    if left:
        warn = (
            f"{left} value(s) are still missing after {method!r} imputation (a whole column "
            "or group had no data); they drop out of aggregation with their weights.",
        )
    record = StepRecord(
        "impute",
        method,
        params,
        {"imputed": {k: v for k, v in imputed.items() if v}, "still_missing": left},
        warn,
    )
    return StepOutput(out, record)


def _no_label(g: object) -> bool:
    return g is None or (isinstance(g, float) and np.isnan(g)) or str(g) in {"", "nan", "NA"}


def _blocks(blocks: Sequence[str] | None, n_ind: int) -> list[str]:
    if blocks is None:
        return ["all"] * n_ind
    if len(blocks) != n_ind:
        msg = f"'blocks' has {len(blocks)} entries for {n_ind} indicators; give one per indicator."
        raise SpecError(msg)
    return [str(b) for b in blocks]


def _row_wise(
    arr: FloatArray,
    blocks: list[str],
    directions: Sequence[float] | FloatArray | None,
    stat: str,
    normalise_first: bool,
) -> FloatArray:
    n_ind = arr.shape[1]
    d = np.ones(n_ind) if directions is None else np.asarray(directions, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if normalise_first:
            v = arr * d
            lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
            z = (v - lo) / (hi - lo)
        else:
            z = arr.copy()
        out = z.copy()
        for label in dict.fromkeys(blocks):
            cols = [j for j in range(n_ind) if blocks[j] == label]
            block = z[:, cols]
            fill = np.nanmean(block, axis=1) if stat == "mean" else np.nanmedian(block, axis=1)
            out[:, cols] = np.where(np.isnan(block), fill[:, None], block)
    if not normalise_first:
        unscaled: FloatArray = np.asarray(out, dtype=np.float64)
        return unscaled
    result: FloatArray = (out * (hi - lo) + lo) * d
    return result


def _em(block: FloatArray, *, max_iter: int, tol: float) -> tuple[FloatArray, int]:
    miss = np.isnan(block)
    if not miss.any():
        return block.copy(), 0
    n, k = block.shape
    mean0 = np.nanmean(block, axis=0)
    sd0 = np.nanstd(block, axis=0, ddof=1)
    sd0 = np.where((sd0 > 0) & np.isfinite(sd0), sd0, 1.0)
    z = (block - mean0) / sd0
    mu = np.zeros(k)
    sigma = np.diag(np.where(np.isfinite(np.nanvar(z, axis=0)), np.nanvar(z, axis=0), 1.0))
    patterns: dict[bytes, list[int]] = {}
    for i in range(n):
        patterns.setdefault(miss[i].tobytes(), []).append(i)
    filled = np.where(miss, 0.0, z)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        t1 = np.zeros(k)
        t2 = np.zeros((k, k))
        for rows_list in patterns.values():
            rows = np.array(rows_list)
            m = miss[rows[0]]
            o = ~m
            xo = z[np.ix_(rows, np.nonzero(o)[0])]
            xhat = np.empty((len(rows), k))
            cmm = np.zeros((k, k))
            if m.any():
                if o.any():
                    s_oo = sigma[np.ix_(o, o)]
                    s_mo = sigma[np.ix_(m, o)]
                    coef = np.linalg.solve(s_oo, s_mo.T).T
                    xhat[:, m] = mu[m] + (xo - mu[o]) @ coef.T
                    cmm[np.ix_(m, m)] = sigma[np.ix_(m, m)] - coef @ s_mo.T
                else:
                    xhat[:, m] = mu[m]
                    cmm[np.ix_(m, m)] = sigma[np.ix_(m, m)]
            xhat[:, o] = xo
            filled[rows] = xhat
            t1 += xhat.sum(axis=0)
            t2 += xhat.T @ xhat + len(rows) * cmm
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        change = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma)))
        mu, sigma = new_mu, new_sigma
        if change < tol:
            break
    result: FloatArray = filled * sd0 + mean0
    return result, it


__all__ = ["IMPUTATION_METHODS", "impute"]
