"""Statistical audit of a composite index: indicator statistics, flags, strengths and weaknesses.

The audit follows the JRC/COINr conventions (COINr 1.1.14 ``get_stats``, ``get_str_weak``):

* statistics are taken over the non-missing values of each column; the standard deviation uses
  ``n - 1``; skewness and kurtosis are the bias-adjusted "type 2" estimators (e1071), the same
  ones the outlier treatment uses;
* ``frac_nonzero`` and ``frac_unique`` are shares of the *available* values, whereas, as in
  COINr, the ``nonzero`` and ``unique`` flags compare the counts with the number of units;
* an indicator is flagged ``OUT`` only when ``|skew| > 2`` **and** ``kurtosis > 3.5``;
* strengths and weaknesses rank each indicator with higher = better after multiplying by the
  direction (ties ``"min"``, rank 1 = best); as COINr's ``min_discard``, indicators on which the
  unit shares the worst rank are never reported.

Multivariate checks (correlations, Cronbach's alpha, PCA) live in
:mod:`citykpi.index.audit_multivariate`; :func:`citykpi.index.audit_report.audit_index` runs
everything and collects the flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citykpi.errors import IndexComputationError

FloatArray = NDArray[np.float64]

#: Columns of :func:`indicator_stats`, in order.
STATS_COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "min",
    "max",
    "mean",
    "median",
    "sd",
    "skew",
    "kurtosis",
    "n_available",
    "n_nonzero",
    "n_unique",
    "frac_available",
    "frac_nonzero",
    "frac_unique",
    "flag_available",
    "flag_nonzero",
    "flag_unique",
    "flag_skew_kurtosis",
)

#: Columns of :func:`strengths_weaknesses`, in order.
STRENGTH_COLUMNS: Final[tuple[str, ...]] = ("unit", "kind", "position", "code", "rank", "value")


def _as_matrix(x: object, *, n_codes: int, what: str) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != n_codes:
        msg = (
            f"The {what} must be a 2-D array with one column per code ({n_codes}); "
            f"got shape {arr.shape!r}. Pass units as rows and indicators as columns."
        )
        raise IndexComputationError(msg)
    return arr


def skew_kurtosis(values: FloatArray) -> tuple[float, float]:
    """Return the type-2 (bias-adjusted) skewness and excess kurtosis of the finite values.

    Parameters
    ----------
    values
        One column; NaN values are ignored.

    Returns
    -------
    tuple of float
        ``(skew, kurtosis)``; skew is NaN below 3 values, kurtosis NaN below 4 values, both NaN
        for a constant column.
    """
    v = values[np.isfinite(values)]
    n = v.size
    if n < 3:
        return float("nan"), float("nan")
    d = v - v.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0.0:
        return float("nan"), float("nan")
    g1 = np.sqrt(n) * float(np.sum(d**3)) / m2**1.5
    skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    if n < 4:
        return float(skew), float("nan")
    r = n * float(np.sum(d**4)) / m2**2
    kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float(skew), float(kurt)


def indicator_stats(
    x: FloatArray,
    *,
    codes: Sequence[str],
    t_avail: float = 0.65,
    t_zero: float = 0.5,
    t_unique: float = 0.5,
    t_skew: float = 2.0,
    t_kurt: float = 3.5,
) -> pd.DataFrame:
    """Return the statistics of each indicator column with the JRC flags.

    Parameters
    ----------
    x
        Data, shape ``(units, indicators)``; NaN marks a missing value.
    codes
        Indicator codes, one per column.
    t_avail, t_zero, t_unique
        A column is flagged ``"LOW"`` when its share of available values, of non-zero values or
        of unique values falls below these thresholds (COINr defaults).
    t_skew, t_kurt
        A column is flagged ``"OUT"`` when ``|skew| > t_skew`` and ``kurtosis > t_kurt``.

    Returns
    -------
    pandas.DataFrame
        One row per code, columns :data:`STATS_COLUMNS`; flags are ``"ok"``, ``"LOW"`` or
        ``"OUT"``.
    """
    arr = _as_matrix(x, n_codes=len(codes), what="indicator data")
    n_units = arr.shape[0]
    rows: list[dict[str, object]] = []
    for j, code in enumerate(codes):
        col = arr[:, j]
        v = col[np.isfinite(col)]
        n_av = int(v.size)
        sk, kt = skew_kurtosis(col)
        n_nz = int(np.count_nonzero(v))
        n_un = int(np.unique(v).size)
        frac_av = n_av / n_units if n_units else float("nan")
        outlier = bool(np.isfinite(sk) and np.isfinite(kt) and abs(sk) > t_skew and kt > t_kurt)
        rows.append(
            {
                "code": code,
                "min": float(v.min()) if n_av else float("nan"),
                "max": float(v.max()) if n_av else float("nan"),
                "mean": float(v.mean()) if n_av else float("nan"),
                "median": float(np.median(v)) if n_av else float("nan"),
                "sd": float(v.std(ddof=1)) if n_av > 1 else float("nan"),
                "skew": sk,
                "kurtosis": kt,
                "n_available": n_av,
                "n_nonzero": n_nz,
                "n_unique": n_un,
                "frac_available": frac_av,
                "frac_nonzero": n_nz / n_av if n_av else float("nan"),
                "frac_unique": n_un / n_av if n_av else float("nan"),
                "flag_available": "ok" if frac_av >= t_avail else "LOW",
                "flag_nonzero": "ok" if n_units and n_nz / n_units >= t_zero else "LOW",
                "flag_unique": "ok" if n_units and n_un / n_units >= t_unique else "LOW",
                "flag_skew_kurtosis": "OUT" if outlier else "ok",
            }
        )
    return pd.DataFrame(rows, columns=list(STATS_COLUMNS))


def rank_higher_better(x: FloatArray) -> FloatArray:
    """Return column-wise ranks with 1 = highest value, ties ``"min"``, NaN kept.

    Parameters
    ----------
    x
        Scores, shape ``(units, columns)``.

    Returns
    -------
    numpy.ndarray
        Ranks as floats (NaN where the score is NaN).
    """
    arr = np.asarray(x, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    for j in range(arr.shape[1]):
        col = arr[:, j]
        ok = np.isfinite(col)
        v = col[ok]
        # rank "min" of -v: 1 + number of values strictly greater
        out[ok, j] = 1.0 + np.sum(v[None, :] > v[:, None], axis=1)
    return out


def strengths_weaknesses(
    x: FloatArray,
    *,
    codes: Sequence[str],
    units: Sequence[str],
    directions: Sequence[float] | None = None,
    top: int = 5,
    bottom: int = 5,
    min_discard: bool = True,
) -> pd.DataFrame:
    """Return each unit's best and worst indicators by rank among all units.

    Parameters
    ----------
    x
        Indicator values, shape ``(units, indicators)``.
    codes, units
        Column codes and row unit codes.
    directions
        +1 or -1 per indicator; the values are multiplied by it before ranking (pass ``None``
        for data that are already "higher is better", e.g. normalised data).
    top, bottom
        How many strengths and weaknesses to report per unit.
    min_discard
        Leave out indicators on which the unit has the worst rank (COINr's default).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STRENGTH_COLUMNS`; ``kind`` is ``"strength"`` or ``"weakness"``,
        ``position`` counts from 1 (best strength first, worst weakness last), ``value`` is the
        value as given (not multiplied by the direction).
    """
    arr = _as_matrix(x, n_codes=len(codes), what="indicator data")
    if len(units) != arr.shape[0]:
        msg = f"Got {len(units)} unit codes for {arr.shape[0]} data rows; pass one code per row."
        raise IndexComputationError(msg)
    if top < 1 or bottom < 1:
        msg = f"top={top!r} and bottom={bottom!r} must both be at least 1."
        raise IndexComputationError(msg)
    d = np.ones(len(codes)) if directions is None else np.asarray(directions, dtype=np.float64)
    ranks = rank_higher_better(arr * d[None, :])
    worst = np.nanmax(np.where(np.isfinite(ranks), ranks, -np.inf), axis=0)
    rows: list[dict[str, object]] = []
    for i, unit in enumerate(units):
        r = ranks[i]
        keep = np.isfinite(r)
        if min_discard:
            keep &= r != worst
        idx = np.flatnonzero(keep)
        order = idx[np.argsort(r[idx], kind="stable")]
        if order.size == 0:
            continue
        s_codes = order[:top]
        w_codes = order[max(order.size - bottom, 0) :]
        for kind, chosen in (("strength", s_codes), ("weakness", w_codes)):
            for pos, j in enumerate(chosen, start=1):
                rows.append(
                    {
                        "unit": unit,
                        "kind": kind,
                        "position": pos,
                        "code": codes[j],
                        "rank": int(r[j]),
                        "value": float(arr[i, j]),
                    }
                )
    return pd.DataFrame(rows, columns=list(STRENGTH_COLUMNS))


__all__ = [
    "STATS_COLUMNS",
    "STRENGTH_COLUMNS",
    "indicator_stats",
    "rank_higher_better",
    "skew_kurtosis",
    "strengths_weaknesses",
]
