"""Run an index specification over COINr-style data: :func:`build_index`.

``build_index(data, meta, spec)`` takes the unit table (``iData``: one row per unit with
``uCode``, optionally ``uName``, unit-group columns, denominator columns and one column per
indicator), the structure (an ``iMeta`` table or a :class:`~citykpi.index.Hierarchy`) and a spec
(:mod:`citykpi.index.spec`), runs the steps in the order given and returns an
:class:`IndexResult` holding every intermediate data set, the ranks and the log. Units are
sorted by ``uCode`` first (as COINr's ``new_coin`` does). No file is read or written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citykpi.errors import InputError, SpecError
from citykpi.index.aggregate import aggregate
from citykpi.index.denominate import denominate
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.imeta import check_columns, hierarchy_from_meta
from citykpi.index.impute import impute
from citykpi.index.normalise import NormParams, normalise
from citykpi.index.ranks import rank_scores
from citykpi.index.records import FloatArray, StepRecord
from citykpi.index.screen import screen
from citykpi.index.spec import (
    AggregateStep,
    DenominateStep,
    ImputeStep,
    IndexSpec,
    NormaliseOverride,
    NormaliseStep,
    ScreenStep,
    TreatStep,
    WeightsSpec,
    parse_spec,
)
from citykpi.index.treat import TreatParams, treat
from citykpi.index.weights import equal_weights, optimise_weights, pca_weights

#: Name of the data set each step writes.
DATASET_OF_STEP: dict[str, str] = {
    "denominate": "denominated",
    "impute": "imputed",
    "screen": "screened",
    "treat": "treated",
    "normalise": "normalised",
    "aggregate": "aggregated",
}


@dataclass(frozen=True)
class FrozenParams:
    """Parameters fixed by an edition: treatment, normalisation and weights.

    When given to :func:`build_index`, the treat, normalise and aggregate steps apply these
    instead of fitting them to the data (see :class:`citykpi.index.Edition`); indicator
    screening is skipped so that the indicators stay those of the edition.
    """

    norm_params: NormParams
    weights: dict[str, float]
    treat_params: dict[str, TreatParams] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexResult:
    """Everything a build produced.

    Attributes
    ----------
    hierarchy
        The structure used (without indicators removed by screening).
    spec
        The validated spec.
    units
        Unit codes of the final data sets, sorted.
    datasets
        Data sets by name: ``raw`` and then, as the steps ran, ``denominated``, ``imputed``,
        ``screened``, ``treated``, ``normalised``, ``aggregated`` (the last has every node's
        column); each indexed by ``uCode``.
    ranks
        Ranks of every column of the last data set (1 = best, ties "min").
    treat_points
        Treated-points table (``uCode`` x indicators, "" where untreated), if ``treat`` ran.
    log
        One :class:`~citykpi.index.records.StepRecord` per step (and per weight computation).
    weights
        The weights used for aggregation, by code.
    norm_params
        Fitted normalisation (``None`` when rank-based or no normalisation ran).
    treat_params
        Frozen treatment per indicator (empty when ``treat`` did not run).
    unit_data
        The non-indicator columns of iData for the final units (uName, groups, denominators).
    """

    hierarchy: Hierarchy
    spec: IndexSpec
    units: tuple[str, ...]
    datasets: dict[str, pd.DataFrame]
    ranks: pd.DataFrame
    treat_points: pd.DataFrame | None
    log: tuple[StepRecord, ...]
    weights: dict[str, float]
    norm_params: NormParams | None = None
    treat_params: dict[str, TreatParams] = field(default_factory=dict)
    unit_data: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def scores(self) -> pd.DataFrame:
        """Return the aggregated data set (indicators and every aggregate)."""
        return self.datasets["aggregated"]

    def log_dicts(self) -> list[dict[str, Any]]:
        """Return the log as JSON-serialisable dictionaries."""
        return [dict(r.as_dict()) for r in self.log]


def prepare_units(data: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Return ``data`` checked (uCode present and unique, indicators present) and sorted."""
    if "uCode" not in data.columns:
        msg = "iData has no 'uCode' column; add one with a unique code per unit."
        raise InputError(msg)
    codes = data["uCode"].astype(str)
    dup = codes[codes.duplicated()].tolist()
    if dup:
        msg = f"iData has duplicate uCode values {sorted(set(dup))!r}; make each unit unique."
        raise InputError(msg)
    check_columns(hierarchy, data.columns)
    out = data.copy()
    out["uCode"] = codes
    return out.sort_values("uCode", kind="stable").reset_index(drop=True)


