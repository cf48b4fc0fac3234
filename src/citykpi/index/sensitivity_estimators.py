"""First-order and total Sobol indices with bootstrap intervals (COINr ``get_sensitivity``).

With ``y_A``, ``y_B`` and ``y_ABi`` the outputs of the ``A``, ``B`` and ``AB_i`` runs of a
Saltelli design (:func:`citykpi.index.sampling.sobol_design`) and ``V = var(y_A ∪ y_B)`` (sample
variance, ``n - 1``):

* first order (Saltelli 2010): ``S_i = mean(y_B (y_ABi - y_A)) / V``;
* total (Jansen 1999): ``ST_i = sum((y_A - y_ABi)^2) / (2 N V)``.

Bootstrap: the ``N`` rows of the design are resampled with replacement ``n_boot`` times (the
same resample for ``y_A``, ``y_B`` and every ``y_ABi``), the indices recomputed, and the 5th and
95th percentiles (numpy "linear", R type 7) reported. A zero-variance output has no indices: the
result is NaN throughout, with a warning in :attr:`SobolIndices.warnings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citykpi.errors import SpecError
from citykpi.index.records import FloatArray
from citykpi.index.sampling import rng_for


@dataclass(frozen=True, slots=True)
class SobolIndices:
    """Sobol indices of each input with bootstrap intervals.

    Attributes
    ----------
    names
        Input names.
    first, total
        First-order and total indices.
    first_q5, first_q95, total_q5, total_q95
        Bootstrap percentiles.
    variance
        Output variance ``V``.
    warnings
        Full sentences about anything that needs a look (e.g. a constant output).
    """

    names: tuple[str, ...]
    first: FloatArray
    total: FloatArray
    first_q5: FloatArray
    first_q95: FloatArray
    total_q5: FloatArray
    total_q95: FloatArray
    variance: float
    warnings: tuple[str, ...] = ()

    def rows(self) -> list[dict[str, str | float]]:
        """Return one row per input with its indices and their bootstrap intervals."""
        return [
            {
                "input": name,
                "first": float(self.first[i]),
                "first_q5": float(self.first_q5[i]),
                "first_q95": float(self.first_q95[i]),
                "total": float(self.total[i]),
                "total_q5": float(self.total_q5[i]),
                "total_q95": float(self.total_q95[i]),
            }
            for i, name in enumerate(self.names)
        ]


def _indices(
    y_a: FloatArray, y_b: FloatArray, y_ab: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return ``(S, ST, V)`` for ``y_a``/``y_b`` ``[..., N]`` and ``y_ab`` ``[..., d, N]``."""
    both = np.concatenate([y_a, y_b], axis=-1)
    v = np.var(both, axis=-1, ddof=1)
    n = y_a.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(y_b[..., None, :] * (y_ab - y_a[..., None, :]), axis=-1) / v[..., None]
        total = np.sum((y_a[..., None, :] - y_ab) ** 2, axis=-1) / (2 * n * v[..., None])
    return first, total, v


def sobol_indices(
    y_a: FloatArray,
    y_b: FloatArray,
    y_ab: FloatArray,
    *,
    names: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
) -> SobolIndices:
    """Return first-order and total Sobol indices with bootstrap 5-95 % intervals.

    Parameters
    ----------
    y_a, y_b
        Outputs of the ``A`` and ``B`` runs, shape ``(N,)``.
    y_ab
        Outputs of the ``AB_i`` runs, shape ``(d, N)``.
    names
        Input names, one per row of ``y_ab``.
    n_boot
        Number of bootstrap resamples (0 disables the intervals: NaN).
    seed
        Seed of the bootstrap resampling.

    Returns
    -------
    SobolIndices
        The indices and their intervals.
    """
    ya = np.asarray(y_a, dtype=np.float64)
    yb = np.asarray(y_b, dtype=np.float64)
    yab = np.asarray(y_ab, dtype=np.float64)
    n = ya.shape[0]
    if yb.shape != (n,) or yab.shape != (len(names), n):
        msg = (
            f"Sobol outputs do not match: y_A {ya.shape}, y_B {yb.shape}, y_AB {yab.shape} for "
            f"{len(names)} inputs; y_AB must be (inputs, N)."
        )
        raise SpecError(msg)
    if not (np.all(np.isfinite(ya)) and np.all(np.isfinite(yb)) and np.all(np.isfinite(yab))):
        msg = "Some sensitivity runs produced no output (NaN); check the runs' parameters."
        raise SpecError(msg)
    first, total, v = _indices(ya, yb, yab)
    warnings: tuple[str, ...] = ()
    if float(v) == 0.0:
        warnings = ("The output does not vary across the runs, so it has no Sobol indices.",)
        nan = np.full(len(names), np.nan)
        return SobolIndices(tuple(names), nan, nan, nan, nan, nan, nan, 0.0, warnings)
    nan = np.full(len(names), np.nan)
    f5 = f95 = t5 = t95 = nan
    if n_boot > 0:
        idx = rng_for(seed).integers(0, n, size=(n_boot, n))
        bf, bt, _ = _indices(ya[idx], yb[idx], np.moveaxis(yab[:, idx], 0, 1))
        f5, f95 = np.nanquantile(bf, [0.05, 0.95], axis=0)
        t5, t95 = np.nanquantile(bt, [0.05, 0.95], axis=0)
    return SobolIndices(
        names=tuple(names),
        first=first,
        total=total,
        first_q5=f5,
        first_q95=f95,
        total_q5=t5,
        total_q95=t95,
        variance=float(v),
        warnings=warnings,
    )


__all__ = ["SobolIndices", "sobol_indices"]
