"""Outlier treatment, the JRC / COINr default rule, column by column.

For each indicator (direction ignored, statistics over the non-missing values):

1. **Check**: skewness and kurtosis are the bias-adjusted "type 2" estimators; the column
   passes when ``|skew| < skew_thresh`` **or** ``kurtosis < kurt_thresh`` (defaults 2 and 3.5).
   Fewer than 4 values, or zero variance, cannot be checked: the column is left as it is.
2. **Winsorise** (COINr ``winsorise``): while the column fails and fewer than ``winmax`` points
   are winsorised, if the current skew is >= 0 every point equal to the current maximum is set to
   the largest remaining value, otherwise every point equal to the current minimum is set to the
   smallest remaining value. The count is the number of points sitting at the clipped extreme
   (tied points count together, so it can end above ``winmax``).
3. **Fallback** (``f2``): if the column still fails, the winsorised values are discarded
   (unless ``combine_treat``) and the *original* column is transformed: ``log_CT`` is
   ``ln(x - min + 0.01 (max - min))``; ``log_CT_plus`` the same for a positive skew and
   ``-ln(max + 0.01 (max - min) - x)`` for a negative one; ``log_CT_orig`` is
   ``ln(x - min + 1)``; ``boxcox`` is COINr's Box-Cox on ``x - min + 1`` with ``boxcox_lambda``
   (``ln`` when lambda is 0; as in COINr its points are not flagged); ``"none"`` keeps the
   winsorised column. The result is kept even if it still fails.

:func:`treat` returns, besides the data, the table of treated points (``"winhi"``, ``"winlo"``,
``"log_CT"``, joined with ``+`` as COINr does, e.g. ``"winhi+log_CT"``) and one details row per
indicator (skew / kurtosis before and after, number of winsorised points), plus the frozen
per-indicator transformation (:class:`TreatParams`) an edition re-applies to later data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import NDArray

from citykpi.errors import SpecError
from citykpi.index.records import (
    Detail,
    FloatArray,
    StepRecord,
    as_float_array,
    float_from_json,
    json_float,
)

#: Second-stage transformations.
FALLBACKS: Final[tuple[str, ...]] = ("log_CT", "log_CT_plus", "log_CT_orig", "boxcox", "none")


def _deviations(x: FloatArray, *, min_n: int) -> tuple[FloatArray, float] | None:
    """Return the non-missing values' deviations from their mean and the sum of their squares.

    ``None`` when fewer than ``min_n`` values are present or they do not vary: the moment
    statistics are then undefined.
    """
    v = x[~np.isnan(x)]
    if v.size < min_n:
        return None
    e = v - np.mean(v)
    s2 = float(np.sum(e**2))
    if s2 == 0:
        return None
    return e, s2


def skew_type2(x: FloatArray) -> float:
    """Return the bias-adjusted sample skewness (e1071 type 2) of the non-missing values."""
    found = _deviations(x, min_n=3)
    if found is None:
        return math.nan
    e, s2 = found
    n = e.size
    y = math.sqrt(n) * float(np.sum(e**3)) / s2**1.5
    return float(y * math.sqrt(n * (n - 1)) / (n - 2))


def kurt_type2(x: FloatArray) -> float:
    """Return the bias-adjusted sample excess kurtosis (e1071 type 2) of the non-missing values."""
    found = _deviations(x, min_n=4)
    if found is None:
        return math.nan
    e, s2 = found
    n = e.size
    r = n * float(np.sum(e**4)) / s2**2
    return ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def _passes(
    x: FloatArray, skew_thresh: float, kurt_thresh: float
) -> tuple[bool | None, float, float]:
    sk, kt = skew_type2(x), kurt_type2(x)
    if math.isnan(sk) or math.isnan(kt):
        return None, sk, kt
    return (abs(sk) < skew_thresh) or (kt < kurt_thresh), sk, kt


@dataclass(frozen=True, slots=True)
class TreatParams:
    """Frozen treatment of one indicator: clip to ``[clip_low, clip_high]``, then transform.

    ``transform`` is ``"none"`` or one of the log fallbacks with its fitted ``x_min``/``x_max``.
    Re-applied to the data it was fitted on, it reproduces the treated column exactly.
    """

    clip_low: float = -math.inf
    clip_high: float = math.inf
    transform: str = "none"
    x_min: float = math.nan
    x_max: float = math.nan
    skew_sign: float = 1.0
    boxcox_lambda: float = 1.0

    def apply(self, x: FloatArray) -> FloatArray:
        """Return ``x`` treated with these frozen parameters."""
        arr = np.asarray(x, dtype=np.float64)
        if self.clip_low > -math.inf or self.clip_high < math.inf:
            arr = np.where(np.isnan(arr), arr, np.clip(arr, self.clip_low, self.clip_high))
        if self.transform == "none":
            return arr
        return _log_transform(
            arr, self.transform, self.x_min, self.x_max, self.skew_sign, self.boxcox_lambda
        )

    def as_dict(self) -> dict[str, Detail]:
        """Return the parameters as a JSON-serialisable mapping."""
        return {
            "clip_low": json_float(self.clip_low),
            "clip_high": json_float(self.clip_high),
            "transform": self.transform,
            "x_min": json_float(self.x_min),
            "x_max": json_float(self.x_max),
            "skew_sign": self.skew_sign,
            "boxcox_lambda": self.boxcox_lambda,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TreatParams:
        """Rebuild parameters written by :meth:`as_dict`."""

        def saved(name: str, default: float) -> float:
            return float_from_json(data.get(name), default=default, what="treatment parameters")

        return cls(
            clip_low=saved("clip_low", -math.inf),
            clip_high=saved("clip_high", math.inf),
            transform=str(data.get("transform", "none")),
            x_min=saved("x_min", math.nan),
            x_max=saved("x_max", math.nan),
            skew_sign=saved("skew_sign", 1.0),
            boxcox_lambda=saved("boxcox_lambda", 1.0),
        )


def _log_transform(
    x: FloatArray, method: str, x_min: float, x_max: float, skew_sign: float, lam: float = 1.0
) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "boxcox":
            shifted = x - x_min + 1.0
            return np.log(shifted) if lam == 0 else (shifted**lam - 1.0) / lam
        if method == "log_CT":
            return np.log(x - x_min + 0.01 * (x_max - x_min))
        if method == "log_CT_orig":
            return np.log(x - x_min + 1.0)
        if method == "log_CT_plus":
            a = 0.01 * (x_max - x_min)
            if skew_sign >= 0:
                return np.log(x - x_min + a)
            return -np.log(x_max + a - x)
    msg = f"Unknown fallback {method!r}; allowed: {', '.join(FALLBACKS)}."
    raise SpecError(msg)


class ColumnTreatment(NamedTuple):
    """Result of treating one column."""

    x: FloatArray
    points: NDArray[np.str_]
    details: dict[str, Detail]
    params: TreatParams


def winsorise(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force_win: bool = False,
) -> tuple[FloatArray, int, NDArray[np.str_]]:
    """Winsorise one column as COINr's ``winsorise`` does.

    Returns
    -------
    tuple
        ``(x_winsorised, nwin, treated)``; ``treated`` holds "winhi", "winlo" or "".
    """
    v = np.asarray(x, dtype=np.float64).copy()
    passing, _, _ = _passes(v, skew_thresh, kurt_thresh)
    nwin = 0
    imax: NDArray[np.intp] = np.array([], dtype=np.intp)
    imin: NDArray[np.intp] = np.array([], dtype=np.intp)
    if passing is False or force_win:
        while (passing is False or force_win) and (winmax is None or nwin < winmax):
            sk = skew_type2(v)
            obs = ~np.isnan(v)
            if not (sk < 0):
                top = np.nanmax(v)
                imax = np.nonzero(obs & (v == top))[0]
                rest = v[obs & (v != top)]
                if rest.size == 0:
                    break
                v[imax] = np.max(rest)
            else:
                bottom = np.nanmin(v)
                imin = np.nonzero(obs & (v == bottom))[0]
                rest = v[obs & (v != bottom)]
                if rest.size == 0:
                    break
                v[imin] = np.min(rest)
            nwin = int(imax.size + imin.size)
            passing, _, _ = _passes(v, skew_thresh, kurt_thresh)
            if passing is None:
                break
    treated = np.full(v.shape, "", dtype=object)
    treated[imax] = "winhi"
    treated[imin] = "winlo"
    return v, nwin, treated.astype(str)


def treat_column(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    f2: str = "log_CT",
    combine_treat: bool = False,
    force_win: bool = False,
    boxcox_lambda: float = 1.0,
) -> ColumnTreatment:
    """Treat one column with the two-stage rule (see the module docstring)."""
    if f2 not in FALLBACKS:
        msg = f"Unknown fallback f2 {f2!r}; allowed: {', '.join(FALLBACKS)}."
        raise SpecError(msg)
    orig = np.asarray(x, dtype=np.float64)
    points = np.full(orig.shape, "", dtype=object)
    pass0, sk0, kt0 = _passes(orig, skew_thresh, kurt_thresh)
    details: dict[str, Detail] = {"pass0": pass0, "skew0": sk0, "kurt0": kt0}
    if pass0 is None or (pass0 and not force_win):
        return ColumnTreatment(orig.copy(), points.astype(str), details, TreatParams())
    x1, nwin, win_flags = winsorise(
        orig, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, force_win=force_win
    )
    pass1, sk1, kt1 = _passes(x1, skew_thresh, kurt_thresh)
    details.update({"nwin": nwin, "pass1": pass1, "skew1": sk1, "kurt1": kt1})
    obs = x1[~np.isnan(x1)]
    clip_low = float(np.min(obs)) if np.any(win_flags == "winlo") else -math.inf
    clip_high = float(np.max(obs)) if np.any(win_flags == "winhi") else math.inf
    params = TreatParams(clip_low=clip_low, clip_high=clip_high)
    if pass1 is not False or f2 == "none":
        return ColumnTreatment(x1, win_flags, details, params)
    base = x1 if combine_treat else orig
    if not combine_treat:
        params = TreatParams()
    obs_b = base[~np.isnan(base)]
    lo, hi = float(np.min(obs_b)), float(np.max(obs_b))
    sign = 1.0 if not (skew_type2(base) < 0) else -1.0
    x2 = _log_transform(base, f2, lo, hi, sign, boxcox_lambda)
    params = TreatParams(params.clip_low, params.clip_high, f2, lo, hi, sign, boxcox_lambda)
    pass2, sk2, kt2 = _passes(x2, skew_thresh, kurt_thresh)
    details.update({"pass2": pass2, "skew2": sk2, "kurt2": kt2})
    if f2 == "boxcox":  # COINr's boxcox returns no flags: only the winsorised points show
        return ColumnTreatment(x2, win_flags, details, params)
    joined = np.array([f"{w}+{f2}" for w in win_flags], dtype=object)
    return ColumnTreatment(x2, joined.astype(str), details, params)


class TreatOutput(NamedTuple):
    """Treated data, record, treated-points table ``[units, indicators]`` and frozen params."""

    data: FloatArray
    record: StepRecord
    points: NDArray[np.str_]
    params: tuple[TreatParams, ...]


def treat(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    f2: str = "log_CT",
    combine_treat: bool = False,
    force_win: bool = False,
    boxcox_lambda: float = 1.0,
    skip: Sequence[str] = (),
    overrides: Mapping[str, Mapping[str, object]] | None = None,
    codes: Sequence[str] | None = None,
) -> TreatOutput:
    """Treat outliers in every column of ``x`` (``[units, indicators]``).

    Parameters
    ----------
    x
        Data with ``NaN`` for missing values.
    winmax
        Maximum number of winsorised points (``None``: no limit).
    skew_thresh, kurt_thresh
        Thresholds of the pass test ``|skew| < skew_thresh or kurtosis < kurt_thresh``.
    f2
        Fallback transformation, one of {"log_CT", "log_CT_plus", "log_CT_orig", "boxcox",
        "none"}.
    combine_treat
        Apply ``f2`` to the winsorised column instead of the original one.
    force_win
        Winsorise up to ``winmax`` points even when the column passes.
    boxcox_lambda
        Lambda of the ``boxcox`` fallback.
    skip
        Indicator codes left untreated.
    overrides
        Per-indicator parameters (any of the keyword arguments above), by code.
    codes
        Indicator codes.

    Returns
    -------
    TreatOutput
        ``(data, record, points, params)``.
    """
    arr = as_float_array(x)
    n_units, n_ind = arr.shape
    names = list(codes) if codes is not None else [str(j + 1) for j in range(n_ind)]
    base: dict[str, object] = {
        "winmax": winmax,
        "skew_thresh": skew_thresh,
        "kurt_thresh": kurt_thresh,
        "f2": f2,
        "combine_treat": combine_treat,
        "force_win": force_win,
        "boxcox_lambda": boxcox_lambda,
    }
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(names)) + sorted(set(skip) - set(names))
    if unknown:
        msg = f"Treatment names unknown indicator(s) {unknown!r}; use codes of iMeta."
        raise SpecError(msg)
    out = arr.copy()
    points = np.full((n_units, n_ind), "", dtype=object)
    params: list[TreatParams] = []
    table: list[Detail] = []
    for j, code in enumerate(names):
        if code in skip:
            params.append(TreatParams())
            continue
        opts = {**base, **overrides.get(code, {})}
        res = treat_column(
            arr[:, j],
            winmax=None if opts["winmax"] is None else int(opts["winmax"]),  # type: ignore[call-overload]
            skew_thresh=float(opts["skew_thresh"]),  # type: ignore[arg-type]
            kurt_thresh=float(opts["kurt_thresh"]),  # type: ignore[arg-type]
            f2=str(opts["f2"]),
            combine_treat=bool(opts["combine_treat"]),
            force_win=bool(opts["force_win"]),
            boxcox_lambda=float(opts["boxcox_lambda"]),  # type: ignore[arg-type]
        )
        out[:, j] = res.x
        points[:, j] = res.points
        params.append(res.params)
        table.append({"code": code, **res.details})
    flags = points.astype(str)
    counts = {
        "winhi": int(np.sum(np.char.find(flags, "winhi") >= 0)),
        "winlo": int(np.sum(np.char.find(flags, "winlo") >= 0)),
        "transformed": int(sum(p.transform != "none" for p in params)),
    }
    record = StepRecord(
        "treat",
        f"winsorise+{f2}",
        {k: v for k, v in base.items() if isinstance(v, int | float | str | None)},
        {"counts": counts, "indicators": table},
    )
    return TreatOutput(out, record, flags, tuple(params))


__all__ = [
    "FALLBACKS",
    "ColumnTreatment",
    "TreatOutput",
    "TreatParams",
    "kurt_type2",
    "skew_type2",
    "treat",
    "treat_column",
    "winsorise",
]
