"""Normalisation: bring indicators onto a common scale where higher is better.

Direction is handled as COINr does: each indicator column is multiplied by its direction
(``+1``/``-1``) first, and the method then works on ``v = x * d``; parameters given in original
units (goalposts, targets, SDSN bounds) are converted accordingly, so for ``d = -1`` the
goalposts score is ``(upper - x) / (upper - lower)``. Statistics use the non-missing values of
each column; missing values stay missing.

Methods (``method=``), with the per-indicator parameters they take:

========== ====================================================================================
minmax     ``(v - min)/(max - min) * (upper - lower) + lower`` (default 0-100)
zscore     ``(v - mean)/sd * sd_new + mean_new``, sample sd (n - 1); default (0, 1)
rank       ``rank_min(v)`` (1 = worst)
borda      ``rank_min(v) - 1``
prank      ``(rank_min(v) - 1)/(n_obs - 1)``
goalposts  ``(x - lower)/(upper - lower)`` in original units (flipped for d = -1), clipped to
           [0, 1] when ``trunc``, times ``scale``
dist2targ  ``(x - min)/(target - min)`` for d = +1, ``(max - x)/(max - target)`` for d = -1,
           capped at 1 when ``cap_max``; no lower clip, no x 100 (as COINr)
sdsn       ``100 * (x - L)/(U - L)`` censored to [0, 100]; L = the 2.5th percentile
           (direction-adjusted: the 97.5th for d = -1) unless given, U = the target (iMeta
           ``Target``) or, without target, the mean of the 5 best values
scaled     ``(x - lower)/(upper - lower) * scale`` (no direction flip of the bounds)
dist2max   ``1 - (max - v)/(max - min)``
fracmax    ``v / max``
========== ====================================================================================

Every method but the rank family is an affine map of ``v`` with an optional clip; its fitted
parameters (:class:`NormParams`) can therefore be frozen and re-applied to later data, which is
what :class:`citykpi.index.Edition` does.

**Zero variance.** An indicator whose observed values are all equal has no min-max or z-score:
by default (``zero_variance="error"``) this raises :class:`~citykpi.errors.IndexComputationError`
naming the indicator; with ``zero_variance="nan"`` the column becomes ``NaN`` (it then drops
out of aggregation with its weight) and the record carries a warning.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

import numpy as np

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.ranks import min_rank
from citykpi.index.records import (
    Detail,
    FloatArray,
    StepRecord,
    as_float_array,
    float_from_json,
    float_list,
    json_float,
)

#: Normalisation methods, in documentation order.
NORMALISATION_METHODS: Final[tuple[str, ...]] = (
    "minmax",
    "zscore",
    "rank",
    "borda",
    "prank",
    "goalposts",
    "dist2targ",
    "sdsn",
    "scaled",
    "dist2max",
    "fracmax",
)
#: Methods whose result depends on the whole sample and cannot be frozen in an edition.
RANK_METHODS: Final[frozenset[str]] = frozenset({"rank", "borda", "prank"})
#: Per-indicator parameters a method reads from iMeta columns (``use_meta``): argument of
#: :func:`normalise` -> iMeta column (listed in :data:`citykpi.index.imeta.PARAM_COLUMNS`).
META_PARAMS: Final[Mapping[str, Mapping[str, str]]] = {
    "minmax": {"lower": "minmax_lower", "upper": "minmax_upper"},
    "zscore": {"mean": "zscore_mean", "sd": "zscore_sd"},
    "goalposts": {
        "lower": "goalpost_lower",
        "upper": "goalpost_upper",
        "scale": "goalpost_scale",
        "trunc": "goalpost_trunc2posts",
    },
    "dist2targ": {"cap_max": "dist2targ_cap_max"},
    "sdsn": {"lower": "sdsn_lower", "upper": "sdsn_upper"},
}
#: Methods that read the iMeta ``Target`` column as their ``targets``.
TARGET_METHODS: Final[frozenset[str]] = frozenset({"dist2targ", "sdsn"})

ParamLike = float | Sequence[float] | FloatArray | None


@dataclass(frozen=True, slots=True)
class NormParams:
    """Fitted affine normalisation, per indicator, in direction-adjusted space.

    ``y = clip((x * direction - center) / divisor, low, high) * multiplier + offset``.
    """

    method: str
    direction: FloatArray
    center: FloatArray
    divisor: FloatArray
    low: FloatArray
    high: FloatArray
    multiplier: FloatArray
    offset: FloatArray

    def apply(self, x: FloatArray) -> FloatArray:
        """Return ``x`` (``[..., units, indicators]``) normalised with these frozen parameters."""
        arr = np.asarray(x, dtype=np.float64)
        center, divisor = self.center, self.divisor
        if center.ndim > 1:  # fitted per batch entry: broadcast over the units axis
            center, divisor = center[..., None, :], divisor[..., None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (arr * self.direction - center) / divisor
        z = np.where(np.isnan(z), z, np.clip(z, self.low, self.high))
        out: FloatArray = z * self.multiplier + self.offset
        return out

    def as_dict(self) -> dict[str, Detail]:
        """Return the parameters as JSON-serialisable lists (``None`` for NaN, +-inf as text)."""
        out: dict[str, Detail] = {"method": self.method}
        for name in ("direction", "center", "divisor", "low", "high", "multiplier", "offset"):
            values: FloatArray = getattr(self, name)
            out[name] = [json_float(float(v)) for v in values]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> NormParams:
        """Rebuild parameters written by :meth:`as_dict`."""
        arrays: dict[str, FloatArray] = {}
        for name in ("direction", "center", "divisor", "low", "high", "multiplier", "offset"):
            raw = data.get(name)
            if not isinstance(raw, list):
                msg = f"Normalisation parameters lack the list {name!r}; re-save the edition."
                raise SpecError(msg)
            arrays[name] = np.array(
                [float_from_json(v, what="normalisation parameters") for v in raw], dtype=np.float64
            )
        return cls(method=str(data.get("method", "")), **arrays)


class NormaliseOutput(NamedTuple):
    """Normalised data, the record, and the fitted parameters (``None`` for rank methods)."""

    data: FloatArray
    record: StepRecord
    params: NormParams | None


def _per_indicator(value: ParamLike, n: int, default: float, *, name: str) -> FloatArray:
    if value is None:
        return np.full(n, default)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        msg = f"Parameter {name!r} has {arr.size} values but there are {n} indicators."
        raise SpecError(msg)
    return np.where(np.isnan(arr), default, arr)


def _nan_stat(func: str, v: FloatArray) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if func == "min":
            return np.asarray(np.nanmin(v, axis=-2), dtype=np.float64)
        if func == "max":
            return np.asarray(np.nanmax(v, axis=-2), dtype=np.float64)
        if func == "mean":
            return np.asarray(np.nanmean(v, axis=-2), dtype=np.float64)
        if func == "sd":
            return np.asarray(np.nanstd(v, axis=-2, ddof=1), dtype=np.float64)
    raise AssertionError(func)


def _names(codes: Sequence[str] | None, n: int) -> list[str]:
    return list(codes) if codes is not None else [f"column {j + 1}" for j in range(n)]


def _top5_mean(v: FloatArray) -> FloatArray:
    s = -np.sort(-np.where(np.isnan(v), -np.inf, v), axis=-2)[..., :5, :]
    s = np.where(np.isinf(s), np.nan, s)
    return _nan_stat("mean", s)


def fit_normalisation(
    x: FloatArray,
    *,
    method: str = "minmax",
    directions: ParamLike = None,
    lower: ParamLike = None,
    upper: ParamLike = None,
    mean: ParamLike = None,
    sd: ParamLike = None,
    scale: ParamLike = None,
    targets: ParamLike = None,
    trunc: bool | Sequence[bool] | FloatArray = True,
    cap_max: bool | Sequence[bool] | FloatArray = False,
    percentile: float = 2.5,
    zero_variance: Literal["error", "nan"] = "error",
    codes: Sequence[str] | None = None,
) -> NormParams:
    """Fit an affine normalisation to ``x`` (every method except the rank family).

    Parameters
    ----------
    x
        ``[..., units, indicators]`` data with ``NaN`` for missing values. With leading batch
        axes, statistics are fitted per batch entry.
    method
        One of {"minmax", "zscore", "goalposts", "dist2targ", "sdsn", "scaled", "dist2max",
        "fracmax"}.
    directions
        Per-indicator +1/-1 (default all +1).
    lower, upper
        minmax output range (default 0, 100); goalposts / scaled bounds in original units;
        sdsn fixed bounds in original units (``NaN`` entries are estimated from the data).
    mean, sd
        z-score output mean and sd (default 0, 1).
    scale
        goalposts / scaled multiplier (defaults 1 and 100).
    targets
        Per-indicator targets for dist2targ and sdsn (original units).
    trunc
        Clip goalposts scores to [0, 1] before scaling (one flag, or one per indicator).
    cap_max
        Cap dist2targ scores at 1 (one flag, or one per indicator).
    percentile
        Percentile of the direction-adjusted data used as the SDSN lower bound.
    zero_variance
        What to do with a constant column under minmax / zscore / dist2max: {"error", "nan"}.
    codes
        Indicator codes, for error messages.

    Returns
    -------
    NormParams
        The fitted parameters; apply them with :meth:`NormParams.apply`.
    """
    arr = as_float_array(x)
    n = arr.shape[-1]
    names = _names(codes, n)
    d = _per_indicator(directions, n, 1.0, name="directions")
    v = arr * d
    inf = np.full(n, np.inf)
    zeros, ones = np.zeros(n), np.ones(n)
    low, high = -inf, inf
    counts = np.sum(~np.isnan(v), axis=-2)
    empty = np.nonzero(np.atleast_1d(counts == 0).reshape(-1, n).any(axis=0))[0]
    if empty.size and method not in {"goalposts", "scaled"}:
        msg = (
            f"Indicator {names[int(empty[0])]!r} has no observed value, so it cannot be "
            f"normalised by {method!r}; screen it out or impute it first."
        )
        raise IndexComputationError(msg)
    if method == "minmax":
        lo = _per_indicator(lower, n, 0.0, name="lower")
        hi = _per_indicator(upper, n, 100.0, name="upper")
        vmin, vmax = _nan_stat("min", v), _nan_stat("max", v)
        center, divisor, mult, off = vmin, vmax - vmin, hi - lo, lo
        _check_spread(divisor, names, method, zero_variance)
    elif method == "zscore":
        center = _nan_stat("mean", v)
        divisor = _nan_stat("sd", v)
        mult = _per_indicator(sd, n, 1.0, name="sd")
        off = _per_indicator(mean, n, 0.0, name="mean")
        _check_spread(divisor, names, method, zero_variance)
    elif method == "dist2max":
        # 1 - (max - v)/(max - min), written so that it is bit-identical to COINr's form
        vmin, vmax = _nan_stat("min", v), _nan_stat("max", v)
        center, divisor, mult, off = vmax, vmax - vmin, ones, ones
        _check_spread(divisor, names, method, zero_variance)
    elif method == "fracmax":
        center, divisor, mult, off = zeros, _nan_stat("max", v), ones, zeros
    elif method == "goalposts":
        lo_x = _required(lower, n, names, "lower", method)
        hi_x = _required(upper, n, names, "upper", method)
        lv = np.where(d > 0, lo_x, -hi_x)
        uv = np.where(d > 0, hi_x, -lo_x)
        center, divisor = lv, uv - lv
        mult, off = _per_indicator(scale, n, 1.0, name="scale"), zeros
        clip = _per_indicator(trunc, n, 1.0, name="trunc") != 0
        low, high = np.where(clip, 0.0, -np.inf), np.where(clip, 1.0, np.inf)
        _check_positive(divisor, names, "upper goalpost must differ from the lower one")
    elif method == "scaled":
        lo_x = _per_indicator(lower, n, 0.0, name="lower")
        hi_x = _per_indicator(upper, n, 100.0, name="upper")
        # as COINr's n_scaled: the bounds apply to the direction-adjusted values as given
        center, divisor = lo_x, hi_x - lo_x
        mult, off = _per_indicator(scale, n, 100.0, name="scale"), zeros
        _check_positive(np.abs(divisor), names, "upper must differ from lower")
    elif method == "dist2targ":
        # 1 - (target - v)/(target - min), COINr's form, with the target direction-adjusted
        t = _required(targets, n, names, "targets", method) * d
        vmin = _nan_stat("min", v)
        center, divisor, mult, off = t, t - vmin, ones, ones
        cap = _per_indicator(cap_max, n, 0.0, name="cap_max") != 0
        high = np.where(cap, 0.0, np.inf)
        _check_positive(np.abs(divisor), names, "the target must differ from the worst value")
    elif method == "sdsn":
        fixed_lo = _per_indicator(lower, n, math.nan, name="lower")
        fixed_hi = _per_indicator(upper, n, math.nan, name="upper")
        t = _per_indicator(targets, n, math.nan, name="targets")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            est_lo = np.asarray(np.nanpercentile(v, percentile, axis=-2), dtype=np.float64)
        lv = np.where(np.isnan(fixed_lo), est_lo, fixed_lo * d)
        up_x = np.where(np.isnan(fixed_hi), t, fixed_hi)
        uv = np.where(np.isnan(up_x), _top5_mean(v), up_x * d)
        center, divisor = lv, uv - lv
        mult, off = np.full(n, 100.0), zeros
        low, high = zeros, ones
        _check_positive(
            divisor,
            names,
            "the upper bound (target) must be better than the lower bound; check the Target "
            "and Direction of the indicator or give sdsn_upper",
        )
    elif method in RANK_METHODS:
        msg = f"Method {method!r} is rank-based and has no affine parameters to fit or freeze."
        raise SpecError(msg)
    else:
        msg = (
            f"Unknown normalisation method {method!r}; allowed: {', '.join(NORMALISATION_METHODS)}."
        )
        raise SpecError(msg)
    shape = np.broadcast_shapes(np.shape(center), np.shape(divisor))
    return NormParams(
        method=method,
        direction=d,
        center=np.broadcast_to(center, shape).astype(np.float64),
        divisor=np.broadcast_to(divisor, shape).astype(np.float64),
        low=low,
        high=high,
        multiplier=np.asarray(mult, dtype=np.float64),
        offset=np.asarray(off, dtype=np.float64),
    )


def _required(value: ParamLike, n: int, names: list[str], what: str, method: str) -> FloatArray:
    arr = _per_indicator(value, n, math.nan, name=what)
    missing = np.nonzero(np.isnan(arr))[0]
    if missing.size:
        msg = (
            f"Method {method!r} needs {what!r} for every indicator, but {names[int(missing[0])]!r} "
            f"has none; give it in the spec or in iMeta (e.g. goalpost_lower/goalpost_upper, "
            "Target)."
        )
        raise SpecError(msg)
    return arr


def _check_spread(divisor: FloatArray, names: list[str], method: str, zero_variance: str) -> None:
    if zero_variance == "nan":
        return
    bad = np.atleast_1d(divisor == 0).reshape(-1, len(names)).any(axis=0)
    if bad.any():
        j = int(np.nonzero(bad)[0][0])
        msg = (
            f"Indicator {names[j]!r} has the same value for every unit (zero variance), so "
            f"{method!r} normalisation divides by zero; remove the indicator, use goalposts, or "
            "set zero_variance: nan to score it as missing."
        )
        raise IndexComputationError(msg)


def _check_positive(divisor: FloatArray, names: list[str], what: str) -> None:
    bad = np.atleast_1d(~(divisor > 0)).reshape(-1, len(names)).any(axis=0)
    if bad.any():
        j = int(np.nonzero(bad)[0][0])
        msg = f"Cannot normalise indicator {names[j]!r}: {what}."
        raise IndexComputationError(msg)


def normalise(
    x: FloatArray,
    *,
    method: str = "minmax",
    directions: ParamLike = None,
    lower: ParamLike = None,
    upper: ParamLike = None,
    mean: ParamLike = None,
    sd: ParamLike = None,
    scale: ParamLike = None,
    targets: ParamLike = None,
    trunc: bool | Sequence[bool] | FloatArray = True,
    cap_max: bool | Sequence[bool] | FloatArray = False,
    percentile: float = 2.5,
    zero_variance: Literal["error", "nan"] = "error",
    codes: Sequence[str] | None = None,
) -> NormaliseOutput:
    """Normalise every indicator column of ``x`` with one method.

    Parameters are those of :func:`fit_normalisation`; the rank family ({"rank", "borda",
    "prank"}) takes only ``directions``.

    Returns
    -------
    NormaliseOutput
        ``(data, record, params)``; ``params`` is ``None`` for rank methods.
    """
    arr = as_float_array(x)
    n = arr.shape[-1]
    params_used: dict[str, Detail] = {"method": method}
    warn: list[str] = []
    if method in RANK_METHODS:
        d = _per_indicator(directions, n, 1.0, name="directions")
        v = arr * d
        r = min_rank(v, axis=-2)
        if method == "rank":
            out = r
        elif method == "borda":
            out = r - 1.0
        else:
            nobs = np.sum(~np.isnan(v), axis=-2, keepdims=True).astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = (r - 1.0) / (nobs - 1.0)
        record = StepRecord("normalise", method, params_used, {"codes": _names(codes, n)})
        return NormaliseOutput(out, record, None)
    params = fit_normalisation(
        arr,
        method=method,
        directions=directions,
        lower=lower,
        upper=upper,
        mean=mean,
        sd=sd,
        scale=scale,
        targets=targets,
        trunc=trunc,
        cap_max=cap_max,
        percentile=percentile,
        zero_variance=zero_variance,
        codes=codes,
    )
    out = params.apply(arr)
    if zero_variance == "nan":
        flat = np.atleast_1d(params.divisor == 0).reshape(-1, n).any(axis=0)
        names = _names(codes, n)
        for j in np.nonzero(flat)[0]:
            warn.append(
                f"Indicator {names[int(j)]!r} has zero variance; its normalised values are "
                "missing and it drops out of aggregation."
            )
        zero = params.divisor == 0
        out = np.where(zero[..., None, :] if zero.ndim > 1 else zero, np.nan, out)
    details: dict[str, Detail] = {"codes": _names(codes, n)}
    if params.center.ndim == 1:
        details["parameters"] = params.as_dict()
        details["bounds_original_units"] = {
            "lower": float_list(params.center * params.direction),
            "upper": float_list((params.center + params.divisor) * params.direction),
        }
    record = StepRecord("normalise", method, params_used, details, tuple(warn))
    return NormaliseOutput(out, record, params)


__all__ = [
    "META_PARAMS",
    "NORMALISATION_METHODS",
    "RANK_METHODS",
    "TARGET_METHODS",
    "NormParams",
    "NormaliseOutput",
    "fit_normalisation",
    "normalise",
]
