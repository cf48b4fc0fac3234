"""Multivariate audit: correlations with p-values, Cronbach's alpha and PCA per group.

Conventions (COINr 1.1.14 ``get_corr``, ``get_cronbach``, ``get_PCA``):

* correlations use **pairwise-complete** observations, as R's
  ``cor(use="pairwise.complete.obs")``; for Spearman each pair is ranked on its own complete
  rows (average ranks for ties), as R does;
* the p-value of each pair is the two-sided t test of ``r * sqrt((n - 2) / (1 - r^2))`` with
  ``n - 2`` degrees of freedom (R's ``cor.test`` for Pearson; for Spearman this is the
  asymptotic form, R uses an exact test for small samples without ties);
* Cronbach's alpha is ``k / (k - 1) * (1 - tr C / sum C)`` with ``C`` the pairwise-complete
  covariance matrix of the group's ``k`` columns;
* PCA is ``prcomp(center=TRUE, scale=TRUE)`` on the complete rows; loadings are the right
  singular vectors. Their sign is arbitrary: each component is oriented so that the sum of its
  loadings is non-negative, which makes the output deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from citykpi.errors import IndexComputationError, SpecError

FloatArray = NDArray[np.float64]
CorrelationMethod = Literal["pearson", "spearman"]


@dataclass(frozen=True, slots=True)
class CorrelationMatrix:
    """Pairwise-complete correlations of a set of columns.

    Attributes
    ----------
    codes
        Column codes, in matrix order.
    r
        Correlation coefficients, shape ``(k, k)``; NaN where fewer than 3 complete pairs or a
        constant column.
    p
        Two-sided p-values, same shape (0 on the diagonal).
    n
        Number of complete pairs, same shape.
    method
        ``"pearson"`` or ``"spearman"``.
    """

    codes: tuple[str, ...]
    r: FloatArray
    p: FloatArray
    n: NDArray[np.int64]
    method: CorrelationMethod


def _pearson_masked(a: FloatArray, b: FloatArray) -> float:
    da = a - a.mean()
    db = b - b.mean()
    den = float(np.sqrt(np.sum(da * da) * np.sum(db * db)))
    if den == 0.0:
        return float("nan")
    return float(np.clip(np.sum(da * db) / den, -1.0, 1.0))


def _p_values(r: FloatArray, n: NDArray[np.int64]) -> FloatArray:
    """Two-sided t-test p-values of correlations ``r`` on ``n`` pairs (NaN below 3 pairs)."""
    df = (n - 2).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = r * np.sqrt(df / (1.0 - r * r))
        p = 2.0 * sps.t.sf(np.abs(t), np.where(df > 0, df, np.nan))
    p = np.where(np.abs(r) >= 1.0, 0.0, p)
    return np.where(np.isfinite(r) & (n >= 3), p, np.nan)


def correlation_matrix(
    x: FloatArray, *, codes: Sequence[str], method: CorrelationMethod = "pearson"
) -> CorrelationMatrix:
    """Return the pairwise-complete correlation matrix of the columns of ``x`` with p-values.

    Parameters
    ----------
    x
        Data, shape ``(units, columns)``; NaN marks a missing value.
    codes
        Column codes.
    method : {"pearson", "spearman"}
        Correlation coefficient.

    Returns
    -------
    CorrelationMatrix
        Coefficients, p-values and pair counts.
    """
    if method not in ("pearson", "spearman"):
        msg = f"Unknown correlation method {method!r}; use 'pearson' or 'spearman'."
        raise SpecError(msg)
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != len(codes):
        msg = f"Expected a 2-D array with {len(codes)} columns, got shape {arr.shape!r}."
        raise IndexComputationError(msg)
    k = arr.shape[1]
    ok = np.isfinite(arr)
    r = np.full((k, k), np.nan)
    n = (ok.T.astype(np.int64) @ ok.astype(np.int64)).astype(np.int64)
    complete = np.flatnonzero(ok.all(axis=0))
    if complete.size and arr.shape[0] >= 2:
        # columns without gaps share one set of rows: one matrix product does them all
        sub = arr[:, complete]
        if method == "spearman":
            sub = np.apply_along_axis(sps.rankdata, 0, sub)
        dev = sub - sub.mean(axis=0)
        ss = np.sqrt(np.sum(dev * dev, axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            block = np.clip((dev.T @ dev) / np.outer(ss, ss), -1.0, 1.0)
        block[:, ss == 0.0] = np.nan
        block[ss == 0.0, :] = np.nan
        diag = np.where(ss > 0.0, 1.0, np.nan)
        block[np.arange(complete.size), np.arange(complete.size)] = diag
        r[np.ix_(complete, complete)] = block
    is_complete: NDArray[np.bool_] = np.asarray(ok.all(axis=0))
    for i in range(k):
        for j in range(i, k):
            if is_complete[i] and is_complete[j]:
                continue
            m = ok[:, i] & ok[:, j]
            nij = int(n[i, j])
            if nij < 2:
                continue
            a, b = arr[m, i], arr[m, j]
            if method == "spearman":
                a, b = sps.rankdata(a), sps.rankdata(b)
            rij = 1.0 if i == j else _pearson_masked(a, b)
            if i == j and np.ptp(a) == 0.0:
                rij = float("nan")
            r[i, j] = r[j, i] = rij
    p = _p_values(r, n)
    return CorrelationMatrix(codes=tuple(codes), r=r, p=p, n=n, method=method)


def pairwise_covariance(x: FloatArray) -> FloatArray:
    """Return the pairwise-complete covariance matrix (``n - 1``), as R's ``cov(use="pairwise")``.

    Parameters
    ----------
    x
        Data, shape ``(units, columns)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(columns, columns)``; NaN where fewer than 2 complete pairs.
    """
    arr = np.asarray(x, dtype=np.float64)
    k = arr.shape[1]
    ok = np.isfinite(arr)
    c = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            m = ok[:, i] & ok[:, j]
            if m.sum() < 2:
                continue
            a, b = arr[m, i], arr[m, j]
            c[i, j] = c[j, i] = float(np.sum((a - a.mean()) * (b - b.mean())) / (m.sum() - 1))
    return c


def cronbach_alpha(x: FloatArray) -> float:
    """Return Cronbach's alpha of the columns of ``x`` (pairwise-complete covariance).

    Parameters
    ----------
    x
        Data, shape ``(units, k)`` with ``k >= 2``.

    Returns
    -------
    float
        ``k / (k - 1) * (1 - trace(C) / sum(C))``; NaN if the covariance has gaps or sums to 0.
    """
    arr = np.asarray(x, dtype=np.float64)
    k = arr.shape[1]
    if k < 2:
        msg = f"Cronbach's alpha needs at least 2 columns; got {k}."
        raise IndexComputationError(msg)
    c = pairwise_covariance(arr)
    total = float(c.sum())
    if not np.isfinite(total) or total == 0.0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - float(np.trace(c)) / total))


@dataclass(frozen=True, slots=True)
class PcaResult:
    """Principal components of a group of columns (centred and scaled, complete rows).

    Attributes
    ----------
    codes
        Column codes (rows of ``loadings``).
    sdev
        Standard deviations of the components (as ``prcomp``'s ``sdev``).
    explained
        Share of variance explained by each component, ``sdev^2 / sum(sdev^2)``.
    loadings
        Shape ``(k, n_components)``; column ``c`` holds component ``c``'s loadings.
    n_rows
        Number of complete rows used.
    """

    codes: tuple[str, ...]
    sdev: FloatArray
    explained: FloatArray
    loadings: FloatArray
    n_rows: int


def pca(x: FloatArray, *, codes: Sequence[str]) -> PcaResult:
    """Return the PCA of the complete rows of ``x``, centred and scaled to unit variance.

    Parameters
    ----------
    x
        Data, shape ``(units, k)``.
    codes
        Column codes.

    Returns
    -------
    PcaResult
        Standard deviations, explained variance shares and loadings.
    """
    arr = np.asarray(x, dtype=np.float64)
    rows = arr[np.all(np.isfinite(arr), axis=1)]
    if rows.shape[0] < 2:
        msg = (
            f"PCA of {', '.join(codes)} needs at least 2 units with no missing value; "
            f"got {rows.shape[0]}. Impute missing values first."
        )
        raise IndexComputationError(msg)
    sd = rows.std(axis=0, ddof=1)
    if np.any(sd == 0.0):
        flat = [c for c, s in zip(codes, sd, strict=True) if s == 0.0]
        msg = f"PCA cannot scale constant column(s) {flat!r}; remove them from the group."
        raise IndexComputationError(msg)
    z = (rows - rows.mean(axis=0)) / sd
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    loadings = vt.T.copy()
    signs = np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    loadings *= signs[None, :]
    sdev = s / np.sqrt(rows.shape[0] - 1)
    var = sdev**2
    return PcaResult(
        codes=tuple(codes),
        sdev=sdev,
        explained=var / var.sum(),
        loadings=loadings,
        n_rows=int(rows.shape[0]),
    )


__all__ = [
    "CorrelationMatrix",
    "CorrelationMethod",
    "PcaResult",
    "correlation_matrix",
    "cronbach_alpha",
    "pairwise_covariance",
    "pca",
]