def _frame(values: FloatArray, units: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.Index(units, name="uCode"), columns=list(columns))


def _meta_param(h: Hierarchy, name: str, fallback: float | None) -> FloatArray | None:
    arr = h.indicator_param(name)
    if fallback is not None:
        arr = np.where(np.isnan(arr), fallback, arr)
    if np.all(np.isnan(arr)):
        return None
    return arr


def _normalise_args(
    step: NormaliseStep | NormaliseOverride, h: Hierarchy, method: str, use_meta: bool
) -> dict[str, Any]:
    args: dict[str, Any] = {
        "lower": step.lower,
        "upper": step.upper,
        "mean": step.mean,
        "sd": step.sd,
        "scale": step.scale,
        "trunc": step.trunc,
        "cap_max": step.cap_max,
        "percentile": step.percentile,
        "zero_variance": step.zero_variance,
    }
    if isinstance(step, NormaliseOverride) and step.target is not None:
        args["targets"] = step.target
    if not use_meta:
        return args
    meta_cols = {
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
    }.get(method, {})
    for arg, col in meta_cols.items():
        fallback = args[arg]
        value = _meta_param(h, col, None if fallback is None else float(fallback))
        if value is not None:
            args[arg] = value
    if method in {"dist2targ", "sdsn"} and "targets" not in args:
        args["targets"] = _meta_param(h, "Target", None)
    return args


def _run_normalise(
    x: FloatArray, step: NormaliseStep, h: Hierarchy
) -> tuple[FloatArray, StepRecord, NormParams | None]:
    codes = h.indicators
    d = h.directions()
    args = _normalise_args(step, h, step.method, step.use_meta)
    out = normalise(x, method=step.method, directions=d, codes=codes, **args)
    if not step.indicators:
        return out.data, out.record, out.params
    unknown = sorted(set(step.indicators) - set(codes))
    if unknown:
        msg = f"Normalise overrides name unknown indicator(s) {unknown!r}; use codes of iMeta."
        raise SpecError(msg)
    data = out.data.copy()
    params = out.params
    details: dict[str, Any] = {"base": dict(out.record.as_dict()), "overrides": {}}
    warnings = list(out.record.warnings)
    for code, override in step.indicators.items():
        j = codes.index(code)
        sub_args = _normalise_args(override, h, override.method, step.use_meta)
        for key in ("lower", "upper", "mean", "sd", "scale", "targets", "trunc", "cap_max"):
            if isinstance(sub_args.get(key), np.ndarray):
                sub_args[key] = sub_args[key][j : j + 1]
        sub = normalise(
            x[:, j : j + 1],
            method=override.method,
            directions=d[j : j + 1],
            codes=[code],
            **sub_args,
        )
        data[:, j] = sub.data[:, 0]
        details["overrides"][code] = dict(sub.record.as_dict())
        warnings.extend(sub.record.warnings)
        params = None if params is None or sub.params is None else _splice(params, sub.params, j)
    record = StepRecord("normalise", f"{step.method}+overrides", {}, details, tuple(warnings))
    return data, record, params


def _splice(base: NormParams, sub: NormParams, j: int) -> NormParams:
    fields = ("direction", "center", "divisor", "low", "high", "multiplier", "offset")
    new: dict[str, FloatArray] = {}
    for name in fields:
        arr = np.array(getattr(base, name), dtype=np.float64, copy=True)
        arr[j] = getattr(sub, name)[0]
        new[name] = arr
    return NormParams(method="mixed", **new)


def _weights(
    step: AggregateStep, x: FloatArray, h: Hierarchy, agg: dict[str, Any]
) -> tuple[dict[str, float], list[StepRecord]]:
    base = {c: float(w) for c, w in zip(h.codes, h.weights(), strict=True)}
    spec = step.weights
    if spec == "original":
        return base, []
    if spec == "equal":
        return equal_weights(h), [StepRecord("weights", "equal")]
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(h.codes))
        if unknown:
            msg = (
                f"Weights name unknown code(s) {unknown!r}; use codes of iMeta such as "
                f"{', '.join(h.codes[:4])}."
            )
            raise SpecError(msg)
        return {**base, **spec}, [StepRecord("weights", "custom", {}, {"n": len(spec)})]
    assert isinstance(spec, WeightsSpec)
    if spec.method == "original":
        return base, []
    if spec.method == "equal":
        return equal_weights(h), [StepRecord("weights", "equal")]
    if spec.method == "pca":
        out = pca_weights(x, h, level=spec.level or 1, aggregation=agg)
        return out.weights, [out.record]
    res = optimise_weights(
        x,
        h,
        level=spec.level or 2,
        target=spec.target,
        maxiter=spec.maxiter,
        reltol=spec.reltol,
        aggregation=agg,
    )
    return res.weights, [res.record]


def build_index(
    data: pd.DataFrame,
    meta: pd.DataFrame | Hierarchy,
    spec: Mapping[str, Any] | IndexSpec,
    *,
    frozen: FrozenParams | None = None,
) -> IndexResult:
    """Build a composite index from COINr-style data, structure and a spec.

    Parameters
    ----------
    data
        iData: ``uCode``, optional ``uName``, unit groups, denominators, one column per
        indicator (float, ``NaN`` for missing).
    meta
        iMeta table or a ready :class:`~citykpi.index.Hierarchy`.
    spec
        A spec mapping (e.g. from YAML) or :class:`~citykpi.index.spec.IndexSpec`.
    frozen
        Edition parameters to apply instead of fitting treatment, normalisation and weights.

    Returns
    -------
    IndexResult
        Every intermediate data set, ranks, the log, weights and fitted parameters.
    """
    the_spec = parse_spec(spec)
    h = (
        meta
        if isinstance(meta, Hierarchy)
        else hierarchy_from_meta(meta, level_names=the_spec.level_names)
    )
    frame = prepare_units(data, h)
    units = frame["uCode"].tolist()
    try:
        x = frame[list(h.indicators)].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as e:
        msg = f"iData indicator columns must be numeric: {e}."
        raise InputError(msg) from e
    other_cols = [c for c in frame.columns if c not in set(h.indicators)]
    unit_data = frame[other_cols].set_index("uCode")
    datasets: dict[str, pd.DataFrame] = {"raw": _frame(x, units, h.indicators)}
    log: list[StepRecord] = []
    points: pd.DataFrame | None = None
    norm_params: NormParams | None = None
    treat_params: dict[str, TreatParams] = {}
    weights = {c: float(w) for c, w in zip(h.codes, h.weights(), strict=True)}
    last_name = "raw"
    aggregated_cols: tuple[str, ...] = h.indicators
    for step in the_spec.steps:
        codes = h.indicators
        if isinstance(step, DenominateStep):
            names: list[str | None] = [(step.by or {}).get(c, h.node(c).denominator) for c in codes]
            den = np.ones_like(x)
            for j, name in enumerate(names):
                if name is None:
                    continue
                if name not in unit_data.columns:
                    msg = (
                        f"Indicator {codes[j]!r} is to be divided by {name!r}, but iData has no "
                        f"column {name!r}; add it or change the Denominator."
                    )
                    raise SpecError(msg)
                den[:, j] = pd.to_numeric(unit_data[name], errors="coerce").to_numpy(float)
            res = denominate(
                x, den, scale=step.scale, codes=codes, units=units, denominator_names=names
            )
            x, record = res.data, res.record
        elif isinstance(step, ImputeStep):
            groups = None
            if step.method in {"mean_group", "median_group"}:
                if step.group is None or step.group not in unit_data.columns:
                    msg = (
                        f"Impute method {step.method!r} needs 'group', the name of a unit-group "
                        f"column of iData; got {step.group!r}. Available columns: "
                        f"{', '.join(map(str, unit_data.columns))}."
                    )
                    raise SpecError(msg)
                groups = unit_data[step.group].tolist()
            blocks = None
            if step.level is not None and (step.method != "em" or step.by_block):
                blocks = [_ancestor(h, c, step.level) for c in codes]
            res = impute(
                x,
                method=step.method,
                groups=groups,
                blocks=blocks,
                directions=h.directions(),
                normalise_first=step.normalise_first,
                max_iter=step.max_iter,
                tol=step.tol,
                codes=codes,
            )
            x, record = res.data, res.record
        elif isinstance(step, ScreenStep):
            scr = screen(
                x,
                dat_thresh=step.dat_thresh,
                unit_screen=step.unit_screen,
                nonzero_thresh=step.nonzero_thresh,
                indicator_thresh=None if frozen is not None else step.indicator_thresh,
                force_include=step.force_include,
                force_exclude=step.force_exclude,
                units=units,
                codes=codes,
            )
            x, record = scr.data, scr.record
            units = [u for u, k in zip(units, scr.kept_units, strict=True) if k]
            unit_data = unit_data.loc[units]
            dropped = [c for c, k in zip(codes, scr.kept_indicators, strict=True) if not k]
            if dropped:
                h = h.without(dropped)
            weights = {c: w for c, w in weights.items() if c in h.codes}
        elif isinstance(step, TreatStep) and frozen is not None:
            x = x.copy()
            for j, code in enumerate(codes):
                if code in frozen.treat_params:
                    x[:, j] = frozen.treat_params[code].apply(x[:, j])
            record = StepRecord("treat", "frozen", {}, {"edition": True})
            treat_params = dict(frozen.treat_params)
        elif isinstance(step, TreatStep):
            overrides = {c: o.model_dump(exclude_none=True) for c, o in step.indicators.items()}
            tr = treat(
                x,
                winmax=step.winmax,
                skew_thresh=step.skew_thresh,
                kurt_thresh=step.kurt_thresh,
                f2=step.f2,
                combine_treat=step.combine_treat,
                force_win=step.force_win,
                boxcox_lambda=step.boxcox_lambda,
                skip=step.skip,
                overrides=overrides,
                codes=codes,
            )
            x, record = tr.data, tr.record
            points = pd.DataFrame(tr.points, index=pd.Index(units, name="uCode"), columns=codes)
            treat_params = dict(zip(codes, tr.params, strict=True))
        elif isinstance(step, NormaliseStep) and frozen is not None:
            norm_params = frozen.norm_params
            x = norm_params.apply(x)
            record = StepRecord(
                "normalise", "frozen", {}, {"edition": True, "parameters": norm_params.as_dict()}
            )
        elif isinstance(step, NormaliseStep):
            x, record, norm_params = _run_normalise(x, step, h)
        else:
            assert isinstance(step, AggregateStep)
            agg_args: dict[str, Any] = {
                "method": step.method,
                "p": step.p,
                "dat_thresh": step.dat_thresh,
                "copeland_variant": step.copeland_variant,
                "units": units,
            }
            if frozen is not None:
                weights = dict(frozen.weights)
            else:
                weights, wrecords = _weights(step, x, h, agg_args)
                log.extend(wrecords)
            agg = aggregate(x, h, weights=weights, **agg_args)
            record = agg.record
            datasets["aggregated"] = _frame(agg.data, units, h.codes)
            log.append(record)
            last_name = "aggregated"
            aggregated_cols = h.codes
            continue
        log.append(record)
        last_name = DATASET_OF_STEP[step.step]
        datasets[last_name] = _frame(x, units, h.indicators)
    final = datasets[last_name]
    ranks = pd.DataFrame(
        rank_scores(final.to_numpy(dtype=np.float64)),
        index=final.index,
        columns=list(aggregated_cols if last_name == "aggregated" else final.columns),
    )
    return IndexResult(
        hierarchy=h,
        spec=the_spec,
        units=tuple(units),
        datasets=datasets,
        ranks=ranks,
        treat_points=points,
        log=tuple(log),
        weights=weights,
        norm_params=norm_params,
        treat_params=treat_params,
        unit_data=unit_data,
    )


def _ancestor(h: Hierarchy, code: str, level: int) -> str:
    node = h.node(code)
    while node.level < level and node.parent is not None:
        node = h.node(node.parent)
    return node.code if node.level == level else code


__all__ = [
    "DATASET_OF_STEP",
    "FrozenParams",
    "IndexResult",
    "build_index",
    "prepare_units",
]
